"""Notices are made once per person and reason."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.reminders.models import EmailState, Notice, NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Person


def _person(app: Flask, registration: Registration) -> int:
    with get_database(app).session() as session:
        person = Person(
            organization_id=registration.organization_id,
            registration_id=registration.id,
            sub="learner-1",
            name="Alva Lind",
        )
        session.add(person)
        session.commit()
        return person.id


def test_notify_makes_one_notice_per_person_and_reason(
    app: Flask, registration: Registration
) -> None:
    person_id = _person(app, registration)
    with get_database(app).session() as session:
        first = notify(
            session,
            organization_id=registration.organization_id,
            person_id=person_id,
            kind=NoticeKind.SESSION_SOON,
            dedupe_key="session-soon:abc",
            payload={"title": "Träff 1"},
        )
        again = notify(
            session,
            organization_id=registration.organization_id,
            person_id=person_id,
            kind=NoticeKind.SESSION_SOON,
            dedupe_key="session-soon:abc",
        )
        session.commit()
        assert first is not None and again is None
        assert first.email_state == EmailState.PENDING
        count = session.scalar(select(func.count()).select_from(Notice))
        assert count == 1
