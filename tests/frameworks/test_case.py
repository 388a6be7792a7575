"""Reading and writing 1EdTech CASE 1.0 packages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from lti_tool.frameworks import services
from lti_tool.frameworks.case import dump_case, load_case
from lti_tool.frameworks.document import MAX_COMPETENCES, FrameworkFileError
from tests.frameworks.conftest import ITEM, SMALL_CASE, SMALL_IRI, framework_document, small_case


def _problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(FrameworkFileError) as caught:
        load_case(json.dumps(data), "bad.json")
    return caught.value.problems


def test_case_import_builds_the_tree_in_sequence_order(session: Session, org_a: int) -> None:
    document = load_case(SMALL_CASE.read_text(encoding="utf-8"))
    services.import_document(session, org_a, document)
    framework = services.get_framework(session, org_a, SMALL_IRI)
    rows = services.competences_of(session, framework)
    parents = {row.id: row.code for row in rows}
    assert [(row.code, parents.get(row.parent_id or 0)) for row in rows] == [
        ("1", None),
        ("1.1", "1"),
        ("1.2", "1"),
        ("2", None),
    ]


def test_case_import_keeps_item_uris_as_competence_iris() -> None:
    document = load_case(SMALL_CASE.read_text(encoding="utf-8"))
    assert [c.iri for c in document.competences[0].competences] == [ITEM + "12", ITEM + "13"]


def test_case_import_fills_the_language_of_each_item() -> None:
    document = load_case(SMALL_CASE.read_text(encoding="utf-8"))
    assert document.competences[0].title.sv == "Undervisa med digitala verktyg"
    assert document.competences[1].title.en == "Skydda personuppgifter"
    assert document.competences[1].title.sv == ""


def test_case_import_takes_the_abbreviated_statement_as_title() -> None:
    item = load_case(SMALL_CASE.read_text(encoding="utf-8")).competences[0].competences[0]
    assert (item.title.sv, item.description.sv) == (
        "Välja resurser",
        "Välja digitala resurser som passar lärandemålen.",
    )


def test_case_import_reads_levels_from_the_rubric_in_position_order() -> None:
    document = load_case(SMALL_CASE.read_text(encoding="utf-8"))
    assert [(level.code, level.descriptor.sv) for level in document.levels] == [
        ("A", "Prövar verktygen med stöd."),
        ("B", "Använder verktygen självständigt."),
    ]


def test_case_bad_package_lists_every_problem_with_its_path() -> None:
    data = small_case()
    del data["CFItems"][3]["uri"]
    data["CFItems"][1]["fullStatement"] = ""
    del data["CFAssociations"][2]["originNodeURI"]
    problems = _problems(data)
    assert [p.split(":")[0] for p in problems] == [
        "CFItems[1].fullStatement",
        "CFItems[3].uri",
        "CFAssociations[2].originNodeURI",
    ]


def test_case_association_to_an_unknown_item_is_named() -> None:
    data = small_case()
    data["CFAssociations"][1]["destinationNodeURI"] = {"identifier": "nowhere", "uri": "x:y"}
    assert _problems(data) == [
        "CFAssociations[1].destinationNodeURI: no CFItem or CFDocument 'nowhere'"
    ]


def test_case_cycle_of_is_child_of_is_refused() -> None:
    data = small_case()
    area = data["CFAssociations"][0]
    area["destinationNodeURI"] = dict(data["CFAssociations"][1]["originNodeURI"])
    problems = _problems(data)
    assert len(problems) == 1
    assert "form a cycle" in problems[0]
    assert "9f1c2a30-0000-4000-8000-000000000011" in problems[0]


def test_case_item_with_two_parents_is_refused() -> None:
    data = small_case()
    second = json.loads(json.dumps(data["CFAssociations"][1]))
    second["destinationNodeURI"] = data["CFAssociations"][3]["originNodeURI"]
    data["CFAssociations"].append(second)
    assert "already has a parent" in _problems(data)[0]


def test_case_with_too_many_items_is_refused_before_reading_them() -> None:
    data = small_case()
    data["CFItems"] = [{}] * (MAX_COMPETENCES + 1)
    assert _problems(data) == [f"CFItems: {MAX_COMPETENCES + 1} items, more than {MAX_COMPETENCES}"]


def test_case_that_is_not_json_is_refused() -> None:
    with pytest.raises(FrameworkFileError, match="not valid JSON"):
        load_case("{CFDocument", "bad.json")


def test_case_export_then_import_gives_the_same_document() -> None:
    document = load_case(SMALL_CASE.read_text(encoding="utf-8"))
    assert load_case(dump_case(document, "sv")) == document


def test_case_export_writes_one_language_falling_back_to_the_other() -> None:
    package = json.loads(dump_case(framework_document(), "en"))
    assert [item["fullStatement"] for item in package["CFItems"]] == [
        "Planning",
        "Välja det som passar målen.",
        "Sequencing",
        "Återkoppla",
    ]


def test_case_export_gives_the_same_identifiers_every_time() -> None:
    document = framework_document()
    first = json.loads(dump_case(document))
    second = json.loads(dump_case(document))
    assert [i["identifier"] for i in first["CFItems"]] == [
        i["identifier"] for i in second["CFItems"]
    ]


def test_case_level_that_is_not_a_code_is_named_with_its_path() -> None:
    data = small_case()
    data["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][1]["quality"] = "Nivå A"
    assert _problems(data) == [
        "CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[1].quality: 'Nivå A' is not "
        "a level code (up to 20 letters, digits, '.', '_' or '-')"
    ]


def test_case_json_nested_beyond_reason_is_refused() -> None:
    with pytest.raises(FrameworkFileError, match="nests too deeply"):
        load_case('{"CFDocument": ' + "[" * 100_000 + "]" * 100_000 + "}", "deep.json")
