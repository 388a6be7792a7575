"""The deep-linking journey picker: an instructor chooses journeys to place in the course."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.journeys import authoring
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.markdown import render_markdown
from lti_tool.journeys.models import Journey, JourneyVersion
from lti_tool.launch_session import launch_identity, require_launch
from lti_tool.lti import keys
from lti_tool.lti.deep_linking import PickedJourney, pending_request, respond
from lti_tool.lti.roles import ToolRole
from lti_tool.lti.runtime import get_runtime
from lti_tool.validation import strict_int

bp = Blueprint("picker", __name__, url_prefix="/lti/deep-linking")
attach_labels(bp)

STAFF = (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.ADMIN)
# Journeys placed by one answer: each is looked up (and maybe copied), so the count is bounded.
MAX_CHOSEN = 50
MAX_ID = 2**63 - 1


def _choices(
    session: Session, organization_id: int, query: str
) -> tuple[list[tuple[Journey, JourneyVersion]], list[tuple[Journey, JourneyVersion]]]:
    """Published journeys of the organisation and of the library, matching the search."""
    needle = query.strip().casefold()

    def published(journeys: list[Journey]) -> list[tuple[Journey, JourneyVersion]]:
        found = []
        for journey in journeys:
            versions = [v for v in journey.versions if v.is_published]
            if not versions:
                continue
            # The loaded (cached) version carries goals and steps for the preview.
            latest = authoring.load_published(session, versions[-1].id)
            text = f"{journey.slug} {latest.title} {latest.description}".casefold()
            if not needle or needle in text:
                found.append((journey, latest))
        return found

    return (
        published(authoring.list_journeys(session, organization_id)),
        published(authoring.list_library(session, organization_id)),
    )


def _page(status: int = 200, error: str | None = None) -> Response:
    identity = launch_identity()
    session = get_session()
    dl_request = pending_request(get_runtime().store, identity.launch_id)
    query = request.values.get("q", "")
    own, library = _choices(session, identity.organization_id, query)
    g.no_store = True
    html = render_template(
        "journeys/picker.html",
        own=own,
        library=library,
        query=query,
        multiple=dl_request.accept_multiple,
        accepts_links=dl_request.accepts_links,
        error=error,
        markdown=render_markdown,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("")
@require_launch(*STAFF)
def pick() -> ResponseReturnValue:
    return _page()


def _unique_slug(session: Session, organization_id: int, slug: str) -> str:
    candidate, n = slug, 1
    while authoring.journey_by_slug(session, organization_id, candidate) is not None:
        n += 1
        candidate = f"{slug[:90]}-{n}"
    return candidate


def _picked(session: Session, organization_id: int, journey_id: int) -> PickedJourney:
    """The chosen journey; one from the library is first copied into the organisation."""
    journey = session.get(Journey, journey_id)
    if journey is None:
        raise JourneyError("journey_not_found", _("That journey does not exist."), 404)
    if journey.organization_id != organization_id:
        source = journey
        journey = authoring.copy_journey(
            session, source, organization_id, _unique_slug(session, organization_id, source.slug)
        )
        authoring.publish(session, journey)
    version = authoring.latest_published(session, journey)
    if version is None:
        raise JourneyError("journey_not_published", _("The journey is not published."), 409)
    text = " ".join(version.description.split())[:250]
    return PickedJourney(slug=journey.slug, key=journey.key, title=version.title, text=text)


@bp.post("")
@require_launch(*STAFF)
def send() -> ResponseReturnValue:
    """Answer the platform with the chosen journeys (the browser posts the signed response)."""
    identity = launch_identity()
    session = get_session()
    runtime = get_runtime()
    ids = (strict_int(v, 1, MAX_ID) for v in request.form.getlist("journey")[:MAX_CHOSEN])
    chosen = [journey_id for journey_id in ids if journey_id is not None]
    if not chosen and request.form.get("action") != "none":
        return _page(400, error=_no_choice())
    try:
        picked = [_picked(session, identity.organization_id, j) for j in chosen]
    except JourneyError as exc:
        session.rollback()
        return _page(exc.status, error=str(exc.detail))
    key = keys.signing_key(session, runtime.box)
    # Copies and a first tool key are committed before the state store (its own connection)
    # consumes the request: SQLite allows one writer at a time.
    session.commit()
    token, return_url = respond(runtime.store, identity.launch_id, picked, key, runtime.launch_url)
    g.no_store = True
    return render_template("journeys/picker_response.html", action=return_url, jwt=token)


def _no_choice() -> str:
    return str(_("Choose at least one journey, or cancel."))
