"""Interface language: Swedish and English, chosen by switch, launch locale or browser."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale

LANGUAGES = ("sv", "en")


def select_locale() -> str:
    if not has_request_context():
        # Commands and workers (``lti-journeys …``) speak the installation's default language.
        configured: str = current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")
        return configured
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    identity = g.get("identity")
    if identity is not None and identity.locale in LANGUAGES:
        return str(identity.locale)
    best = request.accept_languages.best_match(LANGUAGES)
    if best:
        return best
    default: str = g.get("default_locale", "sv")
    return default


def init_app(app: Flask, default_locale: str) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = "translations"
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    @app.before_request
    def _remember_default() -> None:
        g.default_locale = default_locale
