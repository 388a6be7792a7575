"""Grade passback: scores queued in the learner's own transaction, sent to the platform later.

``queue_score`` writes (or replaces) the person's latest score on a resource link in the caller's
session and never commits or calls out, so a learner's request never waits for the platform.
``PassbackWorker`` leases due rows, sends each with AGS and records the outcome:

* accepted: delivered (unless a newer score arrived meanwhile; that one stays queued);
* refused (4xx other than 401/408/429): kept as dead with the platform's reason, for an admin
  (``lti-journeys lti passback status``, ``retry``);
* the platform is down, slow or refuses the token: retried with exponential back-off per row;
  the other rows of that registration wait for the next pass instead of hammering it.

On PostgreSQL several workers may run side by side (``FOR UPDATE SKIP LOCKED`` while leasing).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.lti.ags import AgsError, GradeService, LineItemRequest, Score
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Registration, ScoreState, ScoreSubmission
from lti_tool.lti.service_worker import ServiceWorker
from lti_tool.lti.services import ServiceRegistration
from lti_tool.tenancy.models import Context, Organization, Person, ResourceLink
from xapi.db import aggregate_datetime
from xapi.delivery import exponential_backoff

log = logging.getLogger("lti_tool.passback")

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


@dataclass(frozen=True)
class QueuedScore:
    organization_id: int
    registration_id: int
    resource_link_id: int
    person_id: int
    label: str
    resource_id: str | None
    score_given: float | None
    activity_progress: str
    grading_progress: str
    scored_at: datetime
    score_maximum: float = 100.0


def queue_score(session: Session, score: QueuedScore) -> None:
    """Queue ``score`` as the person's latest on the link; unchanged scores queue nothing."""
    if score.activity_progress not in ACTIVITY_PROGRESS:
        raise ValueError(f"Unknown activityProgress {score.activity_progress!r}.")
    if score.grading_progress not in GRADING_PROGRESS:
        raise ValueError(f"Unknown gradingProgress {score.grading_progress!r}.")
    table = cast(Table, ScoreSubmission.__table__)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    new = insert.excluded
    pending = table.c.state == ScoreState.PENDING.value
    stmt = insert.values(
        organization_id=score.organization_id,
        registration_id=score.registration_id,
        resource_link_id=score.resource_link_id,
        person_id=score.person_id,
        label=score.label[:255],
        resource_id=score.resource_id,
        score_given=score.score_given,
        score_maximum=score.score_maximum,
        activity_progress=score.activity_progress,
        grading_progress=score.grading_progress,
        scored_at=score.scored_at,
        revision=1,
        state=ScoreState.PENDING.value,
        attempts=0,
        created_at=score.scored_at,
        updated_at=score.scored_at,
    ).on_conflict_do_update(
        index_elements=[table.c.resource_link_id, table.c.person_id],
        set_={
            "label": new.label,
            "resource_id": new.resource_id,
            "score_given": new.score_given,
            "score_maximum": new.score_maximum,
            "activity_progress": new.activity_progress,
            "grading_progress": new.grading_progress,
            "scored_at": new.scored_at,
            "revision": table.c.revision + 1,
            "state": ScoreState.PENDING.value,
            # A row already waiting keeps its back-off: a new score must not hammer a platform
            # that is down. A delivered or dead row starts afresh.
            "attempts": case((pending, table.c.attempts), else_=0),
            "next_attempt_at": case((pending, table.c.next_attempt_at), else_=None),
            "error": case((pending, table.c.error), else_=None),
            "updated_at": new.updated_at,
        },
        where=or_(
            table.c.score_given.is_distinct_from(new.score_given),
            table.c.activity_progress != new.activity_progress,
            table.c.grading_progress != new.grading_progress,
            table.c.state == ScoreState.DEAD.value,
        ),
    )
    session.execute(stmt)


@dataclass(frozen=True)
class PassbackOptions:
    batch_size: int = 50
    poll_seconds: float = 2.0
    lease_seconds: float = 120.0
    backoff_base_seconds: float = 10.0
    backoff_max_seconds: float = 3600.0


