"""Benchmark baseline: the smallest LTI 1.3 tool pylti1p3's documented Flask usage gives.

One registration in a ``ToolConfDict``, ``FlaskOIDCLogin`` for the login, ``FlaskMessageLaunch``
for the launch, pylti1p3's default launch data storage (the signed Flask session cookie), no
database, the platform's JWKS fetched on every launch (pylti1p3's default) and a trivial landing
page that restores the launch from that storage.

It is started by ``bench/launch.py`` under gunicorn; the registration comes from the environment:

* ``BASELINE_TOOL_CONF``: the ``ToolConfDict`` JSON (issuer -> registration);
* ``BASELINE_SECRET_KEY``: Flask's secret key (signs the session cookie shared by the workers).
"""

from __future__ import annotations

import json
import os

from flask import Flask, abort, redirect, render_template_string, request, url_for
from flask.typing import ResponseReturnValue
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException
from pylti1p3.tool_config import ToolConfDict

LANDING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Baseline tool</title></head>
<body>
<h1>Welcome, {{ name }}</h1>
<p>Course: {{ course }}</p>
<p>Roles: {{ roles|join(", ") }}</p>
</body>
</html>
"""

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _tool_conf() -> ToolConfDict:
    raw = os.environ.get("BASELINE_TOOL_CONF")
    if not raw:
        raise RuntimeError("BASELINE_TOOL_CONF must hold the ToolConfDict JSON")
    return ToolConfDict(json.loads(raw))


app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("BASELINE_SECRET_KEY") or os.urandom(32).hex()
tool_conf = _tool_conf()


@app.errorhandler(LtiException)
def lti_error(exc: LtiException) -> ResponseReturnValue:
    return {"error": str(exc)}, 400


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


@app.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    flask_request = FlaskRequest()
    target_link_uri = flask_request.get_param("target_link_uri")
    if not target_link_uri:
        abort(400, "missing target_link_uri")
    oidc_login = FlaskOIDCLogin(flask_request, tool_conf)
    return oidc_login.redirect(target_link_uri)


@app.post("/launch")
def launch() -> ResponseReturnValue:
    message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf)
    message_launch.get_launch_data()  # validates the launch and stores it in the session
    return redirect(url_for("landing", launch_id=message_launch.get_launch_id()), code=303)


@app.get("/home")
def landing() -> ResponseReturnValue:
    launch_id = request.args.get("launch_id")
    if not launch_id:
        abort(400, "missing launch_id")
    message_launch = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), tool_conf)
    data = message_launch.get_launch_data()
    if not data:
        abort(404, "unknown launch")
    context = data.get(CLAIM + "context") or {}
    return render_template_string(
        LANDING,
        name=data.get("name") or "(name not shared)",
        course=context.get("title") or "(no course)",
        roles=data.get(CLAIM + "roles") or [],
    )
