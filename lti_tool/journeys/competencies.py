"""Checking the competency a journey goal names against the organisation's frameworks.

An organisation without frameworks may name any competency IRI. Once it holds frameworks, a
goal's competency must be one of their competences, so follow-up can join goals, journeys and
surveys on the same competence; an IRI under a framework's own IRI that names none of its
competences is most likely a typing error, and the message says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.frameworks.services import competence_by_iri
from lti_tool.journeys.content import JourneyDocument


def competency_problem(session: Session, organization_id: int, iri: str) -> str | None:
    """Why ``iri`` cannot be a goal's competency in this organisation, or ``None``."""
    frameworks = list(
        session.scalars(select(Framework).where(Framework.organization_id == organization_id))
    )
    if not frameworks or competence_by_iri(session, organization_id, iri) is not None:
        return None
    for framework in frameworks:
        if iri.startswith(framework.iri.rstrip("/") + "/") or iri == framework.iri:
            return str(
                _l(
                    "%(iri)s is not a competence of the framework %(framework)s; copy the IRI "
                    "of one of its competences.",
                    iri=iri,
                    framework=framework.title,
                )
            )
    return str(
        _l(
            "%(iri)s is not a competence of the organisation's frameworks; choose one of their "
            "competences, or leave the competency empty.",
            iri=iri,
        )
    )


def document_competency_problems(
    session: Session, organization_id: int, document: JourneyDocument
) -> list[str]:
    """Every goal of the document whose competency the organisation refuses, with its place."""
    problems = []
    for index, goal in enumerate(document.goals):
        places: Iterable[tuple[str, str | None]] = [
            (f"goals[{index}].competency", goal.competency),
            *(
                (f"goals[{index}].subgoals[{sub}].competency", subgoal.competency)
                for sub, subgoal in enumerate(goal.subgoals)
            ),
        ]
        for place, iri in places:
            if iri is None:
                continue
            problem = competency_problem(session, organization_id, iri)
            if problem is not None:
                problems.append(f"{place}: {problem}")
    return problems


def competences_by_iri(
    session: Session, organization_id: int, iris: Iterable[str]
) -> dict[str, Competence]:
    """The organisation's competences with these IRIs (for showing their titles and codes)."""
    wanted = set(iris)
    if not wanted:
        return {}
    rows = session.scalars(
        select(Competence)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.organization_id == organization_id, Competence.iri.in_(wanted))
        .order_by(Competence.id)
    )
    found: dict[str, Competence] = {}
    for row in rows:
        found.setdefault(row.iri, row)
    return found
