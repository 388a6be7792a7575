"""Reading and writing framework files in our YAML format."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.orm import Session

from lti_tool.frameworks import services
from lti_tool.frameworks.document import MAX_DEPTH, FrameworkFileError
from lti_tool.frameworks.interchange import detect_format, dump_yaml, load_yaml
from tests.frameworks.conftest import FRAMEWORK_IRI, SMALL_CASE, framework_data, framework_document
from tests.journeys.conftest import BILLION_LAUGHS


def _text(**overrides: object) -> str:
    return yaml.safe_dump(framework_data(**overrides), allow_unicode=True, sort_keys=False)


def _problems(text: str) -> list[str]:
    with pytest.raises(FrameworkFileError) as caught:
        load_yaml(text, "ram.yaml")
    return caught.value.problems


def test_yaml_round_trip_through_the_database_gives_the_same_tree(
    session: Session, org_a: int
) -> None:
    services.import_document(session, org_a, load_yaml(_text()))
    exported = services.document_of(session, services.get_framework(session, org_a, FRAMEWORK_IRI))
    assert load_yaml(dump_yaml(exported)) == framework_document()


def test_yaml_mints_a_missing_iri_from_the_framework_iri_and_the_code() -> None:
    document = load_yaml(_text())
    assert document.competences[0].competences[1].iri == FRAMEWORK_IRI + "/1.2"


def test_yaml_keeps_a_given_iri() -> None:
    assert load_yaml(_text()).competences[1].iri == "https://example.org/competences/feedback"


def test_yaml_lists_every_problem_with_its_path_and_line() -> None:
    data = framework_data()
    data["competences"][0]["competences"][1]["title"] = {}
    data["competences"][1]["colour"] = "red"
    data["levels"][2]["code"] = "L 3"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    problems = _problems(text)
    assert len(problems) == 3
    assert any("levels[2].code:" in p for p in problems)
    assert any("competences[0].competences[1].title:" in p for p in problems)
    assert any(p.startswith("line ") and "competences[1].colour:" in p for p in problems)


def test_yaml_competence_without_iri_or_code_is_refused() -> None:
    problems = _problems(_text(competences=[{"title": {"sv": "Utan kod"}}]))
    assert problems == ["competences[0]: give an iri or a code (the IRI is minted from the code)"]


def test_yaml_duplicate_iri_is_refused_naming_both_places() -> None:
    problems = _problems(_text(competences=[{"code": "1", "title": {"sv": "A"}}] * 2))
    assert problems == [f"competences[1].iri: {FRAMEWORK_IRI}/1 is also the IRI of competences[0]"]


def test_yaml_tree_deeper_than_the_limit_is_refused() -> None:
    tree: list[dict[str, object]] = []
    level = tree
    for depth in range(MAX_DEPTH + 1):
        child: dict[str, object] = {"code": f"c{depth}", "title": {"sv": "Nivå"}}
        level.append(child)
        level = []
        child["competences"] = level
    problems = _problems(_text(competences=tree))
    assert problems[0].endswith(f"nested more than {MAX_DEPTH} levels deep")


def test_yaml_alias_bomb_is_refused() -> None:
    assert "aliases" in _problems(BILLION_LAUGHS)[0]


def test_yaml_that_is_not_a_mapping_is_refused() -> None:
    assert _problems("- just\n- a list\n") == [
        "the file must hold one framework: a mapping with iri, title, competences"
    ]


def test_detect_format_tells_a_case_package_from_yaml() -> None:
    assert (detect_format(SMALL_CASE.read_text(encoding="utf-8")), detect_format(_text())) == (
        "case",
        "yaml",
    )
