"""enrollments per resource link: unique on (person, resource link, journey)

A person's own choice of a journey (an individual assignment) is unique too; duplicates that
concurrent choices made are removed first (they are identical rows).

An enrollment belongs to the resource link the work is done under, so a score only ever goes to
that link's line item. Launches without a resource link keep one enrollment per course (a
partial unique index, since NULLs never collide in a unique constraint). Existing rows were
unique per (person, journey, course), hence also per (person, link, journey).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNLINKED = sa.text("resource_link_id IS NULL")
CHOSEN = sa.text("person_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("journey_enrollments", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_journey_enrollments_person_id_journey_id_context_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_journey_enrollments_person_id_resource_link_id_journey_id",
            ["person_id", "resource_link_id", "journey_id"],
        )
        batch_op.create_index(
            "uq_journey_enrollments_person_journey_context_unlinked",
            ["person_id", "journey_id", "context_id"],
            unique=True,
            postgresql_where=UNLINKED,
            sqlite_where=UNLINKED,
        )
    op.execute(
        "DELETE FROM journey_assignments WHERE person_id IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM journey_assignments AS earlier"
        " WHERE earlier.journey_id = journey_assignments.journey_id"
        " AND earlier.person_id = journey_assignments.person_id"
        " AND earlier.id < journey_assignments.id)"
    )
    with op.batch_alter_table("journey_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_journey_assignments_journey_person",
            ["journey_id", "person_id"],
            unique=True,
            postgresql_where=CHOSEN,
            sqlite_where=CHOSEN,
        )


def downgrade() -> None:
    # The old key cannot hold a learner's work under two links of one course; deleting either
    # would lose it, so going back is refused until an administrator has merged them.
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM (SELECT person_id FROM journey_enrollments"
                " GROUP BY person_id, journey_id, context_id HAVING count(*) > 1) AS twice"
            )
        )
        .scalar()
    )
    if duplicates:
        raise RuntimeError(
            f"{duplicates} learner(s) have enrollments under several links of one course; "
            "revision 0011 allows one per course. Keep one of each before downgrading."
        )
    with op.batch_alter_table("journey_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_journey_assignments_journey_person")
    with op.batch_alter_table("journey_enrollments", schema=None) as batch_op:
        batch_op.drop_index("uq_journey_enrollments_person_journey_context_unlinked")
        batch_op.drop_constraint(
            "uq_journey_enrollments_person_id_resource_link_id_journey_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_journey_enrollments_person_id_journey_id_context_id",
            ["person_id", "journey_id", "context_id"],
        )
