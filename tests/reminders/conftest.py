"""Reminder fixtures: a real SMTP server on loopback, and the rows the rules read, made directly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SMTPSession
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from lti_tool.collegial.cycle_models import PhaseCompletion
from lti_tool.collegial.models import (
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
    Signup,
    SignupStatus,
    scope_of,
)
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.lti.models import Deployment, Registration
from lti_tool.reminders.models import NoticePreference
from lti_tool.reminders.worker import ReminderOptions, ReminderWorker, smtp_config
from lti_tool.tenancy.models import Context, Organization, Person
from tests.conftest import make_settings
from tests.journeys.conftest import sample_document
from tests.support.workers import free_port

SENDER = "paminnelser@skola.test"
PHASES = [
    {"key": "phase-prepare", "kind": "prepare", "title": "Förbered"},
    {"key": "phase-meet", "kind": "meet"},
    {"key": "phase-practice", "kind": "practice"},
    {"key": "phase-follow-up", "kind": "follow_up"},
]


class Inbox:
    """The messages a test's SMTP server accepted, by recipient."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(
        self, server: SMTPServer, session: SMTPSession, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """An aiosmtpd server on a free loopback port that a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    """The app sends reminders through the test's SMTP server."""
    return make_settings(
        database_url,
        smtp_url=f"smtp://127.0.0.1:{smtp_server.port}",
        mail_from=SENDER,
        smtp_deadline_seconds=5,
    )


def cycle_document() -> JourneyDocument:
    """The sample journey with a live session step and a collegial cycle step added."""
    body = sample_document().model_dump()
    body["sections"].append(
        {
            "key": "section-together",
            "title": "Tillsammans",
            "steps": [
                {
                    "key": "step-meet",
                    "title": "Träff om återkoppling",
                    "content": {"type": "live_session", "description": "Vi ses."},
                },
                {
                    "key": "step-cycle",
                    "title": "Kollegialt lärande",
                    "content": {"type": "collegial_cycle", "phases": PHASES},
                },
            ],
        }
    )
    return JourneyDocument.model_validate(body)


@dataclass
class World:
    """One organisation's rows the rules read; ids only, so tests open their own sessions."""

    app: Flask
    organization_id: int
    registration_id: int
    context_id: int
    journey_id: int
    people: dict[str, int] = field(default_factory=dict)

    def session(self) -> Session:
        return get_database(self.app).session()

    def person(
        self, sub: str, email: str | None = None, locale: str | None = None, name: str = ""
    ) -> int:
        with self.session() as session:
            person = Person(
                organization_id=self.organization_id,
                registration_id=self.registration_id,
                sub=sub,
                name=name or sub.title(),
                email=email,
                locale=locale,
            )
            session.add(person)
            session.commit()
            self.people[sub] = person.id
            return person.id

    def email_on(self, on: bool = True) -> None:
        with self.session() as session:
            session.get_one(Organization, self.organization_id).reminder_email = on
            session.commit()

    def opt_out(self, person_id: int) -> None:
        with self.session() as session:
            session.add(NoticePreference(person_id=person_id, email_opt_out=True))
            session.commit()

    def occurrence(self, starts_in: timedelta, *registered: int, **values: Any) -> str:
        starts = utcnow() + starts_in
        with self.session() as session:
            occurrence = Occurrence(
                organization_id=self.organization_id,
                journey_id=self.journey_id,
                step_key="step-meet",
                context_id=self.context_id,
                title=values.pop("title", "Träff 1"),
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                place=values.pop("place", "Aulan"),
                check_in_code="K3Y7",
                **values,
            )
            session.add(occurrence)
            session.flush()
            for person_id in registered:
                session.add(
                    Signup(
                        occurrence_id=occurrence.id,
                        person_id=person_id,
                        status=SignupStatus.REGISTERED,
                        registered_at=utcnow(),
                    )
                )
            session.commit()
            return occurrence.key

    def signup(self, occurrence_key: str, person_id: int, status: SignupStatus) -> None:
        with self.session() as session:
            occurrence = session.scalars(
                select(Occurrence).where(Occurrence.key == occurrence_key)
            ).one()
            session.add(Signup(occurrence_id=occurrence.id, person_id=person_id, status=status))
            session.commit()

    def group(self, *members: int, name: str = "Lärgrupp 1") -> int:
        scope = scope_of(self.context_id, None)
        with self.session() as session:
            group = Group(
                organization_id=self.organization_id,
                context_id=self.context_id,
                scope=scope,
                name=name,
            )
            session.add(group)
            session.flush()
            for person_id in members:
                session.add(
                    GroupMember(
                        group_id=group.id, person_id=person_id, scope=scope, role=GroupRole.MEMBER
                    )
                )
            session.commit()
            return group.id

    def complete(self, group_id: int, phase_key: str, person_id: int | None, at: datetime) -> None:
        with self.session() as session:
            session.add(
                PhaseCompletion(
                    group_id=group_id,
                    journey_id=self.journey_id,
                    step_key="step-cycle",
                    phase_key=phase_key,
                    person_id=person_id,
                    completed_at=at,
                )
            )
            session.commit()


@pytest.fixture
def world(app: Flask, registration: Registration) -> World:
    """Organisation A with a published journey that has a session and a cycle, and a course."""
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, cycle_document())
        publish(session, journey)
        deployment_id = session.scalars(
            select(Deployment.id).where(Deployment.registration_id == registration.id)
        ).first()
        assert deployment_id is not None
        context = Context(
            organization_id=registration.organization_id,
            registration_id=registration.id,
            deployment_id=deployment_id,
            context_id="course-1",
            title="Digital kompetens",
        )
        session.add(context)
        session.commit()
        return World(
            app=app,
            organization_id=registration.organization_id,
            registration_id=registration.id,
            context_id=context.id,
            journey_id=journey.id,
        )


def make_worker(app: Flask, **options: Any) -> ReminderWorker:
    """A reminder worker of the app with quick retries (tests move its clock themselves)."""
    settings: Settings = app.config["LTI_JOURNEYS_SETTINGS"]
    values: dict[str, Any] = {
        "deadline_seconds": 5.0,
        "backoff_base_seconds": 60.0,
        "max_attempts": 3,
        "batch_size": 10,
    }
    values.update(options)
    return ReminderWorker(app, smtp_config(settings), ReminderOptions(**values))
