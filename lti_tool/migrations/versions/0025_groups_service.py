"""the course groups service of a course (LTI Course Groups, Canvas group sets)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contexts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("groups_url", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("group_sets_url", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contexts", schema=None) as batch_op:
        batch_op.drop_column("group_sets_url")
        batch_op.drop_column("groups_url")
