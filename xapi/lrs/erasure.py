"""Data protection in the embedded LRS: erasing a person's data, and retention periods.

``erase_agent`` removes, in one tenant, every statement whose actor or object is the agent (an
Agent, or a Group the agent is an identified member of, as the agent index records them), with
their index rows, and every State and Agent Profile document of the agent. Statements where the
agent only appears elsewhere (instructor, team, context agents, inside a SubStatement, as
authority) are kept: they are other people's records.

``purge_expired`` removes the statements of a tenant stored longer ago than its retention period
(``set_retention``), in batches, with the same handling of references.

Statements that referred to removed ones (object ``StatementRef``)
------------------------------------------------------------------
Statements are immutable in xAPI, so "removing the reference" from a stored statement would mean
rewriting it (which the specification forbids) or deleting a statement that is somebody else's
record (a teacher's comment on a learner's attempt, say). Instead:

* a voiding statement whose target was removed is deleted: it carries nothing but the reference,
  it would void a statement that no longer exists, and a voiding statement cannot itself be
  voided. Statements referring to a deleted voiding statement are handled the same way in turn;
* any other statement whose ``StatementRef`` object was removed is voided, by a voiding statement
  stored by the LRS (``authority``, which is also its actor): voiding is xAPI's own way of
  retracting a statement, so clients that follow the LRS (``since`` queries see the voiding
  statement) drop the referrer, queries no longer return a statement about a statement that is
  gone, and the referrer's author's record stays retrievable with ``voidedStatementId``. In a
  purge, referrers that expire in the same purge are removed rather than voided.

References in ``context.statement`` and inside SubStatements are left as they are (xAPI lets a
reference point to a statement the LRS does not have).

Attachment content used only by removed statements is deleted too. Every erasure and purge leaves
an ``ErasureRecord`` with counts, the tenant and the time, never the agent or any statement
content. ``erase_agent`` commits once, at the end (one transaction); ``purge_expired`` commits
after every batch, so a large purge makes progress and holds no long transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from xapi.lrs.agents import ifi_key
from xapi.lrs.documents import AGENT_PROFILE, STATE
from xapi.lrs.models import (
    ACTIVITIES,
    AGENTS,
    STATEMENTS,
    Attachment,
    Document,
    ErasureRecord,
    RetentionPolicy,
)
from xapi.lrs.sql import document_text, loads
from xapi.lrs.statement_queries import iter_attachment_hashes
from xapi.lrs.statement_store import store_statements
from xapi.lrs.validation import VOIDED_VERB

# Statements removed per commit in a purge.
BATCH = 5000
# Values per IN (...) list.
CHUNK = 500
MAX_RETENTION_DAYS = 100 * 366


def lrs_agent(homepage: str) -> dict[str, Any]:
    """The agent the LRS stores its own voiding statements as (actor and authority)."""
    return {
        "objectType": "Agent",
        "name": "LRS data protection",
        "account": {"homePage": homepage, "name": "lrs-data-protection"},
    }


@dataclass
class Removal:
    """What removing a set of statements did."""

    statements: int = 0  # removed statements, the dangling voiding statements included
    voiding_removed: int = 0  # of which voiding statements whose target was removed
    referrers_voided: int = 0
    attachments: int = 0

    def add(self, other: Removal) -> None:
        self.statements += other.statements
        self.voiding_removed += other.voiding_removed
        self.referrers_voided += other.referrers_voided
        self.attachments += other.attachments


@dataclass
class ErasureResult:
    removal: Removal
    documents: int
    record_id: int


@dataclass
class PurgeResult:
    cutoff: datetime
    removal: Removal
    record_id: int | None


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _attachment_hashes(session: Session, tenant: str, seqs: Sequence[int]) -> set[str]:
    """The attachment hashes of these statements (only statements with attachments are read)."""
    text = document_text(session, STATEMENTS.c.full)
    hashes: set[str] = set()
    for chunk in _chunks(seqs, CHUNK):
        rows = session.execute(
            select(text).where(
                STATEMENTS.c.tenant == tenant,
                STATEMENTS.c.seq.in_(chunk),
                text.contains('"sha2"'),
            )
        ).scalars()
        hashes.update(h.lower() for h in iter_attachment_hashes(loads(row) for row in rows))
    return hashes


def _unused_attachments(session: Session, tenant: str, hashes: set[str]) -> int:
    """Delete attachment content no remaining statement of the tenant declares."""
    text = document_text(session, STATEMENTS.c.full)
    removed = 0
    for sha2 in sorted(hashes):
        # Hashes are hexadecimal: nothing to escape in the pattern. A statement declaring it in
        # another case still counts as using it.
        used = session.execute(
            select(STATEMENTS.c.seq)
            .where(
                STATEMENTS.c.tenant == tenant,
                or_(text.contains(sha2), text.contains(sha2.upper())),
            )
            .limit(1)
        ).first()
        if used is None:
            result = session.execute(
                delete(Attachment).where(
                    Attachment.tenant == tenant, func.lower(Attachment.sha2) == sha2
                )
            )
            removed += int(result.rowcount)  # type: ignore[attr-defined]
    return removed


def _delete_seqs(session: Session, seqs: Sequence[int]) -> None:
    """Statements and their index rows, by ``seq``."""
    for chunk in _chunks(seqs, CHUNK):
        session.execute(delete(AGENTS).where(AGENTS.c.seq.in_(chunk)))
        session.execute(delete(ACTIVITIES).where(ACTIVITIES.c.seq.in_(chunk)))
        session.execute(delete(STATEMENTS).where(STATEMENTS.c.seq.in_(chunk)))


def remove_statements(
    session: Session,
    tenant: str,
    seqs: Sequence[int],
    *,
    authority: dict[str, Any],
    expiring_before: datetime | None = None,
) -> Removal:
    """Remove these statements of ``tenant`` and handle the statements referring to them.

    See the module docstring. ``expiring_before``: referrers stored before it are removed rather
    than voided (a purge removes them anyway).
    """
    result = Removal()
    if not seqs:
        return result
    hashes = _attachment_hashes(session, tenant, seqs)
    pending_ids: list[str] = []
    for chunk in _chunks(seqs, CHUNK):
        pending_ids += session.scalars(
            select(STATEMENTS.c.statement_id).where(
                STATEMENTS.c.tenant == tenant, STATEMENTS.c.seq.in_(chunk)
            )
        ).all()
    _delete_seqs(session, seqs)
    result.statements += len(pending_ids)
    to_void: dict[str, None] = {}
    while pending_ids:
        removed_now: list[int] = []
        next_ids: list[str] = []
        for chunk in _chunks(pending_ids, CHUNK):
            for row in session.execute(
                select(
                    STATEMENTS.c.seq,
                    STATEMENTS.c.statement_id,
                    STATEMENTS.c.is_voiding,
                    STATEMENTS.c.voided,
                    STATEMENTS.c.stored,
                ).where(
                    STATEMENTS.c.tenant == tenant,
                    STATEMENTS.c.object_statement_id.in_(chunk),
                )
            ):
                expiring = expiring_before is not None and row.stored < expiring_before
                if row.is_voiding or expiring:
                    removed_now.append(row.seq)
                    next_ids.append(row.statement_id)
                    result.voiding_removed += int(row.is_voiding)
                elif not row.voided:
                    to_void[row.statement_id] = None
        if removed_now:
            hashes |= _attachment_hashes(session, tenant, removed_now)
            _delete_seqs(session, removed_now)
            result.statements += len(removed_now)
        for statement_id in next_ids:
            to_void.pop(statement_id, None)
        pending_ids = next_ids
    if to_void:
        voiding = [
            {
                "actor": authority,
                "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
                "object": {"objectType": "StatementRef", "id": statement_id},
            }
            for statement_id in to_void
        ]
        for chunk in _chunks(voiding, CHUNK):
            store_statements(session, tenant, list(chunk), authority=authority, version="1.0.3")
        result.referrers_voided = len(to_void)
    if hashes:
        result.attachments = _unused_attachments(session, tenant, hashes)
    return result


def erase_agent(
    session: Session,
    tenant: str,
    agent: dict[str, Any],
    *,
    authority: dict[str, Any],
    reason: str = "erase-agent",
) -> ErasureResult:
    """Erase an agent's statements (as actor or object) and documents in ``tenant``; commits.

    ``agent`` has exactly one inverse functional identifier (``agents.parse_agent_param``).
    ``reason`` goes into the audit record: never put personal data in it.
    """
    key = ifi_key(agent)
    if key is None:
        raise ValueError("the agent has no inverse functional identifier")
    seqs = sorted(
        set(
            session.scalars(
                select(AGENTS.c.seq).where(
                    AGENTS.c.tenant == tenant,
                    AGENTS.c.ifi == key,
                    AGENTS.c.related.is_(False),
                )
            )
        )
    )
    removal = remove_statements(session, tenant, seqs, authority=authority)
    documents = session.execute(
        delete(Document).where(
            Document.tenant == tenant,
            Document.agent == key,
            Document.kind.in_((STATE, AGENT_PROFILE)),
        )
    )
    document_count = int(documents.rowcount)  # type: ignore[attr-defined]
    record = ErasureRecord(
        tenant=tenant,
        statements_removed=removal.statements,
        documents_removed=document_count,
        reason=_summary(reason, removal),
    )
    session.add(record)
    session.commit()
    return ErasureResult(removal, document_count, record.id)


def _summary(reason: str, removal: Removal) -> str:
    return (
        f"{reason}: {removal.statements} statement(s) removed ({removal.voiding_removed} "
        f"dangling voiding), {removal.referrers_voided} referring statement(s) voided, "
        f"{removal.attachments} attachment(s) removed"
    )


# -- retention ------------------------------------------------------------------------------------
def get_retention(session: Session, tenant: str) -> int | None:
    """The tenant's retention period in days, or None when statements are kept indefinitely."""
    policy = session.get(RetentionPolicy, tenant)
    return policy.days if policy is not None else None


