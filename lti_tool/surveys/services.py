"""Needs mapping: leaders create surveys and open rounds; staff answer each open round once.

A survey asks for a self-assessed level (0 = "not yet", 1..n = the framework's levels) in each of
its competences. Its competences are leaves of the framework's tree: choosing an area chooses the
competences under it. A person may change their answers until the round's last day.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.frameworks.services import competences_of
from lti_tool.leadership.services import Reach, units_of_person
from lti_tool.surveys.errors import (
    SurveyClosedError,
    SurveyError,
    SurveyForbiddenError,
    SurveyNotFoundError,
)
from lti_tool.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from lti_tool.tenancy.models import Unit
from lti_tool.validation import CONTROL

TITLE_LENGTH = 300
FIELD_PREFIX = "c-"


def today_utc() -> date:
    return datetime.now(UTC).date()


# --- reading ------------------------------------------------------------------------------------


def get_survey(session: Session, organization_id: int, key: str) -> Survey:
    """The organisation's survey with this key; 404 for any other (another organisation's too)."""
    survey = session.scalars(
        select(Survey).where(Survey.organization_id == organization_id, Survey.key == key)
    ).first()
    if survey is None:
        raise SurveyNotFoundError("survey_not_found", _l("That survey does not exist."))
    return survey


def get_round(session: Session, organization_id: int, key: str) -> SurveyRound:
    """The organisation's round with this key; 404 for any other."""
    found = session.scalars(
        select(SurveyRound).where(
            SurveyRound.organization_id == organization_id, SurveyRound.key == key
        )
    ).first()
    if found is None:
        raise SurveyNotFoundError("round_not_found", _l("That survey round does not exist."))
    return found


def leaves(session: Session, framework: Framework) -> list[Competence]:
    """The framework's competences without children, in tree order."""
    rows = competences_of(session, framework)
    parents = {row.parent_id for row in rows}
    return [row for row in rows if row.id not in parents]


def survey_items(session: Session, survey: Survey) -> list[Competence]:
    """The competences a survey asks about, in the framework's tree order."""
    if not survey.competences:
        return leaves(session, survey.framework)
    chosen = {c.id for c in survey.competences}
    return [c for c in competences_of(session, survey.framework) if c.id in chosen]


def top_level(framework: Framework) -> int:
    return len(framework.levels)


def is_open(survey_round: SurveyRound, today: date) -> bool:
    return survey_round.opens_on <= today <= survey_round.closes_on


def leads_survey(reach: Reach, survey: Survey) -> bool:
    """Organisation surveys are led by organisation leaders, unit surveys by the unit's too."""
    if survey.organization_id != reach.organization_id:
        return False
    if survey.unit_id is None:
        return reach.whole_organization
    return reach.leads_unit(survey.unit_id)


def sees_survey(reach: Reach, survey: Survey) -> bool:
    """A leader sees the surveys they lead and the organisation's surveys (their units' part)."""
    if survey.organization_id != reach.organization_id:
        return False
    return (survey.unit_id is None and bool(reach.unit_ids)) or leads_survey(reach, survey)


def leader_surveys(session: Session, reach: Reach) -> list[Survey]:
    """The surveys a leader sees, newest first."""
    query = select(Survey).where(Survey.organization_id == reach.organization_id)
    if not reach.whole_organization:
        query = query.where(or_(Survey.unit_id.is_(None), Survey.unit_id.in_(reach.unit_ids)))
    surveys = session.scalars(query.order_by(Survey.created_at.desc(), Survey.id.desc()))
    return [s for s in surveys if sees_survey(reach, s)]


def may_answer(session: Session, organization_id: int, person_id: int, survey: Survey) -> bool:
    """Anyone of the organisation answers its surveys; a unit's survey is for the unit's staff."""
    if survey.organization_id != organization_id:
        return False
    if survey.unit_id is None:
        return True
    return any(u.id == survey.unit_id for u in units_of_person(session, organization_id, person_id))


@dataclass(frozen=True)
class OpenRound:
    round: SurveyRound
    response: SurveyResponse | None


