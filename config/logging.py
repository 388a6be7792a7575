"""Logging set-up: readable lines in development, one JSON object per line when asked.

Every record is scrubbed when it is made (see ``install_scrubbing``): database errors carry the
values of the row they were about (PostgreSQL's ``DETAIL: Key (email)=(…)``, ``Failing row
contains (…)``, ``CONTEXT: … parameter $1 = '…'``, ``invalid input syntax for type …: "…"``, and
SQLAlchemy's ``[parameters: …]`` when an engine does not hide them), and those may be names,
e-mail addresses or a learner's reflection, which must never reach a log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

HIDDEN = "(hidden)"

# Pieces of database error text that hold values of the statement or the row.
_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\s*)(DETAIL|CONTEXT|HINT):.*$", re.MULTILINE), rf"\1\2: {HIDDEN}"),
    (re.compile(r"^\[parameters: .*$", re.MULTILINE), f"[parameters: {HIDDEN}]"),
    (
        re.compile(r"(invalid input (?:syntax|value) for [^:\n]+):.*$", re.MULTILINE),
        rf"\1: {HIDDEN}",
    ),
    (re.compile(r'\bvalue ".*?" is out of range', re.DOTALL), f"value {HIDDEN} is out of range"),
    (re.compile(r"(Failing row contains) \(.*?\)(\.?)$", re.MULTILINE), rf"\1 {HIDDEN}\2"),
)


def scrub(text: str) -> str:
    """``text`` with the values that database errors quote replaced by ``(hidden)``."""
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


def scrubbed_exception(exc_info: Any) -> str:
    """A formatted traceback (chained causes included) with quoted values hidden."""
    return scrub("".join(traceback.format_exception(*exc_info)).rstrip("\n"))


def _scrub_record(record: logging.LogRecord) -> None:
    """Replace a record's message and exception by scrubbed text, before any handler sees it."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to the handler's own error reporting
        return
    scrubbed = scrub(message)
    if scrubbed != message:
        # Only then is the message replaced: other filters may read a record's own arguments.
        record.msg = scrubbed
        record.args = None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrubbed_exception(record.exc_info)
        # The formatted text stands in for the exception, so no handler formats it unscrubbed.
        record.exc_info = None


def install_scrubbing() -> None:
    """Scrub every log record of the process when it is made (idempotent).

    A record factory rather than a handler filter, so that every handler (also those added later,
    by a test's log capture or a library) only ever sees scrubbed records.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "_lti_journeys_scrubbing", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _scrub_record(record)
        return record

    factory._lti_journeys_scrubbing = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def install_excepthook() -> None:
    """Print an uncaught exception (a failed command's) scrubbed like log records (idempotent).

    Worker threads catch and log their errors themselves, so only the main thread's hook is set.
    """
    if getattr(sys.excepthook, "_lti_journeys_scrubbing", False):
        return

    def excepthook(kind: Any, value: Any, tb: Any) -> None:
        sys.stderr.write(scrubbed_exception((kind, value, tb)) + "\n")

    excepthook._lti_journeys_scrubbing = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook


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


# Request data reaches log messages (paths, names, error details); a raw NUL, escape sequence or
# line break there could corrupt the log or forge a line. JSON lines escape them by themselves.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


class TextFormatter(logging.Formatter):
    """Readable lines with control characters escaped; a traceback keeps its line breaks."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _CONTROL.sub(_escape, record.message)
        return super().formatMessage(record)

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return _CONTROL_KEEP_LINES.sub(_escape, super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        # A scrubbed record carries its traceback as text only (see ``_scrub_record``).
        if record.exc_text:
            record.exc_text = _CONTROL_KEEP_LINES.sub(_escape, record.exc_text)
        return super().format(record)


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
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def make_formatter(as_json: bool) -> logging.Formatter:
    """The formatter of the process's log handler: JSON lines or plain text."""
    if as_json:
        return JsonFormatter()
    return TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    install_scrubbing()
    install_excepthook()
    root = logging.getLogger()
    # On the loggers themselves, so the request lines are clean whichever handlers write them
    # (gunicorn attaches its own to its access log).
    for name in ACCESS_LOGGERS:
        _add_filter(logging.getLogger(name))
    if getattr(root, "_lti_journeys_configured", False):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(as_json))
    _add_filter(handler)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root._lti_journeys_configured = True  # type: ignore[attr-defined]
