"""``lti-journeys lti roster worker``: fetches queued course rosters."""

from __future__ import annotations

from flask.testing import FlaskCliRunner


def test_roster_worker_once_reports_what_it_fetched(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["lti", "roster", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Fetched 0 roster(s); 0 failed (retried later)." in result.output
