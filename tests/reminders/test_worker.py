"""The reminder worker e-mails each notice once, through a real SMTP server started by the test."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.db import get_database, utcnow
from lti_tool.health import check_workers
from lti_tool.heartbeats import REMINDERS_WORKER, Heartbeat, WorkerHeartbeat
from lti_tool.lti.passback import PassbackRunner
from lti_tool.reminders.models import EmailState, Notice, NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.reminders.worker import ReminderWorker
from lti_tool.tenancy.models import Organization
from tests.conftest import make_settings
from tests.reminders.conftest import SENDER, SmtpServer, World, make_worker


def _notice(world: World, person_id: int, key: str = "nudge:1", **payload: object) -> int:
    with world.session() as session:
        notice = notify(
            session,
            organization_id=world.organization_id,
            person_id=person_id,
            kind=NoticeKind.NUDGE,
            dedupe_key=key,
            payload={"sender": "Pia Processledare", "message": "Glöm inte loggboken.", **payload},
        )
        session.commit()
        assert notice is not None
        return notice.id


def _state(world: World, notice_id: int) -> Notice:
    with world.session() as session:
        notice = session.get_one(Notice, notice_id)
        session.expunge(notice)
        return notice


def test_worker_emails_each_notice_once(app: Flask, world: World, smtp_server: SmtpServer) -> None:
    world.email_on()
    alva = world.person("alva", email="alva@skola.test")
    bo = world.person("bo", email="bo@skola.test")
    first, second = _notice(world, alva), _notice(world, bo)
    worker = make_worker(app)
    worker.turn()
    worker.turn()
    assert len(smtp_server.inbox.to("alva@skola.test")) == 1
    assert len(smtp_server.inbox.to("bo@skola.test")) == 1
    assert _state(world, first).email_state == EmailState.SENT
    assert _state(world, second).emailed_at is not None


def test_worker_never_emails_someone_who_opted_out(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    alva = world.person("alva", email="alva@skola.test")
    world.opt_out(alva)
    notice_id = _notice(world, alva)
    make_worker(app).turn()
    assert smtp_server.inbox.messages == []
    assert _state(world, notice_id).email_state == EmailState.SKIPPED


def test_worker_skips_organisations_without_reminder_email(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    alva = world.person("alva", email="alva@skola.test")
    notice_id = _notice(world, alva)
    make_worker(app).turn()
    assert smtp_server.inbox.messages == []
    assert _state(world, notice_id).email_state == EmailState.SKIPPED


def test_worker_skips_people_without_an_address(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    notice_id = _notice(world, world.person("alva"))
    make_worker(app).turn()
    assert _state(world, notice_id).email_state == EmailState.SKIPPED


def test_worker_skips_every_email_when_no_smtp_server_is_configured(
    database_url: str, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    notice_id = _notice(world, world.person("alva", email="alva@skola.test"))
    ReminderWorker(world.app, None).turn()
    assert smtp_server.inbox.messages == []
    assert _state(world, notice_id).email_state == EmailState.SKIPPED


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def test_worker_retries_while_the_server_is_down_and_sends_when_it_is_back(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    people = [world.person(f"p{i}", email=f"p{i}@skola.test") for i in range(4)]
    ids = [_notice(world, person) for person in people]
    smtp_server.stop()
    clock = Clock()
    worker = make_worker(app, max_attempts=5)
    worker.clock = clock
    worker.turn()
    down = [_state(world, i) for i in ids]
    assert {n.email_state for n in down} == {EmailState.PENDING}
    assert {n.email_attempts for n in down} == {1}
    assert all(n.next_attempt_at is not None for n in down)
    worker.turn()  # not due yet: nothing is tried again
    assert {_state(world, i).email_attempts for i in ids} == {1}
    smtp_server.start()
    clock.now += timedelta(hours=1)
    worker.turn()
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        f"p{i}@skola.test" for i in range(4)
    ]
    assert {_state(world, i).email_state for i in ids} == {EmailState.SENT}


def test_worker_gives_up_after_the_last_attempt(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    notice_id = _notice(world, world.person("alva", email="alva@skola.test"))
    smtp_server.stop()
    clock = Clock()
    worker = make_worker(app, max_attempts=2)
    worker.clock = clock
    worker.turn()
    clock.now += timedelta(days=1)
    worker.turn()
    notice = _state(world, notice_id)
    assert notice.email_state == EmailState.FAILED
    assert notice.email_attempts == 2
    assert notice.email_error and "alva@" not in notice.email_error


def test_two_workers_at_once_never_send_a_notice_twice(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    people = [world.person(f"p{i}", email=f"p{i}@skola.test") for i in range(30)]
    for person in people:
        _notice(world, person)
    workers = [make_worker(app, batch_size=3) for _ in range(2)]
    start = threading.Barrier(2)

    def run(index: int) -> None:
        start.wait()
        workers[index].turn()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    addresses = sorted(m["To"] for m in smtp_server.inbox.messages)
    assert addresses == sorted(f"p{i}@skola.test" for i in range(30))
    assert sum(w.totals.sent for w in workers) == 30


@pytest.mark.parametrize(
    ("locale", "subject", "line"),
    [
        ("en-GB", "A reminder from Pia Processledare", "Go to the page: http://tool.test/notices/"),
        (None, "En påminnelse från Pia Processledare", "Gå till sidan: http://tool.test/notices/"),
        (
            "sv-SE",
            "En påminnelse från Pia Processledare",
            "Gå till sidan: http://tool.test/notices/",
        ),
    ],
)
def test_worker_writes_the_email_in_the_persons_language(
    app: Flask,
    world: World,
    smtp_server: SmtpServer,
    locale: str | None,
    subject: str,
    line: str,
) -> None:
    world.email_on()
    alva = world.person("alva", email="alva@skola.test", locale=locale)
    _notice(world, alva, path="/notices/")
    make_worker(app).turn()
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == subject
    assert message["From"] == SENDER
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "Glöm inte loggboken." in body
    assert line in body


def test_worker_links_a_session_reminder_to_its_step(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    alva = world.person("alva", email="alva@skola.test", locale="en")
    world.occurrence(timedelta(hours=3), alva, title="Session one", place="Room 12")
    make_worker(app).turn()
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "Session soon: Session one"
    body = message.get_content()
    assert "Place: Room 12." in body
    assert "http://tool.test/journeys/digital-kompetens/steps/step-meet" in body


def test_worker_command_once_shows_progress_and_beats(
    app: Flask, runner: FlaskCliRunner, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    _notice(world, world.person("alva", email="alva@skola.test"))
    result = runner.invoke(args=["reminders", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "… " in result.output
    assert "Done: 0 notice(s) made; e-mails: 1 sent, 0 skipped" in result.output
    with world.session() as session:
        names = set(session.scalars(select(WorkerHeartbeat.name)))
    assert REMINDERS_WORKER in names


def test_readiness_waits_for_the_reminder_worker_when_named(
    database_url: str, world: World
) -> None:
    settings = make_settings(database_url, ready_workers=REMINDERS_WORKER)
    with get_database(world.app).engine.connect() as connection:
        check = check_workers(connection, settings)
    assert not check.ok and f"{REMINDERS_WORKER}: no heartbeat yet" in check.reason


def test_org_reminders_command_turns_email_on_and_off(
    app: Flask, runner: FlaskCliRunner, world: World
) -> None:
    result = runner.invoke(args=["org", "reminders", "--email", "on", "org-a"])
    assert result.exit_code == 0, result.output
    assert "Reminder e-mail of org-a: on." in result.output
    with world.session() as session:
        assert session.get_one(Organization, world.organization_id).reminder_email
    result = runner.invoke(args=["org", "reminders", "--email", "off", "org-a"])
    assert "Reminder e-mail of org-a: off." in result.output


def test_org_reminders_command_names_an_unknown_organisation(
    runner: FlaskCliRunner, world: World
) -> None:
    result = runner.invoke(args=["org", "reminders", "--email", "on", "nowhere"])
    assert result.exit_code != 0
    assert "No organisation with slug 'nowhere'" in result.output


def test_worker_logs_no_address_or_body(
    app: Flask, world: World, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    world.email_on()
    _notice(world, world.person("alva", email="alva@skola.test"))
    caplog.set_level("DEBUG", logger="lti_tool.reminders")
    make_worker(app).turn()
    smtp_server.stop()
    _notice(world, world.person("bo", email="bo@skola.test"), key="nudge:2")
    make_worker(app).turn()
    assert "@skola.test" not in caplog.text and "loggboken" not in caplog.text
    assert "Reminder" in caplog.text


def test_worker_thread_sends_and_beats_until_stopped(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    _notice(world, world.person("alva", email="alva@skola.test"))
    worker = make_worker(app, poll_seconds=0.2)
    worker.heartbeat = Heartbeat(get_database(app).sessionmaker, REMINDERS_WORKER, every=0)
    runner = PassbackRunner(worker, name="reminders")
    runner.start_once()
    try:
        deadline = time.monotonic() + 15
        while not smtp_server.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert runner.join(10)
    assert len(smtp_server.inbox.messages) == 1
    with world.session() as session:
        assert session.scalars(
            select(WorkerHeartbeat).where(WorkerHeartbeat.name == REMINDERS_WORKER)
        ).first()


def test_worker_skips_an_address_that_cannot_head_an_email(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    notice_id = _notice(world, world.person("alva", email="alva@skola.test\r\nBcc: x@evil.test"))
    make_worker(app).turn()
    assert smtp_server.inbox.messages == []
    assert _state(world, notice_id).email_state == EmailState.SKIPPED


def test_worker_writes_a_subject_with_line_breaks_on_one_line(
    app: Flask, world: World, smtp_server: SmtpServer
) -> None:
    world.email_on()
    _notice(world, world.person("alva", email="alva@skola.test"), sender="Pia\r\nBcc: x@evil.test")
    make_worker(app).turn()
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "En påminnelse från Pia Bcc: x@evil.test"
    assert message["Bcc"] is None
