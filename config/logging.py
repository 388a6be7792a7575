"""Logging set-up: readable lines in development, one JSON object per line when asked."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Session tokens travel in ``lt`` query parameters, the ``ltij_session`` cookie and Bearer
# headers; a log line must never hold one (logs are kept longer and read by more people).
_SECRET = re.compile(r"(?<![\w-])(lt=|ltij_session=|Bearer\s+)[^&\s;,\"']+")
REDACTED = "[redacted]"
# Loggers that write request lines: the development server's and gunicorn's access log.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """The text with every session token replaced by ``[redacted]``."""
    return _SECRET.sub(lambda m: m.group(1) + REDACTED, text)


class SessionTokenFilter(logging.Filter):
    """Redacts session tokens from a record's message before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, SessionTokenFilter) for f in target.filters):
        target.addFilter(SessionTokenFilter())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    root = logging.getLogger()
    # On the loggers themselves, so the request lines are clean whichever handlers write them
    # (gunicorn attaches its own to its access log).
    for name in ACCESS_LOGGERS:
        _add_filter(logging.getLogger(name))
    if getattr(root, "_lti_journeys_configured", False):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    _add_filter(handler)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root._lti_journeys_configured = True  # type: ignore[attr-defined]
