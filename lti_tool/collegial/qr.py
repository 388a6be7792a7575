"""The check-in link of an occurrence as a QR code, drawn on the server as SVG."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from markupsafe import Markup

from lti_tool.collegial.models import Occurrence


def check_in_url(base_url: str, occurrence: Occurrence) -> str:
    """The link a phone opens to check in (it needs the learner's launch on that device)."""
    query = urlencode({"code": occurrence.check_in_code})
    return f"{base_url.rstrip('/')}/sessions/check-in/{occurrence.key}?{query}"


def qr_svg(url: str, title: str) -> Markup:
    """``url`` as an inline SVG QR code (no external service, no script)."""
    code = segno.make(url, error="m")
    # segno escapes the title it writes into the SVG.
    return Markup(code.svg_inline(scale=8, border=4, title=title, svgclass="qr-code"))  # noqa: S704
