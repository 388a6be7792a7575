"""Pages of collegial cycles: the cycle step's forms, the group's logbook, the facilitator view."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial import facilitation, logbook, peer_feedback
from lti_tool.collegial.cycle_access import Viewer, require_viewer
from lti_tool.collegial.cycle_models import Contribution, ContributionKind
from lti_tool.collegial.cycle_page import LOCAL_ZONE, live_url
from lti_tool.collegial.cycle_progress import give_evidence, save_reflection
from lti_tool.collegial.cycle_state import cycle_config, find_phase, require_group
from lti_tool.collegial.models import Group
from lti_tool.db import get_session
from lti_tool.journeys import player
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.evidence import Upload
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.markdown import render_plain
from lti_tool.journeys.player_views import _step_page as step_page
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.validation import strict_int

bp = Blueprint("collegial", __name__, url_prefix="/collegial")
attach_labels(bp)

# A form never carries more points of feedback than a cycle may ask for (5 + 5).
MAX_POINTS = 5


def _state(slug: str) -> player.JourneyState:
    identity = launch_identity()
    session = get_session()
    journey = player.open_journey(session, identity, slug)
    enrollment = player.enroll(session, identity, journey)
    g.no_store = True
    return player.load_state(session, enrollment)


def _upload() -> Upload | None:
    upload = request.files.get("file")
    return Upload(upload.filename or "", upload.read()) if upload else None


def _step_action(
    slug: str, key: str, saved: str, action: Callable[[Session, player.JourneyState], object]
) -> ResponseReturnValue:
    """Run one action of the cycle step; a refused one re-renders the step with the reason."""
    state = _state(slug)
    session = get_session()
    try:
        action(session, state)
    except JourneyError as exc:
        session.rollback()
        fresh = player.load_state(session, state.enrollment)
        return step_page(fresh, key, status=exc.status, error=str(exc.detail), form=request.form)
    # Not the step page's own ``saved``: the cycle says what was saved in its own words.
    target = url_with_token("player.show_step", slug=slug, key=key, cycle=saved)
    return redirect(target + "#cycle", 303)


@bp.post("/<slug>/steps/<key>/phases/<phase_key>/reflection")
@require_launch()
def save_cycle_reflection(slug: str, key: str, phase_key: str) -> ResponseReturnValue:
    text = request.form.get("text", "")
    return _step_action(
        slug, key, "cycle-reflection", lambda s, st: save_reflection(s, st, key, phase_key, text)
    )


@bp.post("/<slug>/steps/<key>/phases/<phase_key>/evidence")
@require_launch()
def add_cycle_evidence(slug: str, key: str, phase_key: str) -> ResponseReturnValue:
    form = request.form
    upload = _upload()
    return _step_action(
        slug,
        key,
        "cycle-evidence",
        lambda s, st: give_evidence(
            s,
            st,
            key,
            phase_key,
            form.get("kind", ""),
            text=form.get("text", ""),
            url=form.get("url", ""),
            upload=upload,
        ),
    )


@bp.post("/<slug>/steps/<key>/evidence/<contribution_key>/feedback")
@require_launch()
def give_peer_feedback(slug: str, key: str, contribution_key: str) -> ResponseReturnValue:
    strengths = request.form.getlist("strength")[:MAX_POINTS]
    next_steps = request.form.getlist("next_step")[:MAX_POINTS]
    return _step_action(
        slug,
        key,
        "cycle-feedback",
        lambda s, st: peer_feedback.give_feedback(
            s, st, key, contribution_key, strengths, next_steps
        ),
    )


@bp.post("/<slug>/steps/<key>/phases/<phase_key>/follow-up")
@require_launch()
def write_follow_up(slug: str, key: str, phase_key: str) -> ResponseReturnValue:
    """The group's shared follow-up: an entry in its logbook written for the phase."""
    form = request.form

    def post(session: Session, state: player.JourneyState) -> object:
        # Only a follow-up phase is written from the step page (any entry goes in the logbook).
        find_phase(cycle_config(state.step(key).step), phase_key, "follow_up")
        group = require_group(session, state.enrollment)
        tag = logbook.PhaseTag(slug, key, phase_key)
        return logbook.post_entry(
            session,
            group,
            Viewer.MEMBER,
            state.enrollment.person_id,
            form.get("title", ""),
            form.get("text", ""),
            upload=_upload(),
            tag=tag,
        )

    return _step_action(slug, key, "cycle-follow-up", post)


def _group(session: Session, group_key: str) -> tuple[Group, Viewer]:
    identity = launch_identity()
    group = session.scalars(
        select(Group).where(
            Group.key == group_key, Group.organization_id == identity.organization_id
        )
    ).first()
    if group is None:
        raise JourneyNotFoundError("group_not_found", _("That group does not exist."))
    return group, require_viewer(session, identity, group)


