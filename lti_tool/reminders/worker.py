"""The reminder worker: each turn runs the scan, then e-mails the notices still pending.

Like the roster and passback workers it leases rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
and a lease is taken by a conditional update that only one worker can win, on SQLite too: two
workers at once never send one notice twice. No transaction stays open while the SMTP server is
called; an SMTP error backs off exponentially, and after the last attempt the notice is FAILED.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from lti_tool.db import get_database, utcnow
from lti_tool.heartbeats import BEAT_SECONDS
from lti_tool.reminders.mail import MailError, SmtpConfig, compose, deliverable, send
from lti_tool.reminders.models import EmailState, Notice, NoticePreference
from lti_tool.reminders.rules import ReminderRules, ScanTotals, scan
from lti_tool.tenancy.models import Organization, Person
from xapi.delivery import exponential_backoff

log = logging.getLogger("lti_tool.reminders")


@dataclass(frozen=True)
class ReminderOptions:
    rules: ReminderRules = field(default_factory=ReminderRules)
    batch_size: int = 50
    poll_seconds: float = 60.0
    # Longer than one message may take (its deadline), so a lease never runs out mid-send.
    lease_seconds: float = 300.0
    deadline_seconds: float = 30.0
    max_attempts: int = 6
    backoff_base_seconds: float = 60.0
    backoff_max_seconds: float = 6 * 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderOptions:
        return cls(
            rules=ReminderRules(
                session_lead=timedelta(hours=settings.reminder_session_lead_hours),
                phase_grace=timedelta(hours=settings.reminder_phase_grace_hours),
            ),
            poll_seconds=settings.reminder_poll_seconds,
            lease_seconds=max(300.0, settings.smtp_deadline_seconds * 4),
            deadline_seconds=settings.smtp_deadline_seconds,
            max_attempts=settings.reminder_max_attempts,
            backoff_base_seconds=settings.reminder_backoff_base_seconds,
            backoff_max_seconds=settings.reminder_backoff_max_seconds,
        )


@dataclass
class ReminderTotals:
    made: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP server to send through, or None when e-mail is not configured."""
    if not settings.reminder_email_configured:
        return None
    return SmtpConfig.from_url(settings.smtp_url, settings.mail_from)