def set_retention(session: Session, tenant: str, days: int | None) -> None:
    """Set (or with None, clear) the retention period; commits."""
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValueError(f"the retention period must be 1 to {MAX_RETENTION_DAYS} days")
    policy = session.get(RetentionPolicy, tenant)
    if days is None:
        if policy is not None:
            session.delete(policy)
    elif policy is None:
        session.add(RetentionPolicy(tenant=tenant, days=days))
    else:
        policy.days = days
        policy.updated_at = datetime.now(UTC)
    session.commit()


def count_expired(session: Session, tenant: str, cutoff: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(STATEMENTS)
            .where(STATEMENTS.c.tenant == tenant, STATEMENTS.c.stored < cutoff)
        )
        or 0
    )


def purge_expired(
    session: Session,
    tenant: str,
    *,
    authority: dict[str, Any],
    now: datetime | None = None,
    days: int | None = None,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> PurgeResult | None:
    """Remove the statements stored more than the retention period ago, ``batch`` at a time.

    ``days`` defaults to the tenant's retention period; None when it has none. Commits after
    every batch and calls ``progress`` with the number removed so far.
    """
    if days is None:
        days = get_retention(session, tenant)
        if days is None:
            return None
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    total = Removal()
    while True:
        seqs = session.scalars(
            select(STATEMENTS.c.seq)
            .where(STATEMENTS.c.tenant == tenant, STATEMENTS.c.stored < cutoff)
            .order_by(STATEMENTS.c.stored)
            .limit(batch)
        ).all()
        if not seqs:
            break
        total.add(
            remove_statements(session, tenant, seqs, authority=authority, expiring_before=cutoff)
        )
        session.commit()
        if progress is not None:
            progress(total.statements)
    record_id = None
    if total.statements:
        record = ErasureRecord(
            tenant=tenant,
            statements_removed=total.statements,
            documents_removed=0,
            reason=_summary(f"retention {days} days", total),
        )
        session.add(record)
        session.commit()
        record_id = record.id
    return PurgeResult(cutoff, total, record_id)
