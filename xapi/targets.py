"""LRS targets: the primary LRS and the forwarding targets statements are delivered to.

The embedded LRS is the primary unless a target is added with ``primary=True`` for the tenant (or
for every tenant). Statements for the embedded LRS are stored by the caller directly (see
``xapi.lrs.statement_store.store_statements``); targets here are external LRSs reached over HTTP.

Secrets: ``add_target`` takes an optional ``encrypt`` function (the app passes its key-at-rest box)
and the delivery worker the matching ``decrypt``; without it the secret is stored as given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from xapi.delivery_models import PENDING, LrsTarget, OutboxEntry

VERSIONS = ("1.0.3", "2.0.0")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# An absolute IRI: a scheme, a colon and something after it.
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")


class TargetError(ValueError):
    """Input an operator must fix; the message says what is wrong."""


class TargetNotFoundError(LookupError):
    """No target with that name."""


@dataclass(frozen=True)
class TargetFilter:
    """Which statements a forwarding target receives; empty lists are no condition."""

    verbs: tuple[str, ...] = ()
    activity_prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, target: LrsTarget) -> TargetFilter:
        return cls(tuple(target.verbs or ()), tuple(target.activity_prefixes or ()))

    @property
    def is_empty(self) -> bool:
        return not self.verbs and not self.activity_prefixes

    def matches(self, statement: dict[str, Any]) -> bool:
        """True when the statement's verb is listed and one of its activities has a prefix."""
        if self.verbs:
            verb = statement.get("verb")
            if not isinstance(verb, dict) or verb.get("id") not in self.verbs:
                return False
        if self.activity_prefixes:
            return any(
                activity_id.startswith(prefix)
                for activity_id in activity_ids(statement)
                for prefix in self.activity_prefixes
            )
        return True

    def describe(self) -> str:
        parts = []
        if self.verbs:
            parts.append("verbs " + ", ".join(self.verbs))
        if self.activity_prefixes:
            parts.append("activities " + ", ".join(p + "*" for p in self.activity_prefixes))
        return "; ".join(parts) or "everything"


def activity_ids(statement: dict[str, Any]) -> Iterator[str]:
    """The ids of the statement's object activity and of its context activities."""
    target = statement.get("object")
    if (
        isinstance(target, dict)
        and target.get("objectType", "Activity") == "Activity"
        and isinstance(target.get("id"), str)
    ):
        yield target["id"]
    context = statement.get("context")
    if not isinstance(context, dict):
        return
    activities = context.get("contextActivities")
    if not isinstance(activities, dict):
        return
    for key in CONTEXT_ACTIVITY_KEYS:
        value = activities.get(key)
        for activity in value if isinstance(value, list) else [value]:
            if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                yield activity["id"]


# -- validation -----------------------------------------------------------------------------
def check_endpoint(endpoint: str, *, require_https: bool = False) -> str:
    """The LRS root URL without a trailing slash; /statements is added when sending."""
    endpoint = endpoint.strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"The endpoint {endpoint!r} is not an absolute http(s) URL.")
    if require_https and parts.scheme != "https":
        raise TargetError(f"The endpoint {endpoint!r} must use https.")
    if parts.query or parts.fragment:
        raise TargetError(f"The endpoint {endpoint!r} must not have a query or a fragment.")
    if parts.path.endswith("/statements"):
        raise TargetError(
            f"Give the LRS endpoint without /statements (for example "
            f"{endpoint[: -len('/statements')]!r}); /statements is added when sending."
        )
    return endpoint


def _check_iris(values: Iterable[str], what: str) -> list[str]:
    checked = []
    for value in values:
        value = value.strip()
        if not IRI_RE.match(value):
            raise TargetError(f"The {what} {value!r} is not an absolute IRI.")
        checked.append(value)
    return list(dict.fromkeys(checked))


def _check_text(value: str, what: str, limit: int) -> str:
    if not value:
        raise TargetError(f"The {what} must not be empty.")
    if len(value) > limit:
        raise TargetError(f"The {what} is longer than {limit} characters.")
    return value


# -- administration -------------------------------------------------------------------------
# Bumped whenever this process adds or removes a target, so caches of "which LRS is primary"
# in this process see the change at once (other processes within their cache's lifetime).
_generation = 0


def targets_generation() -> int:
    return _generation


def _changed() -> None:
    global _generation
    _generation += 1


