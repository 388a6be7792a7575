"""Valid launches: provisioning, session tokens and the landing page."""

from __future__ import annotations

from flask import Flask

from tests.conftest import Launcher, session_token


def test_launch_valid_redirects_to_landing_with_session_token(launcher: Launcher) -> None:
    response = launcher.launch()
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/home?lt=")


def test_landing_without_cookies_shows_person_course_and_role(
    launcher: Launcher, app: Flask
) -> None:
    token = session_token(launcher.launch(name="Maja Lärare"))
    browser = app.test_client(use_cookies=False)
    page = browser.get(f"/home?lt={token}&lang=en").get_data(as_text=True)
    assert "Maja Lärare" in page
    assert "Digital kompetens" in page
    assert "Learner" in page
    assert "No journey is linked to this link yet." in page
