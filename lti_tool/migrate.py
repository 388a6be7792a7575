"""Running Alembic from the app (``lti-journeys db upgrade``), never at app start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


def upgrade(engine: Engine, revision: str = "head", secret_key: str | None = None) -> None:
    """Upgrade to ``revision``; ``secret_key`` is the app's (data migrations that need it read
    the environment's settings when it is not given)."""
    cfg = alembic_config(engine)
    if secret_key is not None:
        cfg.attributes["secret_key"] = secret_key
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade to ``revision`` (a migration may refuse when it would lose data)."""
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def pending_model_changes(engine: Engine) -> list[object]:
    """Differences between the models and the migrated schema (empty when migrations are complete)."""
    from alembic.autogenerate import compare_metadata

    import lti_tool.models  # noqa: F401
    from lti_tool.db import Base
    from xapi.db import XapiBase

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        combined = MetaData()
        for metadata in (Base.metadata, XapiBase.metadata):
            for table in metadata.tables.values():
                table.to_metadata(combined)
        return list(compare_metadata(context, combined))
