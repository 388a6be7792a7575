"""Authoring services: journeys, their drafts and published versions, built from documents.

Every change goes to the journey's draft; a published version is never modified. Publishing turns
the draft into the next published version; the next edit copies it into a new draft (keys kept).
Services take a ``Session`` and commit; views and the CLI only parse input and call them.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lti_tool.db import utcnow
from lti_tool.journeys.competencies import document_competency_problems
from lti_tool.journeys.content import (
    GoalDocument,
    JourneyDocument,
    SectionDocument,
    StepDocument,
    SubGoalDocument,
    parse_step_config,
)
from lti_tool.journeys.errors import (
    JourneyConflictError,
    JourneyError,
    JourneyNotFoundError,
)
from lti_tool.journeys.models import (
    Goal,
    Journey,
    JourneyVersion,
    MasteryPolicy,
    Section,
    Step,
    StepType,
    VersionStatus,
    Visibility,
)


def get_journey(session: Session, organization_id: int, journey_id: int) -> Journey:
    """A journey of the organisation (never another's)."""
    journey = session.get(Journey, journey_id)
    if journey is None or journey.organization_id != organization_id:
        raise JourneyNotFoundError("journey_not_found", _l("That journey does not exist."))
    return journey


def journey_by_slug(session: Session, organization_id: int, slug: str) -> Journey | None:
    return session.scalars(
        select(Journey).where(Journey.organization_id == organization_id, Journey.slug == slug)
    ).first()


def list_journeys(session: Session, organization_id: int) -> list[Journey]:
    return list(
        session.scalars(
            select(Journey)
            .where(Journey.organization_id == organization_id)
            .options(selectinload(Journey.versions))
            .order_by(Journey.slug)
        )
    )


def list_library(session: Session, organization_id: int) -> list[Journey]:
    """Journeys other organisations share, with a published version to copy."""
    published = (
        select(JourneyVersion.journey_id)
        .where(JourneyVersion.status == VersionStatus.PUBLISHED)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Journey)
            .where(
                Journey.visibility == Visibility.SHARED,
                Journey.organization_id != organization_id,
                Journey.id.in_(published),
            )
            .options(selectinload(Journey.versions))
            .order_by(Journey.slug)
        )
    )


