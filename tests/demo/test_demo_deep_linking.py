"""The demo platform's deep linking: it verifies the tool's response and places the links."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.db import get_database
from lti_tool.demo import catalog
from lti_tool.demo.deep_linking import placed_links
from lti_tool.journeys.models import Journey


def _seed(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def _follow_autopost(client: FlaskClient, html: str) -> TestResponse:
    action = unescape(re.search(r'action="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    fields = {
        unescape(n): unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', html)
    }
    return client.post(urlsplit(action).path, data=fields)


def test_an_instructor_places_a_journey_in_a_demo_course(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    _seed(app.test_cli_runner())
    app.instance_path = str(tmp_path)
    start = client.get(
        "/demo/start/sodervik-ledarskap/instructor", query_string={"mode": "add", "storage": "0"}
    )
    login = _follow_autopost(client, start.get_data(as_text=True))
    auth = client.get(login.headers["Location"].replace("http://tool.test", ""))
    launch = _follow_autopost(client, auth.get_data(as_text=True))
    picker_url = launch.headers["Location"]
    assert picker_url.startswith("/lti/deep-linking?")
    token = parse_qs(urlsplit(picker_url).query)["lt"][0]
    with get_database(app).session() as session:
        org_id = session.scalar(
            select(Journey.organization_id)
            .where(Journey.slug == "collegial-learning")
            .order_by(Journey.organization_id.desc())
        )
        journey_id = session.scalar(
            select(Journey.id).where(
                Journey.slug == "collegial-learning", Journey.organization_id == org_id
            )
        )
    response = client.post("/lti/deep-linking", data={"lt": token, "journey": str(journey_id)})
    placed = _follow_autopost(client, response.get_data(as_text=True))
    assert placed.status_code == 200
    [link] = placed_links(str(tmp_path), "sodervik-ledarskap")
    assert link.custom == {"journey": "collegial-learning"}
    assert catalog.course("sodervik-ledarskap") is not None


def test_a_forged_response_is_refused(app: Flask, client: FlaskClient) -> None:
    _seed(app.test_cli_runner())
    response = client.post(
        "/demo/deep-link-return/sodervik-ledarskap/instructor", data={"JWT": "not.a.jwt"}
    )
    assert response.status_code == 400
