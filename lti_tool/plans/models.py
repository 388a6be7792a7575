"""Plan models: a plan, its versions, the individual goals and journeys of each version.

A version is agreed when both the employee and the manager have said so; any change makes a new
version (a copy with the change) that needs agreement again, so the history stays. Plan goals
carry a ``key`` that stays the same across versions.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, utcnow
from lti_tool.frameworks.models import Competence
from lti_tool.goals.models import CompetenceGoal
from lti_tool.journeys.models import Journey
from lti_tool.tenancy.models import Person

plan_version_journeys = Table(
    "plan_version_journeys",
    Base.metadata,
    Column("version_id", ForeignKey("plan_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("journey_id", ForeignKey("journeys.id", ondelete="CASCADE"), primary_key=True),
)


class DevelopmentPlan(Base):
    """An employee's development plan with their manager."""

    __tablename__ = "development_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan",
        order_by="PlanVersion.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def current(self) -> PlanVersion:
        return self.versions[-1]


class PlanVersion(Base):
    """One version of a plan; never changed once either party has agreed to it."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("development_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)
    # Notes from the development talk (medarbetarsamtal), Markdown.
    notes: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    employee_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manager_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="versions")
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="version",
        order_by="PlanGoal.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    journeys: Mapped[list[Journey]] = relationship(secondary=plan_version_journeys)

    @property
    def agreed(self) -> bool:
        return self.employee_agreed_at is not None and self.manager_agreed_at is not None


class PlanGoal(Base):
    """An individual goal of a plan version, serving a unit or organisation goal."""

    __tablename__ = "plan_goals"
    __table_args__ = (CheckConstraint("target_level >= 1", name="target_level_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(36), default=new_key)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    serves_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence_goals.id", ondelete="SET NULL"), index=True
    )
    competence_id: Mapped[int | None] = mapped_column(
        ForeignKey("competences.id", ondelete="SET NULL")
    )
    target_level: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[PlanVersion] = relationship(back_populates="goals")
    serves: Mapped[CompetenceGoal | None] = relationship()
    competence: Mapped[Competence | None] = relationship()