def latest_published(session: Session, journey: Journey) -> JourneyVersion | None:
    return session.scalars(
        select(JourneyVersion)
        .where(
            JourneyVersion.journey_id == journey.id,
            JourneyVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(JourneyVersion.number.desc())
        .limit(1)
    ).first()


def current_draft(session: Session, journey: Journey) -> JourneyVersion | None:
    return session.scalars(
        select(JourneyVersion).where(
            JourneyVersion.journey_id == journey.id,
            JourneyVersion.status == VersionStatus.DRAFT,
        )
    ).first()


def load_version(session: Session, version_id: int) -> JourneyVersion:
    """A version with its goals, sections and steps loaded in three queries."""
    version = session.scalars(
        select(JourneyVersion)
        .where(JourneyVersion.id == version_id)
        .options(
            selectinload(JourneyVersion.goals),
            selectinload(JourneyVersion.sections).selectinload(Section.steps),
            selectinload(JourneyVersion.journey),
        )
    ).first()
    if version is None:
        raise JourneyNotFoundError("version_not_found", _l("That journey version does not exist."))
    return version


# Published versions never change (nor are they deleted), so each process keeps the last few it
# loaded, per database engine, fully loaded and detached from any session: a learner's page then
# costs no query for the journey's content.
_PUBLISHED_CACHE_SIZE = 64
_published: weakref.WeakKeyDictionary[Engine, OrderedDict[int, JourneyVersion]] = (
    weakref.WeakKeyDictionary()
)
_published_lock = threading.Lock()


def load_published(session: Session, version_id: int) -> JourneyVersion:
    """Like ``load_version``, from the process cache when the version is published.

    The objects returned are shared and detached: read them, never change them.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # noqa: S101 - sessions are bound to one engine
    with _published_lock:
        cache = _published.setdefault(engine, OrderedDict())
        cached = cache.get(version_id)
        if cached is not None:
            cache.move_to_end(version_id)
            return cached
    # Closing (not rolling back) the private session leaves the loaded state in place.
    with Session(engine, expire_on_commit=False) as private:
        version = load_version(private, version_id)
    if version.status == VersionStatus.PUBLISHED:
        with _published_lock:
            cache[version_id] = version
            while len(cache) > _PUBLISHED_CACHE_SIZE:
                cache.popitem(last=False)
    return version


def create_journey(session: Session, organization_id: int, document: JourneyDocument) -> Journey:
    """A new journey of the organisation whose first draft holds the document."""
    if journey_by_slug(session, organization_id, document.slug) is not None:
        raise JourneyConflictError(
            "slug_taken",
            _l(
                "A journey with the short name “%(slug)s” already exists. Choose another short "
                "name.",
                slug=document.slug,
            ),
        )
    journey = Journey(
        organization_id=organization_id,
        slug=document.slug,
        visibility=Visibility.SHARED if document.shared else Visibility.PRIVATE,
    )
    session.add(journey)
    version = JourneyVersion(journey=journey, number=1, title=document.title)
    session.add(version)
    _fill_version(version, document)
    _commit(session, document.slug)
    return journey


def import_document(
    session: Session, organization_id: int, document: JourneyDocument
) -> tuple[Journey, JourneyVersion, bool]:
    """Create the journey, or replace the content of its draft; returns (journey, draft, created).

    A goal's competency must be one of the organisation's competences once it holds frameworks.
    """
    problems = document_competency_problems(session, organization_id, document)
    if problems:
        raise JourneyError("unknown_competency", " ".join(problems))
    journey = journey_by_slug(session, organization_id, document.slug)
    if journey is None:
        journey = create_journey(session, organization_id, document)
        return journey, ensure_draft(session, journey), True
    draft = ensure_draft(session, journey)
    journey.visibility = Visibility.SHARED if document.shared else Visibility.PRIVATE
    _clear_version(session, draft)
    _fill_version(draft, document)
    _commit(session, document.slug)
    return journey, draft, False


def ensure_draft(session: Session, journey: Journey) -> JourneyVersion:
    """The journey's draft; when there is none, a copy of its latest published version."""
    draft = current_draft(session, journey)
    if draft is not None:
        return draft
    source = latest_published(session, journey)
    if source is None:
        raise JourneyError("no_version", _l("The journey has no content yet."))
    number = (
        session.scalar(
            select(func.max(JourneyVersion.number)).where(JourneyVersion.journey_id == journey.id)
        )
        or 0
    )
    draft = JourneyVersion(journey=journey, number=number + 1, title=source.title)
    session.add(draft)
    _fill_version(draft, document_of(load_version(session, source.id)))
    session.flush()
    return draft


def editable_draft(session: Session, version: JourneyVersion) -> JourneyVersion:
    """Refuse changes to a published version: it is what enrolled learners walk."""
    if version.status != VersionStatus.DRAFT:
        raise JourneyConflictError(
            "version_published",
            _l("A published version cannot be changed. Edit the journey's draft instead."),
        )
    return version


def publish(session: Session, journey: Journey) -> JourneyVersion:
    """Turn the draft into the next published version."""
    draft = current_draft(session, journey)
    if draft is None:
        raise JourneyConflictError(
            "nothing_to_publish", _l("There are no unpublished changes to publish.")
        )
    version = load_version(session, draft.id)
    problems = publish_problems(version)
    if problems:
        raise JourneyError("not_publishable", " ".join(problems))
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    session.commit()
    return version


# The text a learner meets first in each step type (a knowledge check is checked by its model).
_MAIN_TEXT = {"content": "body", "reflection": "prompt", "practice": "instructions"}


def publish_problems(version: JourneyVersion) -> list[str]:
    """What stops a draft from being published, as sentences for the author."""
    problems: list[str] = []
    steps = [step for section in version.sections for step in section.steps]
    if not steps:
        problems.append(str(_l("Add at least one step before publishing.")))
    for step in steps:
        try:
            parse_step_config(step.type.value, step.config)
        except ValueError as exc:
            problems.append(
                str(
                    _l(
                        "The step “%(title)s” is not complete: %(problem)s",
                        title=step.title,
                        problem=_first_error(exc),
                    )
                )
            )
            continue
        # A new step starts empty; learners must not meet a step with nothing in it.
        text_field = _MAIN_TEXT.get(step.type.value)
        if text_field and not str(step.config.get(text_field, "")).strip():
            problems.append(
                str(_l("The step “%(title)s” has no text yet: write it.", title=step.title))
            )
    return problems


def copy_journey(
    session: Session, source: Journey, organization_id: int, slug: str | None = None
) -> Journey:
    """Copy a shared journey (or one's own) into the organisation as a new private draft.

    Another organisation's journey is copied from its latest published version only: its drafts
    are its authors' work in progress, never the library's.
    """
    own = source.organization_id == organization_id
    if not own and source.visibility != Visibility.SHARED:
        raise JourneyNotFoundError("journey_not_found", _l("That journey does not exist."))
    published = latest_published(session, source)
    if not own and published is None:
        raise JourneyNotFoundError("journey_not_found", _l("That journey does not exist."))
    origin = published or current_draft(session, source)
    if origin is None:
        raise JourneyError("no_version", _l("The journey has no content yet."))
    document = document_of(load_version(session, origin.id))
    document = document.model_copy(update={"slug": slug or source.slug, "shared": False})
    journey = create_journey(session, organization_id, document)
    journey.copied_from_id = source.id
    session.commit()
    return journey


def document_of(version: JourneyVersion) -> JourneyDocument:
    """The version as a document (export, copy, new draft)."""
    by_parent: dict[int | None, list[Goal]] = {}
    for goal in version.goals:
        by_parent.setdefault(goal.parent_id, []).append(goal)

    def sub(goal: Goal) -> SubGoalDocument:
        return SubGoalDocument(
            key=goal.key,
            title=goal.title,
            description=goal.description,
            competency=goal.competency_iri,
            levels=list(goal.level_descriptors or []),
        )

    goals = [
        GoalDocument(
            **sub(goal).model_dump(),
            subgoals=[sub(child) for child in by_parent.get(goal.id, [])],
        )
        for goal in by_parent.get(None, [])
    ]
    sections = [
        SectionDocument(
            key=section.key,
            title=section.title,
            description=section.description,
            steps=[
                StepDocument(
                    key=step.key,
                    title=step.title,
                    goals=list(step.goal_keys or []),
                    content=parse_step_config(step.type.value, step.config),
                )
                for step in section.steps
            ],
        )
        for section in version.sections
    ]
    return JourneyDocument(
        slug=version.journey.slug,
        title=version.title,
        description=version.description,
        language="en" if version.language == "en" else "sv",
        estimated_minutes=version.estimated_minutes,
        shared=version.journey.visibility == Visibility.SHARED,
        mastery_policy="optional" if version.mastery_policy == MasteryPolicy.OPTIONAL else "waive",
        mastery_level=version.mastery_level,
        goals=goals,
        sections=sections,
    )


def _fill_version(version: JourneyVersion, document: JourneyDocument) -> None:
    version.title = document.title
    version.description = document.description
    version.language = document.language
    version.estimated_minutes = document.estimated_minutes
    version.mastery_policy = MasteryPolicy(document.mastery_policy)
    version.mastery_level = document.mastery_level
    position = 0
    for goal_doc in document.goals:
        parent = _goal(goal_doc, position)
        version.goals.append(parent)
        position += 1
        for sub_doc in goal_doc.subgoals:
            child = _goal(sub_doc, position)
            child.parent = parent
            version.goals.append(child)
            position += 1
    for s_pos, section_doc in enumerate(document.sections):
        section = Section(
            key=section_doc.key,
            position=s_pos,
            title=section_doc.title,
            description=section_doc.description,
        )
        version.sections.append(section)
        for p_pos, step_doc in enumerate(section_doc.steps):
            section.steps.append(
                Step(
                    version=version,
                    key=step_doc.key,
                    position=p_pos,
                    type=StepType(step_doc.content.type),
                    title=step_doc.title,
                    config=step_doc.content.model_dump(exclude={"type"}),
                    goal_keys=list(step_doc.goals),
                )
            )


def _goal(document: SubGoalDocument, position: int) -> Goal:
    return Goal(
        key=document.key,
        position=position,
        title=document.title,
        description=document.description,
        competency_iri=document.competency,
        level_descriptors=list(document.levels),
    )


def _clear_version(session: Session, version: JourneyVersion) -> None:
    for section in list(version.sections):
        session.delete(section)
    # Sub-goals first: their parent must still exist while they are removed.
    for goal in sorted(version.goals, key=lambda g: g.parent_id is None):
        session.delete(goal)
    session.flush()
    session.expire(version, ["goals", "sections"])


def _commit(session: Session, slug: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise JourneyConflictError(
            "slug_taken",
            _l(
                "A journey with the short name “%(slug)s” already exists. Choose another short "
                "name.",
                slug=slug,
            ),
        ) from exc


def _first_error(exc: ValueError) -> str:
    errors: Sequence[object] = getattr(exc, "errors", lambda: [])()
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("msg", exc))
    return str(exc)
