"""``lti-journeys reminders`` (the worker) and ``lti-journeys org reminders`` (e-mail on or off)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from config.settings import Settings
from lti_tool.cli.common import admin_session, clear_errors
from lti_tool.cli.lti import _run_until_signal
from lti_tool.db import get_database
from lti_tool.heartbeats import REMINDERS_WORKER, Heartbeat
from lti_tool.lti.passback import PassbackRunner
from lti_tool.reminders.inbox import set_organization_email
from lti_tool.reminders.worker import ReminderOptions, ReminderTotals, ReminderWorker, smtp_config
from lti_tool.tenancy.services import get_organization


def reminder_worker(app: Flask) -> ReminderWorker:
    """The app's reminder worker: its database, SMTP server and settings, with a heartbeat."""
    settings: Settings = app.config["LTI_JOURNEYS_SETTINGS"]
    factory = get_database(app).sessionmaker
    worker = ReminderWorker(
        app, smtp_config(settings), ReminderOptions.from_settings(settings), factory=factory
    )
    worker.heartbeat = Heartbeat(factory, REMINDERS_WORKER)
    return worker


def _summary(totals: ReminderTotals) -> str:
    return (
        f"{totals.made} notice(s) made; e-mails: {totals.sent} sent, {totals.skipped} skipped, "
        f"{totals.retried} to retry, {totals.failed} failed."
    )


@click.group("reminders", cls=AppGroup, help="Reminders in the tool and by e-mail.")
def reminders_group() -> None:
    pass


@reminders_group.command(
    "worker",
    help="Make reminders and e-mail them until stopped (SIGTERM or Ctrl-C stop it).",
)
@click.option("--once", is_flag=True, help="Make and send what is due now, then exit.")
@clear_errors
def reminders_worker_command(once: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = reminder_worker(app)
    if worker.smtp is None:
        click.echo(
            "No SMTP server configured (LTI_JOURNEYS_SMTP_URL, LTI_JOURNEYS_MAIL_FROM): "
            "notices are shown in the tool only."
        )
    if once:
        if worker.heartbeat is not None:
            worker.heartbeat()  # a worker run from a timer counts as running too
        worker.progress = lambda totals: click.echo("… " + _summary(totals))
        totals = worker.turn()
        click.echo("Done: " + _summary(totals))
        return
    _run_until_signal(PassbackRunner(worker, name="reminders"), "Reminder worker")
    click.echo("Worker stopped: " + _summary(worker.totals))


@click.command("reminders", help="Whether an organisation's reminders are also e-mailed.")
@click.argument("org_slug", metavar="ORG")
@click.option(
    "--email",
    type=click.Choice(["on", "off"]),
    default=None,
    help="E-mail reminders to the organisation's people (who may each turn them off).",
)
@with_appcontext
@clear_errors
def org_reminders(org_slug: str, email: str | None) -> None:
    settings: Settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    with admin_session() as session:
        org = get_organization(session, org_slug)
        if email is not None:
            set_organization_email(session, org, email == "on")
        state = "on" if org.reminder_email else "off"
    click.echo(f"Reminder e-mail of {org_slug}: {state}.")
    if state == "on" and not settings.reminder_email_configured:
        click.echo(
            "No SMTP server is configured yet: set LTI_JOURNEYS_SMTP_URL and "
            "LTI_JOURNEYS_MAIL_FROM, or reminders stay in the tool."
        )
