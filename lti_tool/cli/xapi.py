"""``lti-journeys xapi``: LRS targets, the delivery worker, its status and its dead letters."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from types import FrameType
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from config.settings import Settings
from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.db import get_database
from lti_tool.heartbeats import DELIVERY_WORKER, Heartbeat
from lti_tool.lrs_tenancy import tenant_of
from lti_tool.lti.runtime import get_runtime
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import get_organization, list_organizations
from lti_tool.validation import InvalidInputError, NotFoundError
from xapi import outbox, targets
from xapi import replay as replay_legacy
from xapi.delivery import DeliveryOptions, DeliveryRunner, TargetStatus, delivery_status
from xapi.profile import PROFILE_VERSION

P = ParamSpec("P")
R = TypeVar("R")


def delivery_options(settings: Settings, **overrides: Any) -> DeliveryOptions:
    values: dict[str, Any] = {
        "batch_size": settings.delivery_batch_size,
        "concurrency": settings.delivery_concurrency,
        "poll_seconds": settings.delivery_poll_seconds,
        "connect_timeout_seconds": settings.delivery_connect_timeout_seconds,
        "read_timeout_seconds": settings.delivery_read_timeout_seconds,
        "backoff_base_seconds": settings.delivery_backoff_base_seconds,
        "backoff_max_seconds": settings.delivery_backoff_max_seconds,
        "pause_probe_seconds": settings.delivery_pause_probe_seconds,
        "keep_days": settings.delivery_keep_days,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return DeliveryOptions(**values)


def delivery_runner(app: Flask, **overrides: Any) -> DeliveryRunner:
    """The app's delivery threads: its database, settings and key-at-rest box for secrets."""
    settings: Settings = app.config["LTI_JOURNEYS_SETTINGS"]
    factory = get_database(app).sessionmaker
    runner = DeliveryRunner(
        factory,
        delivery_options(settings, **overrides),
        decrypt=get_runtime(app).box.decrypt,
    )
    # One heartbeat row for the process, whichever of its threads is turning.
    beat = Heartbeat(factory, DELIVERY_WORKER)
    for delivery_worker in runner.workers:
        delivery_worker.heartbeat = beat
    return runner


def _target_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Target input errors become the CLI's one-line errors."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except targets.TargetError as exc:
            raise InvalidInputError(str(exc)) from None
        except targets.TargetNotFoundError as exc:
            raise NotFoundError(str(exc)) from None

    return wrapper


def _org_slugs() -> dict[str, str]:
    with admin_session() as session:
        return {tenant_of(o): o.slug for o in list_organizations(session)}


def _scope(tenant: str | None, slugs: dict[str, str]) -> str:
    if tenant is None:
        return "(all)"
    return slugs.get(tenant, f"(tenant {tenant})")


@click.group("xapi", cls=AppGroup, help="Delivery of xAPI statements to external LRSs.")
def xapi_group() -> None:
    pass


# -- targets ------------------------------------------------------------------------------------
@xapi_group.group("target", cls=AppGroup, help="LRS targets: the primary LRS and forwarding.")
def target_group() -> None:
    pass


@target_group.command(
    "add",
    help="Add an external LRS. Without --org it receives the statements of every organisation; "
    "with --primary it is the system of record instead of the embedded LRS.",
)
@click.option("--name", required=True, help="A short unique name, e.g. 'skolverket-lrs'.")
@click.option("--endpoint", required=True, help="LRS root URL, e.g. https://lrs.example.se/xapi")
@click.option("--key", required=True, help="HTTP Basic key (username).")
@click.option(
    "--secret",
    required=True,
    envvar="LTI_JOURNEYS_XAPI_TARGET_SECRET",
    help="HTTP Basic secret; stored encrypted (or set LTI_JOURNEYS_XAPI_TARGET_SECRET).",
)
@click.option("--org", "org_slug", default=None, help="Only this organisation's statements.")
@click.option(
    "--version",
    "version",
    type=click.Choice(targets.VERSIONS),
    default="1.0.3",
    show_default=True,
    help="X-Experience-API-Version sent to this LRS.",
)
@click.option("--primary", is_flag=True, help="The primary LRS (receives every statement).")
@click.option("--verb", "verbs", multiple=True, help="Forward only these verb IRIs (repeatable).")
@click.option(
    "--activity-prefix",
    "activity_prefixes",
    multiple=True,
    help="Forward only statements about activities whose IRI starts so (repeatable).",
)
@clear_errors
@_target_errors
def target_add(
    name: str,
    endpoint: str,
    key: str,
    secret: str,
    org_slug: str | None,
    version: str,
    primary: bool,
    verbs: tuple[str, ...],
    activity_prefixes: tuple[str, ...],
) -> None:
    settings: Settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    with admin_session() as session:
        tenant = tenant_of(get_organization(session, org_slug)) if org_slug else None
        target = targets.add_target(
            session,
            name=name,
            endpoint=endpoint,
            key=key,
            secret=secret,
            tenant=tenant,
            version=version,
            primary=primary,
            verbs=verbs,
            activity_prefixes=activity_prefixes,
            encrypt=get_runtime().box.encrypt,
            require_https=settings.is_production,
        )
        role = "primary LRS" if target.is_primary else "forwarding target"
        scope = f"organisation {org_slug}" if org_slug else "every organisation"
        click.echo(
            f"Added {role} {target.name} ({target.endpoint}, xAPI {target.version}) for {scope}; "
            f"receives {targets.TargetFilter.of(target).describe()}."
        )
        click.echo(
            "Statements recorded from now on are queued for it (replay older ones with "
            f"lti-journeys xapi replay --target {target.name} --since DATE)."
        )


