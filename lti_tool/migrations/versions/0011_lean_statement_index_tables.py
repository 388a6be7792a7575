"""lean statement index tables: lookup-order primary keys, no foreign keys

The agent and activity index rows of a statement are written in the same SQL statement as the
statement itself and deleted explicitly by erasure and retention, so their foreign keys only
cost a check per row on the ingest path; their surrogate ids cost a sequence call and an index
each. The lookup index becomes the primary key.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = (
    ("xapi_statement_agents", "ifi"),
    ("xapi_statement_activities", "activity_id"),
)


def upgrade() -> None:
    for table, key in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_seq_xapi_statements", type_="foreignkey")
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.drop_index(f"ix_{table}_lookup")
            batch_op.drop_column("id")
            batch_op.create_primary_key(f"pk_{table}", ["tenant", key, "related", "seq"])


def downgrade() -> None:
    for table, key in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
        # A surrogate key again: a new column filled from a sequence (PostgreSQL) or the rowid.
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {table} ADD COLUMN id BIGSERIAL")
        else:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column("id", BIG_ID, nullable=True))
            op.execute(f"UPDATE {table} SET id = rowid")  # noqa: S608 (fixed table names)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("id", existing_type=BIG_ID, nullable=False)
            batch_op.create_primary_key(f"pk_{table}", ["id"])
            batch_op.create_index(f"ix_{table}_lookup", ["tenant", key, "related", "seq"])
            batch_op.create_foreign_key(
                f"fk_{table}_seq_xapi_statements",
                "xapi_statements",
                ["seq"],
                ["seq"],
                ondelete="CASCADE",
            )
