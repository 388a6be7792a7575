"""Reading and writing goals files (YAML), importing them in one go and exporting them.

The file goes through the project's bounded YAML reader, so every problem names its place in the
document and its line and column. An import checks every goal and every reference first and
reports all problems at once; only a file without problems changes anything, in one transaction.
Re-importing updates each goal in place by its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence
from lti_tool.frameworks.services import competence_by_iri
from lti_tool.goals import services
from lti_tool.goals.document import (
    MAX_DEPTH,
    MAX_GOALS,
    GoalDocument,
    GoalsDocument,
    Path,
    TargetDocument,
    path_text,
    walk,
)
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.goals.services import GoalValues
from lti_tool.journeys.interchange import (
    MAX_FILE_BYTES,
    BlockDumper,
    Location,
    parse_located,
    validation_problems,
)
from lti_tool.journeys.models import Journey
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Unit
from lti_tool.validation import InvalidInputError

Places = dict[tuple[str | int, ...], Location]
# Where a service's field is in a goals file.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "target": ("target",),
    "target_competence": ("target", "competence"),
    "target_level": ("target", "level"),
    "target_share": ("target", "share"),
    "ends_on": ("ends",),
    "competences": ("competences",),
    "journeys": ("journeys",),
    "unit": ("unit",),
    "parent": (),
    "serves": ("serves",),
}


class GoalsFileError(InvalidInputError):
    """A goals file that cannot be imported; ``problems`` lists each with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"{source}: {problems[0]}")
            return
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problems\n{listing}")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def load_goals(text: str, source: str = "goals file") -> tuple[GoalsDocument, Places]:
    """Parse and validate a goals file; ``GoalsFileError`` lists every problem of its shape."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise GoalsFileError(source, ["the file is larger than 5 MB"])
    try:
        data, places = parse_located(text, source, GoalsFileError)
    except ValueError as exc:
        if isinstance(exc, GoalsFileError):
            raise
        # YAML reads 2027-13-01 as a date and fails while building it, after the syntax check.
        raise GoalsFileError(
            source, [f"a value could not be read ({exc}); write dates as YYYY-MM-DD"]
        ) from exc
    if not isinstance(data, dict):
        raise GoalsFileError(source, ["the file must hold a mapping with a list of goals"])
    try:
        document = GoalsDocument.model_validate(data)
    except ValidationError as exc:
        raise GoalsFileError(source, validation_problems(exc, places)) from exc
    return document, places


def _located(places: Places, path: Path, message: str) -> str:
    place = None
    for cut in range(len(path), -1, -1):
        place = places.get(path[:cut])
        if place:
            break
    where = f"line {place[0]}, column {place[1]}: " if place else ""
    return f"{where}{path_text(path)}: {message}"


@dataclass
class _Planned:
    goal: GoalDocument
    path: Path
    parent_key: str | None
    level: GoalLevel
    unit_id: int | None
    values: GoalValues
    existing: CompetenceGoal | None


class _Resolver:
    """Resolves a document's references in one organisation, collecting every problem."""

    def __init__(self, session: Session, org_id: int, places: Places) -> None:
        self.session = session
        self.org_id = org_id
        self.places = places
        self.problems: list[str] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(_located(self.places, path, message))

    def unit(self, ref: str, path: Path) -> int | None:
        unit_id = self.session.scalar(
            select(Unit.id).where(
                Unit.organization_id == self.org_id,
                or_(Unit.name == ref, Unit.school_unit_code == ref),
            )
        )
        if unit_id is None:
            self.problem(path, f"no school unit named {ref!r} or with that skolenhetskod")
        return unit_id

    def competence(self, iri: str, path: Path) -> Competence | None:
        competence = competence_by_iri(self.session, self.org_id, iri)
        if competence is None:
            self.problem(path, f"{iri} is not a competence of the organisation's frameworks")
        return competence

    def level(self, target: TargetDocument, competence: Competence | None, path: Path) -> int:
        if isinstance(target.level, int) or competence is None:
            return target.level if isinstance(target.level, int) else 1
        codes = [str(level.get("code", "")) for level in competence.framework.levels]
        if target.level in codes:
            return codes.index(target.level) + 1
        self.problem(
            path, f"{target.level!r} is not a level of the framework (levels: {', '.join(codes)})"
        )
        return 1

    def journey(self, slug: str, path: Path) -> int | None:
        journey_id = self.session.scalar(
            select(Journey.id).where(Journey.organization_id == self.org_id, Journey.slug == slug)
        )
        if journey_id is None:
            self.problem(path, f"the organisation has no journey {slug!r}")
        return journey_id

    def existing(self, key: str, path: Path) -> CompetenceGoal | None:
        rows = list(self.session.scalars(select(CompetenceGoal).where(CompetenceGoal.key == key)))
        if rows and rows[0].organization_id != self.org_id:
            self.problem(path, f"the key {key!r} is taken by another organisation; choose another")
            return None
        return rows[0] if rows else None


