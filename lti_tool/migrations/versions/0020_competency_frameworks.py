"""competency frameworks: an organisation's frameworks and their trees of competences

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competency_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("iri", sa.String(length=500), nullable=False),
        sa.Column("title_sv", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_competency_frameworks_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_frameworks")),
        sa.UniqueConstraint(
            "organization_id", "iri", name=op.f("uq_competency_frameworks_organization_id_iri")
        ),
    )
    with op.batch_alter_table("competency_frameworks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competency_frameworks_organization_id"),
            ["organization_id"],
            unique=False,
        )
    op.create_table(
        "competences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("iri", sa.String(length=500), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title_sv", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("description_sv", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["competency_frameworks.id"],
            name=op.f("fk_competences_framework_id_competency_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["competences.id"],
            name=op.f("fk_competences_parent_id_competences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competences")),
        sa.UniqueConstraint("framework_id", "iri", name=op.f("uq_competences_framework_id_iri")),
    )
    with op.batch_alter_table("competences", schema=None) as batch_op:
        batch_op.create_index("ix_competences_iri", ["iri"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_competences_framework_id"), ["framework_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_competences_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competences_parent_id"))
        batch_op.drop_index(batch_op.f("ix_competences_framework_id"))
        batch_op.drop_index("ix_competences_iri")
    op.drop_table("competences")
    with op.batch_alter_table("competency_frameworks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competency_frameworks_organization_id"))
    op.drop_table("competency_frameworks")
