"""registration origins: the sites allowed to frame the tool per platform registration

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 17:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_origins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_origins_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_origins")),
        sa.UniqueConstraint(
            "registration_id",
            "origin",
            name=op.f("uq_registration_origins_registration_id_origin"),
        ),
    )
    with op.batch_alter_table("registration_origins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_origins_registration_id"),
            ["registration_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("registration_origins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_origins_registration_id"))
    op.drop_table("registration_origins")
