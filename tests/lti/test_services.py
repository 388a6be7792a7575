"""Access tokens from a platform's token URL: how long the tool keeps them."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.outbound import OutboundPolicy, parse_networks
from lti_tool.lti.services import MAX_TOKEN_LIFETIME, AccessTokens, ServiceRegistration
from tests.support.slow_server import answer, slow_server


@pytest.fixture(scope="module")
def signing() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid="k1", alg="RS256", private_pem=pem)


def _cached_until(expires_in: bytes, signing: SigningKey) -> float:
    body = b'{"access_token": "t", "expires_in": ' + expires_in + b"}"
    tokens = AccessTokens(OutboundPolicy(allowed_networks=parse_networks("127.0.0.0/8")))
    with slow_server(answer(200, body)) as server:
        registration = ServiceRegistration(
            id=1, client_id="client-1", token_url=server.url + "/token", audience=None
        )
        assert tokens.get(registration, ("s",), signing) == "t"
    return tokens._tokens[(1, ("s",))][1] - time.monotonic()


@pytest.mark.parametrize("expires_in", [b"1e999", b"31536000", b"1e300"])
def test_access_tokens_huge_lifetime_is_capped(expires_in: bytes, signing: SigningKey) -> None:
    assert 0 < _cached_until(expires_in, signing) <= MAX_TOKEN_LIFETIME


@pytest.mark.parametrize("expires_in", [b"NaN", b"-1e999", b"-5", b"0", b"true", b'"3600"'])
def test_access_tokens_odd_lifetime_is_kept_briefly(expires_in: bytes, signing: SigningKey) -> None:
    assert 0 <= _cached_until(expires_in, signing) <= 3600
