"""``lti-journeys lti``: maintenance of the launch machinery and of grade passback."""

from __future__ import annotations

import signal
from dataclasses import asdict
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.db import get_database
from lti_tool.heartbeats import PASSBACK_WORKER, Heartbeat
from lti_tool.lti.keys import signing_key
from lti_tool.lti.passback import (
    PassbackRunner,
    PassbackWorker,
    passback_status,
    refused_scores,
    retry_dead,
)
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.state_store import DatabaseStateStore
from lti_tool.recording import get_recording
from lti_tool.tenancy.roster import access_tokens
from lti_tool.tenancy.roster_worker import RosterWorker
from lti_tool.tenancy.services import get_organization


@click.group("lti", cls=AppGroup, help="LTI launch maintenance.")
def lti_group() -> None:
    pass


@lti_group.command("purge-state", help="Delete expired login state, nonces and launch data.")
def purge_state() -> None:
    store = get_runtime().store
    if not isinstance(store, DatabaseStateStore):
        click.echo("Launch state is kept in Redis, which expires it by itself; nothing to purge.")
        return
    click.echo(f"Deleted {store.purge_expired()} expired launch state row(s).")


# -- grade passback -----------------------------------------------------------------------------
def passback_worker(app: Flask) -> PassbackWorker:
    """The app's passback worker: its database, access-token cache and signing key."""
    box = get_runtime(app).box
    factory = get_database(app).sessionmaker
    worker = PassbackWorker(factory, access_tokens(app), lambda session: signing_key(session, box))
    worker.heartbeat = Heartbeat(factory, PASSBACK_WORKER)
    return worker


def roster_worker(app: Flask) -> RosterWorker:
    """The app's roster worker: its database, access-token cache and signing key."""
    box = get_runtime(app).box
    return RosterWorker(
        get_database(app).sessionmaker,
        access_tokens(app),
        lambda session: signing_key(session, box),
        recording=get_recording(app),
    )


@lti_group.group("roster", help="Course rosters fetched from the platforms (LTI NRPS).")
def roster_group() -> None:
    pass


@roster_group.command(
    "worker", help="Fetch queued course rosters until stopped (SIGTERM or Ctrl-C stop it)."
)
@click.option("--once", is_flag=True, help="Fetch what is due now, then exit.")
@clear_errors
def roster_worker_command(once: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = roster_worker(app)
    if once:
        totals = worker.drain()
        click.echo(f"Fetched {totals.fetched} roster(s); {totals.failed} failed (retried later).")
        return
    _run_until_signal(PassbackRunner(worker, name="roster-refresh"), "Roster worker")
    click.echo(
        f"Worker stopped: {worker.totals.fetched} roster(s) fetched, {worker.totals.failed} failed."
    )


def _run_until_signal(runner: PassbackRunner, what: str) -> None:
    """Run ``runner`` until SIGTERM or SIGINT."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the current item.")
        runner.stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        runner.start_once()
        click.echo(f"{what} running; SIGTERM or Ctrl-C stops it.")
        while not runner.join(timeout=0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@lti_group.group("passback", help="Scores sent to the platforms' gradebooks (LTI AGS).")
def passback_group() -> None:
    pass


@passback_group.command("status", help="Per platform registration: scores waiting, sent, refused.")
@json_option
@clear_errors
def passback_status_command(as_json: bool) -> None:
    with admin_session() as session:
        rows = passback_status(session)
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    if not rows:
        click.echo("No platform registrations; no scores to send.")
        return
    click.echo(
        f"{'ORGANISATION':<16} {'PLATFORM':<40} {'PENDING':>8} {'DELIVERED':>10} {'REFUSED':>8}"
    )
    for r in rows:
        platform = f"{r.issuer} ({r.client_id})"
        click.echo(
            f"{r.organization:<16} {platform[:40]:<40} {r.pending:>8} {r.delivered:>10} {r.dead:>8}"
        )
        if r.pending and r.oldest_pending_at is not None:
            nxt = f"{r.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" if r.next_attempt_at else "now"
            click.echo(
                f"  waiting since {r.oldest_pending_at:%Y-%m-%d %H:%M:%S} UTC; next attempt {nxt}"
            )
        if r.last_error:
            click.echo(f"  last error: {r.last_error}")
        if r.dead:
            click.echo(
                "  refused scores: lti-journeys lti passback refused; after fixing the cause: "
                "lti-journeys lti passback retry"
            )


@passback_group.command("refused", help="Scores a platform refused, with its reason.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@json_option
@clear_errors
def passback_refused(limit: int, as_json: bool) -> None:
    with admin_session() as session:
        rows = refused_scores(session, limit)
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    if not rows:
        click.echo("No refused scores.")
        return
    for r in rows:
        click.echo(
            f"{r.organization} {r.issuer} course {r.context_id} link {r.resource_link_id} "
            f"user {r.user_id}: {r.error}"
        )


@passback_group.command("retry", help="Queue refused scores again, after fixing the cause.")
@click.option("--org", "org_slug", default=None, help="Only this organisation's scores.")
@clear_errors
def passback_retry(org_slug: str | None) -> None:
    with admin_session() as session:
        org_id = get_organization(session, org_slug).id if org_slug else None
        count = retry_dead(session, organization_id=org_id)
    click.echo(f"Queued {count} refused score(s) again.")


@passback_group.command(
    "worker", help="Send queued scores until stopped (SIGTERM or Ctrl-C stop it)."
)
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@clear_errors
def passback_worker_command(once: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = passback_worker(app)
    if once:
        if worker.heartbeat is not None:
            worker.heartbeat()  # a worker run from a timer counts as running too
        totals = worker.drain()
        click.echo(
            f"Sent {totals.delivered} score(s); {totals.dead} refused; "
            f"{totals.retried} left for a later attempt."
        )
        return
    runner = PassbackRunner(worker)

    def handler(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the current score.")
        runner.stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        runner.start_once()
        click.echo("Grade passback worker running; SIGTERM or Ctrl-C stops it.")
        while not runner.join(timeout=0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    totals = worker.totals
    click.echo(f"Worker stopped: {totals.delivered} score(s) sent, {totals.dead} refused.")
