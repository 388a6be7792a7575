"""Platform keys: cached across launches, refetched once on an unknown kid, clear 502 when away."""

from __future__ import annotations

import html
import socket
import threading
import time
from collections.abc import Iterator
from email.message import Message

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.db import get_database
from lti_tool.lti import platform_keys
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.models import Registration
from lti_tool.lti.outbound import OutboundPolicy, parse_networks
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher
from tests.support.platform import PlatformKey, TestPlatform, running_platform
from tests.support.slow_server import answer, drip_headers, slow_server
from xapi.bounded_http import HttpResponse


def assert_refused(response: TestResponse, status: int, code: str, message: str) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, page
    assert f"<code>{code}</code>" in page, page
    assert message in page, page


def _register(app: Flask, platform: TestPlatform, keyset_url: str | None = None) -> Registration:
    with get_database(app).session() as session:
        org = add_organization(session, "org-keys", "Organisation Keys")
        return add_registration(
            session,
            org,
            issuer=platform.issuer,
            client_id=platform.client_id,
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url=keyset_url or platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )


@pytest.fixture
def own_platform() -> Iterator[TestPlatform]:
    """A platform of this test alone, so its keys can rotate without touching other tests."""
    with running_platform(client_id="client-keys") as platform:
        yield platform


@pytest.fixture
def own_launcher(app: Flask, client: FlaskClient, own_platform: TestPlatform) -> Launcher:
    _register(app, own_platform)
    return Launcher(client, own_platform)


