"""Independent xAPI clients (tincan, Ralph's LRS reader) read the LRS over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from ralph.backends.data.lrs import LRSDataBackend, LRSDataBackendSettings
from ralph.backends.lrs.base import LRSStatementsQuery
from tincan import RemoteLRS, Verb

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.statement_samples import VERB, post, statement

# Pages of two: five statements take three pages, so every reader has to follow ``more``.
PAGE = 2
COUNT = 5


@dataclass
class Served:
    """The LRS behind a real HTTP server, and a credential for it."""

    url: str
    lrs: LrsClient


@pytest.fixture
def served(app: Flask, live_url: str) -> Served:
    return Served(live_url, make_lrs_client(app, "t1", ["all"]))


def _store(lrs: LrsClient) -> list[str]:
    """COUNT statements, oldest first, and one with another verb that no filter matches."""
    ids = [post(lrs, statement())[0] for _ in range(COUNT)]
    post(lrs, statement(verb={"id": "http://example.com/verbs/other"}))
    return ids


def _tincan(served: Served) -> RemoteLRS:
    return RemoteLRS(
        endpoint=served.url + "/xapi/",
        username=served.lrs.key,
        password=served.lrs.secret,
        version="1.0.3",
    )


def test_ralph_reader_pages_through_every_statement(served: Served) -> None:
    ids = _store(served.lrs)
    backend = LRSDataBackend(
        LRSDataBackendSettings(
            BASE_URL=served.url,
            USERNAME=served.lrs.key,
            PASSWORD=served.lrs.secret,
            STATEMENTS_ENDPOINT="/xapi/statements",
        )
    )
    # Ralph's reader sends the original parameters again with every ``more`` request.
    read = backend.read(query=LRSStatementsQuery(verb=VERB["id"]), chunk_size=PAGE)
    assert [s["id"] for s in read] == ids[::-1]


def test_tincan_pages_through_every_statement_with_its_parameter_forms(served: Served) -> None:
    ids = _store(served.lrs)
    lrs = _tincan(served)
    # tincan sends str() of its values: ascending=True and since "2026-01-01 00:00:00+00:00".
    since = datetime.now(UTC) - timedelta(hours=1)
    response = lrs.query_statements(
        {"verb": Verb(id=VERB["id"]), "limit": PAGE, "ascending": True, "since": since}
    )
    assert response.success, response.data
    seen = [str(s.id) for s in response.content.statements]
    pages = 1
    while response.content.more:
        response = lrs.more_statements(response.content)
        assert response.success, response.data
        seen += [str(s.id) for s in response.content.statements]
        pages += 1
    assert seen == ids
    assert pages == 3


def test_tincan_reads_the_about_resource(served: Served) -> None:
    response = _tincan(served).about()
    assert response.success, response.data
    assert "1.0.3" in response.content.version
