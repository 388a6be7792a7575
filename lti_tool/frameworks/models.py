"""Framework models: an organisation's competency frameworks and their trees of competences.

A competence's ``iri`` is its identity: goals refer to it, and re-importing a framework keeps the
row of every competence whose IRI is still there, so those references stay valid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, utcnow

IRI_LENGTH = 500
TITLE_LENGTH = 300
CODE_LENGTH = 50


class Framework(Base):
    """A competency framework held by one organisation (for example DigCompEdu)."""

    __tablename__ = "competency_frameworks"
    __table_args__ = (UniqueConstraint("organization_id", "iri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    iri: Mapped[str] = mapped_column(String(IRI_LENGTH))
    title_sv: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="")
    version: Mapped[str] = mapped_column(String(CODE_LENGTH), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    # Ordered levels: [{"code": "A1", "name": {"sv", "en"}, "descriptor": {"sv", "en"}}, ...]
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    competences: Mapped[list[Competence]] = relationship(
        back_populates="framework",
        order_by="Competence.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def title(self) -> str:
        return self.title_en or self.title_sv


class Competence(Base):
    """One competence (or area) of a framework; ``parent_id`` makes the tree."""

    __tablename__ = "competences"
    __table_args__ = (
        UniqueConstraint("framework_id", "iri"),
        Index("ix_competences_iri", "iri"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("competences.id", ondelete="CASCADE"), index=True
    )
    iri: Mapped[str] = mapped_column(String(IRI_LENGTH))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), default="")
    title_sv: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="")
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework: Mapped[Framework] = relationship(back_populates="competences")

    @property
    def title(self) -> str:
        return self.title_en or self.title_sv
