"""DigCompEdu, shipped with the tool, loads ready to use."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.frameworks import services
from lti_tool.frameworks.document import walk
from lti_tool.frameworks.interchange import builtin_text, load_yaml

DIGCOMPEDU = "https://w3id.org/xapi/lti-journeys/frameworks/digcompedu"


def test_digcompedu_imports_with_six_areas_22_competences_and_six_levels(
    session: Session, org_a: int
) -> None:
    services.import_document(session, org_a, load_yaml(builtin_text("digcompedu")))
    framework = services.get_framework(session, org_a, DIGCOMPEDU)
    rows = services.competences_of(session, framework)
    depths = services.depth_of(rows)
    areas = [row for row in rows if depths[row.id] == 1]
    competences = [row for row in rows if depths[row.id] == 2]
    levels = [level["code"] for level in framework.levels]
    assert (len(areas), len(competences), levels) == (
        6,
        22,
        ["A1", "A2", "B1", "B2", "C1", "C2"],
    )


def test_digcompedu_competences_have_stable_iris_by_code() -> None:
    document = load_yaml(builtin_text("digcompedu"))
    iris = [c.iri for c, _, depth in walk(document.competences) if depth == 2]
    assert iris[4] == DIGCOMPEDU + "/2.1"
    assert all(iri and iri.startswith(DIGCOMPEDU + "/") for iri in iris)


def test_digcompedu_has_every_title_and_descriptor_in_swedish_and_english() -> None:
    document = load_yaml(builtin_text("digcompedu"))
    texts = [c.title for c, _, _ in walk(document.competences)]
    texts += [c.description for c, _, _ in walk(document.competences)]
    texts += [level.descriptor for level in document.levels]
    texts += [level.name for level in document.levels]
    assert all(text.sv and text.en for text in texts)


def test_digcompedu_cites_its_source() -> None:
    assert "JRC107466" in load_yaml(builtin_text("digcompedu")).source