def backoff_seconds(
    attempts: int, options: PassbackOptions, rng: Callable[[], float] = random.random
) -> float:
    return exponential_backoff(
        attempts, options.backoff_base_seconds, options.backoff_max_seconds, rng
    )


@dataclass
class PassbackTotals:
    delivered: int = 0
    dead: int = 0
    retried: int = 0


@dataclass
class ScoreJob:
    id: int
    revision: int
    attempts: int
    registration: Registration
    score: Score
    link: ResourceLink
    context: Context
    request: LineItemRequest


@dataclass
class _Pass:
    failed_registrations: dict[int, str] = field(default_factory=dict)
    # The signing key, loaded once per pass (a rotation takes effect from the next pass).
    key: SigningKey | None = None


class PassbackWorker(ServiceWorker[PassbackOptions, PassbackTotals]):
    """Sends queued scores; ``key`` loads the tool's signing key in a session."""

    options_type = PassbackOptions
    totals_type = PassbackTotals

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.heartbeat is not None:
                    self.heartbeat()
                handled = self.run_once()
            except Exception:
                log.exception("Grade passback pass failed; trying again shortly")
                handled = 0
            if handled == 0:
                stop.wait(self.options.poll_seconds)

    def drain(self) -> PassbackTotals:
        """Send what is due now (rows in back-off are not waited for)."""
        while self.run_once():
            pass
        return self.totals

    def run_once(self) -> int:
        """Lease and send one batch of due rows; returns how many were leased."""
        ids = self._lease()
        current = _Pass()
        for row_id in ids:
            self._deliver(row_id, current)
        return len(ids)

    def _lease(self) -> list[int]:
        now = self.clock()
        with self.factory() as session, session.begin():
            stmt = (
                select(ScoreSubmission.id)
                .where(
                    ScoreSubmission.state == ScoreState.PENDING,
                    or_(
                        ScoreSubmission.next_attempt_at.is_(None),
                        ScoreSubmission.next_attempt_at <= now,
                    ),
                    or_(
                        ScoreSubmission.leased_until.is_(None),
                        ScoreSubmission.leased_until < now,
                    ),
                )
                .order_by(ScoreSubmission.id)
                .limit(self.options.batch_size)
            )
            if self.skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            ids = list(session.scalars(stmt))
            if ids:
                session.execute(
                    update(ScoreSubmission)
                    .where(ScoreSubmission.id.in_(ids))
                    .values(leased_until=now + timedelta(seconds=self.options.lease_seconds))
                )
        return ids

    def _load(self, session: Session, row_id: int) -> ScoreJob | None:
        row = session.execute(
            select(ScoreSubmission, Registration, ResourceLink, Context, Person.sub)
            .join(Registration, Registration.id == ScoreSubmission.registration_id)
            .join(ResourceLink, ResourceLink.id == ScoreSubmission.resource_link_id)
            .join(Context, Context.id == ResourceLink.context_id)
            .join(Person, Person.id == ScoreSubmission.person_id)
            .where(ScoreSubmission.id == row_id)
        ).first()
        if row is None:
            return None
        submission, registration, link, context, sub = row
        return ScoreJob(
            id=submission.id,
            revision=submission.revision,
            attempts=submission.attempts,
            registration=registration,
            link=link,
            context=context,
            score=Score(
                user_id=sub,
                score_given=submission.score_given,
                score_maximum=submission.score_maximum,
                activity_progress=submission.activity_progress,
                grading_progress=submission.grading_progress,
                timestamp=submission.scored_at,
            ),
            request=LineItemRequest(
                resource_link_id=link.resource_link_id,
                label=submission.label,
                resource_id=submission.resource_id,
                score_maximum=submission.score_maximum,
            ),
        )

    def _deliver(self, row_id: int, current: _Pass) -> None:
        # Objects stay readable after commits: no transaction stays open during HTTP calls.
        with self.factory(expire_on_commit=False) as session:
            job = self._load(session, row_id)
            if job is None:
                return
            failed = current.failed_registrations.get(job.registration.id)
            if failed is not None:
                # The platform failed for another row of this pass: do not hammer it.
                self._retry(session, job, failed, count=False)
                return
            if current.key is None:
                current.key = self.key(session)
            service = GradeService(
                self.tokens,
                ServiceRegistration.of(job.registration),
                current.key,
                job.context.ags_scopes or [],
            )
            session.commit()
            try:
                lineitem = job.link.lineitem_url
                if not lineitem:
                    if not job.context.ags_lineitems_url:
                        raise AgsError(
                            "The platform gave neither a line item nor a line items URL for "
                            "this link.",
                            None,
                            transient=False,
                        )
                    lineitem = self._keep_lineitem(
                        session,
                        job.link.id,
                        service.find_or_create_lineitem(job.context.ags_lineitems_url, job.request),
                    )
                service.post_score(lineitem, job.score)
            except AgsError as exc:
                message = str(exc)[:2000]
                if exc.transient:
                    current.failed_registrations[job.registration.id] = message
                    self._retry(session, job, message, count=True)
                else:
                    self._dead(session, job, message)
                return
            self._delivered(session, job)

    def _keep_lineitem(self, session: Session, link_id: int, found: str) -> str:
        """Store ``found`` as the link's line item unless a launch brought the link's own."""
        # The launch's AGS ``lineitem`` claim names the link's own line item (an assignment's
        # column) and may arrive while the platform is being asked: it wins over one found.
        session.execute(
            update(ResourceLink)
            .where(ResourceLink.id == link_id, ResourceLink.lineitem_url.is_(None))
            .values(lineitem_url=found)
        )
        stored = session.scalars(
            select(ResourceLink.lineitem_url).where(ResourceLink.id == link_id)
        ).first()
        session.commit()
        return stored or found

    def _finish(self, session: Session, job: ScoreJob, **values: Any) -> bool:
        """Record ``values`` unless a newer score came in meanwhile (then just release)."""
        result = session.execute(
            update(ScoreSubmission)
            .where(ScoreSubmission.id == job.id, ScoreSubmission.revision == job.revision)
            .values(leased_until=None, updated_at=self.clock(), **values)
        )
        changed = result.rowcount > 0  # type: ignore[attr-defined]
        if not changed:
            session.execute(
                update(ScoreSubmission)
                .where(ScoreSubmission.id == job.id)
                .values(leased_until=None)
            )
        session.commit()
        return bool(changed)

    def _delivered(self, session: Session, job: ScoreJob) -> None:
        if self._finish(
            session,
            job,
            state=ScoreState.DELIVERED,
            delivered_at=self.clock(),
            attempts=job.attempts + 1,
            next_attempt_at=None,
            error=None,
        ):
            self.totals.delivered += 1

    def _dead(self, session: Session, job: ScoreJob, message: str) -> None:
        # The platform's reason may name the person: it is kept with the score, never logged.
        log.warning(
            "Score %s refused by %s (reason: lti-journeys lti passback refused)",
            job.id,
            job.registration.issuer,
        )
        if self._finish(
            session, job, state=ScoreState.DEAD, attempts=job.attempts + 1, error=message
        ):
            self.totals.dead += 1

    def _retry(self, session: Session, job: ScoreJob, message: str, *, count: bool) -> None:
        attempts = job.attempts + 1 if count else job.attempts
        delay = backoff_seconds(max(attempts, 1), self.options, self.rng)
        if count:
            # The platform's answer may name the person: it is kept with the score, never logged.
            log.warning(
                "Score %s for %s not sent (attempt %d); next in %.0f s",
                job.id,
                job.registration.issuer,
                attempts,
                delay,
            )
        session.execute(
            update(ScoreSubmission)
            .where(ScoreSubmission.id == job.id)
            .values(
                leased_until=None,
                attempts=attempts,
                error=message,
                next_attempt_at=self.clock() + timedelta(seconds=delay),
            )
        )
        session.commit()
        self.totals.retried += 1


