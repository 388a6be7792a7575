"""The LRS transport ends every request by its total deadline and caps the LRS's answer."""

from __future__ import annotations

import time

from tests.support.slow_server import answer, drip_headers, slow_server
from xapi.transport import Endpoint, Transport

PAYLOADS = ['{"id": "6e6a3c60-0d3a-4a5b-9b8e-2f4f3c0b1a11"}']


def test_transport_gives_up_on_a_dripping_lrs_by_its_deadline() -> None:
    # Each byte comes within the read timeout: only the total deadline (connect + read) ends it.
    transport = Transport(connect_timeout=0.5, read_timeout=1.0)
    with slow_server(drip_headers, interval=0.1) as server:
        started = time.monotonic()
        result = transport.post_statements(
            Endpoint(server.url + "/xapi", "k", "s", "1.0.3"), PAYLOADS
        )
        elapsed = time.monotonic() - started
    transport.close()
    assert result.status is None and result.error.startswith("timeout")
    assert elapsed < 2.0


def test_transport_abandons_an_answer_larger_than_its_cap() -> None:
    transport = Transport(connect_timeout=1, read_timeout=5)
    with slow_server(answer(400, b"x" * (2 * 1024 * 1024))) as server:
        result = transport.post_statements(
            Endpoint(server.url + "/xapi", "k", "s", "1.0.3"), PAYLOADS
        )
    transport.close()
    assert result.status is None and result.error.startswith("request failed")
