"""Evidence for practice tasks: text, a link or a file, checked against the task's limits."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.journeys.content import EvidenceKind
from lti_tool.journeys.errors import JourneyConflictError, JourneyError
from lti_tool.journeys.models import Enrollment, Evidence, StepType
from lti_tool.journeys.player import (
    JourneyState,
    after_progress,
    complete_step,
    journey_events,
    lock_state,
    progress_row,
    touch,
)
from lti_tool.journeys.submissions import practice_config

MAX_TEXT = 20_000
KIB = 1024


@dataclass(frozen=True)
class EvidenceQuota:
    """How much evidence in files a learner and an organisation may keep."""

    learner_bytes: int = 200 * KIB * KIB
    learner_files: int = 500
    organization_bytes: int = 50 * KIB**3
    # Pieces of evidence of any kind (text, link, file) one learner may add to one task.
    items_per_step: int = 100


class EvidenceQuotaError(JourneyError):
    """A file that would take a learner or an organisation beyond its quota."""

    status = 413


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _content_type(extension: str) -> str:
    # Decided by the extension we allowed, never by what the browser claimed.
    return mimetypes.types_map.get("." + extension, "application/octet-stream")


def submit_evidence(
    session: Session,
    state: JourneyState,
    key: str,
    kind: str,
    text: str = "",
    url: str = "",
    upload: Upload | None = None,
) -> Evidence:
    item = state.step(key)
    if item.step.type != StepType.PRACTICE:
        raise JourneyError("wrong_step_type", _l("This step is not a practice task."))
    config = practice_config(item.step)
    checked = check_evidence(config, kind, text=text, url=url, upload=upload)
    evidence = Evidence(
        enrollment_id=state.enrollment.id,
        step_id=item.step.id,
        kind=kind,
        text=checked.text,
        url=checked.url,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data) if checked.data is not None else None,
        data=checked.data,
    )
    state = lock_state(session, state)
    item = state.step(key)
    earlier = _latest_if_same(session, evidence)
    if earlier is not None:
        session.commit()  # the same evidence sent twice (a double click): keep the first
        return earlier
    # Counted under the enrollment's lock, so two uploads at once cannot both fit in what is
    # left: the second one sees the first.
    quota = _quota()
    check_evidence_count(session, evidence, quota)
    if evidence.size is not None:
        check_evidence_quota(session, state.enrollment, evidence.size, quota)
    session.add(evidence)
    events = journey_events(session, state)
    before = state.before()
    progress_row(session, state, item)
    events.attempted(item.step, item.section, kind)
    complete_step(item, events)
    touch(state, item.step)
    after_progress(state, events, before)
    events.flush()
    session.commit()
    return evidence


class EvidenceLimits(Protocol):
    """What a task (or a cycle's practice phase) accepts as evidence."""

    evidence_kinds: list[EvidenceKind]
    file_types: list[str]
    max_file_mb: int


@dataclass(frozen=True)
class CheckedEvidence:
    """Evidence as it may be stored: a text, a link with a note, or a file with a note."""

    kind: str
    text: str
    url: str | None = None
    filename: str | None = None
    content_type: str | None = None
    data: bytes | None = None


def check_evidence(
    limits: EvidenceLimits,
    kind: str,
    text: str = "",
    url: str = "",
    upload: Upload | None = None,
) -> CheckedEvidence:
    """The evidence checked against the limits; a refused one raises ``JourneyError``."""
    if kind not in limits.evidence_kinds:
        raise JourneyError("evidence_kind", _l("This task does not take that kind of evidence."))
    if kind == "text":
        body = text.strip()
        if not body:
            raise JourneyError("evidence_empty", _l("Describe what you did before you submit."))
        if len(body) > MAX_TEXT:
            raise JourneyError("evidence_too_long", _l("Keep the text under 20,000 characters."))
        return CheckedEvidence(kind=kind, text=body)
    if kind == "link":
        link = url.strip()
        parts = urlsplit(link)
        if parts.scheme not in ("https", "http") or not parts.netloc or len(link) > 2000:
            raise JourneyError(
                "evidence_link",
                _l(
                    "Give a full web address that starts with https://, for example a shared "
                    "document."
                ),
            )
        return CheckedEvidence(kind=kind, text=text.strip()[:MAX_TEXT], url=link)
    name, content_type, data = check_file(upload, limits.file_types, limits.max_file_mb)
    return CheckedEvidence(
        kind=kind,
        text=text.strip()[:MAX_TEXT],
        filename=name,
        content_type=content_type,
        data=data,
    )


def check_file(
    upload: Upload | None, file_types: list[str], max_file_mb: int
) -> tuple[str, str, bytes]:
    """An uploaded file's safe name, content type (by its extension) and bytes, within limits."""
    if upload is None or not upload.filename or not upload.data:
        raise JourneyError("evidence_file_missing", _l("Choose a file to upload."))
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in file_types:
        raise JourneyError(
            "evidence_file_type",
            _l(
                "Files of type “%(type)s” are not accepted here. Allowed: %(allowed)s.",
                type=extension or "?",
                allowed=", ".join(file_types),
            ),
        )
    if len(upload.data) > max_file_mb * 1024 * 1024:
        raise JourneyError(
            "evidence_file_size",
            _l(
                "The file is larger than %(mb)d MB. Make it smaller or share a link instead.",
                mb=max_file_mb,
            ),
        )
    return name, _content_type(extension), upload.data


def _quota() -> EvidenceQuota:
    if not has_app_context():
        return EvidenceQuota()
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    return EvidenceQuota(
        settings.evidence_quota_learner_bytes,
        settings.evidence_quota_learner_files,
        settings.evidence_quota_organization_bytes,
        settings.evidence_max_per_step,
    )


def _amount(size: int) -> str:
    for unit, scale in (("GB", KIB**3), ("MB", KIB**2), ("kB", KIB)):
        if size >= scale:
            return f"{format_decimal(round(size / scale, 1))} {unit}"
    return f"{format_decimal(size)} bytes"


def check_evidence_count(session: Session, evidence: Evidence, quota: EvidenceQuota) -> None:
    """Refuse one more piece of evidence than the task takes from this learner."""
    count = session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.enrollment_id == evidence.enrollment_id, Evidence.step_id == evidence.step_id
        )
    )
    if int(count or 0) + 1 > quota.items_per_step:
        raise JourneyConflictError(
            "evidence_limit",
            _l(
                "You have added %(count)d pieces of evidence to this task, which is as many as "
                "it takes. Ask your course leader if you need to add more.",
                count=quota.items_per_step,
            ),
        )


