"""Goal models: organisation goals, the unit goals that serve them, and their sub-goals.

A goal's target reads "``target_share`` % of the staff at level ``target_level`` or above in
``target_competence``, by ``ends_on``". Levels are 1-based positions in the framework's ordered
levels (DigCompEdu: 1 = A1 … 6 = C2). Individual goals live in development plans
(``lti_tool.plans``) and serve a goal of this module.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, str_enum, utcnow
from lti_tool.frameworks.models import Competence
from lti_tool.journeys.models import Journey
from lti_tool.tenancy.models import Unit

TITLE_LENGTH = 300


class GoalLevel(StrEnum):
    ORGANIZATION = "organization"
    UNIT = "unit"


goal_competences = Table(
    "goal_competences",
    Base.metadata,
    Column(
        "goal_id",
        ForeignKey("competence_goals.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "competence_id",
        ForeignKey("competences.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

goal_journeys = Table(
    "goal_journeys",
    Base.metadata,
    Column(
        "goal_id",
        ForeignKey("competence_goals.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "journey_id",
        ForeignKey("journeys.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class CompetenceGoal(Base):
    """An organisation or unit goal (``parent_id`` set: a sub-goal, delmål, of that goal)."""

    __tablename__ = "competence_goals"
    __table_args__ = (
        CheckConstraint(
            "(level = 'unit' AND unit_id IS NOT NULL) "
            "OR (level = 'organization' AND unit_id IS NULL)",
            name="unit_matches_level",
        ),
        CheckConstraint("target_share BETWEEN 1 AND 100", name="target_share_range"),
        CheckConstraint("target_level >= 1", name="target_level_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    level: Mapped[GoalLevel] = mapped_column(str_enum(GoalLevel))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # A sub-goal's goal (same level and unit).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence_goals.id", ondelete="CASCADE"), index=True
    )
    # A unit goal's organisation goal: the one it serves.
    serves_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence_goals.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    target_competence_id: Mapped[int | None] = mapped_column(
        ForeignKey("competences.id", ondelete="SET NULL")
    )
    target_level: Mapped[int | None] = mapped_column(Integer)
    target_share: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
    parent: Mapped[CompetenceGoal | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[CompetenceGoal]] = relationship(
        foreign_keys=[parent_id],
        back_populates="parent",
        order_by="CompetenceGoal.position",
        passive_deletes=True,
    )
    serves: Mapped[CompetenceGoal | None] = relationship(
        remote_side=[id], foreign_keys=[serves_id], back_populates="served_by"
    )
    served_by: Mapped[list[CompetenceGoal]] = relationship(
        foreign_keys=[serves_id], back_populates="serves", passive_deletes=True
    )
    target_competence: Mapped[Competence | None] = relationship()
    competences: Mapped[list[Competence]] = relationship(secondary=goal_competences)
    journeys: Mapped[list[Journey]] = relationship(secondary=goal_journeys)
