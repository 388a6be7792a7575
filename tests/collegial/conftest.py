"""Group fixtures: people launched into courses of school units, and reading what was recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.groups import GroupFields, create_group
from lti_tool.collegial.models import Group
from lti_tool.db import get_database
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Context, Person, Unit
from tests.conftest import Launcher, session_token
from tests.support.platform import LIS
from xapi.lrs.models import Statement

LEARNER = [LIS + "membership#Learner"]
INSTRUCTOR = [LIS + "membership#Instructor"]
UNIT_LEADER = [LIS + "membership#Administrator"]


class Launches:
    """Launch people into courses (each of a school unit) and find what the tool stored."""

    def __init__(self, app: Flask, launcher: Launcher) -> None:
        self.app = app
        self.launcher = launcher

    def launch(
        self,
        sub: str,
        roles: list[str] | None = None,
        course: str = "course-1",
        unit: str = "Skola A",
        name: str | None = None,
        **claims: Any,
    ) -> str:
        """A launch of ``sub``; returns its session token."""
        response = self.launcher.launch(
            sub=sub,
            name=name or sub.title(),
            email=f"{sub}@example.test",
            roles=roles or LEARNER,
            context={"id": course, "title": f"Kurs {course}"},
            custom={"unit": unit},
            **claims,
        )
        return session_token(response)

    def person_id(self, sub: str) -> int:
        with get_database(self.app).session() as session:
            found = session.scalar(select(Person.id).where(Person.sub == sub))
            assert found is not None
            return found

    def context_id(self, course: str = "course-1") -> int:
        with get_database(self.app).session() as session:
            found = session.scalar(select(Context.id).where(Context.context_id == course))
            assert found is not None
            return found

    def unit_id(self, name: str = "Skola A") -> int:
        with get_database(self.app).session() as session:
            found = session.scalar(select(Unit.id).where(Unit.name == name))
            assert found is not None
            return found

    def group(
        self, name: str, course: str = "course-1", open: bool = False, capacity: int | None = None
    ) -> str:
        """A new group of the course; returns its key."""
        with get_database(self.app).session() as session:
            context = session.get_one(Context, self.context_id(course))
            return create_group(
                session, GroupFields(name, open=open, capacity=capacity), context=context
            ).key


@pytest.fixture
def launches(app: Flask, launcher: Launcher) -> Launches:
    return Launches(app, launcher)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of the test's own, for calling the services as the views do."""
    with get_database(app).session() as opened:
        yield opened


@pytest.fixture
def recording(app: Flask) -> Recording:
    return get_recording(app)


def group_by_key(session: Session, key: str) -> Group:
    session.expire_all()
    return session.scalars(select(Group).where(Group.key == key)).one()


def person(session: Session, sub: str) -> Person:
    return session.scalars(select(Person).where(Person.sub == sub)).one()


def statements(app: Flask, verb_end: str | None = None) -> list[dict[str, Any]]:
    """The recorded statements (oldest first), of one verb when ``verb_end`` is given."""
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement.full).order_by(Statement.seq))
        return [s for s in rows if verb_end is None or s["verb"]["id"].endswith(verb_end)]
