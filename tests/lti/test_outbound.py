"""Outbound requests to platforms: public addresses only, unless an administrator allows more."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.settings import Settings
from lti_tool.lti.ags import SCOPE_SCORE, AgsError, GradeService, Score
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.outbound import HttpError, OutboundPolicy, is_public, parse_networks
from lti_tool.lti.services import AccessTokens, ServiceError, ServiceRegistration
from tests.support.slow_server import answer, slow_server

NOT_PUBLIC = [
    "127.0.0.1",  # loopback
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",  # private
    "169.254.169.254",  # link-local (cloud metadata)
    "100.64.0.1",  # CGNAT shared address space
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "0.0.0.0",  # noqa: S104  (unspecified)
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "2002:7f00:1::",  # 6to4 around 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_is_public_refuses_special_purpose_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1", "::ffff:93.184.215.14"])
def test_is_public_accepts_public_unicast_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_outbound_policy_refuses_a_name_with_a_loopback_address() -> None:
    with pytest.raises(HttpError) as raised:
        OutboundPolicy().resolve("localhost", 80)
    assert raised.value.kind == "refused"


def test_outbound_policy_allows_an_allow_listed_network() -> None:
    policy = OutboundPolicy(allowed_networks=parse_networks("127.0.0.0/8, ::1"))
    assert "127.0.0.1" in policy.resolve("127.0.0.1", 80)


def test_outbound_policy_never_connects_to_a_refused_address() -> None:
    with slow_server(answer(200, b"{}")) as server, pytest.raises(HttpError) as raised:
        OutboundPolicy().request("GET", server.url + "/")
    assert raised.value.kind == "refused"
    assert server.connections == 0


def test_outbound_policy_trusts_only_the_exact_trusted_origin() -> None:
    with slow_server(answer(200, b"{}")) as server:
        policy = OutboundPolicy(trusted_origins=frozenset({server.url}))
        assert policy.request("GET", server.url + "/jwks").status == 200
        other = server.url.replace("127.0.0.1", "localhost")
        with pytest.raises(HttpError):
            policy.request("GET", other + "/jwks")


def _service(token_url: str) -> ServiceRegistration:
    return ServiceRegistration(id=1, client_id="client-1", token_url=token_url, audience=None)


@pytest.fixture(scope="module")
def signing() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid="k1", alg="RS256", private_pem=pem)


def test_access_tokens_never_call_a_token_url_on_a_private_address(signing: SigningKey) -> None:
    tokens = AccessTokens(OutboundPolicy())
    server_context = slow_server(answer(200, b'{"access_token": "t"}'))
    with server_context as server, pytest.raises(ServiceError) as raised:
        tokens.get(_service(server.url + "/token"), ("s",), signing)
    assert raised.value.code == "unreachable"
    assert server.connections == 0


def test_roster_pages_never_come_from_a_private_address() -> None:
    with slow_server(answer(200, b'{"members": []}')) as server, pytest.raises(ServiceError):
        AccessTokens(OutboundPolicy()).fetch_members(server.url + "/nrps", "token")
    assert server.connections == 0


def test_grade_service_never_posts_to_a_private_line_item(signing: SigningKey) -> None:
    tokens = AccessTokens(OutboundPolicy())
    with slow_server(answer(200, b"{}")) as server:
        service = GradeService(tokens, _service("https://lms.example.test/token"), signing, [])
        # A cached token: only the line item URL, named by the launch, is left to check.
        tokens._tokens[(1, (SCOPE_SCORE,))] = ("token", float("inf"))
        score = Score("u1", 50.0, 100.0, "Started", "Pending", datetime.now(UTC))
        with pytest.raises(AgsError) as raised:
            service.post_score(server.url + "/lineitems/1", score)
    assert raised.value.transient
    assert server.connections == 0


def test_outbound_policy_trusts_the_demo_platform_only_while_the_demo_runs() -> None:
    development = Settings(_env_file=None, env="development")  # type: ignore[call-arg]
    production = Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="production",
        secret_key="s" * 40,
        database_url="postgresql+psycopg://u@db/lti",
        base_url="https://tool.example.se",
    )
    assert OutboundPolicy.from_settings(development).trusted_origins == {"http://127.0.0.1:5000"}
    assert OutboundPolicy.from_settings(production).trusted_origins == frozenset()
    assert OutboundPolicy.from_settings(production).allowed_networks == ()
