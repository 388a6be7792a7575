"""privacy min group: the smallest group an organisation's aggregate views may show

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("privacy_min_group", sa.Integer(), server_default="5", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_organizations_privacy_min_group_range"),
            "privacy_min_group BETWEEN 2 AND 100",
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organizations_privacy_min_group_range"), type_="check")
        batch_op.drop_column("privacy_min_group")
