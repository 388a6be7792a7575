"""roster refreshes off the request path; single-use registration URL claims

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_registration_claims",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_lti_registration_claims_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_lti_registration_claims")),
    )
    with op.batch_alter_table("lti_registration_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_registration_claims_organization_id"),
            ["organization_id"],
            unique=False,
        )
    op.create_table(
        "roster_refreshes",
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["contexts.id"],
            name=op.f("fk_roster_refreshes_context_id_contexts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_roster_refreshes_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("context_id", name=op.f("pk_roster_refreshes")),
    )
    with op.batch_alter_table("roster_refreshes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_refreshes_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roster_refreshes_requested_at"), ["requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roster_refreshes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_refreshes_requested_at"))
        batch_op.drop_index(batch_op.f("ix_roster_refreshes_organization_id"))
    op.drop_table("roster_refreshes")
    with op.batch_alter_table("lti_registration_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_registration_claims_organization_id"))
    op.drop_table("lti_registration_claims")
