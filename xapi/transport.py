"""HTTP transport to an LRS: POST a batch of statements to <endpoint>/statements.

Connections are kept alive per host; every request has a connect and a read timeout and a total
deadline (their sum), so an LRS that answers one byte at a time cannot hold a delivery thread,
and the LRS's answer is read up to a size cap. Authentication is HTTP Basic and the xAPI version
header is the target's. LRS targets are named by administrators, so they may be on private
addresses. There are no retries here: the delivery worker decides what a failure means
(tincan's RemoteLRS has no timeouts, no retries and no connection reuse, so it is not used for
delivery).

A transport is not shared between threads; each delivery thread has its own.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from xapi.bounded_http import BoundedClient, HttpError, HttpResponse, Limits

MAX_MESSAGE = 2000
# An LRS answers a POST with the statement ids: far less than this.
MAX_ANSWER_BYTES = 1024 * 1024
USER_AGENT = "lti-journeys-delivery/1 (pid {pid})"


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send: the LRS root, Basic credentials and the xAPI version."""

    url: str
    key: str
    secret: str
    version: str

    @property
    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"

    @property
    def authorization(self) -> str:
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode("ascii")
        return "Basic " + token


@dataclass(frozen=True)
class SendResult:
    """An LRS's answer (``status``) or why there was none (``status`` None, ``error`` set)."""

    status: int | None
    message: str = ""
    error: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in (200, 204)

    def describe(self) -> str:
        if self.status is None:
            return self.error
        return f"HTTP {self.status}" + (f": {self.message}" if self.message else "")


class Sender(Protocol):
    """What the delivery worker needs from a transport."""

    def post_statements(self, endpoint: Endpoint, payloads: Sequence[str]) -> SendResult: ...

    def close(self) -> None: ...


def batch_body(payloads: Sequence[str]) -> bytes:
    """A JSON array of already serialised statements."""
    return ("[" + ",".join(payloads) + "]").encode("utf-8")


def _message(response: HttpResponse) -> str:
    """The LRS's explanation: the ``message`` of a JSON error body, else the text."""
    text = response.body.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:MAX_MESSAGE]
    if isinstance(body, dict):
        for key in ("message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:MAX_MESSAGE]
    return text.strip()[:MAX_MESSAGE]


def _retry_after(response: HttpResponse) -> float | None:
    value = response.header("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Transport:
    """Keep-alive HTTP with timeouts and a total deadline; one per delivery thread."""

    def __init__(
        self, connect_timeout: float = 5.0, read_timeout: float = 30.0, pool_size: int = 4
    ) -> None:
        # ``pool_size`` is kept for callers; one kept-alive connection per LRS host suffices
        # for a thread that sends one batch at a time.
        self.timeout = (connect_timeout, read_timeout)
        self.client = BoundedClient(
            Limits(
                deadline_seconds=connect_timeout + read_timeout,
                connect_timeout_seconds=connect_timeout,
                read_timeout_seconds=read_timeout,
                max_bytes=MAX_ANSWER_BYTES,
            ),
            keep_alive=True,
            user_agent=USER_AGENT.format(pid=os.getpid()),
        )

    def post_statements(self, endpoint: Endpoint, payloads: Sequence[str]) -> SendResult:
        try:
            response = self.client.request(
                "POST",
                endpoint.statements_url,
                body=batch_body(payloads),
                headers={
                    "X-Experience-API-Version": endpoint.version,
                    "Content-Type": "application/json",
                    "Authorization": endpoint.authorization,
                },
            )
        except HttpError as exc:
            prefix = {"timeout": "timeout", "connection": "connection failed"}.get(
                exc.kind, "request failed"
            )
            return SendResult(None, error=f"{prefix}: {_short(exc)}")
        if response.status in (200, 204):
            return SendResult(response.status)
        return SendResult(
            response.status, message=_message(response), retry_after=_retry_after(response)
        )

    def close(self) -> None:
        self.client.close()


def _short(exc: BaseException) -> str:
    return (str(exc) or exc.__class__.__name__)[:MAX_MESSAGE]
