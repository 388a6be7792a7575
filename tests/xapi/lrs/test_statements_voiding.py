"""Voiding: voided statements leave queries but stay readable by voidedStatementId."""

from __future__ import annotations

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.statement_samples import (
    VOIDED,
    error_message,
    get_one,
    ids_of,
    new_id,
    post,
    query,
    statement,
)


def voiding(target: str, **overrides: object) -> dict[str, object]:
    return statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}, **overrides
    )


def test_voided_statement_only_by_voided_statement_id(lrs: LrsClient) -> None:
    [target] = post(lrs, statement())
    [voider] = post(lrs, voiding(target))
    assert lrs.get("statements", params={"statementId": target}).status_code == 404
    assert get_one(lrs, voider)["object"]["id"] == target
    response = lrs.get("statements", params={"voidedStatementId": target})
    assert response.status_code == 200
    assert response.get_json()["id"] == target
    assert target not in ids_of(query(lrs))
    assert voider in ids_of(query(lrs))


def test_voided_statement_id_of_a_statement_that_is_not_voided_is_404(lrs: LrsClient) -> None:
    [target] = post(lrs, statement())
    assert lrs.get("statements", params={"voidedStatementId": target}).status_code == 404


def test_voiding_a_voiding_statement_is_refused(lrs: LrsClient) -> None:
    [target] = post(lrs, statement())
    [voider] = post(lrs, voiding(target))
    response = lrs.post("statements", json_body=voiding(voider))
    assert response.status_code == 400
    assert "voiding statements cannot be voided" in error_message(response)
    assert get_one(lrs, voider)["id"] == voider


def test_voiding_before_the_target_arrives(lrs: LrsClient) -> None:
    target = new_id()
    post(lrs, voiding(target))
    post(lrs, statement(id=target))
    assert lrs.get("statements", params={"statementId": target}).status_code == 404
    assert lrs.get("statements", params={"voidedStatementId": target}).status_code == 200


def test_voiding_within_one_batch(lrs: LrsClient) -> None:
    target = new_id()
    post(lrs, [statement(id=target), voiding(target)])
    assert lrs.get("statements", params={"voidedStatementId": target}).status_code == 200


def test_voiding_an_already_voided_statement_is_accepted(lrs: LrsClient) -> None:
    [target] = post(lrs, statement())
    post(lrs, voiding(target))
    post(lrs, voiding(target))
    assert lrs.get("statements", params={"voidedStatementId": target}).status_code == 200


def test_statements_targeting_a_voided_statement_still_match_its_filters(lrs: LrsClient) -> None:
    verb = "http://example.com/verbs/unique-" + new_id()
    [target] = post(lrs, statement(verb={"id": verb}))
    [voider] = post(lrs, voiding(target))
    [reference] = post(
        lrs, statement(verb={"id": verb}, object={"objectType": "StatementRef", "id": target})
    )
    assert ids_of(query(lrs, verb=verb)) == [reference, voider]
    assert ids_of(query(lrs, verb=verb, limit="1")) == [reference]
