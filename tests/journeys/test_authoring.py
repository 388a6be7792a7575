"""Authoring services: drafts, publishing, immutable versions, copies, documents."""

from __future__ import annotations

import pytest
from flask import Flask

from lti_tool.db import get_database
from lti_tool.journeys import authoring
from lti_tool.journeys.errors import JourneyConflictError, JourneyError, JourneyNotFoundError
from lti_tool.journeys.models import Journey, VersionStatus
from lti_tool.lti.models import Registration
from lti_tool.tenancy.services import add_organization
from tests.journeys.conftest import sample_document


def test_create_journey_makes_a_draft_holding_the_document(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        journey = authoring.create_journey(session, registration.organization_id, sample_document())
        draft = authoring.current_draft(session, journey)
        assert draft is not None and draft.number == 1
        document = authoring.document_of(authoring.load_version(session, draft.id))
    assert document == sample_document()


def test_slug_is_unique_per_organisation(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        authoring.create_journey(session, registration.organization_id, sample_document())
        with pytest.raises(JourneyConflictError):
            authoring.create_journey(session, registration.organization_id, sample_document())
        other = add_organization(session, "org-b", "Organisation B")
        assert authoring.create_journey(session, other.id, sample_document()).slug


def test_publishing_freezes_the_version_and_the_next_edit_copies_it(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        journey = authoring.create_journey(session, registration.organization_id, sample_document())
        published = authoring.publish(session, journey)
        assert published.status == VersionStatus.PUBLISHED
        with pytest.raises(JourneyConflictError):
            authoring.editable_draft(session, published)
        draft = authoring.ensure_draft(session, journey)
        session.commit()
        assert draft.number == 2
        copied = authoring.document_of(authoring.load_version(session, draft.id))
    assert copied == sample_document()


def test_publishing_without_steps_is_refused(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        journey = authoring.create_journey(
            session, registration.organization_id, sample_document(sections=[])
        )
        with pytest.raises(JourneyError, match="at least one step"):
            authoring.publish(session, journey)


def test_import_replaces_the_draft_of_an_existing_journey(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        org_id = registration.organization_id
        authoring.create_journey(session, org_id, sample_document())
        _journey, draft, created = authoring.import_document(
            session, org_id, sample_document(title="Ny titel", goals=[], sections=[])
        )
        assert not created and draft.title == "Ny titel"
        version = authoring.load_version(session, draft.id)
        assert version.goals == [] and version.sections == []


def test_a_shared_journey_can_be_copied_by_another_organisation(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        source = authoring.create_journey(
            session, registration.organization_id, sample_document(shared=True)
        )
        authoring.publish(session, source)
        other = add_organization(session, "org-b", "Organisation B")
        assert [j.slug for j in authoring.list_library(session, other.id)] == [source.slug]
        copy = authoring.copy_journey(session, source, other.id)
        assert isinstance(copy, Journey) and copy.copied_from_id == source.id
        assert copy.organization_id == other.id
        draft = authoring.current_draft(session, copy)
        assert draft is not None and draft.title == sample_document().title


def test_copy_journey_refuses_another_organisations_unpublished_draft(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        draft_only = authoring.create_journey(session, other.id, sample_document(shared=True))
        with pytest.raises(JourneyNotFoundError):
            authoring.copy_journey(session, draft_only, registration.organization_id)
        session.rollback()
        assert (
            authoring.journey_by_slug(session, registration.organization_id, draft_only.slug)
            is None
        )


def test_copy_journey_takes_another_organisations_published_version_not_its_draft(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        source = authoring.create_journey(session, other.id, sample_document(shared=True))
        authoring.publish(session, source)
        draft = authoring.ensure_draft(session, source)
        draft.title = "B's unpublished edit"
        session.commit()
        copy = authoring.copy_journey(session, source, registration.organization_id)
        copied = authoring.current_draft(session, copy)
        assert copied is not None and copied.title == sample_document().title


def test_a_step_without_text_blocks_publishing(app: Flask, registration: Registration) -> None:
    empty_body = sample_document().model_dump()
    empty_body["sections"][0]["steps"][0]["content"]["body"] = "  "
    with get_database(app).session() as session:
        journey = authoring.create_journey(
            session,
            registration.organization_id,
            sample_document(sections=empty_body["sections"]),
        )
        with pytest.raises(JourneyError, match="has no text yet"):
            authoring.publish(session, journey)
