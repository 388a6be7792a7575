"""Migration 0012 (enrollments per resource link) upgrades and downgrades on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, inspect, select
from sqlalchemy.orm import Session

from lti_tool import migrate
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.models import Enrollment
from lti_tool.lti.models import Deployment
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.models import Context, Person, ResourceLink
from lti_tool.tenancy.services import add_organization
from tests.journeys.conftest import sample_document

NEW_KEY = "uq_journey_enrollments_person_id_resource_link_id_journey_id"
OLD_KEY = "uq_journey_enrollments_person_id_journey_id_context_id"
UNLINKED = "uq_journey_enrollments_person_journey_context_unlinked"
CHOSEN = "uq_journey_assignments_journey_person"


def enrollment_keys(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    unique = {c["name"] or "" for c in inspector.get_unique_constraints("journey_enrollments")}
    indexes = {i["name"] or "" for i in inspector.get_indexes("journey_enrollments") if i["unique"]}
    return (unique | indexes) & {NEW_KEY, OLD_KEY, UNLINKED}


def chosen_key(engine: Engine) -> bool:
    return any(i["name"] == CHOSEN for i in inspect(engine).get_indexes("journey_assignments"))


def test_migration_0012_upgrades_and_downgrades_the_enrollment_key(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0011")
    assert enrollment_keys(empty_engine) == {OLD_KEY}
    assert not chosen_key(empty_engine)
    migrate.upgrade(empty_engine)
    assert enrollment_keys(empty_engine) == {NEW_KEY, UNLINKED}
    assert chosen_key(empty_engine)
    assert migrate.pending_model_changes(empty_engine) == []
    migrate.downgrade(empty_engine, "0011")
    assert enrollment_keys(empty_engine) == {OLD_KEY}
    assert not chosen_key(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)


def enroll_under_two_links(engine: Engine) -> None:
    """One learner enrolled in one journey under two links of one course."""
    with Session(engine) as session:
        org = add_organization(session, "org", "Org")
        registration = add_registration(
            session,
            org,
            issuer="https://lms.example.test",
            client_id="client",
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url="https://lms.example.test/jwks",
            deployment_ids=("1",),
        )
        deployment = session.scalars(select(Deployment)).one()
        person = Person(organization_id=org.id, registration_id=registration.id, sub="learner")
        course = Context(
            organization_id=org.id,
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id="course-1",
        )
        session.add_all([person, course])
        session.flush()
        links = [
            ResourceLink(organization_id=org.id, context_id=course.id, resource_link_id=name)
            for name in ("nav-1", "assignment-1")
        ]
        session.add_all(links)
        session.flush()
        journey = create_journey(session, org.id, sample_document())
        publish(session, journey)
        for link in links:
            session.add(
                Enrollment(
                    organization_id=org.id,
                    person_id=person.id,
                    journey_id=journey.id,
                    version_id=journey.versions[-1].id,
                    context_id=course.id,
                    resource_link_id=link.id,
                )
            )
        session.commit()


def test_migration_0012_downgrade_refuses_to_drop_a_learners_second_enrollment(
    empty_engine: Engine,
) -> None:
    # Seeded with today's models, then taken down to 0012: SQLite cannot roll back the later
    # migrations' DDL when this one refuses.
    migrate.upgrade(empty_engine)
    enroll_under_two_links(empty_engine)
    migrate.downgrade(empty_engine, "0012")
    with pytest.raises(RuntimeError, match="several links of one course"):
        migrate.downgrade(empty_engine, "0011")
    assert migrate.current_revision(empty_engine) == "0012"
    with Session(empty_engine) as session:
        session.execute(delete(Enrollment).where(Enrollment.id == 2))
        session.commit()
    migrate.downgrade(empty_engine, "0011")
    assert enrollment_keys(empty_engine) == {OLD_KEY}
