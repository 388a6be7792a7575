"""Statements stored with the IRIs of profile 1.0.0, rewritten in the profile's current form.

Profile 1.0.0 minted its own IRIs under each installation's base URL (``BASE/xapi/profile``...);
the current profile has one fixed namespace (:mod:`xapi.profile`). ``upgrade_statement`` maps an
old statement to its new form, a new statement whose id is derived from the old one, so every
run (and every LRS it is forwarded to) gets the same id; ``voiding_statement`` voids the old one.
``upgrade_tenant`` pages through a tenant's statements in the embedded LRS that still need it and
records both through the caller's recorder, one batch per transaction.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xapi.lrs.models import ACTIVITIES, STATEMENTS
from xapi.lrs.sql import chunks, in_values
from xapi.lrs.statement_store import format_timestamp
from xapi.lrs.validation import CONTEXT_ACTIVITY_KEYS, VOIDED_VERB
from xapi.profile import LEGACY_PROFILE_PATH, PROFILE

# uuid5(NAMESPACE_URL, "https://w3id.org/xapi/lti-journeys/replay"): never change it, or a second
# run would record every statement again under other ids.
REPLAY_NAMESPACE = uuid.UUID("e6827c0d-637b-56f8-8bde-f8afa62c317d")
VOIDED_DISPLAY = {"en-US": "voided", "sv-SE": "ogiltigförklarade"}
# The concepts profile 1.0.0 minted under the base URL, by their path below the profile's IRI.
LEGACY_VERBS = ("rated",)
LEGACY_ACTIVITY_TYPES = ("step", "lms-context", "tool")
LEGACY_EXTENSIONS = (
    "organization",
    "unit",
    "platform",
    "journey-version",
    "attempt",
    "text-length",
    "rating-scale",
)
# What an LRS assigns itself; the new statement is stored (and forwarded) without them.
LRS_ASSIGNED = ("stored", "authority", "version")
# The account the tool records under (``xapi.recorder.Recorder.authority``).
TOOL_ACCOUNT_NAME = "lti-journeys"


class LegacyIriError(ValueError):
    """An IRI under the old profile's path that profile 1.0.0 never had."""


def legacy_profile_iri(old_base_url: str) -> str:
    """The IRI of profile 1.0.0 at an installation: its statements' category."""
    return old_base_url.rstrip("/") + LEGACY_PROFILE_PATH


def legacy_iris(old_base_url: str) -> dict[str, str]:
    """Every IRI of profile 1.0.0 at ``old_base_url`` mapped to the current profile's IRI."""
    own = legacy_profile_iri(old_base_url) + "/"
    mapping = {own + f"verbs/{key}": PROFILE.verbs[key].iri for key in LEGACY_VERBS}
    mapping.update(
        {own + f"activity-types/{key}": PROFILE.activity_type(key) for key in LEGACY_ACTIVITY_TYPES}
    )
    mapping.update({own + f"extensions/{key}": PROFILE.extension(key) for key in LEGACY_EXTENSIONS})
    return mapping


def upgraded_id(old_id: str) -> str:
    """The id of the upgraded form of the statement ``old_id`` (the same on every run)."""
    return str(uuid.uuid5(REPLAY_NAMESPACE, old_id.lower()))


def voiding_id(old_id: str) -> str:
    """The id of the statement that voids ``old_id`` once its upgraded form is recorded."""
    return str(uuid.uuid5(REPLAY_NAMESPACE, "voided:" + old_id.lower()))


