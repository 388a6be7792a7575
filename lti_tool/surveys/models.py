"""Survey models: a survey against a framework, its rounds, and each person's answers.

A survey goes to the whole organisation (``unit_id`` NULL) or one school unit. Each round is one
period of answering; a later round of the same survey measures change over time. An answer's
``level`` is 0 ("not yet at the first level") or the 1-based position of a framework level.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, utcnow
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.tenancy.models import Person, Unit

survey_competences = Table(
    "survey_competences",
    Base.metadata,
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "competence_id",
        ForeignKey("competences.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Survey(Base):
    """A self-assessment survey; ``competences`` empty means every competence of the framework."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    framework: Mapped[Framework] = relationship()
    unit: Mapped[Unit | None] = relationship()
    competences: Mapped[list[Competence]] = relationship(
        secondary=survey_competences, order_by="Competence.position"
    )
    rounds: Mapped[list[SurveyRound]] = relationship(
        back_populates="survey",
        order_by="SurveyRound.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SurveyRound(Base):
    """One period of answering a survey (round 1, 2, …)."""

    __tablename__ = "survey_rounds"
    __table_args__ = (
        UniqueConstraint("survey_id", "number"),
        CheckConstraint("closes_on >= opens_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="rounds")


class SurveyResponse(Base):
    """One person's answers in one round; ``unit_id`` is their unit when they answered."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[SurveyRound] = relationship()
    person: Mapped[Person] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class SurveyAnswer(Base):
    """A self-assessed level in one competence."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "competence_id"),
        CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    competence: Mapped[Competence] = relationship()
