"""Erasing an agent's data and purging expired statements (xapi.lrs.erasure)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import get_database
from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.document_samples import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_profile_params,
    state_params,
    store,
)
from xapi.lrs import erasure
from xapi.lrs.models import (
    Attachment,
    Document,
    ErasureRecord,
    Statement,
    StatementActivity,
    StatementAgent,
)
from xapi.lrs.statement_store import store_statements
from xapi.lrs.validation import VOIDED_VERB

ANNA = {"objectType": "Agent", "name": "Anna", "mbox": "mailto:anna@example.se"}
BO = {"objectType": "Agent", "name": "Bo", "mbox": "mailto:bo@example.se"}
TEACHER = {"objectType": "Agent", "account": {"homePage": "https://lms.example.se", "name": "t1"}}
LRS = erasure.lrs_agent("http://tool.test")
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://tool.test", "name": "test"}}


def statement(
    actor: dict[str, Any], target: dict[str, Any] | None = None, **more: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": target or {"id": "http://example.com/activities/a"},
        **more,
    }


def ref(statement_id: str) -> dict[str, Any]:
    return {"objectType": "StatementRef", "id": statement_id}


@pytest.fixture
def lrs(app: Flask) -> LrsClient:
    return make_lrs_client(app, "t1", ["all"], "2.0.0")


def post(lrs: LrsClient, *statements: dict[str, Any]) -> None:
    response = lrs.post("statements", json_body=list(statements))
    assert response.status_code == 200, response.get_json()


def stored_ids(app: Flask, tenant: str = "t1") -> set[str]:
    with get_database(app).session() as session:
        return set(
            session.scalars(select(Statement.statement_id).where(Statement.tenant == tenant))
        )


def erase(app: Flask, agent: dict[str, Any], tenant: str = "t1") -> erasure.ErasureResult:
    with get_database(app).session() as session:
        return erasure.erase_agent(session, tenant, agent, authority=LRS)


def test_erase_removes_statements_with_the_agent_as_actor_or_object(
    app: Flask, lrs: LrsClient
) -> None:
    as_actor = statement(ANNA)
    as_object = statement(TEACHER, ANNA)
    in_group = statement({"objectType": "Group", "name": "G", "member": [BO, ANNA]})
    as_instructor = statement(BO, context={"instructor": ANNA})
    unrelated = statement(BO)
    post(lrs, as_actor, as_object, in_group, as_instructor, unrelated)

    result = erase(app, {"mbox": "mailto:anna@example.se"})

    assert result.removal.statements == 3
    assert stored_ids(app) == {as_instructor["id"], unrelated["id"]}
    with get_database(app).session() as session:
        remaining = {s for (s,) in session.execute(select(StatementAgent.seq))}
        remaining |= {s for (s,) in session.execute(select(StatementActivity.seq))}
        seqs = set(session.scalars(select(Statement.seq)))
        assert remaining <= seqs
    query = lrs.get("statements", params={"agent": json.dumps(ANNA)})
    assert query.get_json()["statements"] == []


def test_erase_removes_state_and_agent_profile_documents_of_the_agent_only(
    app: Flask, lrs: LrsClient
) -> None:
    store(lrs, STATE, state_params(agent=json.dumps(ANNA)), {"page": 1})
    store(lrs, AGENT_PROFILE, agent_profile_params(agent=json.dumps(ANNA)), {"theme": "dark"})
    store(lrs, STATE, state_params(agent=json.dumps(BO)), {"page": 2})
    store(lrs, ACTIVITY_PROFILE, activity_profile_params(), {"max": 3})

    result = erase(app, ANNA)

    assert result.documents == 2
    with get_database(app).session() as session:
        kinds = sorted(session.scalars(select(Document.kind)))
    assert kinds == ["activity_profile", "state"]
    assert lrs.get(STATE, params=state_params(agent=json.dumps(BO))).status_code == 200
    assert lrs.get(STATE, params=state_params(agent=json.dumps(ANNA))).status_code == 404


def test_voiding_statements_of_erased_statements_are_removed(app: Flask, lrs: LrsClient) -> None:
    mine = statement(ANNA)
    post(lrs, mine)
    voiding = statement(TEACHER, ref(mine["id"]), verb={"id": VOIDED_VERB})
    post(lrs, voiding)

    result = erase(app, ANNA)

    assert result.removal.statements == 2
    assert result.removal.voiding_removed == 1
    assert stored_ids(app) == set()


def test_statements_referring_to_erased_ones_are_voided(app: Flask, lrs: LrsClient) -> None:
    mine = statement(ANNA)
    comment = statement(TEACHER, ref(mine["id"]), result={"response": "Well done"})
    second = statement(BO, ref(comment["id"]))
    post(lrs, mine, comment, second)

    result = erase(app, ANNA)

    assert result.removal.referrers_voided == 1
    assert lrs.get("statements", params={"statementId": comment["id"]}).status_code == 404
    voided = lrs.get("statements", params={"voidedStatementId": comment["id"]})
    assert voided.status_code == 200
    # The referrer of the (voided, still stored) comment does not dangle: it stays as it is.
    assert lrs.get("statements", params={"statementId": second["id"]}).status_code == 200
    # The voiding statement is the LRS's own.
    listed = lrs.get("statements", params={"verb": VOIDED_VERB}).get_json()["statements"]
    assert [s["object"]["id"] for s in listed] == [comment["id"]]
    assert listed[0]["actor"]["account"]["name"] == "lrs-data-protection"


def test_erasure_record_has_counts_and_no_personal_data(app: Flask, lrs: LrsClient) -> None:
    post(lrs, statement(ANNA), statement(ANNA))
    result = erase(app, ANNA)
    with get_database(app).session() as session:
        record = session.get(ErasureRecord, result.record_id)
        assert record is not None
        assert (record.tenant, record.statements_removed, record.documents_removed) == ("t1", 2, 0)
        assert "anna" not in record.reason.lower()
        assert "2 statement(s) removed" in record.reason
        assert record.created_at is not None


def test_erase_leaves_other_tenants_alone(app: Flask, lrs: LrsClient) -> None:
    other = make_lrs_client(app, "t2", ["all"], "2.0.0")
    theirs = statement(ANNA)
    post(other, theirs)
    post(lrs, statement(ANNA))
    erase(app, ANNA)
    assert stored_ids(app, "t2") == {theirs["id"]}


def test_erase_of_an_unknown_agent_removes_nothing(app: Flask, lrs: LrsClient) -> None:
    post(lrs, statement(BO))
    result = erase(app, ANNA)
    assert (result.removal.statements, result.documents) == (0, 0)
    assert len(stored_ids(app)) == 1


def _attachment(content: bytes) -> tuple[dict[str, Any], str]:
    sha2 = hashlib.sha256(content).hexdigest()
    declaration = {
        "usageType": "http://example.com/attachment",
        "display": {"en-US": "file"},
        "contentType": "text/plain",
        "length": len(content),
        "sha2": sha2,
    }
    return declaration, sha2


def test_attachments_only_erased_statements_used_are_removed(app: Flask) -> None:
    only_hers, only_sha = _attachment(b"her essay")
    shared, shared_sha = _attachment(b"the assignment")
    with get_database(app).session() as session:
        store_statements(
            session,
            "t1",
            [
                statement(ANNA, attachments=[only_hers, shared]),
                statement(BO, attachments=[shared]),
            ],
            authority=AUTHORITY,
            attachments={
                only_sha: ("text/plain", b"her essay"),
                shared_sha: ("text/plain", b"the assignment"),
            },
        )
        session.commit()
    result = erase(app, ANNA)
    assert result.removal.attachments == 1
    with get_database(app).session() as session:
        assert set(session.scalars(select(Attachment.sha2))) == {shared_sha}


# -- retention ------------------------------------------------------------------------------------
def test_retention_is_set_changed_and_cleared(app: Flask) -> None:
    with get_database(app).session() as session:
        assert erasure.get_retention(session, "t1") is None
        erasure.set_retention(session, "t1", 30)
        erasure.set_retention(session, "t1", 90)
        assert erasure.get_retention(session, "t1") == 90
        assert erasure.get_retention(session, "t2") is None
        erasure.set_retention(session, "t1", None)
        assert erasure.get_retention(session, "t1") is None
        with pytest.raises(ValueError):
            erasure.set_retention(session, "t1", 0)


def _age(app: Flask, ids: list[str], days: int) -> None:
    with get_database(app).session() as session:
        session.execute(
            update(Statement)
            .where(Statement.statement_id.in_(ids))
            .values(stored=datetime.now(UTC) - timedelta(days=days))
        )
        session.commit()


def test_purge_removes_statements_stored_before_the_period(app: Flask, lrs: LrsClient) -> None:
    old = [statement(ANNA) for _ in range(7)]
    new = statement(ANNA)
    post(lrs, *old, new)
    _age(app, [s["id"] for s in old], 40)
    seen: list[int] = []
    with get_database(app).session() as session:
        assert erasure.purge_expired(session, "t1", authority=LRS) is None  # no period
        erasure.set_retention(session, "t1", 30)
        result = erasure.purge_expired(session, "t1", authority=LRS, batch=3, progress=seen.append)
        assert result is not None
        assert result.removal.statements == 7
        assert seen == [3, 6, 7]
        record = session.get(ErasureRecord, result.record_id)
        assert record is not None
        assert record.statements_removed == 7
        assert "retention 30 days" in record.reason
        assert session.scalar(select(func.count()).select_from(StatementAgent)) == 2
    assert stored_ids(app) == {new["id"]}


def test_purge_voids_newer_referrers_and_removes_expiring_ones(app: Flask, lrs: LrsClient) -> None:
    old = statement(ANNA)
    old_referrer = statement(TEACHER, ref(old["id"]))
    new_referrer = statement(BO, ref(old["id"]))
    voiding = statement(TEACHER, ref(old["id"]), verb={"id": VOIDED_VERB})
    post(lrs, old, old_referrer, new_referrer)
    post(lrs, voiding)
    _age(app, [old["id"], old_referrer["id"]], 400)
    with get_database(app).session() as session:
        result = erasure.purge_expired(session, "t1", authority=LRS, days=365)
    assert result is not None
    assert result.removal.statements == 3  # old, its old referrer, the dangling voiding one
    assert result.removal.referrers_voided == 1
    assert lrs.get("statements", params={"statementId": new_referrer["id"]}).status_code == 404
    assert (
        lrs.get("statements", params={"voidedStatementId": new_referrer["id"]}).status_code == 200
    )
