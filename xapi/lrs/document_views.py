"""The State, Activity Profile and Agent Profile resources (xAPI 1.0.3 and 2.0.0).

Concurrency: If-Match / If-None-Match are honoured on every write (412 when they fail). A PUT
over an existing document without either header is refused with 409 on the profile resources,
and in xAPI 2.0 on the State resource too (IEEE 9274.1.1 lists it among the resources with
concurrency control; xAPI 1.0.3 does not). In xAPI 1.0.3 a profile PUT without either header is
refused with 400 even when the document is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from flask import Response
from sqlalchemy.exc import IntegrityError

from xapi.lrs.agents import ifi_key, parse_agent_param
from xapi.lrs.context import LrsContext, route
from xapi.lrs.documents import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    DEFAULT_CONTENT_TYPE,
    JSON_TYPE,
    STATE,
    DocumentKey,
    DocumentScope,
    Preconditions,
    check_preconditions,
    delete_document,
    delete_documents,
    get_document,
    list_document_ids,
    media_type,
    parse_etags,
    post_document,
    put_document,
    quoted,
)
from xapi.lrs.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
)
from xapi.lrs.models import Document
from xapi.lrs.validation import MAX_IRI, StatementValidator, is_iri, is_uuid, parse_timestamp
from xapi.lrs.versions import is_v2

MAX_DOCUMENT_ID = 1000
MAX_CONTENT_TYPE = 255


@dataclass(frozen=True)
class DocumentResource:
    """How one document resource names its parameters and what it needs."""

    path: str
    kind: str
    id_param: str
    scope: str
    what: str
    has_activity: bool
    has_agent: bool
    has_registration: bool = False

    @property
    def context_params(self) -> tuple[str, ...]:
        names = []
        if self.has_activity:
            names.append("activityId")
        if self.has_agent:
            names.append("agent")
        return tuple(names)

    def conflict_without_headers(self, version: str) -> bool:
        """Whether a blind PUT over an existing document is a 409 Conflict."""
        return self.kind != STATE or is_v2(version)

    def blind_create_refused(self, version: str) -> bool:
        """Whether a PUT creating a document without If-Match/If-None-Match is a 400.

        xAPI 1.0.3 requires the ETag headers on the profile resources' PUTs (Communication 2.6
        and 2.7; XAPI-00273): without them the request is an error even for a new document.
        xAPI 2.0 only refuses blind overwrites (409).
        """
        return self.kind != STATE and not is_v2(version)


STATE_RESOURCE = DocumentResource(
    path="activities/state",
    kind=STATE,
    id_param="stateId",
    scope="state",
    what="state document",
    has_activity=True,
    has_agent=True,
    has_registration=True,
)
ACTIVITY_PROFILE_RESOURCE = DocumentResource(
    path="activities/profile",
    kind=ACTIVITY_PROFILE,
    id_param="profileId",
    scope="profile",
    what="activity profile document",
    has_activity=True,
    has_agent=False,
)
AGENT_PROFILE_RESOURCE = DocumentResource(
    path="agents/profile",
    kind=AGENT_PROFILE,
    id_param="profileId",
    scope="profile",
    what="agent profile document",
    has_activity=False,
    has_agent=True,
)


# -- parameters ------------------------------------------------------------------------------
def check_params(
    params: dict[str, str], allowed: tuple[str, ...], required: tuple[str, ...], where: str
) -> None:
    """400 for unknown parameters (they are case sensitive) and missing required ones."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequestError(
            f"Unknown parameter(s) {', '.join(unknown)} for {where} (parameters are case "
            f"sensitive; this request takes {', '.join(allowed)})."
        )
    missing = [name for name in required if name not in params]
    if missing:
        raise BadRequestError(
            f"{where} is missing the required parameter(s) {', '.join(missing)} "
            f"(it takes {', '.join(allowed)})."
        )


def activity_param(params: dict[str, str], name: str = "activityId") -> str:
    value = params[name]
    if not is_iri(value):
        raise BadRequestError(f"The {name!r} parameter must be an IRI (an activity id).")
    if len(value) > MAX_IRI:
        raise BadRequestError(f"The {name!r} parameter is longer than {MAX_IRI} characters.")
    return value


