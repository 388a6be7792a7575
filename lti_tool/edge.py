"""Input checked before any view runs: no control characters in the path, query, form or file names.

Databases refuse NUL (PostgreSQL text cannot hold it), logs must not carry raw control characters,
and no field of this tool has a use for them, so one check here turns them into a clear 400 for
every view. Line breaks and tabs stay allowed in form fields and query values, where people write
text. The LRS at ``/xapi/`` reads its own body and parameters (``xapi.lrs.request``).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import gettext as _

from lti_tool.validation import CONTROL as _CONTROL
from lti_tool.validation import CONTROL_IN_TEXT as _CONTROL_IN_TEXT
from lti_tool.validation import InvalidInputError

_OWN_INPUT = ("/xapi/",)


class UnsafeInputError(InvalidInputError):
    """A request holding a control character; the message names where."""


def _refuse(where: str) -> UnsafeInputError:
    return UnsafeInputError(
        _(
            "%(where)s contains a control character (such as NUL), which is not allowed. "
            "Remove it and send the form again.",
            where=where,
        )
    )


def _label(name: str) -> str:
    # The name itself may be hostile: show it without its control characters, shortened.
    return _CONTROL.sub("?", name)[:60]


def check_request_input() -> None:
    """Refuse a request whose path, query, form fields or upload file names hold control characters."""
    if _CONTROL.search(request.path):
        raise _refuse(_("The address"))
    if request.path.startswith(_OWN_INPUT):
        return
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if _CONTROL.search(name) or _CONTROL_IN_TEXT.search(value):
                raise _refuse(_("The field “%(name)s”", name=_label(name)))
    for name, upload in request.files.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(upload.filename or ""):
            raise _refuse(_("The name of the file in “%(name)s”", name=_label(name)))


def init_app(app: Flask) -> None:
    """Run the check before every request, and answer it with the one error policy."""
    # The error policy's own renderer: JSON for API clients, the translated page for people.
    from lti_tool.errors import _error_response

    app.before_request(check_request_input)

    @app.errorhandler(UnsafeInputError)
    def _unsafe_input(exc: UnsafeInputError) -> Response:
        return _error_response(400, "unsafe_input", str(exc), str(exc))
