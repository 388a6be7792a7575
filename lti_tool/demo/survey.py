"""The demo's needs-mapping survey (behovskartläggning): DigCompEdu areas 2 and 3, two rounds.

Round 1 closed last term, round 2 is open now. Most of the synthetic staff answered both, at
levels that rise from the first round to the second, so the measurement shows movement; in one
unit only three people answered, so the small-group rule hides that unit's figures.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.demo.staff import spread
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from lti_tool.tenancy.models import Organization, Person, Unit

SURVEY_TITLE = "Behovskartläggning: digitala resurser och undervisning (DigCompEdu 2 och 3)"
AREAS = ("2", "3")
# The unit where only a few answered (fewer than the default smallest group shown).
FEW_ANSWERS_UNIT = {"demo-norrstad": "Björkskolan"}
FEW_ANSWERS = 3
HIGHEST_LEVEL = 6


def _periods(today: date) -> list[tuple[date, date]]:
    """Round 1 in last spring term (closed), round 2 open from two weeks ago for a month."""
    return [
        (today - timedelta(days=300), today - timedelta(days=270)),
        (today - timedelta(days=14), today + timedelta(days=16)),
    ]


def answered(org_slug: str, unit: Unit, index: int, number: int) -> bool:
    """Whether the unit's ``index``-th member of staff (0-based) answered round ``number``."""
    if FEW_ANSWERS_UNIT.get(org_slug) == unit.name:
        return index < FEW_ANSWERS
    # Most answer: one in six skipped the first round, one in eight has not answered yet.
    return index % 6 != 5 if number == 1 else index % 8 != 7


def level(person: Person, competence: Competence, number: int) -> int:
    """A self-assessed level: mostly A1–B1 in round 1, a step higher for two in three in round 2."""
    base = 1 + spread(person.sub, competence.code) % 3
    if number == 1:
        return 0 if spread(person.sub, competence.code, "new") % 12 == 0 else base
    return min(HIGHEST_LEVEL, base + (1 if spread(person.sub, competence.code, 2) % 3 else 0))


def seed_survey(
    session: Session,
    org: Organization,
    framework: Framework,
    competences: dict[str, Competence],
    units: dict[str, Unit],
    staff: dict[int, list[Person]],
) -> list[str]:
    """The organisation-wide survey with its two rounds and their answers, unless it exists."""
    exists = session.scalars(
        select(Survey.id).where(Survey.organization_id == org.id, Survey.title == SURVEY_TITLE)
    ).first()
    if exists is not None:
        return []
    chosen = sorted(
        (c for code, c in competences.items() if code.partition(".")[0] in AREAS and "." in code),
        key=lambda c: c.code,
    )
    survey = Survey(organization_id=org.id, framework_id=framework.id, title=SURVEY_TITLE)
    survey.competences = chosen
    session.add(survey)
    today = utcnow().date()
    answers = 0
    for number, (opens, closes) in enumerate(_periods(today), start=1):
        round_ = SurveyRound(
            organization_id=org.id, survey=survey, number=number, opens_on=opens, closes_on=closes
        )
        session.add(round_)
        last_day = min(closes, today)
        for unit in units.values():
            for index, person in enumerate(staff.get(unit.id, [])):
                if not answered(org.slug, unit, index, number):
                    continue
                day = opens + timedelta(
                    days=spread(person.sub, number) % ((last_day - opens).days + 1)
                )
                session.add(
                    SurveyResponse(
                        organization_id=org.id,
                        round=round_,
                        person_id=person.id,
                        unit_id=unit.id,
                        submitted_at=datetime.combine(day, time(15, 30), tzinfo=UTC),
                        answers=[
                            SurveyAnswer(competence_id=c.id, level=level(person, c, number))
                            for c in chosen
                        ],
                    )
                )
                answers += 1
    session.flush()
    return [f"survey with 2 rounds and {answers} responses in {org.slug}"]
