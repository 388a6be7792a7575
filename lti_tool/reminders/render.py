"""A notice in words: its title, its text and where to act, in the language in force.

The payload keys each kind reads (all optional; a missing one leaves its part out):

- ``journey`` (slug) and ``step`` (step key): the step to open; ``journey`` alone: the journey;
- ``path``: a page of the tool to open instead (``/…``), e.g. a group's page;
- SESSION_SOON, SESSION_CHANGED, WAITLIST_PLACE: ``title``, ``starts_at``, ``ends_at`` (ISO 8601),
  ``place``, ``meeting_url``; SESSION_CHANGED also ``cancelled`` (true when it was cancelled);
- PHASE_WAITING: ``group``, ``step_title``, ``phase_title``, ``phase_kind``, ``done``, ``members``;
- STEP_OVERDUE: ``title`` (the journey's), ``due_at``;
- NUDGE: ``sender`` (the facilitator's name), ``group``, ``step_title``, ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from lti_tool.reminders.models import Notice, NoticeKind

# The tool serves Swedish school organisations: times read as Swedish local time.
TIME_ZONE = ZoneInfo("Europe/Stockholm")
MAX_FIELD = 300
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class Target:
    """Where a notice's link goes: an endpoint with its values, or a path of the tool."""

    endpoint: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    path: str | None = None

    def relative(self) -> str | None:
        """The link as a path of the tool (no session token)."""
        if self.path is not None:
            return self.path
        if self.endpoint is None:
            return None
        try:
            return current_app.url_map.bind("localhost").build(self.endpoint, dict(self.values))
        except BuildError:
            return None


@dataclass(frozen=True)
class RenderedNotice:
    title: str
    text: str
    action: str
    target: Target


def _field(payload: dict[str, Any], name: str, limit: int = MAX_FIELD) -> str:
    value = payload.get(name)
    return str(value)[:limit] if value not in (None, "") else ""


def when(value: str) -> str:
    """An ISO 8601 moment as a date and time of the language in force, in Swedish local time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    locale = str(get_locale() or "sv")
    pattern = "d MMMM yyyy 'kl.' HH:mm" if locale == "sv" else "d MMMM yyyy, HH:mm"
    return format_datetime(moment, pattern, tzinfo=TIME_ZONE, locale=locale)


def target_of(payload: dict[str, Any]) -> Target:
    """The page where the reader acts on the notice."""
    path = payload.get("path")
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
        return Target(path=path[:2000])
    journey, step = _field(payload, "journey"), _field(payload, "step")
    if journey and step:
        return Target("player.show_step", (("slug", journey), ("key", step)))
    if journey:
        return Target("player.overview", (("slug", journey),))
    return Target()


def _session_text(payload: dict[str, Any]) -> str:
    parts = []
    starts = when(_field(payload, "starts_at"))
    if starts:
        parts.append(_("Starts: %(when)s.", when=starts))
    if _field(payload, "place"):
        parts.append(_("Place: %(place)s.", place=_field(payload, "place")))
    if _field(payload, "meeting_url"):
        parts.append(_("Video meeting: %(url)s", url=_field(payload, "meeting_url")))
    return " ".join(parts)


def render(notice: Notice) -> RenderedNotice:
    """The notice in the language in force (``flask_babel.force_locale`` for e-mail)."""
    p = notice.payload or {}
    title = _field(p, "title")
    target = target_of(p)
    kind = notice.kind
    if kind == NoticeKind.SESSION_SOON:
        return RenderedNotice(
            _("Session soon: %(title)s", title=title) if title else _("A session starts soon"),
            _session_text(p),
            _("Open the session"),
            target,
        )
    if kind == NoticeKind.SESSION_CHANGED:
        if p.get("cancelled"):
            return RenderedNotice(
                _("Session cancelled: %(title)s", title=title) if title else _("Session cancelled"),
                _("The session you signed up for has been cancelled."),
                _("Open the session"),
                target,
            )
        return RenderedNotice(
            _("Session changed: %(title)s", title=title) if title else _("Session changed"),
            " ".join((_("The time or place has changed."), _session_text(p))).strip(),
            _("Open the session"),
            target,
        )
    if kind == NoticeKind.WAITLIST_PLACE:
        return RenderedNotice(
            _("You have a place: %(title)s", title=title) if title else _("You have a place"),
            " ".join((_("A place came free and is now yours."), _session_text(p))).strip(),
            _("Open the session"),
            target,
        )
    if kind == NoticeKind.PHASE_WAITING:
        return _phase_waiting(p, target)
    if kind == NoticeKind.STEP_OVERDUE:
        due = when(_field(p, "due_at"))
        return RenderedNotice(
            _("Overdue: %(title)s", title=title) if title else _("A journey is overdue"),
            _("The journey was due %(when)s and is not completed yet.", when=due)
            if due
            else _("The journey's due date has passed and it is not completed yet."),
            _("Continue the journey"),
            target,
        )
    return _nudge(p, target)


def _phase_waiting(p: dict[str, Any], target: Target) -> RenderedNotice:
    group = _field(p, "group")
    phase = _field(p, "phase_title") or (
        _("Prepare") if p.get("phase_kind") == "prepare" else _("Try in practice")
    )
    text = _(
        "%(done)s of the group's members have done their part of “%(phase)s” in “%(step)s”; "
        "the group is waiting for yours.",
        done=_field(p, "done") or "1",
        phase=phase,
        step=_field(p, "step_title"),
    )
    return RenderedNotice(
        _("Your group is waiting: %(group)s", group=group) if group else _("Your group is waiting"),
        text,
        _("Do your part"),
        target,
    )


def _nudge(p: dict[str, Any], target: Target) -> RenderedNotice:
    sender = _field(p, "sender")
    about = _field(p, "step_title") or _field(p, "group")
    title = (
        _("A reminder from %(name)s", name=sender)
        if sender
        else _("A reminder from your facilitator")
    )
    text = _field(p, "message", MAX_MESSAGE)
    if about:
        text = " ".join((_("About: %(what)s.", what=about), text)).strip()
    return RenderedNotice(title, text, _("Go to the page"), target)