def _values(resolver: _Resolver, goal: GoalDocument, path: Path, unit_id: int | None) -> GoalValues:
    values = GoalValues(
        title=goal.title,
        level=GoalLevel.UNIT if unit_id is not None else GoalLevel.ORGANIZATION,
        description=goal.description,
        unit_id=unit_id,
        starts_on=goal.starts,
        ends_on=goal.ends,
    )
    if goal.target is not None:
        competence = resolver.competence(goal.target.competence, (*path, "target", "competence"))
        values.target_competence_id = competence.id if competence else None
        values.target_level = resolver.level(goal.target, competence, (*path, "target", "level"))
        values.target_share = goal.target.share
    for index, iri in enumerate(goal.competences):
        competence = resolver.competence(iri, (*path, "competences", index))
        if competence is not None:
            values.competence_ids.append(competence.id)
    for index, slug in enumerate(goal.journeys):
        journey_id = resolver.journey(slug, (*path, "journeys", index))
        if journey_id is not None:
            values.journey_ids.append(journey_id)
    return values


def _plan(
    session: Session, org_id: int, document: GoalsDocument, places: Places
) -> tuple[list[_Planned], list[str]]:
    resolver = _Resolver(session, org_id, places)
    seen: dict[str, Path] = {}
    planned: dict[str, _Planned] = {}
    for goal, path, parent in walk(document.goals):
        if len(seen) >= MAX_GOALS:
            resolver.problem(("goals",), f"more than {MAX_GOALS} goals; split the file")
            break
        if path.count("subgoals") >= MAX_DEPTH:
            resolver.problem(path, f"sub-goals nested more than {MAX_DEPTH} levels deep")
            continue
        if goal.key in seen:
            resolver.problem(
                (*path, "key"), f"the key {goal.key!r} is also at {path_text(seen[goal.key])}"
            )
            continue
        seen[goal.key] = path
        if parent is None:
            unit_id = resolver.unit(goal.unit, (*path, "unit")) if goal.unit else None
            level = GoalLevel.UNIT if goal.unit else GoalLevel.ORGANIZATION
        else:
            above = planned.get(parent.key)
            unit_id, level = (
                (above.unit_id, above.level) if above else (None, GoalLevel.ORGANIZATION)
            )
            if goal.unit is not None:
                resolver.problem(
                    (*path, "unit"), "a sub-goal has the unit of its goal: leave unit out"
                )
        values = _values(resolver, goal, path, unit_id)
        values.level = level
        existing = resolver.existing(goal.key, (*path, "key"))
        planned[goal.key] = _Planned(
            goal, path, parent.key if parent else None, level, unit_id, values, existing
        )
        for problem in services.check_values(session, org_id, values, places=False):
            resolver.problem((*path, *FIELD_PATHS.get(problem.field, ())), problem.message)
    for item in planned.values():
        _check_serves(resolver, item, planned)
        if item.existing is not None and item.existing.children:
            moved = item.level != item.existing.level or item.unit_id != item.existing.unit_id
            kept = {c.key for c in item.existing.children} - {
                k for k, p in planned.items() if p.parent_key == item.goal.key
            }
            if moved and kept:
                resolver.problem(
                    (*item.path, "unit"),
                    "the goal has sub-goals that are not in the file; they keep the level and "
                    "unit of their goal, so move them in the same file",
                )
    return list(planned.values()), resolver.problems