class _Mapper:
    def __init__(self, old_base_url: str) -> None:
        self.category = legacy_profile_iri(old_base_url)
        self.prefix = self.category + "/"
        self.iris = legacy_iris(old_base_url)
        self.changed = False

    def iri(self, value: str) -> str:
        if not value.startswith(self.prefix):
            return value
        new = self.iris.get(value)
        if new is None:
            raise LegacyIriError(f"{value} is not an IRI of profile 1.0.0")
        self.changed = True
        return new

    def extensions(self, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return {self.iri(key): value for key, value in values.items()}

    def activity(self, activity: Any) -> Any:
        if not isinstance(activity, dict):
            return activity
        definition = activity.get("definition")
        if isinstance(definition, dict):
            if isinstance(definition.get("type"), str):
                definition["type"] = self.iri(definition["type"])
            if "extensions" in definition:
                definition["extensions"] = self.extensions(definition["extensions"])
        return activity

    def categories(self, entries: list[Any]) -> list[Any]:
        out: list[Any] = []
        for entry in entries:
            if isinstance(entry, dict) and entry.get("id") == self.category:
                self.changed = True
                entry = PROFILE.category()
            if isinstance(entry, dict) and any(
                isinstance(kept, dict) and kept.get("id") == entry.get("id") for kept in out
            ):
                continue
            out.append(self.activity(entry))
        return out

    def context(self, context: Any) -> None:
        if not isinstance(context, dict):
            return
        if "extensions" in context:
            context["extensions"] = self.extensions(context["extensions"])
        activities = context.get("contextActivities")
        if not isinstance(activities, dict):
            return
        for key in CONTEXT_ACTIVITY_KEYS:
            value = activities.get(key)
            if value is None:
                continue
            entries = value if isinstance(value, list) else [value]
            if key == "category":
                activities[key] = self.categories(entries)
            else:
                activities[key] = [self.activity(entry) for entry in entries]

    def statement(self, statement: dict[str, Any]) -> None:
        verb = statement.get("verb")
        if isinstance(verb, dict) and isinstance(verb.get("id"), str):
            verb["id"] = self.iri(verb["id"])
        target = statement.get("object")
        if isinstance(target, dict):
            kind = target.get("objectType", "Activity")
            if kind == "Activity":
                self.activity(target)
            elif kind == "SubStatement":
                self.statement(target)
        self.context(statement.get("context"))
        result = statement.get("result")
        if isinstance(result, dict) and "extensions" in result:
            result["extensions"] = self.extensions(result["extensions"])


def carries_legacy_iris(statement: dict[str, Any], old_base_url: str) -> bool:
    """Whether ``statement`` has any IRI of profile 1.0.0 at ``old_base_url``."""
    mapper = _Mapper(old_base_url)
    mapper.statement(copy.deepcopy(statement))
    return mapper.changed


def upgrade_statement(statement: dict[str, Any], old_base_url: str) -> dict[str, Any]:
    """The statement in the current profile's form, under its derived id.

    Verb, activity types, extension keys (context, result, activity definitions) and the
    category are mapped; everything else, the timestamp included, stays as it was. What the LRS
    assigned (stored, authority, version) is left out: the LRS that records the new statement
    assigns its own. Raises ``LegacyIriError`` for an IRI under the old profile path that
    profile 1.0.0 did not have.
    """
    new = {k: v for k, v in copy.deepcopy(statement).items() if k not in LRS_ASSIGNED}
    _Mapper(old_base_url).statement(new)
    new["id"] = upgraded_id(str(statement["id"]))
    return new


def voiding_statement(
    old_id: str, actor: dict[str, Any], timestamp: datetime | None = None
) -> dict[str, Any]:
    """The statement that voids ``old_id``, by ``actor`` (the tool), under its derived id."""
    return {
        "id": voiding_id(old_id),
        "actor": actor,
        "verb": {"id": VOIDED_VERB, "display": VOIDED_DISPLAY},
        "object": {"objectType": "StatementRef", "id": old_id.lower()},
        "timestamp": format_timestamp(timestamp or datetime.now(UTC)),
    }


@dataclass(frozen=True)
class LegacyRow:
    seq: int
    statement: dict[str, Any]


def find_legacy(
    session: Session, tenant: str, old_base_url: str, after_seq: int, limit: int
) -> list[LegacyRow]:
    """The next ``limit`` statements of ``tenant`` after ``after_seq`` in profile 1.0.0's category.

    Every statement of profile 1.0.0 names the profile in its category, so the activity index
    finds them; voided statements and voiding ones are left out.
    """
    rows = session.execute(
        select(STATEMENTS.c.seq, STATEMENTS.c.full)
        .join(
            ACTIVITIES,
            (ACTIVITIES.c.seq == STATEMENTS.c.seq) & (ACTIVITIES.c.tenant == STATEMENTS.c.tenant),
        )
        .where(
            ACTIVITIES.c.tenant == tenant,
            ACTIVITIES.c.activity_id == legacy_profile_iri(old_base_url),
            ACTIVITIES.c.related.is_(True),
            ACTIVITIES.c.seq > after_seq,
            STATEMENTS.c.voided.is_(False),
            STATEMENTS.c.is_voiding.is_(False),
        )
        .order_by(ACTIVITIES.c.seq)
        .limit(limit)
    )
    return [LegacyRow(row.seq, row.full) for row in rows]


def stored_ids(session: Session, tenant: str, ids: Sequence[str]) -> set[str]:
    """The ids among ``ids`` that the tenant's embedded LRS has stored."""
    found: set[str] = set()
    for chunk in chunks(session, list(ids)):
        found.update(
            session.scalars(
                select(STATEMENTS.c.statement_id).where(
                    STATEMENTS.c.tenant == tenant,
                    in_values(session, STATEMENTS.c.statement_id, chunk),
                )
            )
        )
    return found


def recorded_by(statement: dict[str, Any], homes: Collection[str]) -> bool:
    """Whether the tool itself recorded ``statement``: its authority is the tool at ``homes``."""
    authority = statement.get("authority")
    account = authority.get("account") if isinstance(authority, dict) else None
    if not isinstance(account, dict) or account.get("name") != TOOL_ACCOUNT_NAME:
        return False
    home = account.get("homePage")
    return isinstance(home, str) and home.rstrip("/") in {h.rstrip("/") for h in homes}


@dataclass
class UpgradeCounts:
    """How far an upgrade got: statements looked at, upgraded, already done, and left alone."""

    scanned: int = 0
    upgraded: int = 0
    already: int = 0
    foreign: int = 0
    unknown: int = 0

    def add(self, other: UpgradeCounts) -> None:
        for name in ("scanned", "upgraded", "already", "foreign", "unknown"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def upgrade_tenant(
    session: Session,
    tenant: str,
    old_base_url: str,
    *,
    record: Callable[[list[dict[str, Any]]], None],
    actor: dict[str, Any],
    homes: Collection[str],
    batch: int = 500,
    dry_run: bool = False,
    progress: Callable[[UpgradeCounts], None] | None = None,
) -> UpgradeCounts:
    """Record the current form of every statement of profile 1.0.0 the tool stored for ``tenant``.

    For each, ``record`` gets the upgraded statement and the voiding of the old one (by
    ``actor``) and the session commits after each batch. Statements whose upgraded form and
    voiding are stored already are left alone, so a second run records nothing; statements
    of other authorities than the tool at ``homes`` are never touched. ``dry_run`` only counts.
    """
    counts = UpgradeCounts()
    after = 0
    while rows := find_legacy(session, tenant, old_base_url, after, batch):
        after = rows[-1].seq
        pending: list[tuple[str, dict[str, Any]]] = []
        for row in rows:
            counts.scanned += 1
            if not recorded_by(row.statement, homes):
                counts.foreign += 1
                continue
            try:
                pending.append(
                    (row.statement["id"], upgrade_statement(row.statement, old_base_url))
                )
            except LegacyIriError:
                counts.unknown += 1
        done = stored_ids(
            session, tenant, [i for old, new in pending for i in (new["id"], voiding_id(old))]
        )
        statements: list[dict[str, Any]] = []
        for old_id, new in pending:
            missing = [new] if new["id"] not in done else []
            if voiding_id(old_id) not in done:
                missing.append(voiding_statement(old_id, actor))
            if not missing:
                counts.already += 1
                continue
            counts.upgraded += 1
            statements.extend(missing)
        if statements and not dry_run:
            record(statements)
            session.commit()
        if progress is not None:
            progress(counts)
    return counts