def agent_param(
    params: dict[str, str], version: str, name: str = "agent", *, group_allowed: bool = True
) -> tuple[dict[str, Any], str]:
    """The agent parameter, validated as an Agent (or identified Group) with one IFI."""
    try:
        agent = parse_agent_param(params.get(name), name)
    except RecursionError:
        raise BadRequestError(f"The {name!r} parameter is nested too deeply.") from None
    StatementValidator(version).agent(agent, name, group_allowed=group_allowed)
    key = ifi_key(agent)
    if key is None:  # pragma: no cover - parse_agent_param guarantees an IFI
        raise BadRequestError(f"The {name!r} parameter has no inverse functional identifier.")
    return agent, key


def _registration(params: dict[str, str]) -> str | None:
    if "registration" not in params:
        return None
    value = params["registration"]
    if not is_uuid(value):
        raise BadRequestError(f"The 'registration' parameter must be a UUID, got {value[:60]!r}.")
    return value.lower()


def _since(params: dict[str, str]) -> datetime | None:
    if "since" not in params:
        return None
    try:
        return parse_timestamp(params["since"])
    except (ValueError, OverflowError):
        raise BadRequestError(
            "The 'since' parameter must be an ISO 8601 timestamp (e.g. 2024-05-01T12:00:00Z)."
        ) from None


def _document_id(resource: DocumentResource, params: dict[str, str]) -> str:
    value = params[resource.id_param]
    if not value:
        raise BadRequestError(f"The {resource.id_param!r} parameter must not be empty.")
    if len(value) > MAX_DOCUMENT_ID:
        raise BadRequestError(
            f"The {resource.id_param!r} parameter is longer than {MAX_DOCUMENT_ID} characters."
        )
    return value


def _scope(ctx: LrsContext, resource: DocumentResource, registration: str | None) -> DocumentScope:
    params = ctx.request.params
    activity = activity_param(params) if resource.has_activity else ""
    agent = agent_param(params, ctx.version)[1] if resource.has_agent else ""
    return DocumentScope(
        tenant=ctx.principal.tenant,
        kind=resource.kind,
        activity_id=activity,
        agent=agent,
        registration=registration,
    )


def _single_key(ctx: LrsContext, resource: DocumentResource) -> DocumentKey:
    params = ctx.request.params
    registration = _registration(params) if resource.has_registration else None
    scope = _scope(ctx, resource, registration or "")
    return scope.key(_document_id(resource, params))


def _allowed(resource: DocumentResource, *, single: bool, since: bool = False) -> tuple[str, ...]:
    names = list(resource.context_params)
    if resource.has_registration:
        names.append("registration")
    if single:
        names.append(resource.id_param)
    if since:
        names.append("since")
    return tuple(names)


def _where(ctx: LrsContext, resource: DocumentResource) -> str:
    return f"{ctx.request.method} {resource.path}"


# -- responses -------------------------------------------------------------------------------
def _json(body: object, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype=JSON_TYPE,
    )


def _no_content(etag: str | None = None) -> Response:
    response = Response(status=204)
    if etag is not None:
        response.headers["ETag"] = quoted(etag)
    return response


def _preconditions(ctx: LrsContext) -> Preconditions:
    return Preconditions(
        if_match=parse_etags(ctx.request.header("If-Match")),
        if_none_match=parse_etags(ctx.request.header("If-None-Match")),
    )


def _store(
    ctx: LrsContext,
    resource: DocumentResource,
    key: DocumentKey,
    pre: Preconditions,
    existing: Document | None,
) -> str:
    """PUT or POST the request's document and commit; the new ETag."""
    content = ctx.request.body
    content_type = (ctx.request.header("Content-Type") or DEFAULT_CONTENT_TYPE).strip()
    try:
        if ctx.request.method == "PUT":
            document = put_document(ctx.session, key, content, content_type, existing)
        else:
            document = post_document(ctx.session, key, content, content_type, existing)
        etag = document.etag
        ctx.session.commit()
    except IntegrityError:
        # Another request created the same document between our read and our write.
        ctx.session.rollback()
        if pre.if_none_match is not None and "*" in pre.if_none_match:
            raise PreconditionFailedError(
                f"If-None-Match: * was given but the {resource.what} was just created by "
                "another request."
            ) from None
        raise ConflictError(
            f"The {resource.what} was created by another request at the same time; GET it and "
            "retry with If-Match."
        ) from None
    return etag