def open_rounds_for(
    session: Session, organization_id: int, person_id: int, today: date | None = None
) -> list[OpenRound]:
    """The rounds open today that the person may answer, with their response if they gave one."""
    today = today or today_utc()
    unit_ids = [u.id for u in units_of_person(session, organization_id, person_id)]
    rounds = session.scalars(
        select(SurveyRound)
        .join(Survey, Survey.id == SurveyRound.survey_id)
        .where(
            SurveyRound.organization_id == organization_id,
            SurveyRound.opens_on <= today,
            SurveyRound.closes_on >= today,
            or_(Survey.unit_id.is_(None), Survey.unit_id.in_(unit_ids)),
        )
        .order_by(SurveyRound.closes_on, SurveyRound.id)
    ).all()
    return [OpenRound(r, response_of(session, r, person_id)) for r in rounds]


def response_of(
    session: Session, survey_round: SurveyRound, person_id: int
) -> SurveyResponse | None:
    return session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.round_id == survey_round.id, SurveyResponse.person_id == person_id
        )
    ).first()


# --- leaders: surveys and rounds ----------------------------------------------------------------


def _check_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > TITLE_LENGTH or CONTROL.search(title):
        raise SurveyError(
            "title_invalid", _l("Give the survey a title of 1 to 300 characters on one line.")
        )
    return title


