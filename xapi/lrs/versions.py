"""xAPI version negotiation by the ``X-Experience-API-Version`` header."""

from __future__ import annotations

import re

from xapi.lrs.errors import BadRequestError

HEADER = "X-Experience-API-Version"
SUPPORTED = ("1.0.3", "2.0.0")
LATEST = "2.0.0"
_VERSION_RE = re.compile(r"^(1\.0(\.[0-9]+)?|2\.0(\.[0-9]+)?)$")


def negotiate(requested: str | None) -> str:
    """The version to serve: 1.0.x requests get 1.0.3 rules, 2.0.x requests get 2.0.0 rules."""
    if requested is None or not requested.strip():
        raise BadRequestError(f"The {HEADER} header is required (send 1.0.3 or 2.0.0).")
    value = requested.strip()
    if not _VERSION_RE.match(value):
        raise BadRequestError(
            f"{HEADER} {value!r} is not supported; this LRS speaks {' and '.join(SUPPORTED)}."
        )
    return "2.0.0" if value.startswith("2.") else "1.0.3"


def is_v2(version: str) -> bool:
    return version.startswith("2.")


def about_versions(requested: str | None) -> list[str]:
    """The versions the About resource lists to a client that declared ``requested``.

    xAPI 1.0.3 allows only "0.9", "0.95" and "1.0.x" in the list, and 1.0.x clients (the tincan
    package) refuse an About answer with any other value: a request that declares 1.0.x is
    answered by 1.0.3's rule. Without a header (About must not require one) or with 2.0.x, the
    list has every version.
    """
    if requested is not None and requested.strip().startswith("1."):
        return [v for v in SUPPORTED if v.startswith("1.")]
    return list(SUPPORTED)
