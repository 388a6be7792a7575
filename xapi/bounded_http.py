"""HTTP/1.1 requests with a total deadline and a size cap, connected to addresses the caller checked.

Connect and read timeouts do not bound a request: a server that sends one byte every few seconds
never trips a read timeout. Here every socket operation waits at most until the request's
deadline, so a request ends by its deadline whatever the server does, and an answer larger than
the cap is abandoned while it streams in. The caller's ``resolve`` turns a host name into the
addresses to connect to; the connection goes to one of exactly those addresses (no second name
lookup), while TLS verifies the certificate for the host name, SNI and ``Host`` name it too.
Redirects are followed only when asked, each target resolved (so checked) again, never from
https to http. Answers are read as sent (``Accept-Encoding: identity``): nothing is decompressed.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)


class HttpError(Exception):
    """No usable answer; ``kind`` is one of timeout, connection, too_large, refused, invalid."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


Resolver = Callable[[str, int], list[str]]


def resolve_any(host: str, port: int) -> list[str]:
    """Every address of ``host`` (no check: for destinations an administrator named)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise HttpError("connection", f"the name {host!r} could not be resolved") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Limits:
    """Total seconds a request may take (redirects included), per-wait timeouts, answer bytes."""

    deadline_seconds: float = 15.0
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 15.0
    max_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Message
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def next_link(self) -> str | None:
        """The absolute URL of the ``Link: <...>; rel="next"`` header, if any."""
        for value in self.headers.get_all("Link") or []:
            for part in value.split(","):
                target, _, params = part.partition(";")
                rels = [p.strip() for p in params.split(";")]
                if any(r.replace(" ", "") in ('rel="next"', "rel=next") for r in rels):
                    return urljoin(self.url, target.strip().strip("<>"))
        return None


# Name lookups run here so that a slow DNS server cannot outlast a request's deadline; a lookup
# left behind ends by the resolver's own timeouts, and while the pool is busy lookups wait in line.
_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bounded-http-resolve")


def _resolve_by(deadline: float, resolve: Resolver, host: str, port: int) -> list[str]:
    """``resolve(host, port)``, given up when the deadline passes first."""
    future = _RESOLVERS.submit(resolve, host, port)
    try:
        return future.result(timeout=max(deadline - time.monotonic(), 0.0))
    except FutureTimeoutError:
        future.cancel()
        raise HttpError(
            "timeout", f"the name {host!r} was not resolved before the deadline"
        ) from None


def _arm(sock: socket.socket, deadline: float, op_timeout: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("the request's deadline has passed")
    sock.settimeout(min(remaining, op_timeout))


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every wait ends by ``deadline`` (``time.monotonic`` seconds)."""

    deadline = float("inf")
    op_timeout = 30.0

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        _arm(self, self.deadline, self.op_timeout)
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        _arm(self, self.deadline, self.op_timeout)
        return super().recv(bufsize, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        _arm(self, self.deadline, self.op_timeout)
        super().sendall(data, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """The TLS counterpart of ``_DeadlineSocket``."""

    deadline = float("inf")
    op_timeout = 30.0

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        _arm(self, self.deadline, self.op_timeout)
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        _arm(self, self.deadline, self.op_timeout)
        return super().recv(buflen, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        # SSLSocket.sendall restarts its timeout on every write: arm it per chunk instead.
        view = memoryview(data).cast("B")
        for start in range(0, len(view), CHUNK):
            _arm(self, self.deadline, self.op_timeout)
            super().sendall(view[start : start + CHUNK], flags)


def tls_context(cadata: str | None = None) -> ssl.SSLContext:
    """A verifying TLS context (system CAs, or ``cadata`` PEM) whose sockets keep deadlines."""
    context = ssl.create_default_context(cadata=cadata)
    context.sslsocket_class = _DeadlineSSLSocket
    return context


_TLS = tls_context()


class _Connection(http.client.HTTPConnection):
    """One connection to a checked address; names the host for TLS, SNI and ``Host``."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[str],
        tls: ssl.SSLContext | None,
        connect_timeout: float,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self.addresses = addresses
        self.tls = tls
        self.default_port = 443 if tls else 80
        self.connect_timeout = connect_timeout
        self.deadline = float("inf")
        self.op_timeout = connect_timeout

    def connect(self) -> None:
        error: OSError | None = None
        for address in self.addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = _DeadlineSocket(family, socket.SOCK_STREAM)
            sock.deadline = self.deadline
            sock.op_timeout = self.connect_timeout
            try:
                _arm(sock, self.deadline, self.connect_timeout)
                sock.connect((address, self.port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self.tls is not None:
                    _arm(sock, self.deadline, self.connect_timeout)
                    self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
                else:
                    self.sock = sock
                self.set_deadline(self.deadline, self.op_timeout)
                return
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError("no address to connect to")

    def set_deadline(self, deadline: float, op_timeout: float) -> None:
        """Bound every later wait of this connection by ``deadline`` and ``op_timeout``."""
        self.deadline = deadline
        self.op_timeout = op_timeout
        if isinstance(self.sock, _DeadlineSocket | _DeadlineSSLSocket):
            self.sock.deadline = deadline
            self.sock.op_timeout = op_timeout


def _is_dropped(conn: _Connection) -> bool:
    """A kept-alive connection the server has closed (readable while idle means EOF)."""
    if conn.sock is None:
        return True
    try:
        readable, _, _ = select.select([conn.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


@dataclass
class BoundedClient:
    """Sends requests within ``limits``; keeps connections alive per origin when ``keep_alive``."""

    limits: Limits = field(default_factory=Limits)
    resolve: Resolver = resolve_any
    keep_alive: bool = False
    user_agent: str = "lti-journeys"
    tls: ssl.SSLContext = field(default=_TLS, repr=False)
    _pool: dict[tuple[str, str, int], _Connection] = field(default_factory=dict, repr=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
        deadline_seconds: float | None = None,
        follow_redirects: int = 0,
    ) -> HttpResponse:
        """The answer to one request (3xx included when redirects are not followed)."""
        deadline = time.monotonic() + (deadline_seconds or self.limits.deadline_seconds)
        cap = max_bytes or self.limits.max_bytes
        sent = dict(headers or {})
        for _ in range(follow_redirects + 1):
            response = self._once(method, url, sent, body, deadline, cap)
            location = response.header("Location")
            if response.status not in REDIRECTS or not location or not follow_redirects:
                return response
            if method not in ("GET", "HEAD"):
                raise HttpError("refused", f"{method} {url} was redirected")
            target = urljoin(url, location)
            before, after = urlsplit(url), urlsplit(target)
            if before.scheme == "https" and after.scheme != "https":
                raise HttpError("refused", "a redirect from https to another scheme")
            if (before.scheme, before.netloc) != (after.scheme, after.netloc):
                # Credentials meant for one site never go to the site it redirects to.
                sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            url = target
        raise HttpError("refused", f"more than {follow_redirects} redirects")

    def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        deadline: float,
        cap: int,
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError("invalid", f"{url!r} is not an absolute http(s) URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise HttpError("invalid", f"{url!r} has an invalid port") from exc
        key = (parts.scheme, parts.hostname, port)
        conn = self._pool.pop(key, None) if self.keep_alive else None
        if conn is not None and _is_dropped(conn):
            conn.close()
            conn = None
        if conn is None:
            addresses = _resolve_by(deadline, self.resolve, parts.hostname, port)
            conn = _Connection(
                parts.hostname,
                port,
                addresses,
                self.tls if parts.scheme == "https" else None,
                self.limits.connect_timeout_seconds,
            )
        conn.set_deadline(deadline, self.limits.read_timeout_seconds)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": self.user_agent, "Connection": "keep-alive", **headers}
        if not self.keep_alive:
            all_headers["Connection"] = "close"
        answer: http.client.HTTPResponse | None = None
        try:
            conn.request(method, path, body=body, headers=all_headers)
            answer = conn.getresponse()
            data = _read_capped(answer, cap)
        except HttpError:
            conn.close()
            raise
        except TimeoutError as exc:
            conn.close()
            raise HttpError("timeout", "no complete answer before the deadline") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise HttpError("connection", f"{exc.__class__.__name__}: {exc}"[:200]) from exc
        finally:
            if answer is not None:
                # Releases the response's hold on the socket; the connection keeps its own.
                answer.close()
        if self.keep_alive and not answer.will_close:
            self._pool[key] = conn
        else:
            conn.close()
        return HttpResponse(answer.status, answer.headers, data, url)

    def close(self) -> None:
        for conn in self._pool.values():
            conn.close()
        self._pool.clear()


def _read_capped(answer: http.client.HTTPResponse, cap: int) -> bytes:
    length = answer.getheader("Content-Length")
    if length is not None and length.isdigit() and int(length) > cap:
        raise HttpError("too_large", f"the answer is larger than {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = answer.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise HttpError("too_large", f"the answer is larger than {cap} bytes")
        chunks.append(chunk)
