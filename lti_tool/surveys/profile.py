"""A person's own competence profile: their latest self-assessed level per competence, and before.

Only the person, those who manage them (``leadership.manages``: their unit's leaders, organisation
leaders and administrators, their mentors) may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.leadership.services import Reach, manages
from lti_tool.surveys.errors import SurveyForbiddenError, SurveyNotFoundError
from lti_tool.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from lti_tool.tenancy.models import Person


@dataclass(frozen=True)
class Earlier:
    round: SurveyRound
    level: int


@dataclass(frozen=True)
class ProfileEntry:
    """A competence: the level of the latest round that asked about it, and earlier rounds."""

    competence: Competence
    framework: Framework
    level: int
    round: SurveyRound
    earlier: tuple[Earlier, ...] = ()

    @property
    def change(self) -> int | None:
        """The level now minus the level of the round before, if any."""
        return self.level - self.earlier[0].level if self.earlier else None


@dataclass(frozen=True)
class CompetenceProfile:
    person: Person
    entries: list[ProfileEntry] = field(default_factory=list)

    @property
    def levels(self) -> dict[int, int]:
        """Competence id → latest level."""
        return {e.competence.id: e.level for e in self.entries}


def find_person(session: Session, organization_id: int, person_id: int) -> Person:
    """The organisation's person; 404 for anyone else, another organisation's people included."""
    person = session.get(Person, person_id)
    if person is None or person.organization_id != organization_id:
        raise SurveyNotFoundError("person_not_found", _l("That person does not exist."))
    return person


def check_may_see(session: Session, reach: Reach, person: Person) -> None:
    """Refuse (403) anyone but the person and those who manage them."""
    if person.id == reach.person_id or manages(session, reach, person.id):
        return
    raise SurveyForbiddenError(
        "profile_forbidden",
        _l("A competence profile is seen only by the person and those who lead them."),
    )


def profile_of(session: Session, person: Person) -> CompetenceProfile:
    """The person's levels per competence, the latest round first."""
    rows = session.execute(
        select(SurveyAnswer, SurveyRound, Competence, Framework)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .join(Survey, Survey.id == SurveyRound.survey_id)
        .join(Competence, Competence.id == SurveyAnswer.competence_id)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(
            SurveyResponse.person_id == person.id,
            SurveyResponse.organization_id == person.organization_id,
            Survey.organization_id == person.organization_id,
        )
        .order_by(
            SurveyRound.closes_on.desc(),
            SurveyRound.opens_on.desc(),
            SurveyRound.id.desc(),
        )
    ).all()
    latest: dict[int, tuple[SurveyAnswer, SurveyRound, Competence, Framework]] = {}
    earlier: dict[int, list[Earlier]] = {}
    for answer, survey_round, competence, framework in rows:
        if competence.id not in latest:
            latest[competence.id] = (answer, survey_round, competence, framework)
        else:
            earlier.setdefault(competence.id, []).append(Earlier(survey_round, answer.level))
    entries = [
        ProfileEntry(
            competence=competence,
            framework=framework,
            level=answer.level,
            round=survey_round,
            earlier=tuple(earlier.get(competence.id, [])),
        )
        for answer, survey_round, competence, framework in latest.values()
    ]
    entries.sort(key=lambda e: (e.framework.id, e.competence.position, e.competence.id))
    return CompetenceProfile(person, entries)
