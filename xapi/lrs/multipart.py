"""multipart/mixed bodies of statements with attachments (xAPI part 2, 2.4.11), in and out."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from xapi.lrs.errors import BadRequestError

_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass
class Part:
    headers: dict[str, str]  # names lower-cased
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def header_params(value: str) -> dict[str, str]:
    """The parameters of a header value such as ``multipart/mixed; boundary="abc"``."""
    params: dict[str, str] = {}
    for piece in value.split(";")[1:]:
        name, sep, raw = piece.strip().partition("=")
        if sep:
            params[name.strip().lower()] = raw.strip().strip('"')
    return params


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/mixed body; 400 for anything malformed."""
    boundary = header_params(content_type).get("boundary")
    if not boundary:
        raise BadRequestError("A multipart/mixed request needs a boundary in its Content-Type.")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    pieces = (b"\r\n" + body).split(delimiter)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        raise BadRequestError(
            "The multipart/mixed body is not delimited by its boundary (each part starts with "
            "--boundary and the body ends with --boundary--)."
        )
    parts: list[Part] = []
    for piece in pieces[1:-1]:
        line_end = piece.find(b"\r\n")
        if line_end < 0 or piece[:line_end].strip(b" \t"):
            raise BadRequestError("A multipart/mixed boundary line has trailing characters.")
        rest = piece[line_end + 2 :]
        headers: dict[str, str] = {}
        if rest.startswith(b"\r\n"):
            content = rest[2:]
        else:
            end = rest.find(b"\r\n\r\n")
            if end < 0:
                raise BadRequestError("A part of the multipart/mixed body has no end of headers.")
            for line in rest[:end].split(b"\r\n"):
                name, sep, value = line.decode("latin-1").partition(":")
                if not sep or not name.strip():
                    raise BadRequestError(
                        "A part of the multipart/mixed body has a bad header line."
                    )
                headers[name.strip().lower()] = value.strip()
            content = rest[end + 4 :]
        parts.append(Part(headers, content))
    return parts


def hash_matches(sha2: str, content: bytes) -> bool:
    algorithm = _HASHES.get(len(sha2))
    return algorithm is not None and algorithm(content).hexdigest() == sha2.lower()


def build_multipart(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: JSON first, then each (sha2, content type, content)."""
    boundary = "xapi-" + secrets.token_hex(16)
    marker = b"--" + boundary.encode("ascii")
    chunks = [marker, b"\r\nContent-Type: application/json\r\n\r\n", first, b"\r\n"]
    for sha2, content_type, content in attachments:
        chunks += [
            marker,
            f"\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode("latin-1"),
            content,
            b"\r\n",
        ]
    chunks += [marker, b"--\r\n"]
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
