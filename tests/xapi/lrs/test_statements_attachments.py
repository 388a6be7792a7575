"""Attachments in multipart/mixed requests and responses, and signed statements."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.statement_samples import (
    attachment_meta,
    error_message,
    get_one,
    multipart,
    new_id,
    part_headers,
    statement,
)
from xapi.lrs.multipart import parse_multipart

TEXT = b"here is a simple attachment"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def send(lrs: LrsClient, body: bytes, content_type: str, method: str = "POST", **kw: Any) -> Any:
    return lrs.request(
        method, "statements", data=body, headers={"Content-Type": content_type}, **kw
    )


def test_multipart_post_stores_the_attachment_and_returns_it(lrs: LrsClient) -> None:
    stmt = statement(attachments=[attachment_meta(TEXT)])
    body, content_type = multipart(stmt, [(TEXT, part_headers(TEXT))])
    response = send(lrs, body, content_type)
    assert response.status_code == 200, error_message(response)
    [statement_id] = response.get_json()

    plain = lrs.get("statements", params={"statementId": statement_id})
    assert plain.headers["Content-Type"] == "application/json"

    full = lrs.get("statements", params={"statementId": statement_id, "attachments": "true"})
    assert full.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    parts = parse_multipart(full.get_data(), full.headers["Content-Type"])
    assert parts[0].content_type == "application/json"
    assert parts[1].content == TEXT
    assert parts[1].headers["x-experience-api-hash"] == hashlib.sha256(TEXT).hexdigest()
    assert parts[1].headers["content-transfer-encoding"] == "binary"

    listed = lrs.get("statements", params={"attachments": "true"})
    assert parse_multipart(listed.get_data(), listed.headers["Content-Type"])[1].content == TEXT


def test_multipart_put(lrs: LrsClient) -> None:
    statement_id = new_id()
    body, content_type = multipart(
        statement(attachments=[attachment_meta(TEXT)]), [(TEXT, part_headers(TEXT))]
    )
    response = send(lrs, body, content_type, "PUT", params={"statementId": statement_id})
    assert response.status_code == 204, error_message(response)


def test_file_url_attachment_needs_no_part(lrs: LrsClient) -> None:
    meta = attachment_meta(TEXT, fileUrl="http://example.com/file.txt")
    response = lrs.post("statements", json_body=statement(attachments=[meta]))
    assert response.status_code == 200
    [statement_id] = response.get_json()
    assert get_one(lrs, statement_id)["attachments"] == [meta]


def test_attachment_without_content_or_file_url_is_refused(lrs: LrsClient) -> None:
    response = lrs.post("statements", json_body=statement(attachments=[attachment_meta(TEXT)]))
    assert response.status_code == 400
    assert "no fileUrl" in error_message(response)


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        (
            {"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary"},
            "no X-Experience-API-Hash",
        ),
        (
            {**part_headers(TEXT), "Content-Transfer-Encoding": "base64"},
            "Content-Transfer-Encoding: binary",
        ),
        (
            {
                "Content-Type": "text/plain",
                "X-Experience-API-Hash": hashlib.sha256(TEXT).hexdigest(),
            },
            "Content-Transfer-Encoding: binary",
        ),
        (
            {**part_headers(TEXT), "X-Experience-API-Hash": hashlib.sha256(b"x").hexdigest()},
            "does not match",
        ),
    ],
)
def test_bad_attachment_parts_are_refused(
    lrs: LrsClient, headers: dict[str, str], fragment: str
) -> None:
    body, content_type = multipart(
        statement(attachments=[attachment_meta(TEXT)]), [(TEXT, headers)]
    )
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert fragment in error_message(response)


def test_excess_part_is_refused(lrs: LrsClient) -> None:
    body, content_type = multipart(statement(), [(TEXT, part_headers(TEXT))])
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "no statement declares" in error_message(response)


def test_multipart_without_boundary_is_refused(lrs: LrsClient) -> None:
    body, _ = multipart(statement(), [])
    assert send(lrs, body, "multipart/mixed").status_code == 400
    assert send(lrs, b"no parts at all", "multipart/mixed; boundary=xyz").status_code == 400


def test_first_part_must_be_json(lrs: LrsClient) -> None:
    body = b"--b\r\nContent-Type: text/plain\r\n\r\n{}\r\n--b--\r\n"
    response = send(lrs, body, "multipart/mixed; boundary=b")
    assert response.status_code == 400
    assert "must be application/json" in error_message(response)


# -- signed statements ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(private_key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(private_key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def signed_body(
    stmt: dict[str, Any], private_key: Any, algorithm: str = "RS256", **headers: Any
) -> tuple[bytes, str]:
    token = jwt.encode(stmt, private_key, algorithm=algorithm, headers=headers or None).encode()
    meta = {**attachment_meta(token, "application/octet-stream"), "usageType": SIGNATURE}
    signed = {**stmt, "attachments": [meta]}
    return multipart(signed, [(token, part_headers(token, "application/octet-stream"))])


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_signed_statement_is_accepted(
    lrs: LrsClient, key: rsa.RSAPrivateKey, algorithm: str
) -> None:
    stmt = statement(id=new_id())
    body, content_type = signed_body(stmt, key, algorithm, x5c=[certificate(key)])
    response = send(lrs, body, content_type)
    assert response.status_code == 200, error_message(response)


def test_signature_with_another_algorithm_is_refused(lrs: LrsClient) -> None:
    body, content_type = signed_body(
        statement(id=new_id()), "a-shared-secret-of-32-bytes-len!", "HS256"
    )
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "RS256, RS384 or RS512" in error_message(response)


def test_signature_over_a_different_statement_is_refused(
    lrs: LrsClient, key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(statement(id=new_id()), key, algorithm="RS256").encode()
    meta = {**attachment_meta(token, "application/octet-stream"), "usageType": SIGNATURE}
    body, content_type = multipart(
        statement(id=new_id(), attachments=[meta]),
        [(token, part_headers(token, "application/octet-stream"))],
    )
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "does not match the statement" in error_message(response)


def test_signature_not_verifying_against_its_certificate_is_refused(
    lrs: LrsClient, key: rsa.RSAPrivateKey
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body, content_type = signed_body(statement(id=new_id()), key, x5c=[certificate(other)])
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "does not verify" in error_message(response)


def test_malformed_signature_is_refused(lrs: LrsClient) -> None:
    token = b"not-a-jws"
    meta = {**attachment_meta(token, "application/octet-stream"), "usageType": SIGNATURE}
    body, content_type = multipart(
        statement(attachments=[meta]), [(token, part_headers(token, "application/octet-stream"))]
    )
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "not a JWS" in error_message(response)


def test_signature_must_be_octet_stream(lrs: LrsClient) -> None:
    meta = {**attachment_meta(b"x", "text/plain"), "usageType": SIGNATURE}
    body, content_type = multipart(statement(attachments=[meta]), [(b"x", part_headers(b"x"))])
    response = send(lrs, body, content_type)
    assert response.status_code == 400
    assert "application/octet-stream" in error_message(response)
