"""Application factory: settings, database, LTI runtime, blueprints, error pages and CLI."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from config.logging import configure_logging
from config.settings import Settings, load_settings
from lti_tool.frameworks.iri_views import bp as framework_iris_bp
from lti_tool.journeys.markdown import VIDEO_ORIGINS
from xapi.lrs import LrsConfig, init_lrs
from xapi.profile_views import init_profile_routes


def _database_url(settings: Settings, instance_path: str) -> str:
    if settings.database_url:
        return settings.database_url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "lti-journeys.sqlite3")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; tests pass their own ``Settings``, everything else reads the environment."""
    settings = settings or load_settings()
    settings.check_production()
    configure_logging(settings.log_level, settings.log_json)

    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.effective_secret_key,
        # The LRS accepts attachments; other views read small forms. Larger bodies get a 413.
        MAX_CONTENT_LENGTH=settings.lrs_max_body_bytes + 1024 * 1024,
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        LTI_JOURNEYS_SETTINGS=settings,
    )
    # Behind a TLS-terminating proxy the scheme and host come from X-Forwarded-* headers.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from lti_tool import csrf, db, errors, i18n, privacy, recording
    from lti_tool import models as _models  # noqa: F401 (every table, so foreign keys resolve)
    from lti_tool.lti import runtime

    database = db.init_app(app, _database_url(settings, app.instance_path))
    runtime.init_app(app, settings, database)
    i18n.init_app(app, settings.default_locale)
    privacy.init_app(app)
    init_profile_routes(app)
    recording.init_app(app, settings.base_url, validate=settings.validate_statements)
    init_lrs(
        app,
        database.sessionmaker,
        LrsConfig(
            endpoint=settings.base_url + "/xapi",
            max_body_bytes=settings.lrs_max_body_bytes,
            max_statements=settings.lrs_max_statements_per_request,
            default_version=settings.lrs_default_version,
            cors_origins=settings.lrs_cors_origin_list,
        ),
    )
    errors.init_app(app)
    from lti_tool import edge

    # Control characters are refused before anything else reads the request, then cross-site posts.
    edge.init_app(app)
    csrf.init_app(app)

    from lti_tool.admin.views import bp as admin_bp
    from lti_tool.followup.views import bp as followup_bp
    from lti_tool.goals.views import bp as goals_bp
    from lti_tool.health import bp as health_bp
    from lti_tool.home.views import bp as home_bp
    from lti_tool.journeys.web import register_journey_blueprints
    from lti_tool.lti.views import bp as lti_bp
    from lti_tool.surveys.views import bp as surveys_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(lti_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(goals_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(framework_iris_bp)
    register_journey_blueprints(app)
    app.register_blueprint(followup_bp)
    app.register_blueprint(surveys_bp)
    from lti_tool.plans.views import register_plans

    register_plans(app)
    from lti_tool.collegial.group_views import register_groups

    register_groups(app)
    from lti_tool.collegial.session_views import register_sessions

    register_sessions(app)
    from lti_tool.collegial.cycle_views import bp as collegial_bp

    app.register_blueprint(collegial_bp)
    from lti_tool.reminders.views import register_notices

    register_notices(app)
    if settings.demo_active:
        from lti_tool.demo.views import bp as demo_bp

        app.register_blueprint(demo_bp)

    from lti_tool import launch_session

    launch_session.init_app(app)
    app.jinja_env.globals["url_with_token"] = launch_session.url_with_token
    app.jinja_env.globals["url_in_language"] = launch_session.url_in_language

    from lti_tool.cli import register_commands

    register_commands(app)

    if settings.delivery_thread_active:
        # Development: deliver queued xAPI statements and scores from threads of the serving
        # process, started by its first request (so CLI commands and the reloader's parent never
        # run them).
        from lti_tool.cli.lti import passback_worker, roster_worker
        from lti_tool.cli.xapi import delivery_runner
        from lti_tool.lti.passback import PassbackRunner

        app.before_request(delivery_runner(app).start_once)
        app.before_request(PassbackRunner(passback_worker(app)).start_once)
        app.before_request(PassbackRunner(roster_worker(app), name="roster-refresh").start_once)
        from lti_tool.cli.reminders import reminder_worker

        app.before_request(PassbackRunner(reminder_worker(app), name="reminders").start_once)

    # Frames: the tool's own pages (also from the demo LMS when that runs on another site) and
    # the allowed video players.
    tool_origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.base_url))
    csp = (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
        f"script-src 'self'; frame-src 'self' {tool_origin} {' '.join(VIDEO_ORIGINS)}; "
        "form-action *; frame-ancestors "
    )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        # Framed by the LMSs of the session's organisation (see frame_ancestors).
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = csp + launch_session.frame_ancestors(
                response
            )
        if g.get("no_store"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