def _check_serves(resolver: _Resolver, item: _Planned, planned: dict[str, _Planned]) -> None:
    key = item.goal.serves
    if key is None:
        return
    where = (*item.path, "serves")
    if item.level != GoalLevel.UNIT:
        resolver.problem(where, "only a unit goal serves an organisation goal: give it a unit")
        return
    target = planned.get(key)
    if target is not None:
        level = target.level
    else:
        existing = services.goal_by_key(resolver.session, resolver.org_id, key)
        if existing is None:
            resolver.problem(where, f"no goal with key {key!r} in the file or the organisation")
            return
        level = existing.level
    if level != GoalLevel.ORGANIZATION:
        resolver.problem(where, f"{key!r} is not an organisation goal; a unit goal serves one")


def import_goals(
    session: Session,
    org_id: int,
    document: GoalsDocument,
    places: Places | None = None,
    source: str = "goals file",
    recording: Recording | None = None,
) -> ImportReport:
    """Create or update (by key) every goal of the document, or nothing when anything is wrong."""
    plan, problems = _plan(session, org_id, document, places or {})
    if problems:
        raise GoalsFileError(source, problems)
    report = ImportReport()
    rows: dict[str, CompetenceGoal] = {}
    # Organisation goals first: unit goals serve them.
    ordered = sorted(plan, key=lambda p: p.level != GoalLevel.ORGANIZATION)
    try:
        for item in ordered:
            values = item.values
            values.parent_id = rows[item.parent_key].id if item.parent_key else None
            if item.goal.serves is not None:
                served = rows.get(item.goal.serves) or services.goal_by_key(
                    session, org_id, item.goal.serves
                )
                values.serves_id = served.id if served else None
            if item.existing is None:
                rows[item.goal.key] = services.create_goal(
                    session, org_id, values, key=item.goal.key, recording=recording, commit=False
                )
                report.created.append(item.goal.key)
                continue
            rows[item.goal.key] = item.existing
            if services.update_goal(
                session, item.existing, values, recording=recording, commit=False
            ):
                report.updated.append(item.goal.key)
            else:
                report.unchanged += 1
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _document_of(session: Session, goal: CompetenceGoal) -> GoalDocument:
    target = None
    if goal.target_competence is not None and goal.target_level and goal.target_share:
        target = TargetDocument(
            competence=goal.target_competence.iri,
            level=goal.target_level,
            share=goal.target_share,
        )
    return GoalDocument(
        key=goal.key,
        title=goal.title,
        description=goal.description,
        unit=(goal.unit.school_unit_code or goal.unit.name)
        if goal.unit is not None and goal.parent_id is None
        else None,
        serves=goal.serves.key if goal.serves is not None else None,
        target=target,
        starts=goal.starts_on,
        ends=goal.ends_on,
        competences=[c.iri for c in goal.competences],
        journeys=[j.slug for j in goal.journeys],
        subgoals=[_document_of(session, child) for child in goal.children],
    )


def export_goals(session: Session, org_id: int, unit: Unit | None = None) -> GoalsDocument:
    """The organisation's goals (or one unit's) as a document; sub-goals under their goal."""
    query = select(CompetenceGoal).where(
        CompetenceGoal.organization_id == org_id, CompetenceGoal.parent_id.is_(None)
    )
    if unit is not None:
        query = query.where(CompetenceGoal.unit_id == unit.id)
    rows = sorted(
        session.scalars(query),
        key=lambda g: (
            g.level != GoalLevel.ORGANIZATION,
            g.unit.name if g.unit else "",
            g.position,
            g.id,
        ),
    )
    return GoalsDocument(goals=[_document_of(session, row) for row in rows])


def dump_goals(document: GoalsDocument) -> str:
    """The document as YAML, fields in the schema's order, empty values left out."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    data = {"format": document.format, **data}
    dumped: str = yaml.dump(
        data, Dumper=BlockDumper, allow_unicode=True, sort_keys=False, width=100
    )
    return dumped
