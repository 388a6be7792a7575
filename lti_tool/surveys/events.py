"""The needs-mapping statements: a survey answered (one ``responded`` and one ``rated`` per
competence) and a recommendation followed. Recorded in the transaction of the change.

Why a statement per competence: its object is the competence itself (its stable IRI) and its
``result.score.raw`` the level, so "level per competence per person over rounds" is the plain
query ``verb=rated&activity=<competence IRI>``, each statement one number with its round as
parent; nothing has to be unpacked from a map inside an extension.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.event_parts import organization_activity, person_actor
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.journeys.models import Journey, JourneyVersion
from lti_tool.recording import Recording
from lti_tool.surveys.models import Survey, SurveyResponse, SurveyRound
from lti_tool.surveys.recommendations import Recommendation
from lti_tool.tenancy.models import Organization, Person, Unit
from xapi.statements import ActivityRef, Situation
from xapi.statements import Person as Actor


def _names(sv: str, en: str) -> dict[str, str]:
    return {k: v for k, v in (("sv", sv), ("en", en)) if v}


class SurveyEvents:
    """Builds and records the survey statements of one organisation."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.organization = organization

    # --- activities ---------------------------------------------------------------------------
    def survey_activity(self, survey: Survey) -> ActivityRef:
        return self.factory.activity(
            "survey", self.factory.activity_iri("surveys", survey.key), {"sv": survey.title}
        )

    def round_activity(self, survey_round: SurveyRound) -> ActivityRef:
        title = f"{survey_round.survey.title} ({survey_round.number})"
        return self.factory.activity(
            "survey-round",
            self.factory.activity_iri(
                "surveys", survey_round.survey.key, "rounds", survey_round.key
            ),
            {"sv": title},
        )

    def competence_activity(self, competence: Competence) -> ActivityRef:
        return self.factory.activity(
            "competence", competence.iri, _names(competence.title_sv, competence.title_en)
        )

    def organization_activity(self) -> ActivityRef:
        return organization_activity(self.factory, self.organization)

    def _actor(self, person: Person) -> Actor:
        return person_actor(self.session, person)

    def _org(self) -> dict[str, Any]:
        org = self.organization
        return {"id": org.id, "slug": org.slug, "name": org.name}

    # --- survey answered ----------------------------------------------------------------------
    def response_registration(self, survey_round: SurveyRound, person: Person) -> uuid.UUID:
        """One registration per person and round: every edit of a response shares it."""
        return uuid.uuid5(
            uuid.NAMESPACE_URL, self.round_activity(survey_round).iri + f"#{person.id}"
        )

    def answered(
        self,
        response: SurveyResponse,
        items: list[Competence],
        changed: bool,
        language: str | None,
    ) -> list[dict[str, Any]]:
        """``responded`` on the round, then ``rated`` on each competence."""
        survey_round = response.round
        survey = survey_round.survey
        framework: Framework = survey.framework
        top = len(framework.levels)
        person = self.session.get_one(Person, response.person_id)
        unit = self.session.get(Unit, response.unit_id) if response.unit_id else None
        levels = {a.competence_id: a.level for a in response.answers}
        groupings: tuple[ActivityRef, ...] = (self.organization_activity(),)
        if unit is not None:
            groupings += (self.recording.unit_activity(unit),)
        survey_extension = {
            "key": survey.key,
            "round": survey_round.number,
            "scope": "unit" if survey.unit_id is not None else "organization",
            "framework": framework.iri,
            "changed": changed,
        }
        registration = self.response_registration(survey_round, person)
        actor = self._actor(person)
        policy = self.recording.policy(self.organization)
        round_activity = self.round_activity(survey_round)
        competences = tuple(self.competence_activity(c) for c in items)

        def situation(
            parents: tuple[ActivityRef, ...],
            extra: tuple[ActivityRef, ...],
            others: tuple[ActivityRef, ...],
        ) -> Situation:
            return Situation(
                registration=registration,
                parents=parents,
                groupings=groupings + extra,
                others=others,
                organization=self._org(),
                unit=self.recording.unit_extension(unit) if unit is not None else None,
                language=language,
                extensions={"survey": survey_extension},
            )

        mean = sum(levels[c.id] for c in items) / len(items)
        statements = [
            self.factory.build(
                person=actor,
                policy=policy,
                verb="responded",
                target=round_activity,
                situation=situation((self.survey_activity(survey),), (), competences),
                result={
                    "score_scaled": round(mean / top, 4),
                    "score_raw": round(mean, 4),
                    "score_min": 0,
                    "score_max": top,
                    "completion": True,
                },
            )
        ]
        for competence, activity in zip(items, competences, strict=True):
            level = levels[competence.id]
            code = framework.levels[level - 1].get("code") if level > 0 else None
            statements.append(
                self.factory.build(
                    person=actor,
                    policy=policy,
                    verb="rated",
                    target=activity,
                    situation=situation((round_activity,), (self.survey_activity(survey),), ()),
                    result={
                        "score_scaled": round(level / top, 4),
                        "score_raw": level,
                        "score_min": 0,
                        "score_max": top,
                        "extensions": {
                            self.factory.profile.extension("competence-level"): {
                                "level": level,
                                "top": top,
                                "code": code or None,
                            }
                        },
                    },
                )
            )
        return statements

    def record_answered(
        self,
        response: SurveyResponse,
        items: list[Competence],
        changed: bool,
        language: str | None = None,
    ) -> None:
        self.session.flush()
        statements = self.answered(response, items, changed, language)
        self.recording.record(self.session, self.organization, statements)

    # --- recommendation followed --------------------------------------------------------------
    def followed(
        self, person: Person, recommendation: Recommendation, language: str | None
    ) -> dict[str, Any]:
        journey: Journey = recommendation.journey
        version: JourneyVersion = recommendation.version
        origin = (
            self.session.get(Journey, journey.copied_from_id)
            if journey.copied_from_id is not None
            else None
        )
        return self.factory.build(
            person=self._actor(person),
            policy=self.recording.policy(self.organization),
            verb="followed",
            target=self.factory.activity(
                "journey",
                self.factory.activity_iri("journeys", journey.key),
                {version.language: version.title},
            ),
            situation=Situation(
                groupings=(self.organization_activity(),),
                others=tuple(self.competence_activity(n.competence) for n in recommendation.needs),
                organization=self._org(),
                language=language,
                extensions={
                    "journey": self.recording.journey_identity(journey, origin),
                    "recommendation": {
                        "rank": recommendation.rank,
                        "gap": recommendation.gap,
                        "competences": [n.competence.iri for n in recommendation.needs],
                    },
                },
            ),
        )

    def record_followed(
        self, person: Person, recommendation: Recommendation, language: str | None = None
    ) -> None:
        statement = self.followed(person, recommendation, language)
        self.recording.record(self.session, self.organization, [statement])
