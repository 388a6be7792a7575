"""A launch is finished only in the browser that started its login: cookie, platform storage, or
a new window; a launch posted into another browser gets no session."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from flask import Flask, Response
from flask.testing import FlaskClient

from lti_tool.lti import binding
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.support.platform import PlatformKey, TestPlatform

ORIGIN = {"Origin": TOOL_URL}


def storage_login(launcher: Launcher) -> tuple[str, str, str]:
    """A login with lti_storage_target; (state, nonce, page html)."""
    response = launcher.client.post(
        "/lti/login",
        data={
            "iss": launcher.platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": TOOL_URL + "/lti/launch",
            "client_id": launcher.platform.client_id,
            "lti_deployment_id": launcher.platform.deployment_id,
            "lti_storage_target": "_parent",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    auth_url = unescape(re.search(r'data-next="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    query = {k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()}
    return query["state"], query["nonce"], page


def held_launch(app: Flask, launcher: Launcher) -> tuple[FlaskClient, str, str]:
    """A storage login, then its launch in a frame without the login cookie: the frame's client,
    the state and the page that reads the platform's storage."""
    state, nonce, _ = storage_login(launcher)
    framed = app.test_client()
    token = launcher.platform.sign(launcher.platform.claims(nonce))
    held = framed.post("/lti/launch", data={"id_token": token, "state": state})
    assert held.status_code == 200
    page = held.get_data(as_text=True)
    assert token not in page  # the id_token stays on the server
    return framed, state, page


def attr(page: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', page)
    assert match, page
    return unescape(match.group(1))


def test_loopback_and_https_tools_get_partitioned_login_cookies() -> None:
    assert binding.secure_context("https://journeys.example.se")
    assert binding.secure_context("http://localhost:5000")
    assert not binding.secure_context("http://tool.test")
    response = Response()
    binding.set_login_cookie(response, "state-1", "https://journeys.example.se", 300)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
    assert cookie.startswith(binding.cookie_name("state-1") + "=1")


def test_the_login_sets_a_cookie_named_after_its_state(launcher: Launcher) -> None:
    login = launcher.login()
    assert launcher.client.get_cookie(binding.cookie_name(login.state), path="/lti/") is not None


def test_a_launch_with_its_login_cookie_is_finished_and_the_cookie_cleared(
    launcher: Launcher,
) -> None:
    login = launcher.login()
    response = launcher.post(
        launcher.platform.sign(launcher.platform.claims(login.nonce)), login.state
    )
    assert response.status_code == 303
    cleared = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("ltij_login_")]
    assert cleared and "Max-Age=0" in cleared[0]


def test_a_launch_posted_into_another_browser_gets_no_session(
    app: Flask, launcher: Launcher
) -> None:
    # Login CSRF: the attacker's own login and id_token, posted from the victim's browser.
    login = launcher.login()
    token = launcher.platform.sign(launcher.platform.claims(login.nonce))
    victim = app.test_client()
    response = victim.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert not any("ltij_session" in h for h in response.headers.getlist("Set-Cookie"))
    assert 'id="new-window-link"' in response.get_data(as_text=True)
    # The login is used up: the same id_token does not work afterwards either.
    again = launcher.post(token, login.state)
    assert again.status_code == 400


def test_the_new_window_link_starts_the_login_again_and_finishes_there(
    app: Flask, launcher: Launcher, platform: TestPlatform
) -> None:
    login = launcher.login()
    framed = app.test_client()  # the frame, whose cookies the browser blocks
    page = framed.post(
        "/lti/launch",
        data={"id_token": platform.sign(platform.claims(login.nonce)), "state": login.state},
    ).get_data(as_text=True)
    relaunch = urlsplit(attr(page, 'id="new-window-link" href')).path
    window = app.test_client()  # the new window: a first-party page that keeps cookies
    started = window.get(relaunch)
    assert started.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.headers["Location"]).query).items()}
    assert query["login_hint"] == "hint-1" and query["state"] != login.state
    finished = window.post(
        "/lti/launch",
        data={
            "id_token": platform.sign(platform.claims(query["nonce"])),
            "state": query["state"],
        },
    )
    assert session_token(finished)
    assert window.get(relaunch).status_code == 400  # single use


def test_the_storage_login_keeps_the_state_in_the_platforms_frame(
    launcher: Launcher, platform: TestPlatform
) -> None:
    state, _, page = storage_login(launcher)
    assert attr(page, "data-mode") == "login"
    assert attr(page, "data-target") == "_parent"
    assert attr(page, "data-value") == state
    assert attr(page, "data-key") == binding.storage_key(state)
    # Answers are accepted only from the origin of the platform's OIDC authorisation URL.
    assert attr(page, "data-origin") == "https://lms.example.test"
    assert "platform-storage.js" in page


def test_a_storage_launch_without_cookie_is_finished_after_the_platform_confirms(
    app: Flask, launcher: Launcher, platform: TestPlatform
) -> None:
    framed, state, page = held_launch(app, launcher)
    assert attr(page, "data-mode") == "launch"
    ticket = attr(page, 'name="ticket" value')
    confirmed = framed.post(
        "/lti/launch/confirm", data={"ticket": ticket, "value": state}, headers=ORIGIN
    )
    assert session_token(confirmed)
    replay = framed.post(
        "/lti/launch/confirm", data={"ticket": ticket, "value": state}, headers=ORIGIN
    )
    assert replay.status_code == 400


def test_a_value_the_platform_does_not_hold_is_refused(
    app: Flask, launcher: Launcher, platform: TestPlatform
) -> None:
    framed, _state, page = held_launch(app, launcher)
    refused = framed.post(
        "/lti/launch/confirm",
        data={"ticket": attr(page, 'name="ticket" value'), "value": "someone-elses-state"},
        headers=ORIGIN,
    )
    assert refused.status_code == 403
    assert "storage_mismatch" in refused.get_data(as_text=True)