def add_target(
    session: Session,
    *,
    name: str,
    endpoint: str,
    key: str,
    secret: str,
    tenant: str | None = None,
    version: str = "1.0.3",
    primary: bool = False,
    verbs: Sequence[str] = (),
    activity_prefixes: Sequence[str] = (),
    encrypt: Callable[[str], str] | None = None,
    require_https: bool = False,
) -> LrsTarget:
    """Add a target and commit; statements recorded from now on are queued for it."""
    if not NAME_RE.match(name):
        raise TargetError(
            f"The target name {name!r} is not valid: use 1-100 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit."
        )
    endpoint = check_endpoint(endpoint, require_https=require_https)
    key = _check_text(key.strip(), "key", 255)
    secret = _check_text(secret, "secret", 1000)
    if version not in VERSIONS:
        raise TargetError(f"The xAPI version {version!r} is not one of {', '.join(VERSIONS)}.")
    verb_list = _check_iris(verbs, "verb")
    prefix_list = _check_iris(activity_prefixes, "activity prefix")
    if primary and (verb_list or prefix_list):
        raise TargetError("The primary LRS receives every statement; it takes no filter.")
    if session.scalars(select(LrsTarget).where(LrsTarget.name == name)).first():
        raise TargetError(f"A target named {name!r} already exists.")
    if primary:
        other = primary_target(session, tenant, exact=True)
        if other is not None:
            raise TargetError(
                f"Target {other.name!r} is already the primary LRS for "
                f"{'every tenant' if tenant is None else 'this organisation'}; remove it first."
            )
    target = LrsTarget(
        name=name,
        tenant=tenant,
        endpoint=endpoint,
        key=key,
        secret=encrypt(secret) if encrypt else secret,
        secret_encrypted=encrypt is not None,
        version=version,
        is_primary=primary,
        verbs=verb_list or None,
        activity_prefixes=prefix_list or None,
        failures=0,
    )
    session.add(target)
    session.commit()
    _changed()
    return target


def get_target(session: Session, name: str) -> LrsTarget:
    target = session.scalars(select(LrsTarget).where(LrsTarget.name == name)).first()
    if target is None:
        known = ", ".join(session.scalars(select(LrsTarget.name).order_by(LrsTarget.name)))
        raise TargetNotFoundError(f"No LRS target named {name!r}. Known: {known or 'none'}.")
    return target


def list_targets(session: Session) -> list[LrsTarget]:
    return list(session.scalars(select(LrsTarget).order_by(LrsTarget.name)))


def remove_target(session: Session, name: str) -> tuple[LrsTarget, int]:
    """Delete a target and its outbox rows and commit; returns it and how many were pending."""
    target = get_target(session, name)
    pending = session.scalar(
        select(func.count())
        .select_from(OutboxEntry)
        .where(OutboxEntry.target_id == target.id, OutboxEntry.state == PENDING)
    )
    session.execute(delete(OutboxEntry).where(OutboxEntry.target_id == target.id))
    session.delete(target)
    session.commit()
    _changed()
    return target, int(pending or 0)


def resume_target(session: Session, name: str) -> LrsTarget:
    """Clear a pause (after HTTP 401) and any back-off, so the next worker pass tries it."""
    target = get_target(session, name)
    target.paused_at = None
    target.paused_reason = None
    target.next_attempt_at = None
    target.failures = 0
    session.commit()
    return target


def primary_target(
    session: Session, tenant: str | None, *, exact: bool = False
) -> LrsTarget | None:
    """The external primary LRS of ``tenant`` (its own, else the one for every tenant).

    ``None`` means the embedded LRS is the primary. With ``exact`` only a target of exactly that
    tenant scope counts.
    """
    stmt = select(LrsTarget).where(LrsTarget.is_primary.is_(True))
    if exact or tenant is None:
        stmt = stmt.where(
            LrsTarget.tenant.is_(None) if tenant is None else LrsTarget.tenant == tenant
        )
    else:
        stmt = stmt.where(or_(LrsTarget.tenant == tenant, LrsTarget.tenant.is_(None)))
    found = list(session.scalars(stmt))
    # The tenant's own primary wins over the one for every tenant.
    found.sort(key=lambda t: t.tenant is None)
    return found[0] if found else None


def target_secret(target: LrsTarget, decrypt: Callable[[str], str] | None) -> str:
    if not target.secret_encrypted:
        return target.secret
    if decrypt is None:
        raise TargetError(
            f"The secret of target {target.name!r} is encrypted and no decryption key is given."
        )
    return decrypt(target.secret)
