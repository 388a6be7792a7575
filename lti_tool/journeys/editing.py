"""Editing a journey's draft piece by piece: settings, goals, sections and steps.

Every change goes to the draft (``authoring.ensure_draft`` makes one from the latest published
version when there is none), addressed by the stable keys of goals, sections and steps, so an
editor's links stay valid when a new draft replaces a published version. Positions stay dense.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lti_tool.db import new_key
from lti_tool.journeys.authoring import ensure_draft, load_version
from lti_tool.journeys.competencies import competency_problem
from lti_tool.journeys.content import (
    GoalDocument,
    StepDocument,
    parse_step_config,
)
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.group_step_forms import field_of, place_of
from lti_tool.journeys.markdown import markdown_problem
from lti_tool.journeys.models import (
    Goal,
    Journey,
    JourneyVersion,
    MasteryPolicy,
    Section,
    Step,
    StepType,
    Visibility,
)
from lti_tool.journeys.step_defaults import new_step_config
from lti_tool.validation import strict_int

# What a new step of each type starts with (a cycle's phases in English here; ``add_step`` writes
# them in the journey's language); publishing refuses it until it is complete.
EMPTY_CONFIGS: dict[StepType, dict[str, Any]] = {t: new_step_config(t, "en") for t in StepType}


class EditError(JourneyError):
    """Input the editor cannot save; ``problems`` are sentences for the author."""

    def __init__(self, problems: list[str], fields: dict[str, list[str]] | None = None) -> None:
        self.problems = problems
        # The same problems by the form field they are about (``group_step_forms.field_of``).
        self.fields = fields or {}
        super().__init__("invalid_input", " ".join(problems), 400)


def draft(session: Session, journey: Journey) -> JourneyVersion:
    """The journey's draft with its goals, sections and steps loaded."""
    version = ensure_draft(session, journey)
    session.flush()
    return load_version(session, version.id)


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        place = ".".join(
            str(p)
            for p in error["loc"]
            if p not in ("content",)
            and not (isinstance(p, str) and p in {t.value for t in StepType})
        )
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{place}: {message}" if place else message)
    return problems


GROUP_STEP_TYPES = (StepType.LIVE_SESSION, StepType.COLLEGIAL_CYCLE)


def _step_problems(exc: ValidationError, step_type: StepType) -> EditError:
    """The problems of a step's form, each in words and by the field it is about."""
    if step_type not in GROUP_STEP_TYPES:
        return EditError(_problems(exc))
    problems: list[str] = []
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if loc[:2] == ("content", step_type.value):
            field, place = field_of(loc[2:]), place_of(loc[2:])
        else:
            field, place = (
                ("step-title", str(_l("Title"))) if loc[:1] == ("title",) else ("form", "")
            )
        problems.append(f"{place}: {message}" if place else message)
        fields.setdefault(field, []).append(message)
    return EditError(problems, fields)


