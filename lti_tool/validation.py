"""Domain input errors and the small validators the admin services share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


class InvalidInputError(ValueError):
    """Input an operator or user must fix; the message says what is wrong and how to fix it."""


class NotFoundError(LookupError):
    """Something named in the input does not exist."""


# ASCII only: str.isdigit() and int() also accept "²", "١٢" and full-width digits, and int() of a
# few thousand digits raises; 18 digits keep every number within 64 bits.
_ASCII_INT = re.compile(r"[0-9]{1,18}")
_ASCII_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:[.,][0-9]{1,15})?")


def strict_int(text: str | None, minimum: int, maximum: int) -> int | None:
    """A whole number written in ASCII digits within ``[minimum, maximum]``, or ``None``."""
    if text is None or not _ASCII_INT.fullmatch(text := text.strip()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def strict_decimal(text: str | None, minimum: float, maximum: float) -> float | None:
    """A decimal number (ASCII digits, a point or a comma) within bounds, or ``None``."""
    if text is None or not _ASCII_DECIMAL.fullmatch(text := text.strip()):
        return None
    value = float(text.replace(",", "."))
    return value if minimum <= value <= maximum else None


# Control characters: nothing below U+0020 (and no DEL) belongs in a name, an identifier, a URL
# or a path; in text people type, tabs and line breaks do. PostgreSQL text cannot hold NUL.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_no_control(value: str, what: str) -> str:
    """``value`` unless it holds a control character (such as NUL)."""
    if CONTROL.search(value):
        raise InvalidInputError(
            f"{what} {value!r} contains a control character (such as NUL), which is not allowed."
        )
    return value


SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_slug(slug: str, what: str = "slug") -> str:
    if not SLUG_RE.match(slug):
        raise InvalidInputError(
            f"{what} {slug!r} is not valid: use 1-64 lower-case letters a-z, digits and '-', "
            "starting and ending with a letter or digit (for example 'goteborg')."
        )
    return slug


def check_url(url: str, what: str, require_https: bool = False) -> str:
    check_no_control(url, what)
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
    return check_no_control(value, what)
