"""Domain input errors and the small validators the admin services share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


class InvalidInputError(ValueError):
    """Input an operator or user must fix; the message says what is wrong and how to fix it."""


class NotFoundError(LookupError):
    """Something named in the input does not exist."""


SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_slug(slug: str, what: str = "slug") -> str:
    if not SLUG_RE.match(slug):
        raise InvalidInputError(
            f"{what} {slug!r} is not valid: use 1-64 lower-case letters a-z, digits and '-', "
            "starting and ending with a letter or digit (for example 'goteborg')."
        )
    return slug


def check_url(url: str, what: str, require_https: bool = False) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(f"{what} {url!r} is not an absolute http(s) URL.")
    if require_https and parts.scheme != "https":
        raise InvalidInputError(f"{what} {url!r} must use https in production.")
    return url


def check_text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInputError(f"{what} must not be empty.")
    if len(value) > limit:
        raise InvalidInputError(f"{what} is longer than {limit} characters.")
    return value
