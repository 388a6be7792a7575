"""Framework services: import (create or update in place), export, look-up; always per organisation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.document import (
    CompetenceDocument,
    FrameworkDocument,
    LevelDocument,
    Texts,
    Title,
    walk,
)
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.validation import NotFoundError, strict_int

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What an import did: the framework, whether it was new, and the competences it changed."""

    framework_id: int
    iri: str
    created: bool
    details_changed: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return (
            self.created or self.details_changed or bool(self.added or self.updated or self.removed)
        )


def list_frameworks(session: Session, org_id: int) -> list[Framework]:
    return list(
        session.scalars(
            select(Framework).where(Framework.organization_id == org_id).order_by(Framework.iri)
        )
    )


def framework_by_iri(session: Session, org_id: int, iri: str) -> Framework | None:
    return session.scalars(
        select(Framework).where(Framework.organization_id == org_id, Framework.iri == iri)
    ).first()


def get_framework(session: Session, org_id: int, ref: str) -> Framework:
    """The organisation's framework with this IRI or id; ``NotFoundError`` otherwise."""
    framework = framework_by_iri(session, org_id, ref)
    number = strict_int(ref, 1, 2**62)
    if framework is None and number is not None:
        framework = session.scalars(
            select(Framework).where(Framework.organization_id == org_id, Framework.id == number)
        ).first()
    if framework is None:
        raise NotFoundError(
            f"No framework {ref!r} in this organisation (lti-journeys frameworks list --org SLUG)."
        )
    return framework


def competence_by_iri(session: Session, org_id: int, iri: str) -> Competence | None:
    """The organisation's competence with this IRI (for goals that name a competence), or None."""
    return session.scalars(
        select(Competence)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.organization_id == org_id, Competence.iri == iri)
        .order_by(Competence.id)
    ).first()


def competences_of(session: Session, framework: Framework) -> list[Competence]:
    """A framework's competences in tree order (each parent before its children, by position)."""
    rows = session.scalars(
        select(Competence)
        .where(Competence.framework_id == framework.id)
        .order_by(Competence.position, Competence.id)
    ).all()
    children: dict[int | None, list[Competence]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[Competence] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row.id, [])))
    return ordered


def depth_of(competences: list[Competence]) -> dict[int, int]:
    """Each competence's depth (1 = top) in a framework's tree."""
    depths: dict[int, int] = {}
    for row in competences:
        depths[row.id] = 1 if row.parent_id is None else depths.get(row.parent_id, 0) + 1
    return depths


def _levels(document: FrameworkDocument) -> list[dict[str, object]]:
    return [level.model_dump(mode="json") for level in document.levels]


def _set_details(framework: Framework, document: FrameworkDocument) -> bool:
    values = {
        "title_sv": document.title.sv,
        "title_en": document.title.en,
        "version": document.version,
        "source": document.source,
        "licence": document.licence,
        "levels": _levels(document),
    }
    changed = False
    for name, value in values.items():
        if getattr(framework, name) != value:
            setattr(framework, name, value)
            changed = True
    return changed


def _set_competence(
    row: Competence, competence: CompetenceDocument, parent_id: int | None, position: int
) -> bool:
    values = {
        "code": competence.code,
        "title_sv": competence.title.sv,
        "title_en": competence.title.en,
        "description_sv": competence.description.sv,
        "description_en": competence.description.en,
        "parent_id": parent_id,
        "position": position,
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def import_document(
    session: Session, org_id: int, document: FrameworkDocument, progress: Progress | None = None
) -> ImportReport:
    """Create the framework, or update it in place by IRI; one transaction, committed at the end.

    Competences are matched by IRI, so a competence that stays keeps its row (and id); those no
    longer in the document are removed. ``progress`` is called with the number of competences done.
    """
    try:
        report = _import(session, org_id, document, progress)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _import(
    session: Session, org_id: int, document: FrameworkDocument, progress: Progress | None
) -> ImportReport:
    framework = framework_by_iri(session, org_id, document.iri)
    created = framework is None
    if framework is None:
        framework = Framework(organization_id=org_id, iri=document.iri)
        session.add(framework)
    details_changed = _set_details(framework, document) and not created
    session.flush()
    report = ImportReport(
        framework_id=framework.id,
        iri=framework.iri,
        created=created,
        details_changed=details_changed,
    )
    existing = {
        row.iri: row
        for row in session.scalars(
            select(Competence).where(Competence.framework_id == framework.id)
        )
    }
    parent_of = {
        id(child): competence
        for competence, _, _ in walk(document.competences)
        for child in competence.competences
    }
    ids: dict[int, int] = {}  # id() of a document competence -> its row id
    positions: dict[int | None, int] = {}
    kept: set[str] = set()
    for done, (competence, _, _) in enumerate(walk(document.competences), start=1):
        iri = competence.iri or ""
        kept.add(iri)
        parent = parent_of.get(id(competence))
        parent_id = None if parent is None else ids[id(parent)]
        position = positions.get(parent_id, 0)
        positions[parent_id] = position + 1
        row = existing.get(iri)
        if row is None:
            row = Competence(framework_id=framework.id, iri=iri)
            session.add(row)
            _set_competence(row, competence, parent_id, position)
            report.added.append(iri)
        elif _set_competence(row, competence, parent_id, position):
            report.updated.append(iri)
        else:
            report.unchanged += 1
        session.flush()
        ids[id(competence)] = row.id
        if progress is not None:
            progress(done)
    gone = [row for iri, row in existing.items() if iri not in kept]
    for row in gone:
        row.parent_id = None
    session.flush()
    for row in gone:
        session.delete(row)
        report.removed.append(row.iri)
    session.flush()
    return report


def document_of(session: Session, framework: Framework) -> FrameworkDocument:
    """The framework as a document (for export), competences in tree order."""
    rows = competences_of(session, framework)
    built: dict[int, CompetenceDocument] = {}
    top: list[CompetenceDocument] = []
    for row in rows:
        competence = CompetenceDocument(
            code=row.code,
            iri=row.iri,
            title=Title(sv=row.title_sv, en=row.title_en),
            description=Texts(sv=row.description_sv, en=row.description_en),
        )
        built[row.id] = competence
        if row.parent_id is None:
            top.append(competence)
        else:
            built[row.parent_id].competences.append(competence)
    return FrameworkDocument(
        iri=framework.iri,
        title=Title(sv=framework.title_sv, en=framework.title_en),
        version=framework.version,
        source=framework.source,
        licence=framework.licence,
        levels=[LevelDocument.model_validate(level) for level in framework.levels],
        competences=top,
    )
