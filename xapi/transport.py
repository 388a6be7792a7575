"""HTTP transport to an LRS: POST a batch of statements to <endpoint>/statements.

A ``requests.Session`` keeps connections alive per host; every request has a connect and a read
timeout; authentication is HTTP Basic and the xAPI version header is the target's. There are no
retries here: the delivery worker decides what a failure means (tincan's RemoteLRS has no
timeouts, no retries and no connection reuse, so it is not used for delivery).

A transport is not shared between threads; each delivery thread has its own.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

MAX_MESSAGE = 2000
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


def _message(response: requests.Response) -> str:
    """The LRS's explanation: the ``message`` of a JSON error body, else the text."""
    text = response.text or ""
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


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class _Basic(AuthBase):
    """HTTP Basic with UTF-8 credentials; given explicitly, so ~/.netrc never replaces it."""

    def __init__(self, header: str) -> None:
        self.header = header

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request


class Transport:
    """Keep-alive HTTP with timeouts; one per delivery thread."""

    def __init__(
        self, connect_timeout: float = 5.0, read_timeout: float = 30.0, pool_size: int = 4
    ) -> None:
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT.format(pid=os.getpid())

    def post_statements(self, endpoint: Endpoint, payloads: Sequence[str]) -> SendResult:
        try:
            response = self.session.post(
                endpoint.statements_url,
                data=batch_body(payloads),
                headers={
                    "X-Experience-API-Version": endpoint.version,
                    "Content-Type": "application/json",
                },
                auth=_Basic(endpoint.authorization),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            return SendResult(None, error=f"timeout: {_short(exc)}")
        except requests.ConnectionError as exc:
            return SendResult(None, error=f"connection failed: {_short(exc)}")
        except requests.RequestException as exc:
            return SendResult(None, error=f"request failed: {_short(exc)}")
        if response.status_code in (200, 204):
            # Read the body so the connection goes back to the pool.
            _ = response.content
            return SendResult(response.status_code)
        return SendResult(
            response.status_code, message=_message(response), retry_after=_retry_after(response)
        )

    def close(self) -> None:
        self.session.close()


def _short(exc: BaseException) -> str:
    return (str(exc) or exc.__class__.__name__)[:MAX_MESSAGE]
