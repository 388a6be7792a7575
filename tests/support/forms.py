"""A test client that posts forms as a launched page does: with the launch's form token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from lti_tool.csrf import FIELD, UNSAFE_METHODS
from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import COOKIE, PARAM


class PageFormClient(FlaskClient):
    """Adds the hidden ``csrf_token`` field every form of a launched page carries.

    The token is the one the page would have rendered for the session the form sends (its ``lt``
    field, the ``lt`` of its action URL, or the session cookie). A form that names its own
    ``csrf_token`` is sent as it is, so tests of forged requests can send a wrong one.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        method = str(kwargs.get("method", "GET")).upper()
        data = kwargs.get("data")
        if method in UNSAFE_METHODS and isinstance(data, dict) and FIELD not in data:
            token = self._session_token(args[0] if args else kwargs.get("path", ""), data)
            if token:
                kwargs["data"] = {**data, FIELD: self._form_token(token)}
        return super().open(*args, **kwargs)

    def _session_token(self, path: Any, data: dict[str, Any]) -> str | None:
        if data.get(PARAM):
            return str(data[PARAM])
        if isinstance(path, str):
            from_query = parse_qs(urlsplit(path).query).get(PARAM)
            if from_query:
                return from_query[0]
        cookie = self.get_cookie(COOKIE)
        return cookie.value if cookie is not None else None

    def _form_token(self, token: str) -> str:
        tokens = get_runtime(self.application).tokens
        try:
            return tokens.form_token(tokens.verify(token))
        except SessionTokenError:
            # An expired or forged session is refused by the page itself; no form token to add.
            return ""
