"""Needs-mapping pages: staff answer open rounds and see their profile and personal path;
leaders create surveys, open rounds and follow the number of responses per unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lti_tool.db import get_session
from lti_tool.frameworks.services import competences_of, depth_of, list_frameworks
from lti_tool.journeys import assignments, player
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.leadership.access import current_reach, require_leader
from lti_tool.privacy import policy_for
from lti_tool.recording import get_recording
from lti_tool.surveys import results, services
from lti_tool.surveys.errors import SurveyError, SurveyNotFoundError
from lti_tool.surveys.events import SurveyEvents
from lti_tool.surveys.models import Survey
from lti_tool.surveys.profile import check_may_see, find_person, profile_of
from lti_tool.surveys.recommendations import recommend
from lti_tool.surveys.wording import attach as attach_wording
from lti_tool.tenancy.models import Context, Organization, Person, Unit
from lti_tool.validation import strict_int

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
attach_wording(bp)

MAX_ID = 2**62


def _language() -> str:
    return str(get_locale() or "sv")


def _page(template: str, status: int = 200, **values: object) -> Response:
    g.no_store = True
    html = render_template(template, **values)
    return Response(html, status=status, mimetype="text/html")


# --- staff: answering -------------------------------------------------------------------------


@bp.get("")
@require_launch()
def my_surveys() -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    rounds = services.open_rounds_for(session, identity.organization_id, identity.person_id)
    return _page("surveys/mine.html", rounds=rounds, reach=current_reach())


def _answer_page(
    round_key: str,
    status: int = 200,
    chosen: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    identity = launch_identity()
    session = get_session()
    survey_round = services.get_round(session, identity.organization_id, round_key)
    survey = survey_round.survey
    if not services.may_answer(session, identity.organization_id, identity.person_id, survey):
        raise SurveyNotFoundError("round_not_found", _("That survey round does not exist."))
    response = services.response_of(session, survey_round, identity.person_id)
    if chosen is None:
        chosen = {
            f"{services.FIELD_PREFIX}{cid}": str(level)
            for cid, level in services.answers_by_competence(response).items()
        }
    return _page(
        "surveys/answer.html",
        status=status,
        round=survey_round,
        survey=survey,
        framework=survey.framework,
        items=services.survey_items(session, survey),
        chosen=chosen,
        response=response,
        is_open=services.is_open(survey_round, services.today_utc()),
        error=error,
    )


@bp.get("/rounds/<round_key>")
@require_launch()
def answer_form(round_key: str) -> ResponseReturnValue:
    return _answer_page(round_key)


@bp.post("/rounds/<round_key>")
@require_launch()
def submit_answers(round_key: str) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    survey_round = services.get_round(session, identity.organization_id, round_key)
    form = {k: v for k, v in request.form.items() if k.startswith(services.FIELD_PREFIX)}
    context_unit = (
        session.get(Context, identity.context_id) if identity.context_id is not None else None
    )
    try:
        submitted = services.submit_response(
            session,
            survey_round,
            identity.organization_id,
            identity.person_id,
            form,
            context_unit_id=context_unit.unit_id if context_unit else None,
        )
        events = SurveyEvents(
            session, get_recording(), session.get_one(Organization, identity.organization_id)
        )
        events.record_answered(
            submitted.response,
            services.survey_items(session, survey_round.survey),
            submitted.changed,
            _language(),
        )
        session.commit()
    except SurveyError as exc:
        session.rollback()
        if exc.status in (403, 404):
            raise
        return _answer_page(round_key, status=exc.status, chosen=form, error=str(exc.detail))
    return redirect(url_with_token("surveys.my_profile", saved=round_key), 303)


# --- profile and personal path ----------------------------------------------------------------


def _profile_page(person: Person, own: bool) -> Response:
    session = get_session()
    profile = profile_of(session, person)
    path = recommend(session, person.organization_id, profile) if own else []
    saved = request.args.get("saved")
    return _page(
        "surveys/profile.html",
        profile=profile,
        path=path,
        own=own,
        saved=bool(saved) and own,
    )


@bp.get("/profile")
@require_launch()
def my_profile() -> ResponseReturnValue:
    identity = launch_identity()
    person = find_person(get_session(), identity.organization_id, identity.person_id)
    return _profile_page(person, own=True)


@bp.get("/people/<int:person_id>/profile")
@require_launch()
def person_profile(person_id: int) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    person = find_person(session, identity.organization_id, person_id)
    check_may_see(session, current_reach(), person)
    return _profile_page(person, own=person.id == identity.person_id)


@bp.post("/recommendations/<slug>/follow")
@require_launch()
def follow_recommendation(slug: str) -> ResponseReturnValue:
    """Open a journey of one's personal path: chosen for oneself, and recorded as followed."""
    identity = launch_identity()
    session = get_session()
    journey = player.open_journey(session, identity, slug)
    person = find_person(session, identity.organization_id, identity.person_id)
    path = recommend(session, identity.organization_id, profile_of(session, person))
    chosen = next((r for r in path if r.journey.id == journey.id), None)
    if chosen is None:
        raise SurveyNotFoundError(
            "not_recommended",
            _("That journey is not on your personal path. Open it from the list of journeys."),
        )
    events = SurveyEvents(
        session, get_recording(), session.get_one(Organization, identity.organization_id)
    )
    events.record_followed(person, chosen, _language())
    assignments.choose(session, identity, journey)
    session.commit()
    return redirect(url_with_token("player.overview", slug=slug), 303)


