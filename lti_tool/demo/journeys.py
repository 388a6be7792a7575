"""The demo's journeys: the shipped examples, published in every demo organisation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.journeys import assignments, authoring
from lti_tool.journeys.examples import example_documents
from lti_tool.journeys.models import AssignmentLevel
from lti_tool.tenancy.models import Organization

# The organisation-wide assignment that the demo's course without a journey link shows.
ASSIGNED = {"demo-sodervik": "digital-kompetens"}


def seed_journeys(session: Session, org: Organization) -> list[str]:
    """Import and publish each example that is missing or changed; safe to run again."""
    done: list[str] = []
    for document in example_documents():
        journey = authoring.journey_by_slug(session, org.id, document.slug)
        if journey is not None:
            latest = authoring.latest_published(session, journey)
            if (
                latest is not None
                and authoring.document_of(authoring.load_version(session, latest.id)) == document
            ):
                continue
        journey, _draft, _created = authoring.import_document(session, org.id, document)
        version = authoring.publish(session, journey)
        done.append(f"journey {journey.slug} version {version.number} in {org.slug}")
        if ASSIGNED.get(org.slug) == journey.slug and version.number == 1:
            assignments.assign(session, journey, AssignmentLevel.ORGANIZATION)
            done.append(f"assignment of {journey.slug} to all of {org.slug}")
    return done
