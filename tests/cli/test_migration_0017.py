"""Migration 0017 gives each organisation its own pseudonym key, keeping existing pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, defer

from lti_tool import migrate
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization
from tests.conftest import TOOL_URL
from xapi.statements import Person, actor_agent

SECRET = "a-secret-key-the-tool-ran-with-0123456789"


def _organisations_at_0015(engine: Engine, count: int = 2) -> None:
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        for number in range(1, count + 1):
            conn.execute(
                text(
                    "INSERT INTO organizations (id, slug, name, xapi_pseudonymise,"
                    " xapi_include_identity, created_at) VALUES (:id, :slug, :name, :on, :off, :at)"
                ),
                {
                    "id": number * 7,
                    "slug": f"org-{number}",
                    "name": f"Organisation {number}",
                    "on": True,
                    "off": False,
                    "at": datetime(2026, 11, 1, tzinfo=UTC),
                },
            )


def _old_pseudonym(secret: str, organization_id: int, sub: str) -> str:
    """The pseudonym as the tool made it before 0017: a key derived from the secret key."""
    base = hmac.new(secret.encode(), b"lti-journeys xapi pseudonyms", hashlib.sha256).digest()
    key = hmac.new(base, str(organization_id).encode(), hashlib.sha256).digest()
    return hmac.new(key, sub.encode(), hashlib.sha256).hexdigest()


def _pseudonyms(engine: Engine, sub: str) -> dict[int, str]:
    recording = Recording(TOOL_URL)
    with Session(engine) as session:
        return {
            org.id: actor_agent(
                Person(issuer="https://lms.test", sub=sub), recording.policy(org)
            ).account.name
            # Columns of later revisions are not there yet at 0017.
            for org in session.scalars(
                select(Organization).options(
                    defer(Organization.privacy_min_group), defer(Organization.reminder_email)
                )
            )
        }


def test_migration_0017_keeps_the_pseudonyms_made_with_the_secret_key(
    empty_engine: Engine,
) -> None:
    _organisations_at_0015(empty_engine)
    migrate.upgrade(empty_engine, "0017", secret_key=SECRET)
    assert _pseudonyms(empty_engine, "user-1") == {
        7: _old_pseudonym(SECRET, 7, "user-1"),
        14: _old_pseudonym(SECRET, 14, "user-1"),
    }


def test_migration_0017_reads_the_secret_key_from_the_settings_environment(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LTI_JOURNEYS_SECRET_KEY", SECRET)
    _organisations_at_0015(empty_engine, count=1)
    migrate.upgrade(empty_engine, "0017")
    assert _pseudonyms(empty_engine, "user-1") == {7: _old_pseudonym(SECRET, 7, "user-1")}


def test_migration_0017_without_a_secret_key_gives_random_keys_and_warns(
    empty_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _organisations_at_0015(empty_engine)
    migrate.upgrade(empty_engine, "0017", secret_key="")
    with empty_engine.connect() as conn:
        keys = [
            bytes(k) for k in conn.scalars(text("SELECT xapi_pseudonym_key FROM organizations"))
        ]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) == 32 for k in keys)
    assert "LTI_JOURNEYS_SECRET_KEY is not set" in capsys.readouterr().err


def test_migration_0017_downgrades_and_upgrades_to_a_schema_matching_the_models(
    empty_engine: Engine,
) -> None:
    _organisations_at_0015(empty_engine, count=1)
    migrate.upgrade(empty_engine, "0017", secret_key=SECRET)
    migrate.downgrade(empty_engine, "0015")
    columns = {c["name"] for c in inspect(empty_engine).get_columns("organizations")}
    assert "xapi_pseudonym_key" not in columns
    migrate.upgrade(empty_engine, secret_key=SECRET)
    key = next(
        c
        for c in inspect(empty_engine).get_columns("organizations")
        if c["name"] == "xapi_pseudonym_key"
    )
    assert key["nullable"] is False
    assert migrate.pending_model_changes(empty_engine) == []