@pytest.fixture
def no_refetch_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let an unknown kid refetch at once, as if the pause between refetches had passed."""
    monkeypatch.setattr(platform_keys, "MIN_REFETCH_INTERVAL_SECONDS", 0.0)


def _launch_signed_with(launcher: Launcher, key: PlatformKey) -> TestResponse:
    login = launcher.login()
    token = launcher.platform.sign(launcher.platform.claims(login.nonce), key=key)
    return launcher.post(token, login.state)


def test_platform_keys_jwks_is_fetched_once_across_launches(
    launcher: Launcher, platform: TestPlatform
) -> None:
    before = platform.jwks_requests
    for _ in range(3):
        response = launcher.launch()
        assert response.status_code == 303, response.get_data(as_text=True)
    assert platform.jwks_requests - before == 1


def test_platform_keys_rotated_key_triggers_one_refetch_and_succeeds(
    own_launcher: Launcher, own_platform: TestPlatform, no_refetch_pause: None
) -> None:
    assert own_launcher.launch().status_code == 303
    assert own_platform.jwks_requests == 1
    new_key = own_platform.rotate()
    response = _launch_signed_with(own_launcher, new_key)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert own_platform.jwks_requests == 2
    assert own_launcher.launch().status_code == 303
    assert own_platform.jwks_requests == 2


def test_platform_keys_old_key_still_works_after_rotation(
    own_launcher: Launcher, own_platform: TestPlatform, no_refetch_pause: None
) -> None:
    old_key = own_platform.signing_key
    assert own_launcher.launch().status_code == 303
    assert _launch_signed_with(own_launcher, own_platform.rotate()).status_code == 303
    response = _launch_signed_with(own_launcher, old_key)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert own_platform.jwks_requests == 2


def test_platform_keys_kid_unknown_after_refetch_is_refused(
    own_launcher: Launcher, own_platform: TestPlatform, no_refetch_pause: None
) -> None:
    assert own_launcher.launch().status_code == 303
    unpublished = PlatformKey(kid="never-published")
    response = _launch_signed_with(own_launcher, unpublished)
    assert_refused(response, 400, "unknown_key", "has no key with kid 'never-published'")
    assert own_platform.jwks_requests == 2


def test_platform_keys_unknown_kids_refetch_at_most_once_per_pause(
    own_launcher: Launcher, own_platform: TestPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long pause, so a slow machine cannot make the launches below fall outside it.
    monkeypatch.setattr(platform_keys, "MIN_REFETCH_INTERVAL_SECONDS", 3600.0)
    assert own_launcher.launch().status_code == 303
    for n in range(3):
        response = _launch_signed_with(own_launcher, PlatformKey(kid=f"made-up-{n}"))
        assert_refused(response, 400, "unknown_key", f"has no key with kid 'made-up-{n}'")
    # Made-up kids within the pause after a fetch must not make the tool hammer the platform.
    assert own_platform.jwks_requests == 1


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks"


def test_platform_keys_unreachable_keyset_is_a_clear_502(
    app: Flask, client: FlaskClient, own_platform: TestPlatform
) -> None:
    url = _closed_port_url()
    _register(app, own_platform, keyset_url=url)
    response = Launcher(client, own_platform).launch()
    assert_refused(
        response,
        502,
        "keyset_unreachable",
        f"The platform's key set at {url} could not be fetched.",
    )


def test_platform_keys_keyset_answering_404_reads_as_a_closed_port(
    app: Flask, client: FlaskClient, own_platform: TestPlatform
) -> None:
    url = own_platform.jwks_url.replace("/jwks", "/missing")
    _register(app, own_platform, keyset_url=url)
    response = Launcher(client, own_platform).launch()
    assert_refused(
        response,
        502,
        "keyset_unreachable",
        f"The platform's key set at {url} could not be fetched.",
    )
    assert "404" not in response.get_data(as_text=True)


def test_platform_keys_keyset_on_a_private_address_is_never_fetched(
    guarded_app: Flask, own_platform: TestPlatform
) -> None:
    _register(guarded_app, own_platform)
    response = Launcher(guarded_app.test_client(), own_platform).launch()
    assert_refused(response, 502, "keyset_unreachable", "could not be fetched.")
    assert own_platform.jwks_requests == 0


def test_platform_keys_unreachable_keyset_is_json_for_api_clients(
    app: Flask, client: FlaskClient, own_platform: TestPlatform
) -> None:
    _register(app, own_platform, keyset_url=_closed_port_url())
    launcher = Launcher(client, own_platform)
    login = launcher.login()
    token = own_platform.sign(own_platform.claims(login.nonce))
    response = client.post(
        "/lti/launch",
        data={"id_token": token, "state": login.state},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 502
    assert response.get_json()["error"] == "keyset_unreachable"


def test_platform_keys_keyset_nested_too_deeply_is_a_clear_502(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = platform_keys.PlatformKeyCache(ttl_seconds=60, timeout_seconds=1)
    nested = HttpResponse(200, Message(), b"[" * 100_000, "https://lms.example.test/jwks")
    monkeypatch.setattr(type(cache._policy), "request", lambda *args, **kwargs: nested)
    with pytest.raises(LaunchError) as refused:
        cache.get_key("https://lms.example.test/jwks", "k1", "RS256")
    assert refused.value.status == 502
    assert refused.value.code == "keyset_unreachable"


def test_platform_keys_slow_key_set_does_not_stall_another_platforms() -> None:
    policy = OutboundPolicy(allowed_networks=parse_networks("127.0.0.0/8"))
    cache = platform_keys.PlatformKeyCache(ttl_seconds=60, timeout_seconds=3, policy=policy)
    jwks = answer(200, b'{"keys": [{"kid": "other", "kty": "oct", "k": "c2VjcmV0"}]}')
    with slow_server(drip_headers) as slow, slow_server(jwks) as fast:

        def fetch_slow() -> None:
            with pytest.raises(LaunchError):
                cache.get_key(slow.url + "/jwks", "k", "RS256")

        stalled = threading.Thread(target=fetch_slow, daemon=True)
        stalled.start()
        deadline = time.monotonic() + 2
        while slow.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(LaunchError) as refused:
            cache.get_key(fast.url + "/jwks", "k1", "RS256")
        elapsed = time.monotonic() - started
        assert stalled.is_alive()
    assert refused.value.code == "unknown_key"
    assert elapsed < 1.0
    stalled.join(5)


def test_platform_keys_concurrent_fetches_of_one_key_set_call_it_once() -> None:
    policy = OutboundPolicy(allowed_networks=parse_networks("127.0.0.0/8"))
    cache = platform_keys.PlatformKeyCache(ttl_seconds=60, timeout_seconds=3, policy=policy)
    jwks = b'{"keys": [{"kid": "k1", "kty": "oct", "k": "c2VjcmV0"}]}'
    with slow_server(answer(200, jwks)) as server:
        threads = [
            threading.Thread(target=cache.get_key, args=(server.url + "/jwks", "k1", "HS256"))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
    assert cache.fetch_count == 1


def test_platform_keys_locks_per_key_set_are_bounded() -> None:
    cache = platform_keys.PlatformKeyCache(ttl_seconds=60, timeout_seconds=1)
    for number in range(platform_keys.MAX_KEYSET_LOCKS + 50):
        cache._keyset_lock(f"https://lms{number}.example.test/jwks")
    assert len(cache._keyset_locks) == platform_keys.MAX_KEYSET_LOCKS
