"""Completing steps: opening content, reflections, knowledge-check attempts, comments.

Each action updates the learner's progress and records its statements in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.content import (
    KnowledgeCheckConfig,
    PracticeConfig,
    ReflectionConfig,
    parse_step_config,
)
from lti_tool.journeys.errors import JourneyConflictError, JourneyError
from lti_tool.journeys.grading import Grade, grade
from lti_tool.journeys.models import (
    QuizAttempt,
    Reflection,
    ReflectionComment,
    Step,
    StepType,
)
from lti_tool.journeys.player import (
    JourneyState,
    StepState,
    after_progress,
    complete_step,
    journey_events,
    lock_enrollment,
    lock_state,
    progress_row,
    time_on_step,
    touch,
)


def open_step(session: Session, state: JourneyState, key: str) -> JourneyState:
    """A learner opens a step (content steps are done by being opened); the state after it."""
    state.step(key)  # an unknown step is a 404 before anything is locked
    state = lock_state(session, state)
    item = state.step(key)
    touch(state, item.step)
    if item.step.type == StepType.CONTENT and not item.done:
        events = journey_events(session, state)
        before = state.before()
        progress_row(session, state, item)
        events.experienced(item.step, item.section)
        complete_step(item, events)
        after_progress(state, events, before)
        events.flush()
    elif item.progress is None:
        progress_row(session, state, item)
    session.commit()
    return state


def submit_reflection(session: Session, state: JourneyState, key: str, text: str) -> Reflection:
    item = state.step(key)
    if item.step.type != StepType.REFLECTION:
        raise JourneyError("wrong_step_type", _l("This step does not take a reflection."))
    config = parse_step_config(item.step.type.value, item.step.config)
    assert isinstance(config, ReflectionConfig)  # noqa: S101 - narrowed by the step type
    body = text.strip()
    if len(body) < config.min_length:
        raise JourneyError(
            "reflection_too_short",
            _l(
                "Write at least %(count)d characters (you wrote %(written)d).",
                count=config.min_length,
                written=len(body),
            ),
        )
    if len(body) > 20_000:
        raise JourneyError(
            "reflection_too_long", _l("Keep the reflection under 20,000 characters.")
        )
    state = lock_state(session, state)
    item = state.step(key)
    reflection = session.scalars(
        select(Reflection).where(
            Reflection.enrollment_id == state.enrollment.id, Reflection.step_id == item.step.id
        )
    ).first()
    if reflection is not None and reflection.body == body and item.done:
        session.commit()  # the same text saved twice (a double click): nothing changed
        return reflection
    if reflection is None:
        reflection = Reflection(enrollment_id=state.enrollment.id, step_id=item.step.id, body=body)
        session.add(reflection)
    else:
        reflection.body = body
    events = journey_events(session, state)
    before = state.before()
    progress_row(session, state, item)
    events.commented(item.step, item.section, len(body))
    complete_step(item, events)
    touch(state, item.step)
    after_progress(state, events, before)
    events.flush()
    session.commit()
    return reflection


def attempts_used(session: Session, state: JourneyState, step: Step) -> int:
    latest = latest_attempt(session, state, step)
    return latest.number if latest is not None else 0


def latest_attempt(session: Session, state: JourneyState, step: Step) -> QuizAttempt | None:
    return session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.enrollment_id == state.enrollment.id, QuizAttempt.step_id == step.id)
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    ).first()


# A true/false or numeric answer is one short value; nothing longer can be a right answer.
MAX_ANSWER_TEXT = 100


def kept_answers(
    config: KnowledgeCheckConfig, answers: dict[str, list[str]]
) -> dict[str, list[str]]:
    """What of a form is worth storing: known questions, known choices, one short value else.

    A form may carry any number of fields and values; the stored attempt stays the size of the
    knowledge check, and grading sees the same answers.
    """
    kept: dict[str, list[str]] = {}
    for question in config.questions:
        given = [v.strip() for v in answers.get(question.key, [])]
        if question.kind in ("single", "multiple"):
            keys = {c.key for c in question.choices}
            chosen = list(dict.fromkeys(v for v in given if v in keys))
            kept[question.key] = chosen[:1] if question.kind == "single" else chosen
        else:
            kept[question.key] = [v[:MAX_ANSWER_TEXT] for v in given if v][:1]
    return kept


def submit_quiz(
    session: Session,
    state: JourneyState,
    key: str,
    answers: dict[str, list[str]],
    attempt: int | None = None,
) -> tuple[Grade, QuizAttempt]:
    """Grade and store an attempt; ``attempt`` is the number the form was shown for, if any.

    The form names the attempt it answers, so the same form sent twice (a double click, a
    retried request) is one attempt: the second gets the first's result.
    """
    item = state.step(key)
    if item.step.type != StepType.KNOWLEDGE_CHECK:
        raise JourneyError("wrong_step_type", _l("This step is not a knowledge check."))
    config = parse_step_config(item.step.type.value, item.step.config)
    assert isinstance(config, KnowledgeCheckConfig)  # noqa: S101 - narrowed by the step type
    answers = kept_answers(config, answers)
    state = lock_state(session, state)
    item = state.step(key)
    used = attempts_used(session, state, item.step)
    if attempt is not None and attempt <= used:
        return _answered_before(session, state, item, config, answers, attempt)
    if attempt is not None and attempt != used + 1:
        raise JourneyConflictError(
            "attempt_unknown",
            _l("This page is out of date. Open the knowledge check again to answer it."),
        )
    if config.max_attempts is not None and used >= config.max_attempts:
        raise JourneyConflictError(
            "no_attempts_left",
            _l("You have used all %(count)d attempts at this knowledge check.", count=used),
        )
    result = grade(config, answers)
    unanswered = [
        q for q, r in zip(config.questions, result.questions, strict=True) if not r.answered
    ]
    if unanswered:
        raise JourneyError(
            "answer_missing",
            _l(
                "Answer every question before you submit. Unanswered: %(count)d.",
                count=len(unanswered),
            ),
        )
    stored = QuizAttempt(
        enrollment_id=state.enrollment.id,
        step_id=item.step.id,
        number=used + 1,
        answers={r.key: answers.get(r.key, []) for r in result.questions},
        score=result.score,
        passed=result.passed,
    )
    session.add(stored)
    events = journey_events(session, state)
    before = state.before()
    progress = progress_row(session, state, item)
    progress.attempts = used + 1
    progress.score = max(result.score, progress.score or 0.0)
    for question, outcome in zip(config.questions, result.questions, strict=True):
        events.answered(item.step, question, outcome.response, outcome.correct)
    now = utcnow()
    events.scored(
        item.step,
        item.section,
        result.score,
        result.passed,
        used + 1,
        duration=time_on_step(item, now),
        at=now,
    )
    if result.passed:
        complete_step(item, events, result.score, True)
    touch(state, item.step)
    after_progress(state, events, before)
    events.flush()
    session.commit()
    return result, stored


def _answered_before(
    session: Session,
    state: JourneyState,
    item: StepState,
    config: KnowledgeCheckConfig,
    answers: dict[str, list[str]],
    number: int,
) -> tuple[Grade, QuizAttempt]:
    """The stored attempt ``number`` when ``answers`` are its own; else a conflict."""
    stored = session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.enrollment_id == state.enrollment.id,
            QuizAttempt.step_id == item.step.id,
            QuizAttempt.number == number,
        )
    ).one()
    if stored.answers != {q.key: answers.get(q.key, []) for q in config.questions}:
        raise JourneyConflictError(
            "attempt_taken",
            _l(
                "Attempt %(number)d was already sent, perhaps from another window. Open the "
                "knowledge check again to see its result and to answer once more.",
                number=number,
            ),
        )
    session.commit()
    return grade(config, stored.answers), stored


def add_reflection_comment(
    session: Session, reflection: Reflection, author_id: int, text: str
) -> ReflectionComment:
    body = text.strip()
    if not body:
        raise JourneyError("comment_empty", _l("Write something before you send the comment."))
    if len(body) > 10_000:
        raise JourneyError("comment_too_long", _l("Keep the comment under 10,000 characters."))
    lock_enrollment(session, reflection.enrollment_id)
    latest = session.scalars(
        select(ReflectionComment)
        .where(ReflectionComment.reflection_id == reflection.id)
        .order_by(ReflectionComment.created_at.desc(), ReflectionComment.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.author_id == author_id and latest.body == body:
        # The same message sent twice in a row is a double click, not a second message.
        return latest
    check_comment_limits(session, reflection, author_id)
    comment = ReflectionComment(reflection_id=reflection.id, author_id=author_id, body=body)
    session.add(comment)
    return comment


def reply_to_reflection(
    session: Session, state: JourneyState, reflection: Reflection, text: str
) -> ReflectionComment:
    """The learner's message in the dialogue on their reflection, with its statement."""
    comment = add_reflection_comment(session, reflection, state.enrollment.person_id, text)
    if comment not in session.new:  # the same message sent twice: recorded the first time
        session.commit()
        return comment
    item = next(s for s in state.steps if s.step.id == reflection.step_id)
    events = journey_events(session, state)
    events.replied(item.step, item.section, len(comment.body))
    events.flush()
    session.commit()
    return comment


