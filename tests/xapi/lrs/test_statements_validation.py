"""Statement validation: every rule broken gives a 400 whose message names the rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.statement_samples import error_message, statement
from xapi.lrs.errors import BadRequestError
from xapi.lrs.validation import parse_timestamp, validate_statement

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """An edit that sets (or, with ``...``, deletes) the property at a dotted path."""

    def edit(stmt: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = stmt
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        if value is ...:
            del target[last]
        else:
            target[last] = copy.deepcopy(value)

    return edit


SUB = {
    "objectType": "SubStatement",
    "actor": {"mbox": "mailto:sub@example.com"},
    "verb": {"id": "http://example.com/verbs/saw"},
    "object": {"id": "http://example.com/activities/sub"},
}
GROUP = {"objectType": "Group", "member": [{"mbox": "mailto:m@example.com"}]}

# (edit, message fragment): each statement is invalid in both xAPI versions.
INVALID: list[tuple[str, Edit, str]] = [
    ("id-not-uuid", _set("id", "not-a-uuid"), "statement.id must be a UUID"),
    (
        "id-too-long",
        _set("id", "AA97B177-9383-4934-8543-0F91A7A028368"),
        "statement.id must be a UUID",
    ),
    (
        "id-non-hex",
        _set("id", "MA97B177-9383-4934-8543-0F91A7A02836"),
        "statement.id must be a UUID",
    ),
    ("id-number", _set("id", 12345), "statement.id must be a string"),
    ("actor-missing", _set("actor", ...), "statement.actor is required"),
    ("verb-missing", _set("verb", ...), "statement.verb is required"),
    ("object-missing", _set("object", ...), "statement.object is required"),
    ("unknown-property", _set("dummy", 1), "property 'dummy'"),
    ("wrong-case-key", _set("Actor", {"mbox": "mailto:a@b.c"}), "property 'Actor'"),
    ("null-value", _set("actor.name", None), "statement.actor.name must not be null"),
    (
        "mbox-not-mailto",
        _set("actor.mbox", "http://should.fail.com"),
        "statement.actor.mbox must be a mailto: IRI",
    ),
    (
        "mbox-no-address",
        _set("actor.mbox", "mailto:should.fail.com"),
        "statement.actor.mbox must be a mailto: IRI",
    ),
    (
        "two-ifis",
        _set("actor.openid", "http://openid.example.com/ada"),
        "exactly one inverse functional identifier",
    ),
    ("no-ifi", _set("actor", {"name": "nobody"}), "exactly one inverse functional identifier"),
    ("sha1-bad", _set("actor", {"mbox_sha1sum": "xyz"}), "mbox_sha1sum must be 40 hexadecimal"),
    (
        "openid-not-uri",
        _set("actor", {"openid": "ab=c://should.fail.com"}),
        "statement.actor.openid must be an absolute URI",
    ),
    (
        "account-no-homepage",
        _set("actor", {"account": {"name": "a"}}),
        "statement.actor.account.homePage is required",
    ),
    (
        "account-no-name",
        _set("actor", {"account": {"homePage": "http://x.example"}}),
        "statement.actor.account.name is required",
    ),
    (
        "account-name-object",
        _set("actor", {"account": {"homePage": "http://x.example", "name": {}}}),
        "account.name must be a string",
    ),
    (
        "actor-objecttype-lower",
        _set("actor.objectType", "agent"),
        'objectType must be "Agent" or "Group"',
    ),
    ("actor-name-number", _set("actor.name", 123), "statement.actor.name must be a string"),
    (
        "anonymous-group-no-member",
        _set("actor", {"objectType": "Group", "name": "g"}),
        "anonymous Group and must have a member",
    ),
    (
        "group-member-not-array",
        _set("actor", {"objectType": "Group", "member": {"mbox": "mailto:a@b.c"}}),
        "member must be an array",
    ),
    (
        "group-in-group",
        _set("actor", {"objectType": "Group", "member": [GROUP]}),
        "must be an Agent, not a Group",
    ),
    ("verb-no-id", _set("verb", {"display": {"en-US": "x"}}), "statement.verb.id is required"),
    (
        "verb-id-not-iri",
        _set("verb.id", "should fail"),
        "statement.verb.id must be an absolute IRI",
    ),
    (
        "verb-display-string",
        _set("verb.display", "completed"),
        "statement.verb.display must be a JSON object",
    ),
    ("language-tag-invalid", _set("verb.display", {"a12345": "x"}), "not an RFC 5646 language tag"),
    (
        "object-type-lower",
        _set("object.objectType", "activity"),
        "objectType must be Activity, Agent",
    ),
    (
        "activity-no-id",
        _set("object", {"objectType": "Activity"}),
        "statement.object.id is required",
    ),
    (
        "activity-id-not-iri",
        _set("object.id", "ab=c://should.fail.com"),
        "statement.object.id must be an absolute IRI",
    ),
    ("activity-id-too-long", _set("object.id", "http://e.com/" + "a" * 1000), "longer than 1000"),
    (
        "definition-not-object",
        _set("object.definition", "x"),
        "statement.object.definition must be a JSON object",
    ),
    (
        "definition-type-not-iri",
        _set("object.definition.type", "x y"),
        "definition.type must be an absolute IRI",
    ),
    (
        "definition-moreinfo",
        _set("object.definition.moreInfo", "nope"),
        "moreInfo must be an absolute IRL",
    ),
    (
        "interaction-type-case",
        _set("object.definition.interactionType", "Choice"),
        "interactionType must be one of",
    ),
    (
        "components-wrong-type",
        _set("object.definition", {"interactionType": "true-false", "choices": []}),
        "choices is only allowed with interactionType",
    ),
    (
        "components-duplicate-ids",
        _set(
            "object.definition",
            {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]},
        ),
        "ids must be distinct",
    ),
    (
        "crp-not-array",
        _set("object.definition", {"interactionType": "choice", "correctResponsesPattern": "a"}),
        "correctResponsesPattern must be an array",
    ),
    (
        "extension-key-not-iri",
        _set("object.definition.extensions", {"should fail": 1}),
        "which is not an IRI",
    ),
    (
        "statementref-no-id",
        _set("object", {"objectType": "StatementRef"}),
        "statement.object.id is required",
    ),
    (
        "statementref-bad-id",
        _set("object", {"objectType": "StatementRef", "id": "x"}),
        "statement.object.id must be a UUID",
    ),
    (
        "substatement-nested",
        _set("object", {**SUB, "object": SUB}),
        "SubStatement inside a SubStatement",
    ),
    (
        "substatement-id",
        _set("object", {**SUB, "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}),
        "must not have the 'id' property",
    ),
    (
        "substatement-authority",
        _set("object", {**SUB, "authority": {"mbox": "mailto:a@b.c"}}),
        "must not have the 'authority'",
    ),
    (
        "score-scaled-range",
        _set("result", {"score": {"scaled": 1.01}}),
        "scaled must be between -1 and 1",
    ),
    (
        "score-raw-over-max",
        _set("result", {"score": {"raw": 11, "min": 0, "max": 10}}),
        "raw must not be greater",
    ),
    (
        "score-raw-under-min",
        _set("result", {"score": {"raw": -1, "min": 0, "max": 10}}),
        "raw must not be less",
    ),
    (
        "score-min-over-max",
        _set("result", {"score": {"min": 5, "max": 1}}),
        "min must be less than",
    ),
    ("score-string-number", _set("result", {"score": {"raw": "5"}}), "raw must be a number"),
    ("success-string", _set("result", {"success": "true"}), "success must be a boolean"),
    (
        "duration-invalid",
        _set("result", {"duration": "P4W1D"}),
        "duration must be an ISO 8601 duration",
    ),
    (
        "duration-letters",
        _set("result", {"duration": "PA1H0M0S"}),
        "duration must be an ISO 8601 duration",
    ),
    (
        "registration-not-uuid",
        _set("context", {"registration": "abc"}),
        "registration must be a UUID",
    ),
    ("team-is-agent", _set("context", {"team": {"mbox": "mailto:a@b.c"}}), "team must be a Group"),
    (
        "context-activities-key",
        _set("context", {"contextActivities": {"parents": []}}),
        "property 'parents'",
    ),
    (
        "context-activity-bad",
        _set("context", {"contextActivities": {"parent": [{"id": "nope"}]}}),
        "parent[0].id must be an absolute IRI",
    ),
    (
        "revision-with-agent",
        lambda s: s.update(
            object={"objectType": "Agent", "mbox": "mailto:o@example.com"},
            context={"revision": "1"},
        ),
        "only allowed when the object is an Activity",
    ),
    (
        "platform-with-statementref",
        lambda s: s.update(
            object={"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
            context={"platform": "x"},
        ),
        "only allowed when the object is an Activity",
    ),
    (
        "context-language",
        _set("context", {"language": "a12345678"}),
        "context.language must be an RFC 5646",
    ),
    (
        "context-statement",
        _set("context", {"statement": {"objectType": "StatementRef", "id": "x"}}),
        "context.statement.id must be a UUID",
    ),
    (
        "timestamp-invalid",
        _set("timestamp", "01/011/2015"),
        "statement.timestamp is not a valid ISO 8601",
    ),
    (
        "timestamp-negative-zero",
        _set("timestamp", "2008-09-15T15:53:00.601-00:00"),
        "-00:00 is not allowed",
    ),
    (
        "timestamp-negative-zero-short",
        _set("timestamp", "2008-09-15T15:53:00.601-0000"),
        "-00:00 is not allowed",
    ),
    ("timestamp-number", _set("timestamp", 1500000000), "must be an ISO 8601 timestamp string"),
    (
        "authority-identified-group",
        _set(
            "authority",
            {
                "objectType": "Group",
                "mbox": "mailto:g@example.com",
                "member": [{"mbox": "mailto:a@b.c"}, {"mbox": "mailto:d@b.c"}],
            },
        ),
        "only be an anonymous Group",
    ),
    (
        "authority-three-members",
        _set(
            "authority",
            {"objectType": "Group", "member": [{"mbox": f"mailto:{n}@b.c"} for n in "abc"]},
        ),
        "exactly two Agent members",
    ),
    ("version-1-1", _set("version", "1.1.0"), "statement.version must be"),
    ("attachments-not-array", _set("attachments", {}), "attachments must be an array"),
    (
        "attachment-usage-type",
        _set(
            "attachments",
            [
                {
                    "usageType": "should fail",
                    "display": {"en-US": "a"},
                    "contentType": "text/plain",
                    "length": 1,
                    "sha2": "a" * 64,
                    "fileUrl": "http://e.com/f",
                }
            ],
        ),
        "usageType must be an absolute IRI",
    ),
    (
        "attachment-length-string",
        _set(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en-US": "a"},
                    "contentType": "text/plain",
                    "length": "1",
                    "sha2": "a" * 64,
                }
            ],
        ),
        "length must be a non-negative integer",
    ),
    (
        "attachment-sha2-number",
        _set(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en-US": "a"},
                    "contentType": "text/plain",
                    "length": 1,
                    "sha2": 12345,
                }
            ],
        ),
        "sha2 must be a string",
    ),
    (
        "attachment-content-type",
        _set(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en-US": "a"},
                    "contentType": 12,
                    "length": 1,
                    "sha2": "a" * 64,
                }
            ],
        ),
        "contentType must be a string",
    ),
    (
        "voiding-needs-statementref",
        _set("verb", {"id": "http://adlnet.gov/expapi/verbs/voided"}),
        "its object must be a StatementRef",
    ),
]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(
    ("edit", "fragment"), [(e, f) for _, e, f in INVALID], ids=[n for n, _, _ in INVALID]
)
def test_invalid_statement_is_refused_with_the_rule(
    version: str, edit: Edit, fragment: str
) -> None:
    stmt = statement()
    edit(stmt)
    with pytest.raises(BadRequestError) as excinfo:
        validate_statement(stmt, version)
    assert fragment in excinfo.value.message


VALID: list[tuple[str, Edit]] = [
    ("minimal", lambda s: None),
    ("account", _set("actor", {"account": {"homePage": "http://x.example", "name": "ada"}})),
    ("mbox-sha1", _set("actor", {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"})),
    ("anonymous-group", _set("actor", GROUP)),
    (
        "identified-group-no-members",
        _set("actor", {"objectType": "Group", "openid": "http://o.example/g"}),
    ),
    ("agent-object", _set("object", {"objectType": "Agent", "mbox": "mailto:o@example.com"})),
    (
        "statementref",
        _set(
            "object", {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}
        ),
    ),
    ("substatement", _set("object", SUB)),
    (
        "interaction",
        _set(
            "object.definition",
            {
                "interactionType": "matching",
                "source": [{"id": "a", "description": {"sr-Latn-RS": "x"}}],
                "target": [{"id": "b"}],
                "correctResponsesPattern": ["a[.]b"],
            },
        ),
    ),
    (
        "extensions-null-values",
        _set("result", {"extensions": {"http://e.com/x": None, "http://e.com/y": {}}}),
    ),
    (
        "score-bounds",
        _set(
            "result",
            {
                "score": {"scaled": -1, "raw": 0, "min": 0, "max": 10},
                "success": True,
                "duration": "P3Y1M29DT4H35M59.14S",
            },
        ),
    ),
    ("duration-weeks", _set("result", {"duration": "P4W"})),
    (
        "single-context-activity",
        _set("context", {"contextActivities": {"parent": {"id": "http://e.com/p"}}}),
    ),
    (
        "context-language-three-letters",
        _set(
            "context", {"language": "cmn", "registration": "FD41C918-B88B-4B20-A0A5-A4C32391AAA0"}
        ),
    ),
    ("timestamp-utc-offset", _set("timestamp", "2008-09-15T15:53:00.601+00:00")),
    ("future-timestamp", _set("timestamp", "2099-01-01T00:00:00Z")),
    ("version-1-0", _set("version", "1.0")),
    (
        "authority-oauth-group",
        _set(
            "authority",
            {
                "objectType": "Group",
                "member": [
                    {"account": {"homePage": "http://e.com", "name": "app"}},
                    {"mbox": "mailto:u@e.com"},
                ],
            },
        ),
    ),
    (
        "file-url-attachment",
        _set(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"es": "a"},
                    "description": {"es-MX": "b"},
                    "contentType": "text/plain; charset=ascii",
                    "length": 1,
                    "sha2": "a" * 64,
                    "fileUrl": "http://e.com/f",
                }
            ],
        ),
    ),
]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("edit", [e for _, e in VALID], ids=[n for n, _ in VALID])
def test_valid_statement_passes(version: str, edit: Edit) -> None:
    stmt = statement()
    edit(stmt)
    assert validate_statement(stmt, version) is stmt


CONTEXT_AGENTS = {
    "contextAgents": [
        {
            "objectType": "contextAgent",
            "agent": {"mbox": "mailto:c@example.com"},
            "relevantTypes": ["http://e.com/t"],
        }
    ],
    "contextGroups": [{"objectType": "contextGroup", "group": GROUP}],
}


def test_context_agents_are_xapi_2_only() -> None:
    stmt = statement(context=CONTEXT_AGENTS)
    assert validate_statement(stmt, "2.0.0")
    with pytest.raises(BadRequestError, match="property 'contextAgents'"):
        validate_statement(stmt, "1.0.3")


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"contextAgents": {}}, "contextAgents must be an array"),
        (
            {"contextAgents": [{"objectType": "Agent", "agent": {"mbox": "mailto:a@b.c"}}]},
            'objectType must be "contextAgent"',
        ),
        (
            {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "x"}}]},
            "agent.mbox must be a mailto: IRI",
        ),
        (
            {
                "contextAgents": [
                    {
                        "objectType": "contextAgent",
                        "agent": {"mbox": "mailto:a@b.c"},
                        "relevantTypes": [],
                    }
                ]
            },
            "relevantTypes must be a non-empty array",
        ),
        (
            {
                "contextGroups": [
                    {"objectType": "contextGroup", "group": GROUP, "relevantTypes": ["no iri"]}
                ]
            },
            "relevantTypes[0] must be an absolute IRI",
        ),
        (
            {"contextGroups": [{"objectType": "contextGroup", "group": {"mbox": "mailto:a@b.c"}}]},
            "group must be a Group",
        ),
    ],
)
def test_invalid_context_agents_in_xapi_2(context: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadRequestError) as excinfo:
        validate_statement(statement(context=context), "2.0.0")
    assert fragment in excinfo.value.message


def test_xapi_2_timestamps_need_a_time_zone() -> None:
    stmt = statement(timestamp="2024-01-01T12:00:00.000")
    assert validate_statement(stmt, "1.0.3")
    with pytest.raises(BadRequestError, match="requires a time zone"):
        validate_statement(stmt, "2.0.0")


def test_xapi_2_accepts_version_2_statements_but_1_0_3_does_not() -> None:
    stmt = statement(version="2.0.0")
    assert validate_statement(stmt, "2.0.0")
    with pytest.raises(BadRequestError, match="version must be"):
        validate_statement(stmt, "1.0.3")


def test_parse_timestamp_converts_offsets_to_utc() -> None:
    assert parse_timestamp("2023-05-04T12:00:00-05:00") == datetime(2023, 5, 4, 17, tzinfo=UTC)
    assert parse_timestamp("2023-05-04T12:00:00.1234567Z").microsecond == 123456


def test_invalid_statement_posted_gets_400_naming_the_rule(lrs: LrsClient) -> None:
    response = lrs.post("statements", json_body=statement(actor={"mbox": "ada@example.com"}))
    assert response.status_code == 400
    assert "statement.actor.mbox must be a mailto: IRI" in error_message(response)


def test_batch_error_names_the_statement_index(lrs: LrsClient) -> None:
    response = lrs.post("statements", json_body=[statement(), statement(verb={"id": "nope"})])
    assert response.status_code == 400
    assert "statements[1].verb.id must be an absolute IRI" in error_message(response)


def test_body_that_is_not_json_is_refused(lrs: LrsClient) -> None:
    response = lrs.post("statements", data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid UTF-8 JSON" in error_message(response)


def _raw(extension_value: str) -> str:
    body = json.dumps(statement(result={"extensions": {"http://e.com/x": "PLACEHOLDER"}}))
    return body.replace('"PLACEHOLDER"', extension_value)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (_raw('"a\\u0000b"'), "U+0000"),
        (_raw('"\\ud800"'), "unpaired UTF-16 surrogate"),
        (_raw("1e400"), "not valid UTF-8 JSON"),
        (_raw("NaN"), "not valid UTF-8 JSON"),
        (_raw("[" * 5000 + "]" * 5000), ""),
        (json.dumps(statement(timestamp="9999-12-31T23:59:59-05:00")), "timestamp"),
        (
            json.dumps(statement(object={"id": "http://e.com/" + "å" * 600})),
            "longer than 1000 bytes",
        ),
        (json.dumps(statement(result={"score": {"raw": 10**400}})), "out of range"),
    ],
    ids=[
        "nul",
        "surrogate",
        "infinity",
        "nan",
        "deep",
        "timestamp-overflow",
        "long-utf8-iri",
        "huge-int",
    ],
)
def test_hostile_bodies_get_400_not_500(lrs: LrsClient, body: str, fragment: str) -> None:
    response = lrs.post("statements", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert fragment in error_message(response)


def test_escaped_backslash_before_u0000_is_fine(lrs: LrsClient) -> None:
    response = lrs.post(
        "statements", data=_raw('"a\\\\u0000"'), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
