"""organisation pseudonym keys

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:30:00.000000

Each organisation gets a key of its own for the pseudonyms in its xAPI statements. Until now the
key was derived from the secret key; existing organisations keep exactly that key, so pseudonyms
already stored in LRSs stay the same, and the secret key can rotate from now on without changing
them. Without a configured secret key the old keys cannot be known: those organisations get
random keys, and a warning says that their pseudonyms change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys

import sqlalchemy as sa
from alembic import context, op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# What the key was derived from before this revision (see ``_derived_key``).
PURPOSE = b"lti-journeys xapi pseudonyms"

organizations = sa.table(
    "organizations",
    sa.column("id", sa.Integer()),
    sa.column("xapi_pseudonym_key", sa.LargeBinary(length=32)),
)


def _configured_secret() -> str:
    """The secret key the app runs with: as passed by ``lti-journeys db upgrade``, else as
    the settings read it from the environment (``LTI_JOURNEYS_SECRET_KEY``, ``.env``)."""
    passed = context.config.attributes.get("secret_key")
    if isinstance(passed, str):
        return passed
    from config.settings import Settings

    return Settings().secret_key


def _derived_key(secret: str, organization_id: int) -> bytes:
    base = hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()
    return hmac.new(base, str(organization_id).encode(), hashlib.sha256).digest()


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("xapi_pseudonym_key", sa.LargeBinary(length=32), nullable=True)
        )
    bind = op.get_bind()
    ids = list(bind.execute(sa.select(organizations.c.id).order_by(organizations.c.id)).scalars())
    secret = _configured_secret() if ids else ""
    if ids and not secret:
        sys.stderr.write(
            "WARNING: LTI_JOURNEYS_SECRET_KEY is not set, so the pseudonym keys of the "
            f"{len(ids)} existing organisation(s) cannot be derived as before. Each gets a new "
            "random key: pseudonyms in statements recorded from now on will not match those "
            "already in LRSs. To keep them, downgrade to 0015, set the secret key the tool ran "
            "with, and upgrade again.\n"
        )
    for organization_id in ids:
        key = _derived_key(secret, organization_id) if secret else secrets.token_bytes(32)
        bind.execute(
            organizations.update()
            .where(organizations.c.id == organization_id)
            .values(xapi_pseudonym_key=key)
        )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.alter_column(
            "xapi_pseudonym_key", existing_type=sa.LargeBinary(length=32), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("xapi_pseudonym_key")
