"""What the workers that call platform services share: sessions, tokens, key, options, clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from lti_tool.db import utcnow
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.services import AccessTokens

OptionsT = TypeVar("OptionsT")
TotalsT = TypeVar("TotalsT")


class ServiceWorker(Generic[OptionsT, TotalsT]):
    """A worker that leases queued rows and calls a platform service for each.

    Subclasses name their options and totals types; ``key`` loads the tool's signing key in a
    session. On PostgreSQL leasing skips rows another worker has locked.
    """

    options_type: type[OptionsT]
    totals_type: type[TotalsT]

    def __init__(
        self,
        factory: sessionmaker[Session],
        tokens: AccessTokens,
        key: Callable[[Session], SigningKey],
        options: OptionsT | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.factory = factory
        self.tokens = tokens
        self.key = key
        self.options: OptionsT = options if options is not None else self.options_type()
        self.clock = clock
        self.rng = rng
        self.totals: TotalsT = self.totals_type()
        bind = factory.kw.get("bind")
        self.skip_locked = bind is not None and bind.dialect.name == "postgresql"
        # Called on every turn of ``run`` where a worker records heartbeats (readiness).
        self.heartbeat: Callable[[], None] | None = None