# --- leaders ----------------------------------------------------------------------------------


@bp.get("/manage")
@require_leader
def list_surveys() -> ResponseReturnValue:
    reach = current_reach()
    surveys = services.leader_surveys(get_session(), reach)
    return _page("surveys/manage/list.html", surveys=surveys, reach=reach)


def _new_page(status: int = 200, error: str | None = None) -> Response:
    reach = current_reach()
    session = get_session()
    frameworks = list_frameworks(session, reach.organization_id)
    trees = {f.id: competences_of(session, f) for f in frameworks}
    depths = {f.id: depth_of(rows) for f, rows in ((f, trees[f.id]) for f in frameworks)}
    units = [
        u
        for u in session.scalars(
            select(Unit).where(Unit.organization_id == reach.organization_id).order_by(Unit.name)
        )
        if reach.leads_unit(u.id)
    ]
    return _page(
        "surveys/manage/new.html",
        status=status,
        frameworks=frameworks,
        trees=trees,
        depths=depths,
        units=units,
        reach=reach,
        form=request.form,
        error=error,
    )


@bp.get("/manage/new")
@require_leader
def new_survey() -> ResponseReturnValue:
    return _new_page()


@bp.post("/manage")
@require_leader
def create_survey() -> ResponseReturnValue:
    session = get_session()
    framework_id = strict_int(request.form.get("framework"), 1, MAX_ID)
    scope = request.form.get("scope", "")
    unit_id = None if scope == "organization" else strict_int(scope, 1, MAX_ID)
    competence_ids = [strict_int(v, 1, MAX_ID) for v in request.form.getlist("competence")]
    try:
        if framework_id is None:
            raise SurveyError("framework_missing", _("Choose the framework to ask about."))
        if scope != "organization" and unit_id is None:
            raise SurveyError("scope_missing", _("Choose who the survey is for."))
        if any(c is None for c in competence_ids):
            raise SurveyError("competence_invalid", _("The form is damaged. Reload the page."))
        survey = services.create_survey(
            session,
            current_reach(),
            framework_id,
            request.form.get("title", ""),
            unit_id,
            [c for c in competence_ids if c is not None],
        )
    except SurveyError as exc:
        session.rollback()
        return _new_page(status=exc.status, error=str(exc.detail))
    return redirect(url_with_token("surveys.show_survey", key=survey.key, saved="created"), 303)


def _led_survey(key: str) -> Survey:
    reach = current_reach()
    survey = services.get_survey(get_session(), reach.organization_id, key)
    if not services.sees_survey(reach, survey):
        raise SurveyNotFoundError("survey_not_found", _("That survey does not exist."))
    return survey


def _survey_page(key: str, status: int = 200, error: str | None = None) -> Response:
    survey = _led_survey(key)
    return _page(
        "surveys/manage/survey.html",
        status=status,
        survey=survey,
        leads=services.leads_survey(current_reach(), survey),
        items=services.survey_items(get_session(), survey),
        today=services.today_utc(),
        form=request.form,
        error=error,
    )


@bp.get("/manage/<key>")
@require_leader
def show_survey(key: str) -> ResponseReturnValue:
    return _survey_page(key)


def _date(field: str) -> date:
    raw = request.form.get(field, "").strip()
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise SurveyError(
            "date_invalid", _("Write the dates as year-month-day, for example 2027-02-15.")
        ) from None


@bp.post("/manage/<key>/rounds")
@require_leader
def open_round(key: str) -> ResponseReturnValue:
    session = get_session()
    survey = _led_survey(key)
    try:
        services.open_round(session, current_reach(), survey, _date("opens_on"), _date("closes_on"))
    except SurveyError as exc:
        session.rollback()
        if exc.status == 403:
            raise
        return _survey_page(key, status=exc.status, error=str(exc.detail))
    return redirect(url_with_token("surveys.show_survey", key=key, saved="round"), 303)


@bp.get("/manage/<key>/rounds/<round_key>")
@require_leader
def round_counts(key: str, round_key: str) -> ResponseReturnValue:
    reach = current_reach()
    session = get_session()
    survey = _led_survey(key)
    survey_round = services.get_round(session, reach.organization_id, round_key)
    if survey_round.survey_id != survey.id:
        raise SurveyNotFoundError("round_not_found", _("That survey round does not exist."))
    organization = session.get_one(Organization, reach.organization_id)
    counts = results.round_counts(session, reach, survey_round, policy_for(organization))
    return _page(
        "surveys/manage/round.html", survey=survey, round=survey_round, counts=counts, reach=reach
    )


@dataclass(frozen=True)
class LandingSurveys:
    """What the landing page's needs-mapping block shows."""

    open_rounds: list[services.OpenRound]
    leads: bool


@bp.app_template_global("needs_mapping")
def needs_mapping() -> LandingSurveys:
    """For the landing page (any template of a launch): open rounds to answer, leadership."""
    identity = launch_identity()
    session = get_session()
    rounds = services.open_rounds_for(session, identity.organization_id, identity.person_id)
    reach = current_reach()
    return LandingSurveys(rounds, reach.whole_organization or bool(reach.unit_ids))
