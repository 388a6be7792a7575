"""The needs-mapping pages: answering, the profile and its access rules, leaders' pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.leadership.models import GrantSource, Leader
from lti_tool.surveys import services
from lti_tool.surveys.models import Survey, SurveyResponse, SurveyRound
from lti_tool.tenancy.models import Person
from tests.conftest import Launcher, session_token
from tests.journeys.conftest import LEARNER
from tests.surveys.conftest import LEAF_12, World, publish_serving
from xapi.lrs.models import Statement

ADMIN = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
FOLLOWED = "https://w3id.org/xapi/lti-journeys/verbs/followed-recommendation"
LEVELS = {"1.1": 2, "1.2": 0, "2": 1}


def _launch(launcher: Launcher, sub: str, unit: str = "A", roles: list[str] = LEARNER) -> str:
    return session_token(
        launcher.launch(
            sub=sub,
            roles=roles,
            context={"id": f"course-{unit}", "title": f"Kurs {unit}"},
            resource_link={"id": f"link-{unit}", "title": "Behovskartläggning"},
        )
    )


def _person(world: World, sub: str) -> Person:
    world.session.expire_all()
    person = world.session.scalars(select(Person).where(Person.sub == sub)).one()
    return person


def _open_now(world: World, survey: Survey, opens: int = -1, closes: int = 7) -> SurveyRound:
    today = services.today_utc()
    return services.open_round(
        world.session,
        world.org_leader(),
        survey,
        today + timedelta(days=opens),
        today + timedelta(days=closes),
        today=today + timedelta(days=min(opens, 0)),
    )


def _lead(world: World, sub: str, unit: str) -> None:
    world.session.add(
        Leader(
            organization_id=world.org.id,
            person_id=_person(world, sub).id,
            unit_id=world.units[unit].id,
            source=GrantSource.ADMIN,
        )
    )
    world.session.commit()


def _answer(client: FlaskClient, world: World, token: str, survey_round: SurveyRound) -> Any:
    return client.post(
        f"/surveys/rounds/{survey_round.key}",
        data={"lt": token, **world.answers(survey_round.survey, LEVELS)},
    )


def test_my_surveys_lists_the_open_round(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey(title="Digitalt lärande"))
    token = _launch(launcher, "anna")
    page = client.get(f"/surveys?lt={token}").get_data(as_text=True)
    assert "Digitalt lärande" in page
    assert f"/surveys/rounds/{survey_round.key}" in page


def test_answer_form_has_a_fieldset_per_competence_with_the_levels(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    token = _launch(launcher, "anna")
    page = client.get(f"/surveys/rounds/{survey_round.key}?lt={token}&lang=en").get_data(
        as_text=True
    )
    assert page.count("<legend>") == 3
    assert "L1 Beginning" in page and "Independent" in page and "Not yet" in page


def test_answer_form_speaks_swedish(client: FlaskClient, launcher: Launcher, world: World) -> None:
    survey_round = _open_now(world, world.survey())
    token = _launch(launcher, "anna")
    page = client.get(f"/surveys/rounds/{survey_round.key}?lt={token}&lang=sv").get_data(
        as_text=True
    )
    assert "L1 Början" in page and "Självständig" in page


def test_submit_answers_saves_and_shows_the_profile_with_the_personal_path(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    publish_serving(world, "ordna", LEAF_12)
    token = _launch(launcher, "anna")
    response = _answer(client, world, token, survey_round)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resa ordna" in page
    saved = world.session.scalars(select(SurveyResponse)).one()
    assert saved.unit_id == world.units["A"].id


def test_submit_answers_with_a_missing_competence_says_what_to_fix(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    token = _launch(launcher, "anna")
    fields = world.answers(survey_round.survey, {"1.1": 1})
    response = client.post(
        f"/surveys/rounds/{survey_round.key}?lang=en", data={"lt": token, **fields}
    )
    assert response.status_code == 400
    assert "Choose a level for every competence" in response.get_data(as_text=True)


def test_submit_answers_before_the_round_opens_is_refused(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey(), opens=2, closes=9)
    token = _launch(launcher, "anna")
    assert _answer(client, world, token, survey_round).status_code == 409


def test_answer_form_of_another_units_survey_is_not_found(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey("A"))
    token = _launch(launcher, "bo", unit="B")
    assert client.get(f"/surveys/rounds/{survey_round.key}?lt={token}").status_code == 404
    assert _answer(client, world, token, survey_round).status_code == 403


@pytest.mark.parametrize(
    ("viewer", "unit", "lead", "status"),
    [
        ("kollega", "A", None, 403),
        ("rektor-b", "B", "B", 403),
        ("rektor-a", "A", "A", 200),
    ],
)
def test_person_profile_is_seen_only_by_those_who_lead_the_person(
    client: FlaskClient,
    launcher: Launcher,
    world: World,
    viewer: str,
    unit: str,
    lead: str | None,
    status: int,
) -> None:
    _launch(launcher, "anna")
    token = _launch(launcher, viewer, unit=unit)
    if lead:
        _lead(world, viewer, lead)
    anna = _person(world, "anna")
    assert client.get(f"/surveys/people/{anna.id}/profile?lt={token}").status_code == status


def test_person_profile_of_another_organisation_is_not_found(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    token = _launch(launcher, "chef", roles=ADMIN)
    assert client.get(f"/surveys/people/999999/profile?lt={token}").status_code == 404


def test_person_profile_never_shows_answers_to_a_colleague(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    anna_token = _launch(launcher, "anna")
    _answer(client, world, anna_token, survey_round)
    token = _launch(launcher, "kollega")
    anna = _person(world, "anna")
    page = client.get(f"/surveys/people/{anna.id}/profile?lt={token}&lang=en")
    assert page.status_code == 403
    assert "L2" not in page.get_data(as_text=True)


def test_leader_pages_are_refused_to_a_learner(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    token = _launch(launcher, "anna")
    assert client.get(f"/surveys/manage?lt={token}").status_code == 403


def test_admin_creates_a_survey_and_opens_a_round(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    token = _launch(launcher, "chef", roles=ADMIN)
    created = client.post(
        "/surveys/manage",
        data={
            "lt": token,
            "title": "Våren",
            "scope": "organization",
            "framework": world.framework.id,
        },
    )
    assert created.status_code == 303, created.get_data(as_text=True)
    survey = world.session.scalars(select(Survey).where(Survey.title == "Våren")).one()
    today = services.today_utc()
    opened = client.post(
        f"/surveys/manage/{survey.key}/rounds",
        data={"lt": token, "opens_on": today.isoformat(), "closes_on": today.isoformat()},
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)
    world.session.expire_all()
    assert [r.number for r in world.session.get_one(Survey, survey.id).rounds] == [1]


def test_open_round_with_a_bad_date_says_how_to_write_it(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey = world.survey()
    token = _launch(launcher, "chef", roles=ADMIN)
    response = client.post(
        f"/surveys/manage/{survey.key}/rounds?lang=en",
        data={"lt": token, "opens_on": "15/2", "closes_on": "2027-02-20"},
    )
    assert response.status_code == 400
    assert "year-month-day" in response.get_data(as_text=True)


def test_rektor_does_not_see_another_units_survey(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey = world.survey("B")
    token = _launch(launcher, "rektor-a", unit="A")
    _lead(world, "rektor-a", "A")
    assert client.get(f"/surveys/manage/{survey.key}?lt={token}").status_code == 404


def test_round_counts_hide_a_small_unit(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    _answer(client, world, _launch(launcher, "anna"), survey_round)
    token = _launch(launcher, "chef", roles=ADMIN)
    page = client.get(
        f"/surveys/manage/{survey_round.survey.key}/rounds/{survey_round.key}?lt={token}&lang=en"
    ).get_data(as_text=True)
    assert "hidden to protect individuals" in page


def test_follow_recommendation_records_it_and_opens_the_journey(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    survey_round = _open_now(world, world.survey())
    publish_serving(world, "ordna", LEAF_12)
    token = _launch(launcher, "anna")
    _answer(client, world, token, survey_round)
    response = client.post("/surveys/recommendations/ordna/follow", data={"lt": token})
    assert response.status_code == 303
    assert "/journeys/ordna" in response.headers["Location"]
    world.session.expire_all()
    verbs = [s.full["verb"]["id"] for s in world.session.scalars(select(Statement))]
    assert verbs.count(FOLLOWED) == 1


def test_follow_recommendation_of_a_journey_not_on_the_path_is_refused(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    publish_serving(world, "ordna", LEAF_12)
    token = _launch(launcher, "anna")
    response = client.post("/surveys/recommendations/ordna/follow", data={"lt": token})
    assert response.status_code == 404


def test_landing_page_links_to_surveys_and_profile(
    client: FlaskClient, launcher: Launcher, world: World
) -> None:
    _open_now(world, world.survey())
    token = _launch(launcher, "anna")
    page = client.get(f"/home?lt={token}&lang=en").get_data(as_text=True)
    assert "Surveys open for you to answer: 1." in page
    assert "/surveys/profile" in page
