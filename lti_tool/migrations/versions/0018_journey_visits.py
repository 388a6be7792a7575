"""journey visits: server-measured time on a journey's pages

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journey_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["journey_enrollments.id"],
            name=op.f("fk_journey_visits_enrollment_id_journey_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_visits")),
        sa.UniqueConstraint("key", name=op.f("uq_journey_visits_key")),
    )
    with op.batch_alter_table("journey_visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journey_visits_enrollment_ended", ["enrollment_id", "ended_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("journey_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_journey_visits_enrollment_ended")
    op.drop_table("journey_visits")
