"""The shared base of the workers that call platform services (grade passback, rosters)."""

from __future__ import annotations

from flask import Flask

from lti_tool.cli.lti import passback_worker, roster_worker
from lti_tool.db import get_database
from lti_tool.lti.passback import PassbackOptions, PassbackTotals
from lti_tool.tenancy.roster_worker import RosterOptions, RosterTotals


def test_service_workers_start_with_their_own_default_options_and_empty_totals(
    app: Flask,
) -> None:
    passback, roster = passback_worker(app), roster_worker(app)
    assert (passback.options, passback.totals) == (PassbackOptions(), PassbackTotals())
    assert (roster.options, roster.totals) == (RosterOptions(), RosterTotals())


def test_service_workers_skip_locked_rows_only_on_postgresql(app: Flask) -> None:
    postgres = get_database(app).engine.dialect.name == "postgresql"
    assert passback_worker(app).skip_locked is postgres
    assert roster_worker(app).skip_locked is postgres
