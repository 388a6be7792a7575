"""Enrollments of the demo's synthetic staff, so participation figures are not empty.

In each demo course that links a journey, two in three of the unit's staff have started it under
the course's link; one in six of the staff has finished it, the others are part of the way. In a
journey with group work they stop before its first live session or collegial cycle.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.demo import catalog
from lti_tool.demo.staff import spread
from lti_tool.journeys.authoring import journey_by_slug, latest_published, load_version
from lti_tool.journeys.models import Enrollment, ProgressStatus, Step, StepProgress, StepType
from lti_tool.tenancy.models import Context, Organization, Person, ResourceLink

GROUP_STEP_TYPES = (StepType.LIVE_SESSION, StepType.COLLEGIAL_CYCLE)


def _link(session: Session, context: Context, course: catalog.DemoCourse) -> ResourceLink:
    """The course's default link, as its first launch creates it."""
    link_id = f"{course.key}-link-1"
    link = session.scalars(
        select(ResourceLink).where(
            ResourceLink.context_id == context.id, ResourceLink.resource_link_id == link_id
        )
    ).first()
    if link is None:
        link = ResourceLink(
            organization_id=context.organization_id,
            context_id=context.id,
            resource_link_id=link_id,
            title=course.link_title,
            journey_slug=course.custom.get("journey"),
        )
        session.add(link)
        session.flush()
    return link


def seed_enrollments(
    session: Session,
    org: Organization,
    contexts: dict[int, list[Context]],
    staff: dict[int, list[Person]],
) -> list[str]:
    """Started and finished journeys of the staff in each course that links one."""
    made = 0
    for unit_id, unit_contexts in contexts.items():
        for context in unit_contexts:
            course = catalog.course(context.context_id)
            slug = course.custom.get("journey") if course is not None else None
            journey = journey_by_slug(session, org.id, slug) if slug else None
            version = latest_published(session, journey) if journey is not None else None
            if course is None or journey is None or version is None:
                continue
            steps = [
                s for section in load_version(session, version.id).sections for s in section.steps
            ]
            # Attendance and a group's phases are records of their own that the seed does not
            # make: the staff get no further than the first live session or cycle.
            reachable = next(
                (n for n, s in enumerate(steps) if s.type in GROUP_STEP_TYPES), len(steps)
            )
            link = _link(session, context, course)
            for index, person in enumerate(staff.get(unit_id, [])):
                if index % 3 == 2 or _enrolled(session, person, link, journey.id):
                    continue
                done = len(steps) if index % 4 == 0 else spread(person.sub, slug) % len(steps)
                done = min(done, reachable)
                _enroll(
                    session,
                    org,
                    person,
                    context,
                    link,
                    journey.id,
                    version.id,
                    steps[:done],
                    len(steps),
                )
                made += 1
    session.flush()
    return [f"{made} enrollments in {org.slug}"] if made else []


def _enrolled(session: Session, person: Person, link: ResourceLink, journey_id: int) -> bool:
    return (
        session.scalars(
            select(Enrollment.id).where(
                Enrollment.person_id == person.id,
                Enrollment.resource_link_id == link.id,
                Enrollment.journey_id == journey_id,
            )
        ).first()
        is not None
    )


def _enroll(
    session: Session,
    org: Organization,
    person: Person,
    context: Context,
    link: ResourceLink,
    journey_id: int,
    version_id: int,
    done: list[Step],
    total: int,
) -> None:
    started = utcnow() - timedelta(days=20 + spread(person.sub, journey_id) % 40)
    finished = [started + timedelta(days=2 * (n + 1)) for n in range(len(done))]
    last = finished[-1] if finished else started
    enrollment = Enrollment(
        organization_id=org.id,
        person_id=person.id,
        journey_id=journey_id,
        version_id=version_id,
        context_id=context.id,
        resource_link_id=link.id,
        started_at=started,
        completed_at=last if len(done) == total else None,
        last_activity_at=last,
        last_step_key=done[-1].key if done else None,
    )
    session.add(enrollment)
    session.flush()
    for step, at in zip(done, finished, strict=True):
        session.add(
            StepProgress(
                enrollment_id=enrollment.id,
                step_id=step.id,
                status=ProgressStatus.COMPLETED,
                attempts=1,
                started_at=at - timedelta(hours=1),
                completed_at=at,
            )
        )