class LoopingWorker(Protocol):
    """A worker that runs until ``stop`` is set (grade passback, roster refreshes)."""

    def run(self, stop: threading.Event) -> None: ...


class PassbackRunner:
    """A worker in a daemon thread (the development server, ``passback worker``)."""

    def __init__(self, worker: LoopingWorker, name: str = "grade-passback") -> None:
        self.worker = worker
        self.name = name
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start_once(self) -> None:
        with self._lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self.worker.run,
                    args=(self.stop_event,),
                    name=self.name,
                    daemon=True,
                )
                self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return True


# -- status -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassbackStatus:
    organization: str
    issuer: str
    client_id: str
    pending: int
    delivered: int
    dead: int
    oldest_pending_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


def passback_status(session: Session) -> list[PassbackStatus]:
    """Per registration: scores waiting, delivered and refused, and the latest error."""
    counts: dict[tuple[int, str], int] = {}
    oldest: dict[int, datetime] = {}
    due: dict[int, datetime] = {}
    for registration_id, state, count, first, next_at in session.execute(
        select(
            ScoreSubmission.registration_id,
            ScoreSubmission.state,
            func.count(),
            func.min(ScoreSubmission.created_at),
            func.min(ScoreSubmission.next_attempt_at),
        ).group_by(ScoreSubmission.registration_id, ScoreSubmission.state)
    ):
        key = str(state.value if isinstance(state, ScoreState) else state)
        counts[(registration_id, key)] = count
        if key == ScoreState.PENDING.value:
            if first is not None:
                oldest[registration_id] = aggregate_datetime(first)
            if next_at is not None:
                due[registration_id] = aggregate_datetime(next_at)
    out = []
    for registration, org_slug in session.execute(
        select(Registration, Organization.slug)
        .join(Organization, Organization.id == Registration.organization_id)
        .order_by(Organization.slug, Registration.id)
    ):
        rid = registration.id
        last_error = session.scalars(
            select(ScoreSubmission.error)
            .where(ScoreSubmission.registration_id == rid, ScoreSubmission.error.is_not(None))
            .order_by(ScoreSubmission.updated_at.desc())
            .limit(1)
        ).first()
        out.append(
            PassbackStatus(
                organization=org_slug,
                issuer=registration.issuer,
                client_id=registration.client_id,
                pending=counts.get((rid, ScoreState.PENDING.value), 0),
                delivered=counts.get((rid, ScoreState.DELIVERED.value), 0),
                dead=counts.get((rid, ScoreState.DEAD.value), 0),
                oldest_pending_at=oldest.get(rid),
                next_attempt_at=due.get(rid),
                last_error=last_error,
            )
        )
    return out


