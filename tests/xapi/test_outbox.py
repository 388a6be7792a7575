"""The outbox: rows per statement and matching target, in the caller's transaction only."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from tests.support.xapi_delivery import EXPERIENCED, JOURNEY, make_statement
from xapi import outbox
from xapi.delivery_models import DEAD, PENDING, LrsTarget, OutboxEntry
from xapi.lrs.models import Statement
from xapi.lrs.statement_store import store_statements
from xapi.targets import TargetFilter, add_target, primary_target

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://tool.test", "name": "tool"}}


def _session(app: Flask) -> Session:
    return get_database(app).sessionmaker()


def _target(app: Flask, name: str, tenant: str | None = None, **kw: object) -> LrsTarget:
    with _session(app) as session:
        return add_target(
            session,
            name=name,
            endpoint=f"https://{name}.example.se/xapi",
            key="k",
            secret="s",
            tenant=tenant,
            **kw,  # type: ignore[arg-type]
        )


def _rows(app: Flask) -> list[OutboxEntry]:
    with _session(app) as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def test_enqueue_without_targets_adds_nothing(app: Flask) -> None:
    with _session(app) as session:
        assert outbox.enqueue(session, [make_statement()], "1") == 0
        session.commit()
    assert _rows(app) == []


def test_enqueue_needs_the_final_statement_id(app: Flask) -> None:
    _target(app, "lrs-a")
    statement = make_statement()
    del statement["id"]
    with _session(app) as session, pytest.raises(ValueError, match="final 'id'"):
        outbox.enqueue(session, [statement], "1")
    with _session(app) as session, pytest.raises(ValueError, match="final 'id'"):
        outbox.enqueue(session, [make_statement(id="not-a-uuid")], "1")


def test_one_row_per_statement_and_matching_target(app: Flask) -> None:
    everyone = _target(app, "everyone")
    own = _target(app, "own", tenant="1")
    _target(app, "other", tenant="2")
    statements = [make_statement() for _ in range(3)]
    with _session(app) as session:
        assert outbox.enqueue(session, statements, "1") == 6
        session.commit()
    rows = _rows(app)
    assert sorted((r.target_id, r.statement_id) for r in rows) == sorted(
        (t.id, s["id"]) for t in (everyone, own) for s in statements
    )
    assert {r.state for r in rows} == {PENDING}
    assert {r.tenant for r in rows} == {"1"}
    # The payload is the statement itself, with its id: every retry sends the same thing.
    first = next(r for r in rows if r.statement_id == statements[0]["id"])
    assert json.loads(first.payload) == statements[0]


def test_enqueue_never_commits_and_a_rollback_records_nothing(app: Flask) -> None:
    _target(app, "lrs-a")
    with _session(app) as session:
        assert outbox.enqueue(session, [make_statement(), make_statement()], "1") == 2
        # Not visible to anyone else before the caller commits.
        assert _rows(app) == []
        session.rollback()
    assert _rows(app) == []
    with _session(app) as session:
        outbox.enqueue(session, [make_statement()], "1")
        session.commit()
    assert len(_rows(app)) == 1


def test_the_same_statement_is_queued_once_per_target(app: Flask) -> None:
    _target(app, "lrs-a")
    statement = make_statement()
    for _ in range(2):
        with _session(app) as session:
            outbox.enqueue(session, [statement], "1")
            session.commit()
    assert len(_rows(app)) == 1


def test_filter_by_verb_and_activity_prefix(app: Flask) -> None:
    by_verb = _target(app, "by-verb", verbs=[EXPERIENCED])
    by_activity = _target(app, "by-activity", activity_prefixes=["https://other.example.se/"])
    both = _target(app, "both", verbs=[EXPERIENCED], activity_prefixes=[JOURNEY])
    experienced = make_statement(verb=EXPERIENCED)
    completed = make_statement()
    # Matched through a context activity (grouping, in the 1.0 single-object form).
    other_course = make_statement(
        context={"contextActivities": {"grouping": {"id": "https://other.example.se/course/7"}}}
    )
    with _session(app) as session:
        outbox.enqueue(session, [experienced, completed, other_course], "1")
        session.commit()
    queued = {(r.target_id, r.statement_id) for r in _rows(app)}
    assert queued == {
        (by_verb.id, experienced["id"]),
        (by_activity.id, other_course["id"]),
        (both.id, experienced["id"]),
    }


def test_primary_target_is_the_tenants_own_then_the_global_one(app: Flask) -> None:
    with _session(app) as session:
        assert primary_target(session, "1") is None  # the embedded LRS
    _target(app, "global-primary", primary=True)
    _target(app, "own-primary", tenant="1", primary=True)
    with _session(app) as session:
        own = primary_target(session, "1")
        other = primary_target(session, "2")
        assert own is not None and own.name == "own-primary"
        assert other is not None and other.name == "global-primary"


def _store_in_embedded_lrs(app: Flask, tenant: str, count: int) -> list[str]:
    statements = [make_statement() for _ in range(count)]
    with _session(app) as session:
        store_statements(session, tenant, statements, authority=AUTHORITY, version="1.0.3")
        session.commit()
    return [s["id"] for s in statements]


def test_replay_queues_stored_statements_without_lrs_properties(app: Flask) -> None:
    old = _store_in_embedded_lrs(app, "1", 2)
    with _session(app) as session:
        session.execute(
            update(Statement)
            .where(Statement.statement_id.in_(old))
            .values(stored=datetime(2020, 1, 1, tzinfo=UTC))
        )
        session.commit()
    recent = _store_in_embedded_lrs(app, "1", 3)
    _store_in_embedded_lrs(app, "2", 2)  # another tenant's statements
    target = _target(app, "new-lrs", tenant="1")
    since = datetime.now(UTC) - timedelta(days=1)
    with _session(app) as session:
        result = outbox.replay(session, target, since)
    assert (result.scanned, result.matched, result.enqueued) == (3, 3, 3)
    rows = _rows(app)
    assert [r.statement_id for r in rows] == recent  # stored order
    payload = json.loads(rows[0].payload)
    assert payload["id"] == recent[0]
    assert not {"stored", "authority", "version"} & set(payload)
    # Again: everything is already queued.
    with _session(app) as session:
        assert outbox.replay(session, target, since).enqueued == 0


def test_replay_for_a_target_of_every_tenant_applies_its_filter(app: Flask) -> None:
    _store_in_embedded_lrs(app, "1", 2)
    _store_in_embedded_lrs(app, "2", 2)
    everything = _target(app, "all-tenants")
    filtered = _target(app, "filtered", verbs=[EXPERIENCED])
    since = datetime.now(UTC) - timedelta(days=1)
    with _session(app) as session:
        assert outbox.replay(session, everything, since).enqueued == 4
        result = outbox.replay(session, filtered, since)
    assert (result.scanned, result.matched, result.enqueued) == (4, 0, 0)


def test_retry_dead_puts_dead_rows_back_in_the_queue(app: Flask) -> None:
    first = _target(app, "first")
    second = _target(app, "second")
    with _session(app) as session:
        outbox.enqueue(session, [make_statement(), make_statement()], "1")
        session.execute(update(OutboxEntry).values(state=DEAD, error="HTTP 400: no"))
        session.commit()
    with _session(app) as session:
        letters = outbox.dead_letters(session, first)
        assert [d.reason for d in letters] == ["HTTP 400: no", "HTTP 400: no"]
        assert outbox.retry_dead(session, first) == 2
        assert outbox.retry_dead(session) == 2  # the second target's
        assert outbox.retry_dead(session, second) == 0
    assert {(r.state, r.error) for r in _rows(app)} == {(PENDING, None)}


FILTERS = [
    TargetFilter(),
    TargetFilter(verbs=(EXPERIENCED,)),
    TargetFilter(verbs=(EXPERIENCED, "http://adlnet.gov/expapi/verbs/completed")),
    TargetFilter(activity_prefixes=(JOURNEY,)),
    TargetFilter(activity_prefixes=("https://other.example.se/", JOURNEY + "/steps/1")),
    TargetFilter(verbs=(EXPERIENCED,), activity_prefixes=("https://other.example.se/",)),
]
SAMPLES = [
    make_statement(),
    make_statement(verb=EXPERIENCED),
    make_statement(activity="https://other.example.se/x", context=None),
    make_statement(verb=EXPERIENCED, context={"contextActivities": {"other": [{"id": "urn:x"}]}}),
    make_statement(object={"objectType": "Agent", "mbox": "mailto:a@example.se"}, context=None),
    make_statement(
        verb=EXPERIENCED,
        object={"objectType": "StatementRef", "id": "0e4bd6a6-7d3f-4c8a-9f2e-5d6c7b8a9f01"},
        context={"contextActivities": {"category": [{"id": "https://other.example.se/c"}]}},
    ),
]


def test_the_database_applies_filters_exactly_as_target_filter_matches(app: Flask) -> None:
    """enqueue filters in SQL; replay and the status use TargetFilter: they must agree."""
    targets = [
        _target(
            app,
            f"filter-{n}",
            verbs=list(flt.verbs),
            activity_prefixes=list(flt.activity_prefixes),
        )
        for n, flt in enumerate(FILTERS)
    ]
    samples = [{**s, "id": str(uuid.uuid4())} for s in SAMPLES]
    with _session(app) as session:
        outbox.enqueue(session, samples, "1")
        session.commit()
    queued = {(r.target_id, r.statement_id) for r in _rows(app)}
    expected = {
        (t.id, s["id"])
        for t, flt in zip(targets, FILTERS, strict=True)
        for s in samples
        if flt.matches(s)
    }
    assert queued == expected
    assert len(expected) > len(samples)  # the cases really differ


def test_a_json_null_or_empty_filter_is_no_condition(app: Flask) -> None:
    target = _target(app, "lrs-a")
    for value in ([], None):
        with _session(app) as session:
            session.execute(
                update(LrsTarget).values(verbs=value, activity_prefixes=value)  # JSON null
            )
            session.commit()
            assert outbox.enqueue(session, [make_statement()], "1") == 1
            session.commit()
    assert {r.target_id for r in _rows(app)} == {target.id}