def test_a_confirmation_posted_from_another_site_is_refused(
    app: Flask, launcher: Launcher, platform: TestPlatform
) -> None:
    framed, state, page = held_launch(app, launcher)
    data = {"ticket": attr(page, 'name="ticket" value'), "value": state}
    forged = framed.post(
        "/lti/launch/confirm", data=data, headers={"Origin": "https://attacker.example"}
    )
    assert forged.status_code == 403
    blind = framed.post("/lti/launch/confirm", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert blind.status_code == 403


def test_an_unknown_ticket_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/lti/launch/confirm", data={"ticket": "nope", "value": "x"}, headers=ORIGIN
    )
    assert response.status_code == 400
    assert "launch_ticket_unknown" in response.get_data(as_text=True)


def test_an_invalid_storage_target_is_ignored(launcher: Launcher) -> None:
    login = launcher.login(lti_storage_target="<script>")
    assert login.state


def test_a_same_origin_confirmation_is_accepted_even_with_origin_null(
    app: Flask, launcher: Launcher, platform: TestPlatform
) -> None:
    # The tool's Referrer-Policy (no-referrer) makes browsers send "Origin: null" on form posts;
    # Fetch Metadata says where the request really came from.
    framed, state, page = held_launch(app, launcher)
    confirmed = framed.post(
        "/lti/launch/confirm",
        data={"ticket": attr(page, 'name="ticket" value'), "value": state},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    )
    assert session_token(confirmed)


# -- a launch without its login cookie is validated before any offer ------------------------------
def cookieless_launch(
    app: Flask, launcher: Launcher, storage: bool = False, **overrides: object
) -> Response:
    """A login in one client, then its launch posted from a client without the login cookie."""
    if storage:
        state, nonce, _ = storage_login(launcher)
    else:
        login = launcher.login()
        state, nonce = login.state, login.nonce
    token = launcher.platform.sign(launcher.platform.claims(nonce, **overrides))
    framed = app.test_client()
    return framed.post("/lti/launch", data={"id_token": token, "state": state})  # type: ignore[return-value]


def test_launch_without_cookie_and_forged_signature_is_refused_before_the_offer(
    app: Flask, launcher: Launcher
) -> None:
    login = launcher.login()
    forged = launcher.platform.sign(
        launcher.platform.claims(login.nonce), key=PlatformKey(launcher.platform.signing_key.kid)
    )
    response = app.test_client().post(
        "/lti/launch", data={"id_token": forged, "state": login.state}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "bad_signature" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_wrong_audience_is_refused_before_the_offer(
    app: Flask, launcher: Launcher
) -> None:
    # An id_token for another tool: no registration of ours has that audience.
    response = cookieless_launch(app, launcher, aud="https://another-tool.example.test")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "unknown_registration" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_several_audiences_without_azp_is_refused_before_the_offer(
    app: Flask, launcher: Launcher
) -> None:
    response = cookieless_launch(app, launcher, aud=[launcher.platform.client_id, "another-tool"])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "wrong_audience" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_expired_token_is_refused_before_the_offer(
    app: Flask, launcher: Launcher
) -> None:
    response = cookieless_launch(app, launcher, iat=1_000_000_000, exp=1_000_000_300)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "expired" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_unknown_state_is_refused(app: Flask, launcher: Launcher) -> None:
    token = launcher.platform.sign(launcher.platform.claims("some-nonce"))
    response = app.test_client().post(
        "/lti/launch", data={"id_token": token, "state": "never-issued"}
    )
    assert response.status_code == 400
    assert "unknown_state" in response.get_data(as_text=True)


def test_launch_without_cookie_replayed_is_refused(app: Flask, launcher: Launcher) -> None:
    login = launcher.login()
    token = launcher.platform.sign(launcher.platform.claims(login.nonce))
    framed = app.test_client()
    first = framed.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert 'id="new-window-link"' in first.get_data(as_text=True)
    replay = app.test_client().post("/lti/launch", data={"id_token": token, "state": login.state})
    assert replay.status_code == 400
    page = replay.get_data(as_text=True)
    assert "unknown_state" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_pending_deployment_is_refused_before_the_offer(
    app: Flask, launcher: Launcher
) -> None:
    response = cookieless_launch(app, launcher, deployment_id="not-approved-yet")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "deployment_pending" in page and 'id="new-window-link"' not in page


def test_launch_without_cookie_and_valid_token_gets_the_new_window_offer(
    app: Flask, launcher: Launcher
) -> None:
    response = cookieless_launch(app, launcher)
    assert response.status_code == 200
    assert 'id="new-window-link"' in response.get_data(as_text=True)


def test_storage_launch_without_cookie_and_forged_signature_is_refused_before_storage(
    app: Flask, launcher: Launcher
) -> None:
    state, nonce, _ = storage_login(launcher)
    forged = launcher.platform.sign(
        launcher.platform.claims(nonce), key=PlatformKey(launcher.platform.signing_key.kid)
    )
    response = app.test_client().post("/lti/launch", data={"id_token": forged, "state": state})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "bad_signature" in page and 'data-mode="launch"' not in page


def test_storage_launch_without_cookie_and_expired_token_is_refused_before_storage(
    app: Flask, launcher: Launcher
) -> None:
    response = cookieless_launch(app, launcher, storage=True, iat=1_000_000_000, exp=1_000_000_300)
    assert response.status_code == 400
    assert 'data-mode="launch"' not in response.get_data(as_text=True)
