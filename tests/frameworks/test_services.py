"""Importing frameworks in one transaction, updating them in place, and keeping tenants apart."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.frameworks import services
from lti_tool.frameworks.document import FrameworkDocument
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.validation import NotFoundError
from tests.frameworks.conftest import FRAMEWORK_IRI, framework_data, framework_document


def _ids(session: Session, org_id: int) -> dict[str, int]:
    framework = services.get_framework(session, org_id, FRAMEWORK_IRI)
    return {row.iri: row.id for row in services.competences_of(session, framework)}


def _changed_document() -> FrameworkDocument:
    """The framework with 1.1 retitled, 1.2 removed and 3 added."""
    data = framework_data()
    data["competences"][0]["competences"][0]["title"]["en"] = "Choosing resources"
    data["competences"][0]["competences"].pop(1)
    data["competences"].append({"code": "3", "title": {"sv": "Samarbeta"}})
    return framework_document(**data)


def test_import_creates_the_framework_with_its_levels(session: Session, org_a: int) -> None:
    report = services.import_document(session, org_a, framework_document())
    framework = services.get_framework(session, org_a, FRAMEWORK_IRI)
    assert report.created
    assert [level["code"] for level in framework.levels] == ["L1", "L2", "L3"]


def test_reimport_updates_in_place_keeping_the_ids_of_kept_competences(
    session: Session, org_a: int
) -> None:
    services.import_document(session, org_a, framework_document())
    before = _ids(session, org_a)
    services.import_document(session, org_a, _changed_document())
    after = _ids(session, org_a)
    kept = set(before) & set(after)
    assert {iri: after[iri] for iri in kept} == {iri: before[iri] for iri in kept}
    assert len(kept) == 3


def test_reimport_reports_what_was_added_changed_and_removed(session: Session, org_a: int) -> None:
    services.import_document(session, org_a, framework_document())
    report = services.import_document(session, org_a, _changed_document())
    assert (report.created, report.added, report.updated, report.removed, report.unchanged) == (
        False,
        [FRAMEWORK_IRI + "/3"],
        [FRAMEWORK_IRI + "/1.1"],
        [FRAMEWORK_IRI + "/1.2"],
        2,
    )


def test_reimport_of_the_same_document_changes_nothing(session: Session, org_a: int) -> None:
    services.import_document(session, org_a, framework_document())
    assert not services.import_document(session, org_a, framework_document()).changed


def test_reimport_can_move_a_competence_to_another_parent(session: Session, org_a: int) -> None:
    services.import_document(session, org_a, framework_document())
    data = framework_data()
    moved = data["competences"][0]["competences"].pop(0)
    data["competences"][1]["competences"] = [moved]
    services.import_document(session, org_a, framework_document(**data))
    rows = {
        row.code: row
        for row in services.competences_of(
            session, services.get_framework(session, org_a, FRAMEWORK_IRI)
        )
    }
    assert rows["1.1"].parent_id == rows["2"].id


def test_import_that_fails_midway_leaves_the_database_unchanged(
    session: Session, org_a: int
) -> None:
    def fail_at_third(done: int) -> None:
        if done == 3:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        services.import_document(session, org_a, framework_document(), progress=fail_at_third)
    counts = (
        session.scalar(select(func.count()).select_from(Framework)),
        session.scalar(select(func.count()).select_from(Competence)),
    )
    assert counts == (0, 0)


def test_import_reports_progress_once_per_competence(session: Session, org_a: int) -> None:
    seen: list[int] = []
    services.import_document(session, org_a, framework_document(), progress=seen.append)
    assert seen == [1, 2, 3, 4]


def test_other_organisation_never_sees_the_framework(
    session: Session, org_a: int, org_b: int
) -> None:
    services.import_document(session, org_a, framework_document())
    assert services.list_frameworks(session, org_b) == []


def test_other_organisation_cannot_fetch_the_framework_by_id(
    session: Session, org_a: int, org_b: int
) -> None:
    report = services.import_document(session, org_a, framework_document())
    with pytest.raises(NotFoundError):
        services.get_framework(session, org_b, str(report.framework_id))


def test_same_iri_in_two_organisations_are_two_frameworks(
    session: Session, org_a: int, org_b: int
) -> None:
    services.import_document(session, org_a, framework_document())
    services.import_document(session, org_b, framework_document(title={"sv": "B:s ram"}))
    titles = [f.title_sv for f in services.list_frameworks(session, org_a)]
    assert titles == ["Undervisning med digitala verktyg"]


def test_competence_by_iri_finds_the_organisations_competence(session: Session, org_a: int) -> None:
    services.import_document(session, org_a, framework_document())
    competence = services.competence_by_iri(session, org_a, FRAMEWORK_IRI + "/1.1")
    assert competence is not None
    assert competence.title_en == "Selecting resources"


def test_competence_by_iri_ignores_other_organisations(
    session: Session, org_a: int, org_b: int
) -> None:
    services.import_document(session, org_a, framework_document())
    assert services.competence_by_iri(session, org_b, FRAMEWORK_IRI + "/1.1") is None


def test_get_framework_by_unknown_reference_says_how_to_list(session: Session, org_a: int) -> None:
    with pytest.raises(NotFoundError, match="frameworks list --org"):
        services.get_framework(session, org_a, "https://example.org/none")
