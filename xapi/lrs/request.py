"""The request as the LRS sees it, after unwrapping the 1.0.3 alternate request syntax.

Views read ``XapiRequest`` rather than ``flask.request`` because in the alternate syntax the real
method, headers, parameters and body travel inside a form POST (xAPI 1.0.3, part 3, 1.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from flask import Request
from werkzeug.datastructures import Headers

from xapi.lrs.errors import BadRequestError

ALTERNATE_METHODS = ("GET", "PUT", "POST", "DELETE")
# Form fields that carry headers in the alternate syntax; everything else is a parameter.
HEADER_FIELDS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
}

# No parameter (ids, IRIs, timestamps, JSON agents) has a use for control characters, and the
# database cannot store NUL; JSON whitespace (tab, line breaks) stays allowed in JSON parameters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A lone UTF-16 surrogate (from a JSON escape such as \ud800) cannot be encoded for the database.
SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")
# A \u0000 escape (not an escaped backslash followed by "u0000") in a JSON parameter.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
JSON_PARAMS = frozenset({"agent"})


@dataclass
class XapiRequest:
    method: str
    headers: Headers
    params: dict[str, str]
    body: bytes
    alternate: bool = False
    path: str = ""
    multi_params: dict[str, list[str]] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def check_param(name: str, value: str) -> None:
    """``BadRequestError`` for a control character in a parameter's name or value.

    Also used on the parameters a ``more`` token carries: they reach SQL as well.
    """
    if _CONTROL_IN_NAME.search(name) or SURROGATE.search(name):
        raise BadRequestError("A parameter name contains a control character; remove it.")
    if (
        _CONTROL.search(value)
        or SURROGATE.search(value)
        or (name in JSON_PARAMS and _NUL_ESCAPE.search(value))
    ):
        raise BadRequestError(
            f"The {name!r} parameter contains a control character (such as U+0000), which is "
            "not allowed; remove it."
        )


def _single_params(pairs: dict[str, list[str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, values in pairs.items():
        for value in values:
            check_param(name, value)
        if len(values) > 1:
            raise BadRequestError(f"Parameter {name!r} is given {len(values)} times; give it once.")
        params[name] = values[0]
    return params


def build_request(request: Request, max_body: int) -> XapiRequest:
    """Read the method, headers, parameters and body, unwrapping the alternate syntax."""
    query = parse_qs(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    body = request.get_data(cache=True)
    if len(body) > max_body:
        from xapi.lrs.errors import PayloadTooLargeError

        raise PayloadTooLargeError(f"The request body is larger than {max_body} bytes.")
    if request.method == "POST" and "method" in query:
        return _alternate(request, query, body)
    headers = Headers(request.headers)
    return XapiRequest(
        method=request.method,
        headers=headers,
        params=_single_params(query),
        body=body,
        path=request.path,
        multi_params=query,
    )


def _alternate(request: Request, query: dict[str, list[str]], body: bytes) -> XapiRequest:
    methods = query.pop("method")
    method = methods[0].upper() if len(methods) == 1 else ""
    if method not in ALTERNATE_METHODS:
        raise BadRequestError(
            "The alternate request syntax needs method=GET, PUT, POST or DELETE in the query."
        )
    if query:
        raise BadRequestError(
            "In the alternate request syntax every parameter except 'method' goes in the form "
            f"body; found {', '.join(sorted(query))} in the query string."
        )
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequestError(
            "The alternate request syntax needs Content-Type application/x-www-form-urlencoded."
        )
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    # Real headers count too (Authorization, X-Experience-API-Version...); form fields override
    # them. Content-Type and Content-Length describe the form itself, not the wrapped request.
    headers = Headers(
        [(k, v) for k, v in request.headers if k.lower() not in ("content-type", "content-length")]
    )
    params: dict[str, list[str]] = {}
    content = b""
    for name, values in form.items():
        lower = name.lower()
        if lower == "content":
            content = values[0].encode("utf-8")
        elif lower in HEADER_FIELDS:
            headers[HEADER_FIELDS[lower]] = values[0]
        else:
            params[name] = values
    if "Content-Type" not in headers and content:
        headers["Content-Type"] = "application/json"
    return XapiRequest(
        method=method,
        headers=headers,
        params=_single_params(params),
        body=content,
        alternate=True,
        path=request.path,
        multi_params=params,
    )