def check_evidence_quota(
    session: Session, enrollment: Enrollment, size: int, quota: EvidenceQuota | None = None
) -> None:
    """Refuse a file of ``size`` bytes that would exceed the learner's or organisation's quota."""
    quota = quota or _quota()
    files = select(func.count(Evidence.id), func.coalesce(func.sum(Evidence.size), 0)).join(
        Enrollment, Enrollment.id == Evidence.enrollment_id
    )
    files = files.where(Evidence.size.is_not(None))
    row = session.execute(files.where(Enrollment.person_id == enrollment.person_id)).one()
    count, used = int(row[0]), int(row[1] or 0)
    if count + 1 > quota.learner_files:
        raise EvidenceQuotaError(
            "evidence_quota_files",
            _l(
                "You can keep at most %(count)d files as evidence. Share a link to the file "
                "instead, or ask your course leader for help.",
                count=quota.learner_files,
            ),
        )
    if used + size > quota.learner_bytes:
        raise EvidenceQuotaError(
            "evidence_quota_learner",
            _l(
                "You have used %(used)s of your %(quota)s for files, and this file does not fit. "
                "Share a link to the file instead, or make it smaller.",
                used=_amount(used),
                quota=_amount(quota.learner_bytes),
            ),
        )
    org_used = session.scalar(
        select(func.coalesce(func.sum(Evidence.size), 0))
        .join(Enrollment, Enrollment.id == Evidence.enrollment_id)
        .where(Enrollment.organization_id == enrollment.organization_id)
    )
    if int(org_used or 0) + size > quota.organization_bytes:
        raise EvidenceQuotaError(
            "evidence_quota_organization",
            _l(
                "Your organisation has used %(used)s of its %(quota)s for evidence files, and "
                "this file does not fit. Share a link to the file instead, and tell your course "
                "leader.",
                used=_amount(int(org_used or 0)),
                quota=_amount(quota.organization_bytes),
            ),
        )


def _latest_if_same(session: Session, evidence: Evidence) -> Evidence | None:
    """The step's latest evidence when it is exactly ``evidence`` (not yet stored)."""
    latest = session.scalars(
        select(Evidence)
        .where(
            Evidence.enrollment_id == evidence.enrollment_id, Evidence.step_id == evidence.step_id
        )
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        .limit(1)
    ).first()
    if latest is None or (latest.kind, latest.text, latest.url, latest.filename, latest.size) != (
        evidence.kind,
        evidence.text,
        evidence.url,
        evidence.filename,
        evidence.size,
    ):
        return None
    return latest if latest.data == evidence.data else None


def list_evidence(session: Session, enrollment_id: int, step_id: int) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.enrollment_id == enrollment_id, Evidence.step_id == step_id)
            .order_by(Evidence.created_at, Evidence.id)
        )
    )
