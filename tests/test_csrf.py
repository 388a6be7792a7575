"""Cross-site request forgery: every state-changing route refuses what another site sends."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.csrf import EXEMPT_BLUEPRINTS, EXEMPT_ENDPOINTS, UNSAFE_METHODS
from lti_tool.db import get_database
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.lti.models import Registration
from lti_tool.lti.session_token import COOKIE
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.journeys.conftest import INSTRUCTOR, LEARNER, sample_document
from tests.support.platform import TestPlatform

ADMIN = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
J = "/author/journeys/1"
STEP = "/journeys/digital-kompetens/steps/step-reflect"
COURSE = "/courses/1/journeys/digital-kompetens"
CYCLE = "/collegial/digital-kompetens/steps/step-cycle"

# Every state-changing route that needs a session: (endpoint, a URL of it).
PROTECTED_ROUTES = [
    ("admin.create_registration_url", "/admin/setup/registration-url"),
    ("player.choose_journey", "/journeys/digital-kompetens/choose"),
    ("player.self_assessment", "/journeys/digital-kompetens/self-assessment"),
    ("player.save_reflection", STEP + "/reflection"),
    ("player.answer_quiz", "/journeys/digital-kompetens/steps/step-quiz/quiz"),
    ("player.add_evidence", "/journeys/digital-kompetens/steps/step-task/evidence"),
    ("player.add_comment", STEP + "/comments"),
    ("player.leave_journey", "/journeys/digital-kompetens/leave"),
    ("follow_up.refresh_roster", COURSE + "/roster"),
    ("follow_up.rate", COURSE + "/learners/1/ratings"),
    ("follow_up.comment", COURSE + "/learners/1/reflections/1/comments"),
    ("authoring.create_journey", "/author/journeys"),
    ("authoring.copy_journey", "/author/library/1/copy"),
    ("authoring.save_settings", J + "/settings"),
    ("authoring.add_goal", J + "/goals"),
    ("authoring.change_goal", J + "/goals/goal-ai"),
    ("authoring.add_section", J + "/sections"),
    ("authoring.change_section", J + "/sections/section-start"),
    ("authoring.move_step", J + "/steps/step-read/move"),
    ("authoring.delete_step", J + "/steps/step-read/delete"),
    ("authoring.publish", J + "/publish"),
    ("authoring.save_step", J + "/steps/step-read"),
    ("picker.send", "/lti/deep-linking"),
    ("goals.create_goal", "/goals"),
    ("goals.update_goal", "/goals/1"),
    ("goals.delete_goal", "/goals/1/delete"),
    ("goals.assign_journey", "/goals/1/assignments"),
    ("surveys.submit_answers", "/surveys/rounds/round-key"),
    ("surveys.follow_recommendation", "/surveys/recommendations/digital-kompetens/follow"),
    ("surveys.create_survey", "/surveys/manage"),
    ("surveys.open_round", "/surveys/manage/survey-key/rounds"),
    ("plans.create_plan", "/plans/new"),
    ("plans.save_plan", "/plans/plan-1/edit"),
    ("plans.agree_plan", "/plans/plan-1/agree"),
    ("plans.mark_goal", "/plans/plan-1/goals/goal-1"),
    ("groups.create_course_group", "/groups/new"),
    ("groups.split_course_roster", "/groups/split"),
    ("groups.import_groups", "/groups/import"),
    ("groups.create_unit_group", "/groups/units/1/new"),
    ("groups.edit_group", "/groups/group-key/edit"),
    ("groups.add_member", "/groups/group-key/members"),
    ("groups.remove_member", "/groups/group-key/members/remove"),
    ("groups.add_facilitator", "/groups/group-key/facilitators"),
    ("groups.remove_facilitator", "/groups/group-key/facilitators/remove"),
    ("groups.delete_group", "/groups/group-key/delete"),
    ("groups.join_group", "/groups/group-key/join"),
    ("groups.leave_group", "/groups/group-key/leave"),
    ("sessions.sign_up", "/sessions/occurrences/occ-1/sign-up"),
    ("sessions.cancel_signup", "/sessions/occurrences/occ-1/cancel-sign-up"),
    ("sessions.check_in", "/sessions/check-in/occ-1"),
    ("sessions.calendar", "/sessions/calendar"),
    ("sessions.manage_step", "/sessions/traffar/steps/step-meet/manage"),
    ("sessions.mark_attendance", "/sessions/occurrences/occ-1/attendance"),
    ("sessions.edit_occurrence", "/sessions/occurrences/occ-1/edit"),
    ("sessions.cancel_occurrence", "/sessions/occurrences/occ-1/cancel"),
    ("collegial.save_cycle_reflection", CYCLE + "/phases/prepare/reflection"),
    ("collegial.add_cycle_evidence", CYCLE + "/phases/practice/evidence"),
    ("collegial.write_follow_up", CYCLE + "/phases/follow-up/follow-up"),
    ("collegial.give_peer_feedback", CYCLE + "/evidence/evidence-key/feedback"),
    ("collegial.nudge_member", CYCLE + "/groups/group-key/nudge"),
    ("collegial.post_logbook_entry", "/collegial/groups/group-key/logbook"),
    ("collegial.comment_logbook_entry", "/collegial/groups/group-key/logbook/entry-key/comments"),
    ("notices.mark_read", "/notices/1/read"),
    ("notices.mark_all_read", "/notices/read"),
    ("notices.save_preferences", "/notices/preferences"),
]
URLS = [url for _, url in PROTECTED_ROUTES]
IDS = [endpoint for endpoint, _ in PROTECTED_ROUTES]
FOREIGN = "https://evil.example"


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    """A client that sends only what a browser sends by itself: the cookie, no form token."""
    return FlaskClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def victim(browser: FlaskClient, platform: TestPlatform, registration: Registration) -> str:
    """An instructor and administrator launched in ``browser``; their session cookie is set."""
    response = Launcher(browser, platform).launch(
        roles=INSTRUCTOR + ADMIN, custom={"journey": "digital-kompetens"}
    )
    return session_token(response)


@pytest.fixture
def journey(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        publish(session, create_journey(session, registration.organization_id, sample_document()))


def _refused(response: TestResponse) -> bool:
    return response.status_code == 403 and "csrf_refused" in response.get_data(as_text=True)


def _own_form(browser: FlaskClient, page: str, action_part: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the form on ``page`` whose action contains the part."""
    html = browser.get(page).get_data(as_text=True)
    for form in re.findall(r"<form [^>]*method=\"post\".*?</form>", html, re.S):
        action = unescape(re.search(r'action="([^"]+)"', form).group(1))  # type: ignore[union-attr]
        if action_part in action:
            fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
            return action, {name: unescape(value) for name, value in fields}
    raise AssertionError(f"no form posting to {action_part} on {page}")