def _download(data: bytes | None, filename: str, content_type: str | None) -> Response:
    response = Response(data or b"", mimetype=content_type or "application/octet-stream")
    # Always a download: a file a person uploaded is never rendered as a page of this site.
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(filename or 'file', safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/groups/<group_key>/evidence/<contribution_key>")
@require_launch()
def download_evidence(group_key: str, contribution_key: str) -> ResponseReturnValue:
    """A member's evidence file, for the group's members and facilitators."""
    session = get_session()
    group, _viewer = _group(session, group_key)
    contribution = session.scalars(
        select(Contribution).where(
            Contribution.key == contribution_key,
            Contribution.group_id == group.id,
            Contribution.kind == ContributionKind.EVIDENCE,
        )
    ).first()
    if contribution is None or contribution.data is None:
        raise JourneyNotFoundError("evidence_not_found", _("That file does not exist."))
    return _download(contribution.data, contribution.filename or "", contribution.content_type)


def _logbook_page(
    group: Group, viewer: Viewer, status: int = 200, **values: object
) -> ResponseReturnValue:
    session = get_session()
    found = logbook.entries(session, group)
    g.no_store = True
    html = render_template(
        "collegial/logbook.html",
        group=group,
        viewer=viewer,
        entries=found,
        authors=logbook.authors(session, found),
        plain=render_plain,
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/groups/<group_key>/logbook")
@require_launch()
def logbook_page(group_key: str) -> ResponseReturnValue:
    group, viewer = _group(get_session(), group_key)
    return _logbook_page(group, viewer, saved=request.args.get("saved"))


@bp.post("/groups/<group_key>/logbook")
@require_launch()
def post_logbook_entry(group_key: str) -> ResponseReturnValue:
    session = get_session()
    group, viewer = _group(session, group_key)
    try:
        logbook.post_entry(
            session,
            group,
            viewer,
            launch_identity().person_id,
            request.form.get("title", ""),
            request.form.get("text", ""),
            upload=_upload(),
        )
    except JourneyError as exc:
        session.rollback()
        return _logbook_page(group, viewer, exc.status, error=str(exc.detail), form=request.form)
    return redirect(
        url_with_token("collegial.logbook_page", group_key=group_key, saved="entry"), 303
    )


@bp.post("/groups/<group_key>/logbook/<entry_key>/comments")
@require_launch()
def comment_logbook_entry(group_key: str, entry_key: str) -> ResponseReturnValue:
    session = get_session()
    group, viewer = _group(session, group_key)
    try:
        logbook.comment(
            session,
            group,
            viewer,
            launch_identity().person_id,
            entry_key,
            request.form.get("text", ""),
        )
    except JourneyError as exc:
        session.rollback()
        return _logbook_page(group, viewer, exc.status, error=str(exc.detail))
    target = url_with_token("collegial.logbook_page", group_key=group_key, saved="comment")
    return redirect(target + f"#entry-{quote(entry_key, safe='')}", 303)


@bp.get("/groups/<group_key>/logbook/files/<int:attachment_id>")
@require_launch()
def download_attachment(group_key: str, attachment_id: int) -> ResponseReturnValue:
    session = get_session()
    group, _viewer = _group(session, group_key)
    found = logbook.attachment(session, group, attachment_id)
    return _download(found.data, found.filename, found.content_type)


def _groups_page(slug: str, key: str, status: int = 200, **values: object) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    journey = player.find_published_journey(session, identity, slug)
    found = facilitation.cycle_step(session, journey, key)
    groups = facilitation.overview(session, identity, found)
    g.no_store = True
    html = render_template(
        "collegial/groups.html",
        found=found,
        groups=groups,
        slug=slug,
        local_zone=LOCAL_ZONE,
        manage_url=lambda group: live_url(
            "sessions.manage_step", slug=slug, key=key, group=group.key
        ),
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/<slug>/steps/<key>/groups")
@require_launch()
def step_groups(slug: str, key: str) -> ResponseReturnValue:
    """The facilitator's view: every group's phase, who is behind, meetings and logbook."""
    return _groups_page(slug, key, nudged=request.args.get("nudged"), who=request.args.get("who"))


@bp.post("/<slug>/steps/<key>/groups/<group_key>/nudge")
@require_launch()
def nudge_member(slug: str, key: str, group_key: str) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    journey = player.find_published_journey(session, identity, slug)
    found = facilitation.cycle_step(session, journey, key)
    group = session.scalars(
        select(Group).where(
            Group.key == group_key, Group.organization_id == identity.organization_id
        )
    ).first()
    if group is None:
        raise JourneyNotFoundError("group_not_found", _("That group does not exist."))
    member_id = strict_int(request.form.get("member"), 1, 2**31 - 1)
    try:
        if member_id is None:
            raise JourneyError("member_invalid", _("Choose a member of the group to remind."))
        notice = facilitation.nudge(
            session, identity, found, group, member_id, request.form.get("phase", "")
        )
    except JourneyError as exc:
        session.rollback()
        return _groups_page(slug, key, exc.status, error=str(exc.detail))
    target = url_with_token(
        "collegial.step_groups",
        slug=slug,
        key=key,
        nudged="sent" if notice is not None else "already",
        who=member_id,
    )
    return redirect(target, 303)
