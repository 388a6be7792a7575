"""What every LRS handler receives, and the registry that maps (path, method) to handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response
from sqlalchemy.orm import Session

from xapi.lrs.auth import Principal
from xapi.lrs.request import XapiRequest


@dataclass(frozen=True)
class LrsConfig:
    """Settings of the embedded LRS."""

    # Absolute URL of the LRS root, e.g. https://tool.example.se/xapi (no trailing slash).
    endpoint: str
    max_body_bytes: int = 20 * 1024 * 1024
    # Statements in one request; more are refused with 413 before any is validated.
    max_statements: int = 1000
    # Statements per page of a GET query when the client gives no (or a larger) limit.
    page_size: int = 500
    # The version named in responses to requests that name none (they are refused with 400).
    default_version: str = "2.0.0"
    # Origins whose browser pages may call the LRS ("*": any); never with credentials.
    cors_origins: tuple[str, ...] = ("*",)


@dataclass
class LrsContext:
    request: XapiRequest
    version: str
    principal: Principal
    session: Session
    config: LrsConfig


Handler = Callable[[LrsContext], Response]
ROUTES: dict[str, dict[str, Handler]] = {}


def route(path: str, *methods: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``path`` (relative to the LRS root, e.g. ``statements``)."""

    def decorator(handler: Handler) -> Handler:
        for method in methods:
            ROUTES.setdefault(path, {})[method] = handler
        return handler

    return decorator
