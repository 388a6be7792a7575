"""Bounded HTTP: a total deadline and a size cap whatever the server does, on a pinned address."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.slow_server import (
    answer,
    drip_body,
    drip_headers,
    endless_body,
    slow_server,
    tls_server,
)
from xapi.bounded_http import BoundedClient, HttpError, Limits, tls_context

# Each drip comes well within the read timeout, so only a total deadline can stop it.
LIMITS = Limits(deadline_seconds=1.0, connect_timeout_seconds=1.0, read_timeout_seconds=5.0)


@pytest.mark.parametrize("behaviour", [drip_headers, drip_body], ids=["headers", "body"])
def test_bounded_client_gives_up_on_a_dripping_server_by_its_deadline(behaviour: object) -> None:
    with slow_server(behaviour, interval=0.1) as server:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(HttpError) as raised:
            BoundedClient(LIMITS).request("GET", server.url + "/")
        elapsed = time.monotonic() - started
    assert raised.value.kind == "timeout"
    assert elapsed < 1.5


def test_bounded_client_abandons_an_answer_larger_than_the_cap() -> None:
    with slow_server(endless_body) as server:
        started = time.monotonic()
        with pytest.raises(HttpError) as raised:
            BoundedClient(LIMITS).request("GET", server.url + "/", max_bytes=256 * 1024)
    assert raised.value.kind == "too_large"
    assert time.monotonic() - started < 1.0


def test_bounded_client_refuses_a_declared_length_over_the_cap() -> None:
    with slow_server(answer(200, b"x" * 2000)) as server, pytest.raises(HttpError) as raised:
        BoundedClient(LIMITS).request("GET", server.url + "/", max_bytes=1000)
    assert raised.value.kind == "too_large"


def test_bounded_client_connects_to_the_resolved_address_and_names_the_host() -> None:
    looked_up: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append((host, port))
        return ["127.0.0.1"]

    with slow_server(answer(200, b'{"ok": true}')) as server:
        client = BoundedClient(LIMITS, resolve=resolve)
        response = client.request("GET", f"http://platform.test:{server.port}/config")
    assert response.status == 200 and response.body == b'{"ok": true}'
    assert looked_up == [("platform.test", server.port)]
    assert f"Host: platform.test:{server.port}\r\n".encode() in server.requests[0]


def test_bounded_client_rechecks_every_redirect_target() -> None:
    looked_up: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        if host == "internal.test":
            raise HttpError("refused", "not a public address")
        return ["127.0.0.1"]

    redirect = answer(302, b"", "Location: http://internal.test/secret\r\n")
    with slow_server(redirect) as server:
        client = BoundedClient(LIMITS, resolve=resolve)
        with pytest.raises(HttpError) as raised:
            client.request("GET", f"http://platform.test:{server.port}/", follow_redirects=3)
    assert raised.value.kind == "refused"
    assert looked_up == ["platform.test", "internal.test"]


def test_bounded_client_verifies_tls_for_the_host_name_on_the_pinned_address(
    tmp_path: Path,
) -> None:
    with tls_server("platform.test", b'{"ok": true}', tmp_path) as (server, ca, names):
        client = BoundedClient(
            LIMITS, resolve=lambda host, port: ["127.0.0.1"], tls=tls_context(ca)
        )
        response = client.request("GET", f"https://platform.test:{server.port}/config")
    assert response.status == 200 and response.body == b'{"ok": true}'
    assert names == ["platform.test"]  # SNI names the host, not the address
    assert f"Host: platform.test:{server.port}\r\n".encode() in server.requests[0]


def test_bounded_client_refuses_a_certificate_for_another_name(tmp_path: Path) -> None:
    with tls_server("platform.test", b"{}", tmp_path) as (server, ca, _):
        client = BoundedClient(
            LIMITS, resolve=lambda host, port: ["127.0.0.1"], tls=tls_context(ca)
        )
        with pytest.raises(HttpError) as raised:
            client.request("GET", f"https://internal.test:{server.port}/")
    assert raised.value.kind == "connection"
    assert server.requests == []


def test_bounded_client_gives_up_on_a_slow_name_lookup_by_its_deadline() -> None:
    def slow_resolve(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["127.0.0.1"]

    started = time.monotonic()
    with pytest.raises(HttpError) as raised:
        BoundedClient(LIMITS, resolve=slow_resolve).request("GET", "http://slow-dns.test/")
    assert raised.value.kind == "timeout"
    assert time.monotonic() - started < 1.5
