"""The parameters of GET /statements: parsing, leniency for common clients, ``more`` tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, fields
from datetime import datetime

from xapi.lrs.agents import ifi_key, parse_agent_param
from xapi.lrs.errors import BadRequestError
from xapi.lrs.request import check_param
from xapi.lrs.validation import is_iri, is_uuid, parse_timestamp

QUERY_PARAMS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
)
FORMATS = ("exact", "ids", "canonical")
# The parsed field that holds each parameter (the agent is kept as its identifier).
_FIELD = {name: "agent_ifi" if name == "agent" else name for name in QUERY_PARAMS}
# A date, one space, a time: RFC 3339 (5.6) allows the space for T, and Python clients send it
# (str() of a datetime, as the tincan package does).
_SPACE_SEPARATOR = re.compile(r"^(\d{4}-\d{2}-\d{2}) (?=\d)")


def _boolean(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    # Any letter case: Python clients send str(True), "True" (the tincan package does).
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise BadRequestError(f"The {name!r} parameter must be true or false, got {value[:20]!r}.")
    return lowered == "true"


def _timestamp(params: dict[str, str], name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_timestamp(_SPACE_SEPARATOR.sub(r"\1T", value))
    except ValueError:
        raise BadRequestError(f"The {name!r} parameter must be an ISO 8601 timestamp.") from None


@dataclass
class StatementQuery:
    """The parsed parameters of GET /statements (a list query)."""

    params: dict[str, str]
    agent_ifi: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int | None = None

    @classmethod
    def parse(cls, params: dict[str, str], after_seq: int | None = None) -> StatementQuery:
        unknown = sorted(set(params) - set(QUERY_PARAMS))
        if unknown:
            raise BadRequestError(
                f"Unknown parameter(s) {', '.join(unknown)} for GET statements (parameters are "
                f"case sensitive; use {', '.join(QUERY_PARAMS)}, statementId or voidedStatementId)."
            )
        query = cls(params=dict(params), after_seq=after_seq)
        if "agent" in params:
            query.agent_ifi = ifi_key(parse_agent_param(params["agent"]))
        if "verb" in params:
            if not is_iri(params["verb"]):
                raise BadRequestError("The 'verb' parameter must be an IRI (a verb id).")
            query.verb = params["verb"]
        if "activity" in params:
            if not is_iri(params["activity"]):
                raise BadRequestError("The 'activity' parameter must be an IRI (an activity id).")
            query.activity = params["activity"]
        if "registration" in params:
            if not is_uuid(params["registration"]):
                raise BadRequestError("The 'registration' parameter must be a UUID.")
            query.registration = params["registration"].lower()
        query.related_activities = _boolean(params, "related_activities")
        query.related_agents = _boolean(params, "related_agents")
        query.attachments = _boolean(params, "attachments")
        query.ascending = _boolean(params, "ascending")
        query.since = _timestamp(params, "since")
        query.until = _timestamp(params, "until")
        if "limit" in params:
            raw = params["limit"]
            # isdigit() also accepts "²" and other scripts' digits: ASCII digits only.
            if not (raw.isascii() and raw.isdigit()):
                raise BadRequestError(
                    "The 'limit' parameter must be a non-negative integer in digits 0-9."
                )
            # Any limit beyond a page is a page; a thousand-digit one need not be converted.
            query.limit = int(raw) if len(raw) <= 18 else 10**18
        if "format" in params:
            if params["format"] not in FORMATS:
                raise BadRequestError("The 'format' parameter must be ids, exact or canonical.")
            query.format = params["format"]
        return query

    @property
    def has_filters(self) -> bool:
        return any(
            v is not None for v in (self.agent_ifi, self.verb, self.activity, self.registration)
        )

    def more_token(self, last_seq: int) -> str:
        raw = json.dumps({"p": self.params, "a": last_seq}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def from_more(cls, token: str, repeated: dict[str, str] | None = None) -> StatementQuery:
        """The query a ``more`` token continues.

        ``repeated`` are parameters sent beside the token: clients such as Ralph's LRS reader
        send the first request's parameters again with every ``more`` request. They are
        accepted when they mean what the token's query means (in any spelling the parameters
        accept); a different value would make the page ambiguous, so it is refused.
        """
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            params, after = data["p"], data["a"]
            if not isinstance(params, dict) or not isinstance(after, int):
                raise ValueError
            if not 0 <= after < 2**63:
                raise ValueError
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise BadRequestError("The 'more' parameter is not a token this LRS issued.") from None
        # A token is only base64: a forged one may carry what the query string may not.
        for name, value in params.items():
            check_param(name, value)
        query = cls.parse(params, after_seq=after)
        if repeated:
            query.check_repeated(cls.parse(repeated))
        return query

    def check_repeated(self, other: StatementQuery) -> None:
        """``BadRequestError`` naming the first parameter of ``other`` that means otherwise."""
        compared = {f.name for f in fields(self)} - {"params", "after_seq"}
        for name in sorted(other.params):
            field = _FIELD[name]
            if field in compared and getattr(other, field) != getattr(self, field):
                raise BadRequestError(
                    f"The {name!r} parameter differs from the query that the 'more' token "
                    "continues; send the 'more' token alone or with that query's parameters."
                )