def test_csrf_protected_routes_are_every_state_changing_route(app: Flask) -> None:
    unsafe = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods and rule.methods & UNSAFE_METHODS
    }
    exempt = {
        endpoint
        for endpoint in unsafe
        if endpoint in EXEMPT_ENDPOINTS or endpoint.split(".")[0] in EXEMPT_BLUEPRINTS
    }
    assert unsafe - exempt == set(IDS)


def test_csrf_exemptions_are_the_cross_site_protocol_endpoints() -> None:
    assert set(EXEMPT_ENDPOINTS) == {
        "lti.login",
        "lti.login_for_registration",
        "lti.launch",
        "lti.confirm_launch",
        "demo.deep_link_return",
    }
    assert set(EXEMPT_BLUEPRINTS) == {"xapi_lrs"}


@pytest.mark.parametrize("url", URLS, ids=IDS)
def test_check_request_refuses_cross_site_post_with_cookie(
    browser: FlaskClient, victim: str, url: str
) -> None:
    response = browser.post(
        url,
        data={"text": "forged", "title": "forged"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": FOREIGN},
    )
    assert _refused(response), response.status_code


@pytest.mark.parametrize("url", URLS, ids=IDS)
def test_check_request_refuses_foreign_origin_with_session_token(
    browser: FlaskClient, victim: str, url: str
) -> None:
    # A browser without Fetch Metadata; even the session token in the form does not help.
    response = browser.post(url, data={"lt": victim}, headers={"Origin": FOREIGN})
    assert _refused(response), response.status_code


@pytest.mark.parametrize("url", URLS, ids=IDS)
def test_check_request_refuses_cookie_without_form_token(
    browser: FlaskClient, victim: str, url: str
) -> None:
    # An old browser that sends neither Fetch Metadata nor Origin: the form token decides.
    response = browser.post(url, data={"text": "forged"})
    assert _refused(response), response.status_code


def test_check_request_refuses_same_site_post(browser: FlaskClient, victim: str) -> None:
    response = browser.post(
        STEP + "/reflection",
        data={"lt": victim, "text": "forged"},
        headers={"Sec-Fetch-Site": "same-site", "Origin": "https://other.tool.test"},
    )
    assert _refused(response)


def test_check_request_refuses_form_token_of_another_launch(
    browser: FlaskClient, victim: str, platform: TestPlatform, app: Flask
) -> None:
    other = FlaskClient(app, app.response_class, use_cookies=True)
    other_token = session_token(Launcher(other, platform).launch(roles=INSTRUCTOR))
    _, fields = _own_form(other, "/author/?lt=" + other_token, "/author/journeys")
    response = browser.post("/journeys/digital-kompetens/choose", data={**fields, "lt": victim})
    assert _refused(response)


def test_check_request_refusal_page_is_translated(browser: FlaskClient, victim: str) -> None:
    response = browser.post(
        "/author/journeys",
        data={"title": "forged"},
        headers={"Sec-Fetch-Site": "cross-site", "Accept-Language": "sv"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "kom från en annan webbplats" in page
    assert "Gå tillbaka till kursen" in page


def test_check_request_accepts_form_from_own_page(
    browser: FlaskClient, victim: str, journey: None
) -> None:
    action, fields = _own_form(browser, f"/author/?lt={victim}", "/author/journeys")
    assert fields["csrf_token"]
    created = browser.post(
        action,
        data={**fields, "title": "Ny resa", "slug": "ny-resa"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    )
    assert created.status_code == 303, created.get_data(as_text=True)


def test_check_request_accepts_own_origin_header(
    browser: FlaskClient, victim: str, journey: None
) -> None:
    action, fields = _own_form(browser, f"/author/?lt={victim}", "/author/journeys")
    created = browser.post(
        action, data={**fields, "title": "Ny resa", "slug": "ny-resa"}, headers={"Origin": TOOL_URL}
    )
    assert created.status_code == 303, created.get_data(as_text=True)


def test_check_request_accepts_bearer_token_without_form_token(
    app: Flask, platform: TestPlatform, registration: Registration, journey: None
) -> None:
    # No other site can make a browser send an Authorization header to the tool.
    client = FlaskClient(app, app.response_class, use_cookies=True)
    token = session_token(Launcher(client, platform).launch(roles=LEARNER))
    client.delete_cookie(COOKIE)
    chosen = client.post(
        "/journeys/digital-kompetens/choose", headers={"Authorization": f"Bearer {token}"}
    )
    assert chosen.status_code == 303, chosen.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/lti/login", 400),
        ("/lti/launch", 400),
        ("/lti/launch/confirm", 403),
        ("/xapi/statements", 401),
        ("/demo/deep-link-return/norrstad-digital/instructor", 400),
    ],
    ids=["login", "launch", "launch-confirm", "xapi", "demo-deep-link-return"],
)
def test_check_request_leaves_exempt_endpoints_to_their_own_checks(
    browser: FlaskClient, victim: str, url: str, status: int
) -> None:
    response = browser.post(
        url, data={"x": "y"}, headers={"Sec-Fetch-Site": "cross-site", "Origin": FOREIGN}
    )
    assert response.status_code == status
    assert "csrf_refused" not in response.get_data(as_text=True)
