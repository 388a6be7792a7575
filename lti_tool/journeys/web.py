"""The journeys' web parts: the learner player, authoring and the instructor's follow-up."""

from __future__ import annotations

from flask import Flask


def register_journey_blueprints(app: Flask) -> None:
    from lti_tool.journeys.authoring_views import bp as authoring_bp
    from lti_tool.journeys.follow_up_views import bp as follow_up_bp
    from lti_tool.journeys.picker_views import bp as picker_bp
    from lti_tool.journeys.player_views import bp as player_bp

    app.register_blueprint(player_bp)
    app.register_blueprint(follow_up_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(picker_bp)