@target_group.command("list", help="List LRS targets (never their secrets).")
@json_option
@clear_errors
def target_list(as_json: bool) -> None:
    slugs = _org_slugs()
    with admin_session() as session:
        rows = targets.list_targets(session)
    if as_json:
        echo_json(
            [
                {
                    "name": t.name,
                    "organization": _scope(t.tenant, slugs),
                    "endpoint": t.endpoint,
                    "version": t.version,
                    "primary": t.is_primary,
                    "verbs": t.verbs or [],
                    "activity_prefixes": t.activity_prefixes or [],
                    "paused": t.paused_at is not None,
                    "created_at": t.created_at.isoformat(),
                }
                for t in rows
            ]
        )
        return
    if not rows:
        click.echo(
            "No LRS targets; statements stay in the embedded LRS "
            "(add one with: lti-journeys xapi target add --help)."
        )
    for t in rows:
        role = "primary" if t.is_primary else "forward"
        paused = "  PAUSED" if t.paused_at is not None else ""
        click.echo(
            f"{t.name:<20} {_scope(t.tenant, slugs):<16} {role:<8} xAPI {t.version}  "
            f"{t.endpoint}  ({targets.TargetFilter.of(t).describe()}){paused}"
        )
    if rows and not any(t.is_primary and t.tenant is None for t in rows):
        click.echo("The embedded LRS is the primary LRS of organisations without a primary target.")


@target_group.command("remove", help="Remove a target; its queued statements are dropped.")
@click.option("--name", required=True)
@clear_errors
@_target_errors
def target_remove(name: str) -> None:
    with admin_session() as session:
        target, pending = targets.remove_target(session, name)
    click.echo(f"Removed LRS target {target.name}; {pending} undelivered statement(s) dropped.")


@target_group.command("resume", help="Resume a target paused after HTTP 401 (or in back-off).")
@click.option("--name", required=True)
@clear_errors
@_target_errors
def target_resume(name: str) -> None:
    with admin_session() as session:
        target = targets.resume_target(session, name)
    click.echo(f"LRS target {target.name} resumed; the worker tries it on its next pass.")