def _text(value: str, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise EditError([str(_l("%(field)s cannot be empty.", field=field))])
    if len(text) > limit:
        raise EditError(
            [
                str(
                    _l(
                        "%(field)s is too long (at most %(limit)d characters).",
                        field=field,
                        limit=limit,
                    )
                )
            ]
        )
    return text


def _markdown(value: str) -> str:
    text = (value or "").strip()
    problem = markdown_problem(text)
    if problem:
        raise EditError([str(_l("The description: %(problem)s", problem=problem))])
    return text


def update_settings(session: Session, journey: Journey, values: dict[str, str]) -> JourneyVersion:
    version = draft(session, journey)
    version.title = _text(values.get("title", ""), str(_l("The title")), 200)
    version.description = _markdown(values.get("description", ""))
    language = values.get("language", "sv")
    if language not in ("sv", "en"):
        raise EditError([str(_l("Choose Swedish or English as the journey's language."))])
    version.language = language
    minutes = values.get("estimated_minutes", "").strip()
    estimated = strict_int(minutes, 1, 100_000)
    if minutes and estimated is None:
        raise EditError([str(_l("Estimated time is a whole number of minutes, or empty."))])
    version.estimated_minutes = estimated
    policy = values.get("mastery_policy", "waive")
    if policy not in ("waive", "optional"):
        raise EditError([str(_l("Choose what happens to steps the learner already masters."))])
    version.mastery_policy = MasteryPolicy(policy)
    level = values.get("mastery_level", "3")
    if level not in ("1", "2", "3", "4"):
        raise EditError([str(_l("The mastery level is 1, 2, 3 or 4."))])
    version.mastery_level = int(level)
    journey.visibility = Visibility.SHARED if values.get("shared") == "on" else Visibility.PRIVATE
    session.commit()
    return version


def _goal(version: JourneyVersion, key: str) -> Goal:
    goal = next((g for g in version.goals if g.key == key), None)
    if goal is None:
        raise JourneyNotFoundError("goal_not_found", _l("That goal is not in the draft."))
    return goal


def _validate_goal(values: dict[str, str]) -> GoalDocument:
    levels = [values.get(f"level-{n}", "").strip() for n in range(1, 5)]
    try:
        return GoalDocument.model_validate(
            {
                "title": values.get("title", ""),
                "description": values.get("description", ""),
                "competency": values.get("competency", "").strip() or None,
                "levels": levels if any(levels) else [],
            }
        )
    except ValidationError as exc:
        raise EditError(_problems(exc)) from exc


def save_goal(
    session: Session, journey: Journey, values: dict[str, str], key: str | None = None
) -> Goal:
    """Add a goal (or a sub-goal, with ``parent``), or update the goal with ``key``."""
    version = draft(session, journey)
    document = _validate_goal(values)
    if document.competency is not None:
        problem = competency_problem(session, journey.organization_id, document.competency)
        if problem is not None:
            raise EditError([problem])
    if key is None:
        parent = _goal(version, values["parent"]) if values.get("parent") else None
        if parent is not None and parent.parent_id is not None:
            raise EditError([str(_l("Sub-goals cannot have sub-goals of their own."))])
        goal = Goal(key=new_key(), position=len(version.goals), parent=parent)
        version.goals.append(goal)
    else:
        goal = _goal(version, key)
    goal.title = document.title
    goal.description = document.description
    goal.competency_iri = document.competency
    goal.level_descriptors = list(document.levels)
    session.commit()
    return goal


def delete_goal(session: Session, journey: Journey, key: str) -> None:
    version = draft(session, journey)
    goal = _goal(version, key)
    removed = {goal.key} | {g.key for g in version.goals if g.parent_id == goal.id}
    for child in [g for g in version.goals if g.parent_id == goal.id]:
        version.goals.remove(child)
    session.flush()
    version.goals.remove(goal)
    for section in version.sections:
        for step in section.steps:
            if removed & set(step.goal_keys):
                step.goal_keys = [k for k in step.goal_keys if k not in removed]
    for position, item in enumerate(version.goals):
        item.position = position
    session.commit()


def _section(version: JourneyVersion, key: str) -> Section:
    section = next((s for s in version.sections if s.key == key), None)
    if section is None:
        raise JourneyNotFoundError("section_not_found", _l("That section is not in the draft."))
    return section


def save_section(
    session: Session, journey: Journey, values: dict[str, str], key: str | None = None
) -> Section:
    version = draft(session, journey)
    title = _text(values.get("title", ""), str(_l("The section's title")), 300)
    description = _markdown(values.get("description", ""))
    if key is None:
        section = Section(key=new_key(), position=len(version.sections))
        version.sections.append(section)
    else:
        section = _section(version, key)
    section.title = title
    section.description = description
    session.commit()
    return section


def delete_section(session: Session, journey: Journey, key: str) -> None:
    version = draft(session, journey)
    version.sections.remove(_section(version, key))
    for position, section in enumerate(version.sections):
        section.position = position
    session.commit()


def move_section(session: Session, journey: Journey, key: str, offset: int) -> None:
    version = draft(session, journey)
    sections = list(version.sections)
    index = sections.index(_section(version, key))
    target = min(max(index + offset, 0), len(sections) - 1)
    sections.insert(target, sections.pop(index))
    for position, section in enumerate(sections):
        section.position = position
    session.commit()


def _step(version: JourneyVersion, key: str) -> Step:
    for section in version.sections:
        for step in section.steps:
            if step.key == key:
                return step
    raise JourneyNotFoundError("step_not_found", _l("That step is not in the draft."))


def find_step(session: Session, journey: Journey, key: str) -> tuple[JourneyVersion, Step]:
    version = draft(session, journey)
    return version, _step(version, key)


def add_step(
    session: Session, journey: Journey, section_key: str, step_type: str, title: str
) -> Step:
    version = draft(session, journey)
    section = _section(version, section_key)
    try:
        kind = StepType(step_type)
    except ValueError:
        raise EditError([str(_l("Choose the kind of step to add."))]) from None
    step = Step(
        version=version,
        key=new_key(),
        position=len(section.steps),
        type=kind,
        title=_text(title, str(_l("The step's title")), 300),
        config=new_step_config(kind, version.language),
        goal_keys=[],
    )
    section.steps.append(step)
    session.commit()
    return step


def save_step(
    session: Session,
    journey: Journey,
    key: str,
    title: str,
    goal_keys: list[str],
    config: dict[str, Any],
) -> Step:
    """Validate and store a step's title, goals and content (field-level messages on errors)."""
    version = draft(session, journey)
    step = _step(version, key)
    known = {g.key for g in version.goals}
    try:
        document = StepDocument.model_validate(
            {
                "key": step.key,
                "title": title,
                "goals": [k for k in goal_keys if k in known],
                "content": {**config, "type": step.type.value},
            }
        )
    except ValidationError as exc:
        raise _step_problems(exc, step.type) from exc
    step.title = document.title
    step.goal_keys = list(document.goals)
    step.config = document.content.model_dump(exclude={"type"})
    session.commit()
    return step


def delete_step(session: Session, journey: Journey, key: str) -> None:
    version = draft(session, journey)
    step = _step(version, key)
    section = step.section
    section.steps.remove(step)
    for position, item in enumerate(section.steps):
        item.position = position
    session.commit()


def move_step(
    session: Session,
    journey: Journey,
    key: str,
    offset: int = 0,
    section_key: str | None = None,
    position: int | None = None,
) -> None:
    """Move a step up/down (``offset``), to another section, or to an explicit position."""
    version = draft(session, journey)
    step = _step(version, key)
    source = step.section
    target = _section(version, section_key) if section_key else source
    steps = list(source.steps)
    index = steps.index(step)
    if target is source:
        steps.pop(index)
        if position is None:
            position = index + offset
        steps.insert(min(max(position, 0), len(steps)), step)
        for number, item in enumerate(steps):
            item.position = number
    else:
        step.section = target  # the relationship moves it out of the source's steps
        moved = [item for item in target.steps if item is not step]
        moved.insert(len(moved) if position is None else min(max(position, 0), len(moved)), step)
        for number, item in enumerate(moved):
            item.position = number
        for number, item in enumerate(item for item in source.steps if item is not step):
            item.position = number
    session.commit()


def step_config(step: Step) -> dict[str, Any]:
    """The stored config, validated when possible, else as stored (a draft may be incomplete)."""
    try:
        return parse_step_config(step.type.value, step.config).model_dump(exclude={"type"})
    except ValueError:
        return dict(step.config)