@dataclass(frozen=True)
class RefusedScore:
    organization: str
    issuer: str
    context_id: str
    resource_link_id: str
    user_id: str
    activity_progress: str
    score_given: float | None
    error: str | None
    updated_at: datetime


def refused_scores(session: Session, limit: int = 100) -> list[RefusedScore]:
    """The newest scores a platform refused, with its reason."""
    rows = session.execute(
        select(
            Organization.slug,
            Registration.issuer,
            Context.context_id,
            ResourceLink.resource_link_id,
            Person.sub,
            ScoreSubmission.activity_progress,
            ScoreSubmission.score_given,
            ScoreSubmission.error,
            ScoreSubmission.updated_at,
        )
        .join(Organization, Organization.id == ScoreSubmission.organization_id)
        .join(Registration, Registration.id == ScoreSubmission.registration_id)
        .join(ResourceLink, ResourceLink.id == ScoreSubmission.resource_link_id)
        .join(Context, Context.id == ResourceLink.context_id)
        .join(Person, Person.id == ScoreSubmission.person_id)
        .where(ScoreSubmission.state == ScoreState.DEAD)
        .order_by(ScoreSubmission.updated_at.desc())
        .limit(limit)
    )
    return [RefusedScore(*row) for row in rows]


def retry_dead(session: Session, *, organization_id: int | None = None) -> int:
    """Queue refused scores again (after the cause is fixed); returns how many."""
    stmt = (
        update(ScoreSubmission)
        .where(ScoreSubmission.state == ScoreState.DEAD)
        .values(state=ScoreState.PENDING, attempts=0, next_attempt_at=None, error=None)
    )
    if organization_id is not None:
        stmt = stmt.where(ScoreSubmission.organization_id == organization_id)
    count = int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    session.commit()
    return count