# -- the worker ---------------------------------------------------------------------------------
@xapi_group.command(
    "worker",
    help="Deliver queued statements until stopped (SIGTERM or Ctrl-C finish the current batch).",
)
@click.option("--once", is_flag=True, help="Deliver what can be delivered now, then exit.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=None,
    help="Delivery threads (PostgreSQL only). Default: LTI_JOURNEYS_DELIVERY_CONCURRENCY.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=None,
    help="Statements per request. Default: LTI_JOURNEYS_DELIVERY_BATCH_SIZE.",
)
@clear_errors
def worker(once: bool, concurrency: int | None, batch_size: int | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = get_database(app).engine
    if engine.dialect.name != "postgresql" and (concurrency or 1) > 1:
        raise InvalidInputError(
            "On SQLite one delivery thread runs at a time; --concurrency needs PostgreSQL."
        )
    runner = delivery_runner(app, concurrency=concurrency, batch_size=batch_size)
    options = runner.options
    if once:
        single = runner.workers[0]
        if single.heartbeat is not None:
            single.heartbeat()  # a worker run from a timer counts as running too
        try:
            totals = single.drain()
        finally:
            single.sender.close()
        click.echo(
            f"Delivered {totals.delivered} statement(s), {totals.dead} dead-lettered, in "
            f"{totals.requests} request(s); {totals.failures} target failure(s)."
        )
        return
    with _stop_on_signals(runner):
        runner.start()
        click.echo(
            f"xAPI delivery worker running ({runner.concurrency} thread(s), batch size "
            f"{options.batch_size}); SIGTERM or Ctrl-C stops it after the current batch."
        )
        while not runner.join(timeout=0.5):
            pass
    totals = runner.totals
    click.echo(
        f"Worker stopped: {totals.delivered} statement(s) delivered, {totals.dead} dead-lettered, "
        f"{totals.requests} request(s)."
    )


@contextmanager
def _stop_on_signals(runner: DeliveryRunner) -> Iterator[None]:
    def handler(signum: int, _frame: FrameType | None) -> None:
        if not runner.stop_event.is_set():
            click.echo(f"{signal.Signals(signum).name}: stopping after the current batch.")
        runner.stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# -- status, dead letters, replay ---------------------------------------------------------------
def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _status_json(s: TargetStatus, slugs: dict[str, str]) -> dict[str, Any]:
    return {
        "target": s.name,
        "organization": _scope(s.tenant, slugs),
        "primary": s.primary,
        "endpoint": s.endpoint,
        "state": s.state,
        "pending": s.pending,
        "delivered": s.delivered,
        "dead": s.dead,
        "oldest_pending_age_seconds": (
            round(s.oldest_pending_age_seconds, 3)
            if s.oldest_pending_age_seconds is not None
            else None
        ),
        "last_delivered_at": _when(s.last_delivered_at),
        "paused_at": _when(s.paused_at),
        "paused_reason": s.paused_reason,
        "failures": s.failures,
        "next_attempt_at": _when(s.next_attempt_at),
        "last_error": s.last_error,
    }


@xapi_group.command("status", help="Per target: pending, delivered, dead, oldest pending age.")
@json_option
@clear_errors
def status(as_json: bool) -> None:
    slugs = _org_slugs()
    with admin_session() as session:
        rows = delivery_status(session)
    if as_json:
        echo_json([_status_json(s, slugs) for s in rows])
        return
    if not rows:
        click.echo("No LRS targets; nothing to deliver (lti-journeys xapi target add --help).")
        return
    click.echo(
        f"{'TARGET':<20} {'ORGANISATION':<16} {'PENDING':>8} {'DELIVERED':>10} {'DEAD':>6} "
        f"{'OLDEST PENDING':>15}  STATE"
    )
    for s in rows:
        click.echo(
            f"{s.name:<20} {_scope(s.tenant, slugs):<16} {s.pending:>8} {s.delivered:>10} "
            f"{s.dead:>6} {_age(s.oldest_pending_age_seconds):>15}  {s.state}"
        )
        if s.paused_at is not None:
            click.echo(f"  paused since {s.paused_at:%Y-%m-%d %H:%M:%S} UTC: {s.paused_reason}")
            click.echo(
                f"  fix the credentials, then: lti-journeys xapi target resume --name {s.name}"
            )
        elif s.failures:
            nxt = f"{s.next_attempt_at:%H:%M:%S} UTC" if s.next_attempt_at else "now"
            click.echo(f"  {s.failures} failed attempt(s), next at {nxt}: {s.last_error}")
        if s.dead:
            click.echo(
                f"  {s.dead} refused statement(s): lti-journeys xapi dead-letters --target {s.name}"
            )


@xapi_group.command("dead-letters", help="Statements an LRS refused, with its reason.")
@click.option("--target", "target_name", default=None, help="Only this target.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@json_option
@clear_errors
@_target_errors
def dead_letters(target_name: str | None, limit: int, as_json: bool) -> None:
    with admin_session() as session:
        target = targets.get_target(session, target_name) if target_name else None
        rows = outbox.dead_letters(session, target, limit)
    if as_json:
        echo_json(
            [
                {
                    "target": r.target,
                    "statement_id": r.statement_id,
                    "reason": r.reason,
                    "attempts": r.attempts,
                    "created_at": r.created_at.isoformat(),
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("No dead letters.")
    for r in rows:
        click.echo(f"{r.target:<20} {r.statement_id}  {r.reason}")


@xapi_group.command("retry-dead", help="Queue dead-lettered statements again.")
@click.option("--target", "target_name", default=None, help="Only this target.")
@clear_errors
@_target_errors
def retry_dead(target_name: str | None) -> None:
    with admin_session() as session:
        target = targets.get_target(session, target_name) if target_name else None
        count = outbox.retry_dead(session, target)
    where = f"target {target_name}" if target_name else "all targets"
    click.echo(f"Queued {count} dead-lettered statement(s) of {where} again.")


def parse_since(value: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 date and time (UTC when no offset is given)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"--since {value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@xapi_group.command(
    "replay",
    help="With --target and --since: queue statements the embedded LRS stored since DATE for a "
    "target (e.g. a new LRS). With --old-base-url: record the statements stored with the IRIs "
    "of profile 1.0.0 again in the current profile, and void the old ones.",
)
@click.option("--target", "target_name", default=None, help="The target to queue them for.")
@click.option("--since", default=None, help="YYYY-MM-DD or an ISO 8601 date and time (UTC).")
@click.option(
    "--old-base-url",
    default=None,
    help="The base URL profile 1.0.0 minted its IRIs under (BASE/xapi/profile/...).",
)
@click.option(
    "--org", "org_slug", default=None, help="With --old-base-url: this organisation only."
)
@click.option("--dry-run", is_flag=True, help="With --old-base-url: count, record nothing.")
@click.option(
    "--batch",
    type=click.IntRange(1, 5000),
    default=500,
    show_default=True,
    help="With --old-base-url: statements per transaction.",
)
@clear_errors
@_target_errors
def replay(
    target_name: str | None,
    since: str | None,
    old_base_url: str | None,
    org_slug: str | None,
    dry_run: bool,
    batch: int,
) -> None:
    if old_base_url is not None:
        if target_name is not None or since is not None:
            raise InvalidInputError(
                "--old-base-url upgrades statements in place; it takes no --target or --since."
            )
        _upgrade_old_profile(old_base_url, org_slug, dry_run, batch)
        return
    if target_name is None or since is None:
        raise InvalidInputError(
            "Give --target and --since (queue stored statements for a target), or "
            "--old-base-url (upgrade statements of profile 1.0.0)."
        )
    if org_slug is not None or dry_run:
        raise InvalidInputError("--org and --dry-run go with --old-base-url.")
    moment = parse_since(since)
    with admin_session() as session:
        target = targets.get_target(session, target_name)
        result = outbox.replay(session, target, moment)
    skipped = result.matched - result.enqueued
    click.echo(
        f"Queued {result.enqueued} statement(s) stored since {moment:%Y-%m-%d %H:%M:%S} UTC for "
        f"{target.name} ({result.scanned} scanned, {result.scanned - result.matched} outside its "
        f"filter, {skipped} already queued or delivered)."
    )


def _upgrade_old_profile(
    old_base_url: str, org_slug: str | None, dry_run: bool, batch: int
) -> None:
    """Each organisation's statements of profile 1.0.0, recorded in the current profile."""
    parts = urlsplit(old_base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(
            f"--old-base-url {old_base_url!r} is not a base URL such as https://tool.example.se."
        )
    old_base = old_base_url.strip().rstrip("/")
    recording = get_recording()
    settings: Settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    homes = {old_base, settings.base_url}
    verb = "Would record" if dry_run else "Recorded"
    with admin_session() as session:
        orgs = [get_organization(session, org_slug)] if org_slug else list_organizations(session)
        total = replay_legacy.UpgradeCounts()
        for org in orgs:

            def record(statements: list[dict[str, Any]], org: Organization = org) -> None:
                # Statements of profile 1.0.0 in 2.0's IRIs, and voidings: not today's templates.
                recording.record(session, org, statements, replayed=True)

            def progress(counts: replay_legacy.UpgradeCounts, slug: str = org.slug) -> None:
                click.echo(
                    f"{slug}: {counts.scanned} scanned, {counts.upgraded} upgraded, "
                    f"{counts.already} already upgraded"
                )

            counts = replay_legacy.upgrade_tenant(
                session,
                tenant_of(org),
                old_base,
                record=record,
                actor=recording.recorder.authority,
                homes=homes,
                batch=batch,
                dry_run=dry_run,
                progress=progress,
            )
            total.add(counts)
    click.echo(
        f"{verb} {total.upgraded} statement(s) of profile 1.0.0 (from {old_base}) in profile "
        f"{PROFILE_VERSION}, each with the voiding of the old one"
        f"{' (dry run: nothing changed)' if dry_run else ''}; {total.scanned} scanned, "
        f"{total.already} already upgraded, {total.foreign} of other authorities left alone, "
        f"{total.unknown} with IRIs profile 1.0.0 never had left alone."
    )
