"""school unit codes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_unit_code", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_units_organization_id_school_unit_code"),
            ["organization_id", "school_unit_code"],
        )


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_units_organization_id_school_unit_code"), type_="unique"
        )
        batch_op.drop_column("school_unit_code")