# -- handlers --------------------------------------------------------------------------------
def _read(ctx: LrsContext, resource: DocumentResource) -> Response:
    ctx.principal.require(resource.scope, "all/read")
    params = ctx.request.params
    if resource.id_param in params:
        check_params(
            params,
            _allowed(resource, single=True),
            (*resource.context_params, resource.id_param),
            _where(ctx, resource),
        )
        return _get_single(ctx, resource)
    check_params(
        params,
        _allowed(resource, single=False, since=True),
        resource.context_params,
        _where(ctx, resource),
    )
    registration = _registration(params) if resource.has_registration else ""
    scope = _scope(ctx, resource, registration)
    return _json(list_document_ids(ctx.session, scope, _since(params)))


def _get_single(ctx: LrsContext, resource: DocumentResource) -> Response:
    key = _single_key(ctx, resource)
    document = get_document(ctx.session, key)
    if document is None:
        raise NotFoundError(
            f"No {resource.what} with {resource.id_param} {key.document_id!r} here."
        )
    pre = _preconditions(ctx)
    if pre.if_match is not None and "*" not in pre.if_match and document.etag not in pre.if_match:
        raise PreconditionFailedError(f"If-Match does not match the ETag of the {resource.what}.")
    headers = {
        "ETag": quoted(document.etag),
        "Last-Modified": format_datetime(document.updated, usegmt=True),
    }
    if pre.if_none_match is not None and (
        "*" in pre.if_none_match or document.etag in pre.if_none_match
    ):
        return Response(status=304, headers=headers)
    return Response(
        document.content, status=200, content_type=document.content_type, headers=headers
    )


def _write(ctx: LrsContext, resource: DocumentResource) -> Response:
    ctx.principal.require(resource.scope)
    params = ctx.request.params
    check_params(
        params,
        _allowed(resource, single=True),
        (*resource.context_params, resource.id_param),
        _where(ctx, resource),
    )
    key = _single_key(ctx, resource)
    content_type = (ctx.request.header("Content-Type") or DEFAULT_CONTENT_TYPE).strip()
    if len(content_type) > MAX_CONTENT_TYPE:
        raise BadRequestError(f"The Content-Type is longer than {MAX_CONTENT_TYPE} characters.")
    if ctx.request.method == "PUT" and media_type(content_type) == JSON_TYPE:
        try:
            json.loads(ctx.request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise BadRequestError(
                "The document is sent as application/json but is not valid UTF-8 JSON."
            ) from None
    pre = _preconditions(ctx)
    existing = get_document(ctx.session, key, for_update=True)
    if (
        existing is None
        and not pre.given
        and ctx.request.method == "PUT"
        and resource.blind_create_refused(ctx.version)
    ):
        raise BadRequestError(
            f"A PUT of a new {resource.what} needs a concurrency header in xAPI 1.0.3: send "
            "If-None-Match: * to create it (or If-Match with the ETag of the one to replace)."
        )
    check_preconditions(
        existing,
        pre,
        method=ctx.request.method,
        conflict_without_headers=resource.conflict_without_headers(ctx.version),
        what=resource.what,
    )
    etag = _store(ctx, resource, key, pre, existing)
    return _no_content(etag)


def _delete(ctx: LrsContext, resource: DocumentResource) -> Response:
    ctx.principal.require(resource.scope)
    params = ctx.request.params
    if resource.id_param not in params and resource.kind == STATE:
        check_params(
            params, _allowed(resource, single=False), resource.context_params, _where(ctx, resource)
        )
        scope = _scope(ctx, resource, _registration(params))
        delete_documents(ctx.session, scope)
        ctx.session.commit()
        return _no_content()
    check_params(
        params,
        _allowed(resource, single=True),
        (*resource.context_params, resource.id_param),
        _where(ctx, resource),
    )
    key = _single_key(ctx, resource)
    pre = _preconditions(ctx)
    existing = get_document(ctx.session, key, for_update=True)
    if existing is None and pre.if_match is None:
        # Deleting what is not there leaves the LRS as the client wants it.
        return _no_content()
    check_preconditions(
        existing, pre, method="DELETE", conflict_without_headers=False, what=resource.what
    )
    if existing is not None:
        delete_document(ctx.session, existing)
    ctx.session.commit()
    return _no_content()


def _register(resource: DocumentResource) -> None:
    route(resource.path, "GET")(lambda ctx: _read(ctx, resource))
    route(resource.path, "PUT", "POST")(lambda ctx: _write(ctx, resource))
    route(resource.path, "DELETE")(lambda ctx: _delete(ctx, resource))


for _resource in (STATE_RESOURCE, ACTIVITY_PROFILE_RESOURCE, AGENT_PROFILE_RESOURCE):
    _register(_resource)
