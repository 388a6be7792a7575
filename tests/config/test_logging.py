"""Logging: session tokens never reach a log line, whichever server writes the request line."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from flask import Flask
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger
from werkzeug.serving import make_server

from config.logging import configure_logging, redact

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_redact_replaces_tokens_in_query_cookie_and_bearer() -> None:
    line = (
        f"GET /home?lt={TOKEN}&lang=sv HTTP/1.1 ltij_session={TOKEN}; Path=/ "
        f"Authorization: Bearer {TOKEN} salt=kept"
    )
    cleaned = redact(line)
    assert TOKEN not in cleaned
    assert "/home?lt=[redacted]&lang=sv" in cleaned
    assert "ltij_session=[redacted]; Path=/" in cleaned
    assert "Bearer [redacted]" in cleaned
    assert "salt=kept" in cleaned


def test_configure_logging_redacts_development_server_request_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("WARNING")
    app = Flask(__name__)
    app.add_url_rule("/home", "home", lambda: "ok")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/home?lt={TOKEN}&lang=sv"
            assert requests.get(url, timeout=5).status_code == 200
    finally:
        server.shutdown()
        thread.join(5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/home?lt=[redacted]&lang=sv" in line for line in lines), lines
    assert not any(TOKEN in line for line in lines)


def test_configure_logging_redacts_gunicorn_access_line(tmp_path: Path) -> None:
    access_log = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(access_log))
    cfg.set("access_log_format", '%(r)s %(q)s %(s)s "%({location}o)s"')
    gunicorn_log = GunicornLogger(cfg)
    configure_logging("WARNING")
    gunicorn_log.access(
        SimpleNamespace(status="303 SEE OTHER", headers=[("Location", f"/home?lt={TOKEN}")]),
        SimpleNamespace(headers=[]),
        {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"/journeys/x?lt={TOKEN}",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "QUERY_STRING": f"lt={TOKEN}",
        },
        timedelta(milliseconds=5),
    )
    for handler in logging.getLogger("gunicorn.access").handlers:
        handler.flush()
    line = access_log.read_text(encoding="utf-8")
    assert TOKEN not in line
    assert (
        line.strip()
        == 'GET /journeys/x?lt=[redacted] HTTP/1.1 lt=[redacted] 303 "/home?lt=[redacted]"'
    )
