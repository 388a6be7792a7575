"""PUT and POST on /statements: ids, LRS-assigned properties, idempotency and conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from lti_tool.db import get_database
from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.statement_samples import (
    error_message,
    get_one,
    new_id,
    post,
    statement,
)
from xapi.lrs.models import Activity, Statement


def test_post_single_statement_returns_its_assigned_id(lrs: LrsClient) -> None:
    [statement_id] = post(lrs, statement())
    stored = get_one(lrs, statement_id)
    assert stored["id"] == statement_id
    assert stored["actor"] == statement()["actor"]
    assert stored["version"] == ("2.0.0" if lrs.version == "2.0.0" else "1.0.0")
    assert stored["timestamp"] == stored["stored"]
    assert stored["authority"]["account"]["name"] == lrs.key
    datetime.fromisoformat(stored["stored"].replace("Z", "+00:00"))


def test_post_array_returns_ids_in_order(lrs: LrsClient) -> None:
    given = new_id()
    ids = post(lrs, [statement(), statement(id=given), statement()])
    assert len(ids) == 3
    assert ids[1] == given
    assert len(set(ids)) == 3


def test_put_stores_under_statement_id_and_returns_204(lrs: LrsClient) -> None:
    statement_id = new_id()
    response = lrs.put("statements", json_body=statement(), params={"statementId": statement_id})
    assert response.status_code == 204
    assert get_one(lrs, statement_id)["id"] == statement_id


def test_statement_ids_are_stored_lower_case(lrs: LrsClient) -> None:
    upper = new_id().upper()
    [returned] = post(lrs, statement(id=upper))
    assert returned == upper.lower()
    assert get_one(lrs, upper)["id"] == upper.lower()


def test_put_without_statement_id_is_refused(lrs: LrsClient) -> None:
    response = lrs.put("statements", json_body=statement())
    assert response.status_code == 400
    assert "statementId" in error_message(response)


def test_put_with_mismatched_id_is_refused(lrs: LrsClient) -> None:
    response = lrs.put(
        "statements", json_body=statement(id=new_id()), params={"statementId": new_id()}
    )
    assert response.status_code == 400
    assert "does not match the statementId" in error_message(response)


def test_put_of_an_array_is_refused(lrs: LrsClient) -> None:
    response = lrs.put("statements", json_body=[statement()], params={"statementId": new_id()})
    assert response.status_code == 400


def test_identical_statement_again_is_a_no_op(lrs: LrsClient) -> None:
    statement_id = new_id()
    body = statement(id=statement_id)
    assert (
        lrs.put("statements", json_body=body, params={"statementId": statement_id}).status_code
        == 204
    )
    first = get_one(lrs, statement_id)
    assert (
        lrs.put("statements", json_body=body, params={"statementId": statement_id}).status_code
        == 204
    )
    assert post(lrs, body) == [statement_id]
    assert get_one(lrs, statement_id)["stored"] == first["stored"]


def test_identical_ignores_lrs_assigned_properties(lrs: LrsClient) -> None:
    statement_id = new_id()
    post(lrs, statement(id=statement_id, timestamp="2024-01-01T10:00:00Z"))
    again = statement(
        id=statement_id,
        timestamp="2024-01-01T11:00:00+01:00",
        stored="2020-01-01T00:00:00Z",
        authority={"mbox": "mailto:someone@example.com"},
        version="1.0.0",
    )
    assert post(lrs, again) == [statement_id]


def test_different_statement_with_same_id_conflicts(lrs: LrsClient) -> None:
    statement_id = new_id()
    post(lrs, statement(id=statement_id))
    changed = statement(id=statement_id, result={"success": True})
    put = lrs.put("statements", json_body=changed, params={"statementId": statement_id})
    assert put.status_code == 409
    posted = lrs.post("statements", json_body=[statement(), changed])
    assert posted.status_code == 409
    assert "result" not in get_one(lrs, statement_id)


def test_conflicting_batch_stores_nothing(app: Flask, lrs: LrsClient) -> None:
    statement_id = new_id()
    post(lrs, statement(id=statement_id))
    fresh = new_id()
    response = lrs.post(
        "statements", json_body=[statement(id=fresh), statement(id=statement_id, result={})]
    )
    assert response.status_code == 409
    assert lrs.get("statements", params={"statementId": fresh}).status_code == 404


def test_batch_with_a_repeated_id_is_refused(lrs: LrsClient) -> None:
    statement_id = new_id()
    response = lrs.post("statements", json_body=[statement(id=statement_id)] * 2)
    assert response.status_code == 400
    assert "more than once" in error_message(response)


def test_post_with_parameters_is_refused(lrs: LrsClient) -> None:
    response = lrs.post("statements", json_body=statement(), params={"statementId": new_id()})
    assert response.status_code == 400


def test_wrong_content_type_is_refused(lrs: LrsClient) -> None:
    response = lrs.post("statements", data="{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "application/json or multipart/mixed" in error_message(response)


def test_single_context_activity_is_stored_as_array(lrs: LrsClient) -> None:
    context = {"contextActivities": {"parent": {"id": "http://example.com/parent"}}}
    [statement_id] = post(lrs, statement(context=context))
    stored = get_one(lrs, statement_id)
    assert stored["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/parent"}]
    # ... and the same statement with the array form is identical, not a conflict.
    array_form = {"contextActivities": {"parent": [{"id": "http://example.com/parent"}]}}
    assert post(lrs, statement(id=statement_id, context=array_form)) == [statement_id]


def test_index_rows_and_columns_are_filled(app: Flask, lrs: LrsClient) -> None:
    registration = new_id()
    [statement_id] = post(lrs, statement(context={"registration": registration.upper()}))
    with get_database(app).session() as session:
        row = session.scalars(select(Statement).where(Statement.statement_id == statement_id)).one()
        assert row.tenant == "t1"
        assert row.registration == registration
        assert row.verb_id == statement()["verb"]["id"]
        assert row.full["id"] == statement_id


@pytest.mark.parametrize("can_define", [True, False])
def test_activity_definitions_are_kept_canonical(app: Flask, can_define: bool) -> None:
    from tests.xapi.lrs.conftest import make_lrs_client

    scopes = ["statements/write", "statements/read"] + (["define"] if can_define else [])
    client = make_lrs_client(app, "t1", scopes)
    activity = {"id": "http://example.com/a1", "definition": {"name": {"en-US": "First"}}}
    post(client, statement(object=activity))
    changed = {
        "id": "http://example.com/a1",
        "definition": {"name": {"sv-SE": "Första"}, "type": "http://example.com/t"},
    }
    post(client, statement(object=changed))
    with get_database(app).session() as session:
        stored = session.scalars(
            select(Activity).where(Activity.activity_id == activity["id"])
        ).one()
    if can_define:
        assert stored.definition == {
            "name": {"en-US": "First", "sv-SE": "Första"},
            "type": "http://example.com/t",
        }
    else:
        assert stored.definition == {"name": {"en-US": "First"}}


def test_a_resent_statement_does_not_change_definitions_again(app: Flask, lrs: LrsClient) -> None:
    """In a batch that repeats a stored statement, only the statements stored now define."""
    first = statement(
        id=str(uuid.uuid4()),
        object={"id": "http://example.com/a2", "definition": {"name": {"en-US": "Old"}}},
    )
    post(lrs, first)
    post(
        lrs,
        statement(object={"id": "http://example.com/a2", "definition": {"name": {"en-US": "New"}}}),
    )
    newcomer = statement(
        object={"id": "http://example.com/a2", "definition": {"description": {"en-US": "Added"}}}
    )
    ids = post(lrs, [first, newcomer])
    assert ids[0] == first["id"]
    with get_database(app).session() as session:
        stored = session.scalars(
            select(Activity).where(Activity.activity_id == "http://example.com/a2")
        ).one()
        assert stored.definition == {
            "name": {"en-US": "New"},
            "description": {"en-US": "Added"},
        }
        assert session.scalar(select(func.count()).select_from(Statement)) == 3


def test_store_statements_leaves_the_commit_to_the_caller(app: Flask) -> None:
    from xapi.lrs.statement_store import store_statements

    authority = {"objectType": "Agent", "account": {"homePage": "http://tool.test", "name": "tool"}}
    database = get_database(app)
    with database.session() as session:
        result = store_statements(session, "t1", [statement()], authority=authority)
        session.rollback()
    with database.session() as session:
        assert session.scalars(select(Statement)).all() == []
        store_statements(session, "t1", [statement(id=result.ids[0])], authority=authority)
        session.commit()
    with database.session() as session:
        assert session.scalars(select(Statement.statement_id)).all() == result.ids


def test_index_rows_mark_related_agents_and_activities(app: Flask) -> None:
    from xapi.lrs.models import StatementActivity, StatementAgent
    from xapi.lrs.statement_store import store_statements

    authority = {"objectType": "Agent", "mbox": "mailto:authority@example.com"}
    stmt = statement(
        actor={"objectType": "Group", "member": [{"mbox": "mailto:member@example.com"}]},
        context={
            "instructor": {"mbox": "mailto:teacher@example.com"},
            "contextActivities": {"parent": [{"id": "http://example.com/parent"}]},
        },
    )
    database = get_database(app)
    with database.session() as session:
        store_statements(session, "t1", [stmt], authority=authority)
        agents = {a.ifi: a.related for a in session.scalars(select(StatementAgent))}
        activities = {a.activity_id: a.related for a in session.scalars(select(StatementActivity))}
        session.rollback()
    assert agents == {
        "mbox:mailto:member@example.com": False,
        "mbox:mailto:teacher@example.com": True,
        "mbox:mailto:authority@example.com": True,
    }
    assert activities == {
        "http://example.com/activities/course-1": False,
        "http://example.com/parent": True,
    }


def test_a_batch_of_new_statements_costs_a_fixed_number_of_sql_statements(
    app: Flask, lrs: LrsClient
) -> None:
    """PostgreSQL checks stored ids and earlier voiding statements inside its one INSERT;
    SQLite needs a statement per table and look-up, whatever the batch's size."""
    engine = get_database(app).engine
    post(lrs, statement())  # credentials and caches warm
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        post(lrs, [statement(id=str(uuid.uuid4())) for _ in range(50)])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(executed) == (1 if engine.dialect.name == "postgresql" else 6), executed
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 51
