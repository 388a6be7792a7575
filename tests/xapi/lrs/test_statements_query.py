"""GET /statements: every filter, ordering, limits, formats and stable paging with ``more``."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.statement_samples import (
    ACTOR,
    OTHER_ACTOR,
    VERB,
    error_message,
    get_one,
    ids_of,
    new_id,
    post,
    query,
    statement,
)

ADA = json.dumps({"mbox": ACTOR["mbox"]})
CAROL = {"mbox": "mailto:carol@example.com"}


def test_empty_lrs_returns_an_empty_result(lrs: LrsClient) -> None:
    assert query(lrs) == {"statements": [], "more": ""}


def test_newest_first_and_ascending(lrs: LrsClient) -> None:
    ids = [post(lrs, statement())[0] for _ in range(3)]
    assert ids_of(query(lrs)) == ids[::-1]
    assert ids_of(query(lrs, ascending="true")) == ids


def test_agent_filter_matches_actor_and_object(lrs: LrsClient) -> None:
    [as_actor] = post(lrs, statement())
    [as_object] = post(lrs, statement(actor=OTHER_ACTOR, object={**ACTOR}))
    post(lrs, statement(actor=OTHER_ACTOR))
    assert ids_of(query(lrs, agent=ADA)) == [as_object, as_actor]


def test_agent_filter_matches_members_of_a_group_actor(lrs: LrsClient) -> None:
    group = {"objectType": "Group", "member": [ACTOR, OTHER_ACTOR]}
    [statement_id] = post(lrs, statement(actor=group))
    assert ids_of(query(lrs, agent=ADA)) == [statement_id]


def test_agent_filter_by_account_and_identified_group(lrs: LrsClient) -> None:
    account = {"account": {"homePage": "http://lms.example", "name": "u1"}}
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    [by_account] = post(lrs, statement(actor=account))
    [by_group] = post(lrs, statement(actor=group))
    assert ids_of(query(lrs, agent=json.dumps(account))) == [by_account]
    assert ids_of(query(lrs, agent=json.dumps(group))) == [by_group]


def test_related_agents_reaches_instructor_team_authority_and_substatement(lrs: LrsClient) -> None:
    [instructor] = post(lrs, statement(actor=OTHER_ACTOR, context={"instructor": CAROL}))
    team = {"objectType": "Group", "member": [CAROL]}
    [in_team] = post(lrs, statement(actor=OTHER_ACTOR, context={"team": team}))
    sub = {
        "objectType": "SubStatement",
        "actor": CAROL,
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
    }
    [in_sub] = post(lrs, statement(actor=OTHER_ACTOR, object=sub))
    carol = json.dumps(CAROL)
    assert ids_of(query(lrs, agent=carol)) == []
    assert ids_of(query(lrs, agent=carol, related_agents="true")) == [in_sub, in_team, instructor]
    authority = json.dumps({"account": {"homePage": "http://tool.test", "name": lrs.key}})
    assert len(query(lrs, agent=authority, related_agents="true")["statements"]) == 3


def test_related_agents_reaches_context_agents_in_xapi_2(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["all"], "2.0.0")
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": CAROL}]}
    [statement_id] = post(client, statement(actor=OTHER_ACTOR, context=context))
    assert ids_of(query(client, agent=json.dumps(CAROL), related_agents="true")) == [statement_id]


def test_verb_filter(lrs: LrsClient) -> None:
    [match] = post(lrs, statement(verb={"id": "http://example.com/verbs/a"}))
    post(lrs, statement())
    assert ids_of(query(lrs, verb="http://example.com/verbs/a")) == [match]


def test_activity_filter_and_related_activities(lrs: LrsClient) -> None:
    target = "http://example.com/activities/x"
    [as_object] = post(lrs, statement(object={"id": target}))
    [as_parent] = post(lrs, statement(context={"contextActivities": {"parent": [{"id": target}]}}))
    sub = {
        "objectType": "SubStatement",
        "actor": ACTOR,
        "verb": {"id": "http://example.com/v"},
        "object": {"id": target},
    }
    [in_sub] = post(lrs, statement(object=sub))
    assert ids_of(query(lrs, activity=target)) == [as_object]
    assert ids_of(query(lrs, activity=target, related_activities="true")) == [
        in_sub,
        as_parent,
        as_object,
    ]


def test_registration_filter(lrs: LrsClient) -> None:
    registration = new_id()
    [match] = post(lrs, statement(context={"registration": registration}))
    post(lrs, statement(context={"registration": new_id()}))
    assert ids_of(query(lrs, registration=registration.upper())) == [match]


def test_filters_combine(lrs: LrsClient) -> None:
    verb = "http://example.com/verbs/b"
    [match] = post(lrs, statement(verb={"id": verb}))
    post(lrs, statement(verb={"id": verb}, actor=OTHER_ACTOR))
    post(lrs, statement())
    assert ids_of(query(lrs, verb=verb, agent=ADA)) == [match]


def test_since_is_exclusive_and_until_inclusive(lrs: LrsClient) -> None:
    [first] = post(lrs, statement())
    stored = get_one(lrs, first)["stored"]
    time.sleep(0.01)
    [second] = post(lrs, statement())
    assert ids_of(query(lrs, since=stored)) == [second]
    assert ids_of(query(lrs, until=stored)) == [first]


def test_since_and_until_accept_a_space_between_date_and_time(lrs: LrsClient) -> None:
    # Python clients (tincan) send str(datetime): "2026-01-01 10:00:00.123000+00:00".
    [first] = post(lrs, statement())
    stored = get_one(lrs, first)["stored"].replace("T", " ").replace("Z", "+00:00")
    time.sleep(0.01)
    [second] = post(lrs, statement())
    assert ids_of(query(lrs, since=stored)) == [second]
    assert ids_of(query(lrs, until=stored)) == [first]


@pytest.mark.parametrize("value", ["True", "TRUE"])
def test_boolean_parameters_accept_any_letter_case(lrs: LrsClient, value: str) -> None:
    ids = [post(lrs, statement())[0] for _ in range(2)]
    assert ids_of(query(lrs, ascending=value)) == ids
    assert (
        ids_of(query(lrs, ascending=value.replace("TRUE", "FALSE").replace("True", "False")))
        == ids[::-1]
    )


def test_statement_refs_follow_filters_recursively(lrs: LrsClient) -> None:
    verb = "http://example.com/verbs/c-" + new_id()
    [target] = post(lrs, statement(verb={"id": verb}))

    def ref(to: str) -> dict[str, Any]:
        return statement(actor=OTHER_ACTOR, object={"objectType": "StatementRef", "id": to})

    [first] = post(lrs, ref(target))
    [second] = post(lrs, ref(first))
    post(lrs, ref(new_id()))
    assert ids_of(query(lrs, verb=verb)) == [second, first, target]
    # A StatementRef in context does not count.
    post(
        lrs,
        statement(
            actor=OTHER_ACTOR, context={"statement": {"objectType": "StatementRef", "id": target}}
        ),
    )
    assert ids_of(query(lrs, verb=verb)) == [second, first, target]


def test_limit_and_more_page_through_everything_once(lrs: LrsClient) -> None:
    ids = [post(lrs, statement())[0] for _ in range(5)]
    seen: list[str] = []
    page = query(lrs, limit="2")
    while True:
        seen += ids_of(page)
        if not page["more"]:
            break
        assert page["more"].startswith("/xapi/statements?more=")
        post(lrs, statement())  # arrivals while paging do not shift pages
        response = lrs.client.get(page["more"], headers=lrs.headers())
        assert response.status_code == 200
        page = response.get_json()
    assert seen == ids[::-1]


def test_ascending_more_pages(lrs: LrsClient) -> None:
    ids = [post(lrs, statement())[0] for _ in range(3)]
    page = query(lrs, limit="2", ascending="true")
    assert ids_of(page) == ids[:2]
    rest = lrs.client.get(page["more"], headers=lrs.headers()).get_json()
    assert ids_of(rest) == ids[2:]


def test_more_with_the_original_parameters_repeated_is_answered(lrs: LrsClient) -> None:
    # Ralph's LRS reader sends the first request's parameters again beside ``more``.
    verb = VERB["id"]
    ids = [post(lrs, statement())[0] for _ in range(3)]
    post(lrs, statement(verb={"id": "http://example.com/verbs/other"}))
    first = {"verb": verb, "limit": "2", "ascending": "true"}
    page = query(lrs, **first)
    token = page["more"].split("more=")[1]
    rest = query(lrs, **first, more=token)
    assert ids_of(page) + ids_of(rest) == ids
    # The same values in another spelling, or only some of them, are the same query.
    assert ids_of(query(lrs, more=token, ascending="True", limit="2")) == ids[2:]


@pytest.mark.parametrize(
    ("repeated", "name"),
    [({"verb": "http://example.com/verbs/other"}, "verb"), ({"ascending": "false"}, "ascending")],
)
def test_more_with_other_parameters_is_refused(
    lrs: LrsClient, repeated: dict[str, str], name: str
) -> None:
    post(lrs, [statement(), statement()])
    token = query(lrs, verb=VERB["id"], limit="1", ascending="true")["more"].split("more=")[1]
    response = lrs.get("statements", params={"more": token, **repeated})
    assert response.status_code == 400
    assert name in error_message(response)


def test_limit_zero_means_server_maximum(lrs: LrsClient) -> None:
    post(lrs, [statement() for _ in range(3)])
    assert len(query(lrs, limit="0")["statements"]) == 3


def test_more_token_cannot_be_forged_or_combined(lrs: LrsClient) -> None:
    assert lrs.get("statements", params={"more": "garbage!"}).status_code == 400
    post(lrs, [statement(), statement()])
    more = query(lrs, limit="1")["more"].split("more=")[1]
    assert lrs.get("statements", params={"more": more, "limit": "5"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"LIMIT": "1"}, "Unknown parameter"),
        ({"limit": "-1"}, "non-negative integer"),
        ({"ascending": "yes"}, "true or false"),
        ({"since": "yesterday"}, "ISO 8601"),
        ({"agent": "{nope"}, "not valid JSON"),
        ({"agent": json.dumps({"name": "x"})}, "exactly one inverse functional identifier"),
        ({"registration": "x"}, "must be a UUID"),
        ({"format": "full"}, "ids, exact or canonical"),
        ({"statementId": new_id(), "voidedStatementId": new_id()}, "not both"),
        (
            {"statementId": new_id(), "verb": "http://example.com/v"},
            "only the attachments and format",
        ),
        ({"voidedStatementId": new_id(), "limit": "1"}, "only the attachments and format"),
    ],
)
def test_bad_parameters_are_refused(lrs: LrsClient, params: dict[str, str], fragment: str) -> None:
    response = lrs.get("statements", params=params)
    assert response.status_code == 400
    assert fragment in error_message(response)
    assert "X-Experience-API-Consistent-Through" in response.headers


def test_statement_id_with_format_and_attachments_is_allowed(lrs: LrsClient) -> None:
    [statement_id] = post(lrs, statement())
    response = lrs.get(
        "statements", params={"statementId": statement_id, "format": "ids", "attachments": "false"}
    )
    assert response.status_code == 200


def test_unknown_statement_is_404(lrs: LrsClient) -> None:
    assert lrs.get("statements", params={"statementId": new_id()}).status_code == 404


def test_format_ids(lrs: LrsClient) -> None:
    group = {
        "objectType": "Group",
        "name": "G",
        "member": [{"name": "M", "mbox": "mailto:m@e.com"}],
    }
    [statement_id] = post(lrs, statement(actor=group))
    found = get_one(lrs, statement_id, format="ids")
    assert found["actor"] == {"objectType": "Group", "member": [{"mbox": "mailto:m@e.com"}]}
    assert found["verb"] == {"id": statement()["verb"]["id"]}
    assert found["object"] == {"id": statement()["object"]["id"]}
    listed = query(lrs, format="ids")["statements"][0]
    assert listed == found


def test_format_canonical_picks_one_language(lrs: LrsClient) -> None:
    [statement_id] = post(lrs, statement())
    response = lrs.get(
        "statements",
        params={"statementId": statement_id, "format": "canonical"},
        headers={"Accept-Language": "sv;q=0.9, en-GB;q=0.5"},
    )
    found = response.get_json()
    assert found["object"]["definition"]["name"] == {"sv-SE": "Kurs ett"}
    assert found["object"]["definition"]["description"] == {"sv-SE": "Den första kursen"}
    assert found["verb"]["display"] == {"en-US": "completed"}
    exact = get_one(lrs, statement_id)
    assert len(exact["object"]["definition"]["name"]) == 3


def test_format_canonical_uses_the_canonical_definition(lrs: LrsClient) -> None:
    activity_id = "http://example.com/activities/canon"
    [old] = post(lrs, statement(object={"id": activity_id, "definition": {"name": {"en": "Old"}}}))
    post(lrs, statement(object={"id": activity_id, "definition": {"name": {"en": "New"}}}))
    found = get_one(lrs, old, format="canonical")
    assert found["object"]["definition"]["name"] == {"en": "New"}
    assert get_one(lrs, old)["object"]["definition"]["name"] == {"en": "Old"}


def test_headers_of_a_statement_result(lrs: LrsClient) -> None:
    [statement_id] = post(lrs, statement())
    response = lrs.get("statements", params={"statementId": statement_id})
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")
    listed = lrs.get("statements")
    assert "X-Experience-API-Consistent-Through" in listed.headers


def test_head_answers_like_get_without_body(lrs: LrsClient) -> None:
    post(lrs, statement())
    response = lrs.request("HEAD", "statements")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert "X-Experience-API-Consistent-Through" in response.headers


def test_forged_more_token_with_huge_position_is_400(lrs: LrsClient) -> None:
    import base64

    token = base64.urlsafe_b64encode(json.dumps({"p": {}, "a": 2**70}).encode()).decode()
    assert lrs.get("statements", params={"more": token}).status_code == 400
