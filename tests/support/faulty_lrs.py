"""The tool's app (with its embedded LRS) behind a fault injector: ``gunicorn tests.support.faulty_lrs:app``.

Only ``POST /xapi/statements`` is touched; everything else goes straight to the app. Settings come
from the environment:

* ``FAULTY_LRS_FAIL_RATE``: the fraction (0-1) of those requests answered 500, chosen at random.
  Half of them fail before the LRS sees the request; the other half after it has stored the
  statements, so the answer is lost on the way back (as when a proxy gives up).
* ``FAULTY_LRS_DELAY_SECONDS``: wait this long before handling each of them.
* ``FAULTY_LRS_LOG``: a file that gets, per request, a line when it arrives and one when it is
  answered: ``arrived <sender> <ids>`` and ``done <status sent> <status of the LRS or -> <sender>
  <ids>``, where ``<sender>`` is the pid in the delivery worker's User-Agent and ``<ids>`` the
  comma-separated statement ids of the batch.
* ``FAULTY_LRS_CONFIG``: a JSON file read on every request, ``{"fail_rate": .., "delay": ..,
  "log": ..}``, overriding the three above; tests change the faults of a running server with it.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from lti_tool.app import create_app

inner = create_app()
FAIL_RATE = float(os.environ.get("FAULTY_LRS_FAIL_RATE", "0"))
DELAY = float(os.environ.get("FAULTY_LRS_DELAY_SECONDS", "0"))
LOG = os.environ.get("FAULTY_LRS_LOG", "")
CONFIG = os.environ.get("FAULTY_LRS_CONFIG", "")
SENDER = re.compile(r"\(pid (\d+)\)")

StartResponse = Callable[..., Any]


def _settings() -> tuple[float, float, str]:
    if not CONFIG:
        return FAIL_RATE, DELAY, LOG
    with open(CONFIG, encoding="utf-8") as file:
        config = json.load(file)
    return (
        float(config.get("fail_rate", FAIL_RATE)),
        float(config.get("delay", DELAY)),
        str(config.get("log", LOG)),
    )


def _log(log: str, line: str) -> None:
    if not log:
        return
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _ids(body: bytes) -> str:
    try:
        statements = json.loads(body)
    except ValueError:
        return "-"
    if isinstance(statements, dict):
        statements = [statements]
    return ",".join(str(s.get("id", "?")) for s in statements if isinstance(s, dict)) or "-"


def _fail(start_response: StartResponse) -> list[bytes]:
    body = b'{"error": true, "message": "injected fault"}'
    start_response(
        "500 INTERNAL SERVER ERROR",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/xapi/statements":
        return inner(environ, start_response)
    fail_rate, delay, log = _settings()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    match = SENDER.search(environ.get("HTTP_USER_AGENT", ""))
    sender = match.group(1) if match else "-"
    ids = _ids(body)
    _log(log, f"arrived {sender} {ids}")
    if delay:
        time.sleep(delay)
    roll = random.random()
    if roll < fail_rate / 2:
        _log(log, f"done 500 - {sender} {ids}")
        return _fail(start_response)
    captured: dict[str, str] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        if roll < fail_rate:
            return lambda _data: None
        return start_response(status, headers, exc_info)

    result = inner(environ, capture)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status = captured.get("status", "000").split()[0]
    if roll < fail_rate:
        # The LRS did its work; the client never hears of it.
        _log(log, f"done 500 {status} {sender} {ids}")
        return _fail(start_response)
    _log(log, f"done {status} {status} {sender} {ids}")
    return [content]