@dataclass(frozen=True)
class CommentLimits:
    """How long the dialogue on one reflection may grow, in all and per person and day."""

    in_all: int = 500
    per_day: int = 50


def _comment_limits() -> CommentLimits:
    if not has_app_context():
        return CommentLimits()
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    return CommentLimits(settings.reflection_comments_max, settings.reflection_comments_max_per_day)


def check_comment_limits(
    session: Session, reflection: Reflection, author_id: int, limits: CommentLimits | None = None
) -> None:
    """Refuse a message beyond the reflection's limits (counted under the enrollment's lock)."""
    limits = limits or _comment_limits()
    on_reflection = ReflectionComment.reflection_id == reflection.id
    count = session.scalar(select(func.count(ReflectionComment.id)).where(on_reflection))
    if int(count or 0) >= limits.in_all:
        raise JourneyConflictError(
            "comment_limit",
            _l(
                "This reflection already has %(count)d messages, which is as many as it takes. "
                "Go on in a new reflection or talk in person.",
                count=limits.in_all,
            ),
        )
    since = utcnow() - timedelta(days=1)
    today = session.scalar(
        select(func.count(ReflectionComment.id)).where(
            on_reflection,
            ReflectionComment.author_id == author_id,
            ReflectionComment.created_at >= since,
        )
    )
    if int(today or 0) >= limits.per_day:
        raise JourneyError(
            "comment_limit_day",
            _l(
                "You have sent %(count)d messages on this reflection in the last 24 hours. "
                "Wait a while before you send more.",
                count=limits.per_day,
            ),
            status=429,
        )


def practice_config(step: Step) -> PracticeConfig:
    config = parse_step_config(step.type.value, step.config)
    if not isinstance(config, PracticeConfig):
        raise JourneyError("wrong_step_type", _l("This step is not a practice task."))
    return config
