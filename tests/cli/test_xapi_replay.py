"""``lti-journeys xapi replay --old-base-url``: statements of profile 1.0.0 recorded anew, old voided."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.tenancy.services import add_organization
from tests.conftest import TOOL_URL
from tests.support.legacy_statements import old_statement
from tests.xapi.lrs.conftest import make_lrs_client
from xapi.delivery_models import OutboxEntry
from xapi.lrs.models import Statement
from xapi.lrs.statement_store import store_statements
from xapi.profile import VERSION_IRI
from xapi.replay import upgraded_id, voiding_id

RATED = "http://id.tincanapi.com/verb/rated"
IDS = [str(uuid.UUID(int=n)) for n in (1, 2, 3)]


def tool_authority(home: str = TOOL_URL) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": home, "name": "lti-journeys"}}


def store_old(
    app: Flask, tenant: str, ids: list[str], authority: dict[str, Any] | None = None
) -> None:
    """Statements of profile 1.0.0 at the tool's base URL, as the embedded LRS stored them."""
    statements = []
    for statement_id in ids:
        statement = old_statement(TOOL_URL, statement_id)
        for assigned in ("stored", "authority", "version"):
            statement.pop(assigned)
        statements.append(statement)
    with get_database(app).session() as session:
        store_statements(
            session, tenant, statements, authority=authority or tool_authority(), version="1.0.3"
        )
        session.commit()


def rows(app: Flask) -> dict[str, bool]:
    """Every stored statement id and whether it is voided."""
    with get_database(app).session() as session:
        return {
            row.statement_id: row.voided
            for row in session.execute(select(Statement.statement_id, Statement.voided))
        }


def replay(runner: FlaskCliRunner, *more: str) -> str:
    result = runner.invoke(args=["xapi", "replay", "--old-base-url", TOOL_URL, *more])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def tenant(app: Flask) -> str:
    with get_database(app).session() as session:
        return str(add_organization(session, "org-a", "Organisation A").id)


def test_replay_old_base_url_voids_the_old_statement(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS[:1])
    replay(runner)
    assert rows(app)[IDS[0]] is True


def test_replay_old_base_url_records_the_new_form_under_the_new_verb_and_category(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS[:1])
    replay(runner)
    lrs = make_lrs_client(app, tenant, ["all"])
    response = lrs.get(
        "statements",
        params={"verb": RATED, "activity": VERSION_IRI, "related_activities": "true"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [s["id"] for s in response.get_json()["statements"]] == [upgraded_id(IDS[0])]


def test_replay_old_base_url_records_the_voiding_by_the_tool(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS[:1])
    replay(runner)
    with get_database(app).session() as session:
        voiding = session.scalar(
            select(Statement.full).where(Statement.statement_id == voiding_id(IDS[0]))
        )
    assert voiding is not None
    assert voiding["object"] == {"objectType": "StatementRef", "id": IDS[0]}
    assert voiding["actor"] == tool_authority()


def test_replay_old_base_url_twice_records_nothing_new(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS)
    replay(runner)
    after_first = rows(app)
    output = replay(runner)
    assert rows(app) == after_first
    assert "Recorded 0 statement(s)" in output


def test_replay_old_base_url_dry_run_changes_nothing(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS)
    before = rows(app)
    output = replay(runner, "--dry-run")
    assert rows(app) == before
    assert "Would record 3 statement(s)" in output


def test_replay_old_base_url_reports_progress_per_batch(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS)
    output = replay(runner, "--batch", "2")
    assert "org-a: 2 scanned, 2 upgraded" in output
    assert "org-a: 3 scanned, 3 upgraded" in output


def test_replay_old_base_url_leaves_statements_of_other_authorities_alone(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    other = {"objectType": "Agent", "account": {"homePage": "https://other.test", "name": "x"}}
    store_old(app, tenant, IDS[:1], authority=other)
    output = replay(runner)
    assert rows(app) == {IDS[0]: False}
    assert "1 of other authorities left alone" in output


def test_replay_old_base_url_queues_both_statements_for_external_targets(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    store_old(app, tenant, IDS[:1])
    added = runner.invoke(
        args=[
            "xapi", "target", "add", "--name", "ext", "--endpoint", "https://lrs.example.test/xapi",
            "--key", "k", "--secret", "s",
        ]
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    replay(runner)
    with get_database(app).session() as session:
        queued = set(session.scalars(select(OutboxEntry.statement_id)))
    assert queued == {upgraded_id(IDS[0]), voiding_id(IDS[0])}


def test_replay_old_base_url_with_org_leaves_other_organisations_alone(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    with get_database(app).session() as session:
        other = str(add_organization(session, "org-b", "Organisation B").id)
    store_old(app, tenant, IDS[:1])
    store_old(app, other, IDS[1:2])
    replay(runner, "--org", "org-b")
    assert rows(app) == {
        IDS[0]: False,
        IDS[1]: True,
        upgraded_id(IDS[1]): False,
        voiding_id(IDS[1]): False,
    }


def test_replay_refuses_old_base_url_with_a_target(runner: FlaskCliRunner, tenant: str) -> None:
    result = runner.invoke(args=["xapi", "replay", "--old-base-url", TOOL_URL, "--target", "ext"])
    assert result.exit_code != 0
    assert "no --target or --since" in result.output


def test_replay_refuses_an_old_base_url_that_is_no_url(runner: FlaskCliRunner, tenant: str) -> None:
    result = runner.invoke(args=["xapi", "replay", "--old-base-url", "tool.test"])
    assert result.exit_code != 0
    assert "is not a base URL" in result.output


def test_replay_without_target_or_old_base_url_says_what_it_needs(
    runner: FlaskCliRunner, tenant: str
) -> None:
    result = runner.invoke(args=["xapi", "replay"])
    assert result.exit_code != 0
    assert "--old-base-url" in result.output


def test_count_of_statements_is_unchanged_by_a_replay_with_nothing_old(
    app: Flask, runner: FlaskCliRunner, tenant: str
) -> None:
    output = replay(runner)
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 0
    assert "Recorded 0 statement(s)" in output
