"""roster refresh errors: the platform's reason for a failed roster fetch, for the progress page

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_refreshes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_refreshes", schema=None) as batch_op:
        batch_op.drop_column("error")
