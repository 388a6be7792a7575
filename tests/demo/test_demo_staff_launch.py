"""The launch page launches any seeded member of staff as ``staff-<n>``."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.demo import catalog
from lti_tool.tenancy.models import Person
from tests.demo.conftest import person
from tests.demo.test_demo import demo_launch


def test_staff_launch_person_is_named_like_the_seeded_member_of_staff(seeded: Flask) -> None:
    who = catalog.person("staff-3")
    assert who is not None
    with get_database(seeded).session() as session:
        seeded_person = person(session, "demo-staff-3", "demo-sodervik")
        assert (who.given_name, who.family_name, who.email) == (
            seeded_person.given_name,
            seeded_person.family_name,
            seeded_person.email,
        )


def test_staff_launch_person_refuses_numbers_outside_the_staff(seeded: Flask) -> None:
    assert [catalog.person(f"staff-{n}") for n in ("0", "577", "03", "x", "")] == [None] * 5


def test_staff_launch_is_the_seeded_person(seeded: Flask, client: FlaskClient) -> None:
    with get_database(seeded).session() as session:
        before = session.scalar(select(func.count()).select_from(Person))
    page = demo_launch(client, "sodervik-ledarskap", "staff-3").get_data(as_text=True)
    with get_database(seeded).session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == before
        launched = person(session, "demo-staff-3", "demo-sodervik")
    assert launched.name is not None
    assert launched.name in page
