"""Migrations: every model change has a migration; upgrade is idempotent."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from lti_tool.lti.runtime import get_runtime


def test_db_check_models_match_migrations(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "Migrations match the models." in result.output


def test_db_upgrade_again_is_a_no_op(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    current = runner.invoke(args=["db", "current"]).output
    applied, latest = (part.split(": ")[1] for part in current.strip().split("; "))
    assert applied == latest


def test_lti_purge_state_reports_deleted_rows(app: Flask, runner: FlaskCliRunner) -> None:
    get_runtime(app).store.put("expired", 1, -1)
    result = runner.invoke(args=["lti", "purge-state"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired launch state row(s)." in result.output