class ReminderWorker:
    """Makes notices and e-mails them; ``app`` gives the translations and the tool's address."""

    def __init__(
        self,
        app: Flask,
        smtp: SmtpConfig | None,
        options: ReminderOptions | None = None,
        *,
        factory: sessionmaker[Session] | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.app = app
        self.smtp = smtp
        self.options = options or ReminderOptions()
        self.factory = factory or get_database(app).sessionmaker
        self.clock = clock
        self.rng = rng
        self.totals = ReminderTotals()
        self.base_url: str = app.config["LTI_JOURNEYS_SETTINGS"].base_url
        bind = self.factory.kw.get("bind")
        self.skip_locked = bind is not None and bind.dialect.name == "postgresql"
        # Called on every turn of ``run`` (readiness: ``lti_tool.heartbeats``).
        self.heartbeat: Callable[[], None] | None = None
        # Told after each scan and batch (the CLI shows progress with it).
        self.progress: Callable[[ReminderTotals], None] | None = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._beat()
            try:
                self.turn(stop)
            except Exception:
                log.exception("Reminder pass failed; trying again shortly")
            self._pause(stop)

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat()

    def _pause(self, stop: threading.Event) -> None:
        """Wait for the next turn, beating meanwhile (a long pause must not look like a hang)."""
        ends = time.monotonic() + self.options.poll_seconds
        while not stop.is_set() and (left := ends - time.monotonic()) > 0:
            stop.wait(min(left, BEAT_SECONDS))
            self._beat()

    def turn(self, stop: threading.Event | None = None) -> ReminderTotals:
        """One turn: the scan, then every e-mail that is due now."""
        self.scan()
        while self.send_batch():
            self._beat()
            if stop is not None and stop.is_set():
                break
        return self.totals

    def scan(self) -> ScanTotals:
        with self.factory() as session:
            made = scan(session, self.clock(), self.options.rules)
        self.totals.made += made.made
        self._tell()
        return made

    def send_batch(self) -> int:
        """Lease and handle one batch of pending notices; returns how many were leased."""
        ids = self._lease()
        for notice_id in ids:
            self._deliver(notice_id)
        if ids:
            self._tell()
        return len(ids)

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self.totals)

    def _due(self, now: datetime) -> list[object]:
        return [
            Notice.email_state == EmailState.PENDING,
            or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
            or_(Notice.leased_until.is_(None), Notice.leased_until < now),
        ]

    def _lease(self) -> list[int]:
        now = self.clock()
        until = now + timedelta(seconds=self.options.lease_seconds)
        leased: list[int] = []
        with self.factory() as session, session.begin():
            stmt = (
                select(Notice.id)
                .where(*self._due(now))  # type: ignore[arg-type]
                .order_by(Notice.id)
                .limit(self.options.batch_size)
            )
            if self.skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            for notice_id in list(session.scalars(stmt)):
                # Only one worker's update matches: the other one sees the new lease.
                claimed = session.execute(
                    update(Notice)
                    .where(Notice.id == notice_id, *self._due(now))  # type: ignore[arg-type]
                    .values(leased_until=until)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    leased.append(notice_id)
        return leased

    def _skip_reason(self, session: Session, notice: Notice) -> tuple[str | None, str | None]:
        """Why the notice is not e-mailed (None: send it), and the address to send to."""
        if self.smtp is None:
            return "no SMTP server configured", None
        organization = session.get(Organization, notice.organization_id)
        if organization is None or not organization.reminder_email:
            return "the organisation does not send reminder e-mail", None
        preference = session.get(NoticePreference, notice.person_id)
        if preference is not None and preference.email_opt_out:
            return "the person turned reminder e-mail off", None
        person = session.get(Person, notice.person_id)
        if person is None or not person.email:
            return "no e-mail address", None
        if not deliverable(person.email):
            return "the e-mail address cannot be used", None
        return None, person.email

    def _deliver(self, notice_id: int) -> None:
        with self.factory() as session:
            notice = session.get(Notice, notice_id)
            if notice is None or notice.email_state != EmailState.PENDING:
                return
            reason, address = self._skip_reason(session, notice)
            if reason is not None or address is None or self.smtp is None:
                self._finish(session, notice_id, EmailState.SKIPPED, reason)
                self.totals.skipped += 1
                return
            person = session.get_one(Person, notice.person_id)
            with self.app.app_context():
                message = compose(notice, address, person.locale, self.smtp.sender, self.base_url)
            attempts = notice.email_attempts + 1
            kind = notice.kind.value
            session.commit()  # nothing stays open while the server is called
            try:
                send(self.smtp, message, self.options.deadline_seconds)
            except MailError as exc:
                self._failed(session, notice_id, attempts, exc)
                return
            self._finish(session, notice_id, EmailState.SENT, None, attempts=attempts)
            self.totals.sent += 1
            log.info("Reminder %s (%s) e-mailed", notice_id, kind)

    def _finish(
        self,
        session: Session,
        notice_id: int,
        state: EmailState,
        reason: str | None,
        attempts: int | None = None,
    ) -> None:
        now = self.clock()
        values: dict[str, object] = {
            "email_state": state,
            "leased_until": None,
            "next_attempt_at": None,
            "email_error": reason,
        }
        if state == EmailState.SENT:
            values["emailed_at"] = now
        if attempts is not None:
            values["email_attempts"] = attempts
        session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.email_state == EmailState.PENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()

    def _failed(self, session: Session, notice_id: int, attempts: int, exc: MailError) -> None:
        now = self.clock()
        last = attempts >= self.options.max_attempts
        delay = exponential_backoff(
            attempts, self.options.backoff_base_seconds, self.options.backoff_max_seconds, self.rng
        )
        # The reason names the kind of failure only: no address, no body.
        log.warning(
            "Reminder %s not e-mailed (attempt %d of %d): %s%s",
            notice_id,
            attempts,
            self.options.max_attempts,
            exc.reason,
            "; giving up" if last else f"; next in {delay:.0f} s",
        )
        session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.email_state == EmailState.PENDING)
            .values(
                email_state=EmailState.FAILED if last else EmailState.PENDING,
                email_attempts=attempts,
                email_error=exc.reason,
                leased_until=None,
                next_attempt_at=None if last else now + timedelta(seconds=delay),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if last:
            self.totals.failed += 1
        else:
            self.totals.retried += 1
