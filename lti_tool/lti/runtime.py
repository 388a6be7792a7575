"""The LTI parts one app instance shares: state store, platform key cache, key box and tokens."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from config.settings import Settings
from lti_tool.crypto import SecretBox
from lti_tool.db import Database
from lti_tool.lti import outbound
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.session_token import SessionTokens
from lti_tool.lti.state_store import DatabaseStateStore, RedisStateStore, StateStore


@dataclass
class LtiRuntime:
    settings: Settings
    store: StateStore
    key_cache: PlatformKeyCache
    box: SecretBox
    tokens: SessionTokens

    @property
    def launch_url(self) -> str:
        return self.settings.base_url + "/lti/launch"


def init_app(app: Flask, settings: Settings, database: Database) -> LtiRuntime:
    store: StateStore = (
        RedisStateStore(settings.redis_url)
        if settings.redis_url
        else DatabaseStateStore(database.sessionmaker)
    )
    policy = outbound.init_app(app, settings)
    runtime = LtiRuntime(
        settings=settings,
        store=store,
        key_cache=PlatformKeyCache(
            settings.jwks_cache_seconds, settings.jwks_fetch_timeout_seconds, policy
        ),
        box=SecretBox(settings.key_encryption_key or settings.effective_secret_key),
        tokens=SessionTokens(
            settings.effective_secret_key, settings.base_url, settings.session_token_ttl_seconds
        ),
    )
    app.extensions["lti_journeys_lti"] = runtime
    return runtime


def get_runtime(app: Flask | None = None) -> LtiRuntime:
    runtime: LtiRuntime = (app or current_app).extensions["lti_journeys_lti"]
    return runtime
