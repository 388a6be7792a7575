"""The data protection commands: lrs erase-agent, lrs retention, lrs purge."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from lti_tool.db import get_database
from lti_tool.lrs_tenancy import tenant_of
from lti_tool.tenancy.services import get_organization
from xapi.lrs.models import ErasureRecord, Statement
from xapi.lrs.statement_store import store_statements

ANNA = {"mbox": "mailto:anna@example.se"}
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://tool.test", "name": "k"}}


def _org(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["org", "add", "--slug", "umea", "--name", "Umeå kommun"])
    assert result.exit_code == 0, result.output
    with get_database(runner.app).session() as session:
        return tenant_of(get_organization(session, "umea"))


def _store(app: Flask, tenant: str, *actors: dict[str, Any]) -> list[str]:
    statements = [
        {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://example.com/activities/a"},
        }
        for actor in actors
    ]
    with get_database(app).session() as session:
        store_statements(session, tenant, statements, authority=AUTHORITY)
        session.commit()
    return [s["id"] for s in statements]


def _ids(app: Flask, tenant: str) -> set[str]:
    with get_database(app).session() as session:
        return set(
            session.scalars(select(Statement.statement_id).where(Statement.tenant == tenant))
        )


def test_erase_agent_removes_statements_and_prints_counts(
    app: Flask, runner: FlaskCliRunner
) -> None:
    tenant = _org(runner)
    _, kept = _store(app, tenant, ANNA, {"mbox": "mailto:bo@example.se"})
    result = runner.invoke(
        args=["lrs", "erase-agent", "--org", "umea", "--agent", json.dumps(ANNA)]
    )
    assert result.exit_code == 0, result.output
    assert "Removed 1 statement(s)." in result.output
    assert "Removed 0 state and agent profile document(s)." in result.output
    assert "Audit record" in result.output
    assert _ids(app, tenant) == {kept}
    with get_database(app).session() as session:
        [record] = session.scalars(select(ErasureRecord)).all()
        assert (record.tenant, record.statements_removed) == (tenant, 1)
        assert "anna" not in record.reason


def test_erase_agent_json_output(app: Flask, runner: FlaskCliRunner) -> None:
    tenant = _org(runner)
    _store(app, tenant, ANNA, ANNA)
    result = runner.invoke(
        args=["lrs", "erase-agent", "--org", "umea", "--agent", json.dumps(ANNA), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["statements_removed"] == 2
    assert data["documents_removed"] == 0
    assert data["organization"] == "umea"


def test_erase_agent_bad_json_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["lrs", "erase-agent", "--org", "umea", "--agent", "{mbox"])
    assert result.exit_code != 0
    assert "not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_erase_agent_without_identifier_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(
        args=["lrs", "erase-agent", "--org", "umea", "--agent", '{"name": "Anna"}']
    )
    assert result.exit_code != 0
    assert "exactly one inverse functional identifier" in result.output


def test_erase_agent_unknown_org_exits_nonzero(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["lrs", "erase-agent", "--org", "nowhere", "--agent", json.dumps(ANNA)]
    )
    assert result.exit_code != 0
    assert "No organisation with slug 'nowhere'" in result.output


def test_retention_set_show_and_clear(runner: FlaskCliRunner) -> None:
    _org(runner)
    shown = runner.invoke(args=["lrs", "retention", "--org", "umea"])
    assert "no retention period" in shown.output
    set_ = runner.invoke(args=["lrs", "retention", "--org", "umea", "--days", "365"])
    assert set_.exit_code == 0, set_.output
    assert "kept 365 day(s)" in set_.output
    shown = runner.invoke(args=["lrs", "retention", "--org", "umea"])
    assert "kept 365 day(s)" in shown.output
    cleared = runner.invoke(args=["lrs", "retention", "--org", "umea", "--clear"])
    assert cleared.exit_code == 0
    assert "kept indefinitely" in cleared.output


def test_retention_bad_input_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    zero = runner.invoke(args=["lrs", "retention", "--org", "umea", "--days", "0"])
    assert zero.exit_code != 0
    assert "--days must be between 1 and" in zero.output
    both = runner.invoke(args=["lrs", "retention", "--org", "umea", "--days", "3", "--clear"])
    assert both.exit_code != 0
    assert "not both" in both.output
    unknown = runner.invoke(args=["lrs", "retention", "--org", "nowhere", "--days", "3"])
    assert unknown.exit_code != 0
    assert "No organisation" in unknown.output


def test_purge_without_retention_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["lrs", "purge", "--org", "umea"])
    assert result.exit_code != 0
    assert "has no retention period" in result.output


def test_purge_removes_expired_statements_with_progress(app: Flask, runner: FlaskCliRunner) -> None:
    tenant = _org(runner)
    old = _store(app, tenant, *([ANNA] * 5))
    new = _store(app, tenant, ANNA)
    with get_database(app).session() as session:
        session.execute(
            update(Statement)
            .where(Statement.statement_id.in_(old))
            .values(stored=datetime.now(UTC) - timedelta(days=31))
        )
        session.commit()
    assert runner.invoke(args=["lrs", "retention", "--org", "umea", "--days", "30"]).exit_code == 0
    result = runner.invoke(args=["lrs", "purge", "--org", "umea", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "5 statement(s) stored before" in result.output
    assert "removed 2/5..." in result.output
    assert "removed 5/5..." in result.output
    assert "Removed 5 statement(s)." in result.output
    assert _ids(app, tenant) == set(new)
    again = runner.invoke(args=["lrs", "purge", "--org", "umea"])
    assert again.exit_code == 0
    assert "0 statement(s) stored before" in again.output