def _chosen_leaves(
    session: Session, framework: Framework, chosen: Collection[int]
) -> list[Competence]:
    """The leaves under the chosen competences (a chosen leaf is itself); empty when none."""
    if not chosen:
        return []
    rows = competences_of(session, framework)
    known = {row.id for row in rows}
    if not set(chosen) <= known:
        raise SurveyError(
            "competence_invalid", _l("Choose competences of the survey's framework only.")
        )
    children: dict[int | None, list[Competence]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    picked: set[int] = set()
    stack = list(chosen)
    while stack:
        current = stack.pop()
        below = children.get(current, [])
        if below:
            stack.extend(child.id for child in below)
        else:
            picked.add(current)
    return [row for row in rows if row.id in picked]


def create_survey(
    session: Session,
    reach: Reach,
    framework_id: int,
    title: str,
    unit_id: int | None = None,
    competence_ids: Collection[int] = (),
) -> Survey:
    """A survey for the whole organisation (``unit_id`` None) or one unit the leader leads."""
    framework = session.get(Framework, framework_id)
    if framework is None or framework.organization_id != reach.organization_id:
        raise SurveyNotFoundError("framework_not_found", _l("That framework does not exist."))
    if not framework.levels:
        raise SurveyError(
            "framework_without_levels",
            _l("The framework has no levels to answer with. Import a framework with levels."),
        )
    if unit_id is None:
        if not reach.whole_organization:
            raise SurveyForbiddenError(
                "not_organization_leader",
                _l("Only the organisation's leaders send a survey to everyone. Choose your unit."),
            )
    else:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.organization_id != reach.organization_id:
            raise SurveyNotFoundError("unit_not_found", _l("That school unit does not exist."))
        if not reach.leads_unit(unit_id):
            raise SurveyForbiddenError(
                "not_unit_leader", _l("You can only send a survey to a unit you lead.")
            )
    survey = Survey(
        organization_id=reach.organization_id,
        framework_id=framework.id,
        unit_id=unit_id,
        title=_check_title(title),
        created_by_id=reach.person_id,
        competences=_chosen_leaves(session, framework, competence_ids),
    )
    survey.framework = framework
    if not survey_items(session, survey):
        raise SurveyError("no_competences", _l("The framework has no competences to ask about."))
    session.add(survey)
    session.commit()
    return survey


def open_round(
    session: Session,
    reach: Reach,
    survey: Survey,
    opens_on: date,
    closes_on: date,
    today: date | None = None,
) -> SurveyRound:
    """The survey's next round; it opens after the previous round has closed."""
    today = today or today_utc()
    if not leads_survey(reach, survey):
        raise SurveyForbiddenError("not_survey_leader", _l("You do not lead this survey."))
    if closes_on < opens_on:
        raise SurveyError("period_invalid", _l("The last day must not come before the first."))
    if closes_on < today:
        raise SurveyError("period_past", _l("The last day has passed. Choose a later one."))
    previous = session.scalars(
        select(SurveyRound)
        .where(SurveyRound.survey_id == survey.id)
        .order_by(SurveyRound.number.desc())
        .limit(1)
    ).first()
    if previous is not None and opens_on <= previous.closes_on:
        raise SurveyError(
            "period_overlaps",
            _l(
                "Round %(number)s runs until %(date)s. Let the new round start after it.",
                number=previous.number,
                date=previous.closes_on.isoformat(),
            ),
        )
    survey_round = SurveyRound(
        organization_id=survey.organization_id,
        survey=survey,
        number=previous.number + 1 if previous else 1,
        opens_on=opens_on,
        closes_on=closes_on,
        sent_by_id=reach.person_id,
    )
    session.add(survey_round)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SurveyClosedError(
            "round_conflict", _l("Another round was opened at the same time. Reload the page.")
        ) from None
    return survey_round


# --- answering ----------------------------------------------------------------------------------


def parse_levels(items: list[Competence], top: int, form: Mapping[str, str]) -> dict[int, int]:
    """The chosen level per competence from form fields ``c-<id>``; every one must be answered."""
    levels: dict[int, int] = {}
    missing: list[str] = []
    for competence in items:
        raw = form.get(f"{FIELD_PREFIX}{competence.id}", "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= top:
            levels[competence.id] = int(raw)
        else:
            missing.append(competence.code or competence.title)
    if missing:
        raise SurveyError(
            "answers_missing",
            _l(
                "Choose a level for every competence (missing: %(names)s).",
                names=", ".join(missing[:10]) + ("…" if len(missing) > 10 else ""),
            ),
        )
    return levels


def response_unit(
    session: Session, organization_id: int, person_id: int, context_unit_id: int | None
) -> int | None:
    """The person's unit: the launch's course's unit when it is one of theirs, else the first."""
    units = units_of_person(session, organization_id, person_id)
    if context_unit_id is not None and any(u.id == context_unit_id for u in units):
        return context_unit_id
    return units[0].id if units else None


@dataclass(frozen=True)
class Submitted:
    response: SurveyResponse
    changed: bool


def submit_response(
    session: Session,
    survey_round: SurveyRound,
    organization_id: int,
    person_id: int,
    form: Mapping[str, str],
    context_unit_id: int | None = None,
    today: date | None = None,
) -> Submitted:
    """Save (or change) the person's answers in an open round; the caller records and commits."""
    today = today or today_utc()
    survey = survey_round.survey
    if not may_answer(session, organization_id, person_id, survey):
        raise SurveyForbiddenError(
            "not_for_you", _l("This survey is for the staff of another school unit.")
        )
    if not is_open(survey_round, today):
        raise SurveyClosedError(
            "round_closed",
            _l(
                "This round is open from %(start)s to %(end)s; answers can only be given or "
                "changed then.",
                start=survey_round.opens_on.isoformat(),
                end=survey_round.closes_on.isoformat(),
            ),
        )
    items = survey_items(session, survey)
    levels = parse_levels(items, top_level(survey.framework), form)
    response = response_of(session, survey_round, person_id)
    changed = response is not None
    if response is None:
        response = SurveyResponse(
            organization_id=organization_id, round_id=survey_round.id, person_id=person_id
        )
        session.add(response)
    # A unit's survey is answered as staff of that unit, whichever course the launch came from.
    response.unit_id = survey.unit_id or response_unit(
        session, organization_id, person_id, context_unit_id
    )
    response.updated_at = datetime.now(UTC)
    existing = {a.competence_id: a for a in response.answers}
    for competence in items:
        answer = existing.get(competence.id)
        if answer is None:
            response.answers.append(
                SurveyAnswer(competence_id=competence.id, level=levels[competence.id])
            )
        else:
            answer.level = levels[competence.id]
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise SurveyClosedError(
            "response_conflict", _l("Your answers were sent twice at once. Send them again.")
        ) from None
    return Submitted(response, changed)


def answers_by_competence(response: SurveyResponse | None) -> dict[int, int]:
    return {a.competence_id: a.level for a in response.answers} if response else {}
