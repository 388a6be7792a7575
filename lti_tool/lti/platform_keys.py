"""Platform public keys: a JWKS cache with exactly one refetch when a token names an unknown kid.

Platforms rotate their keys; a tool that caches forever breaks, one that fetches on every launch is
slow and fragile (pylti1p3's default). The cache is per process and only an optimisation: every
process can rebuild it from the platform's keyset URL.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from jwt import PyJWK
from jwt.exceptions import PyJWKError

from lti_tool.lti.errors import LaunchError
from lti_tool.lti.outbound import HttpError, OutboundPolicy

log = logging.getLogger(__name__)

MAX_JWKS_BYTES = 256 * 1024
# A token with a made-up kid must not let anyone make us hammer a platform.
MIN_REFETCH_INTERVAL_SECONDS = 2.0
# Locks of key-set URLs kept at once; the least recently used beyond these are dropped (at worst
# a dropped URL is fetched twice at the same moment).
MAX_KEYSET_LOCKS = 1024


@dataclass
class _Entry:
    keys: dict[str, dict[str, Any]]
    fetched_at: float
    # Keys already parsed for an algorithm: loading an RSA key costs more than verifying with it.
    parsed: dict[tuple[str, str], PyJWK] = field(default_factory=dict)


class PlatformKeyCache:
    """Cached JWKS per keyset URL, refetched on expiry or on an unknown kid."""

    def __init__(
        self, ttl_seconds: int, timeout_seconds: float, policy: OutboundPolicy | None = None
    ) -> None:
        self._ttl = ttl_seconds
        self._timeout = timeout_seconds
        self._policy = policy or OutboundPolicy()
        self._entries: dict[str, _Entry] = {}
        # Guards the dicts only, never held during a fetch: one slow platform must not stall the
        # key fetches of the others. Fetches of one key set wait for each other.
        self._lock = threading.Lock()
        self._keyset_locks: OrderedDict[str, threading.Lock] = OrderedDict()
        self.fetch_count = 0

    def get_key(self, keyset_url: str, kid: str, alg: str) -> PyJWK:
        """The platform's key ``kid`` for ``alg``; raises ``LaunchError`` when it has none."""
        now = time.monotonic()
        entry = self._entries.get(keyset_url)
        if (
            entry is None
            or now - entry.fetched_at > self._ttl
            or (kid not in entry.keys and now - entry.fetched_at >= MIN_REFETCH_INTERVAL_SECONDS)
        ):
            entry = self._fetch(keyset_url, entry)
        parsed = entry.parsed.get((kid, alg))
        if parsed is not None:
            return parsed
        jwk = entry.keys.get(kid)
        if jwk is None:
            raise LaunchError(
                "unknown_key",
                f"The platform's key set at {keyset_url} has no key with kid {kid!r}.",
            )
        if jwk.get("alg", alg) != alg:
            raise LaunchError(
                "bad_algorithm",
                f"The token says alg {alg} but the platform's key {kid!r} is for {jwk.get('alg')}.",
            )
        try:
            key = PyJWK(jwk, algorithm=alg)
        except PyJWKError as exc:
            raise LaunchError(
                "unknown_key", f"The platform's key {kid!r} is unusable: {exc}"
            ) from None
        entry.parsed[(kid, alg)] = key
        return key

    def prime(self, keyset_url: str, document: dict[str, Any]) -> None:
        """Seed the cache with a key set known in-process (the built-in demo platform)."""
        keys = {k["kid"]: k for k in document.get("keys", []) if isinstance(k, dict) and "kid" in k}
        with self._lock:
            self._entries[keyset_url] = _Entry(keys=keys, fetched_at=time.monotonic())

    def forget(self, keyset_url: str | None = None) -> None:
        with self._lock:
            if keyset_url is None:
                self._entries.clear()
            else:
                self._entries.pop(keyset_url, None)

    def _keyset_lock(self, keyset_url: str) -> threading.Lock:
        with self._lock:
            lock = self._keyset_locks.pop(keyset_url, None) or threading.Lock()
            self._keyset_locks[keyset_url] = lock
            while len(self._keyset_locks) > MAX_KEYSET_LOCKS:
                self._keyset_locks.popitem(last=False)
            return lock

    def _fetch(self, keyset_url: str, seen: _Entry | None) -> _Entry:
        with self._keyset_lock(keyset_url):
            current = self._entries.get(keyset_url)
            if current is not None and current is not seen:
                # Fetched (or primed) by another request while this one waited.
                return current
            return self._fetch_now(keyset_url)

    def _fetch_now(self, keyset_url: str) -> _Entry:
        # One sentence for every failure: what went wrong (a closed port, a refused address,
        # an HTTP status) is logged, not shown, so errors do not map the tool's network.
        unreachable = LaunchError(
            "keyset_unreachable",
            f"The platform's key set at {keyset_url} could not be fetched.",
            status=502,
        )
        try:
            response = self._policy.request(
                "GET",
                keyset_url,
                headers={"Accept": "application/json"},
                max_bytes=MAX_JWKS_BYTES,
                deadline_seconds=self._timeout,
            )
        except HttpError:
            raise unreachable from None
        if response.status != 200:
            log.warning("key set %s answered HTTP %s", keyset_url, response.status)
            raise unreachable
        try:
            document = json.loads(response.body)
            keys = {k["kid"]: k for k in document["keys"] if isinstance(k, dict) and "kid" in k}
        except (ValueError, KeyError, TypeError, RecursionError):
            log.warning("key set %s is not a JSON Web Key Set", keyset_url)
            raise unreachable from None
        entry = _Entry(keys=keys, fetched_at=time.monotonic())
        with self._lock:
            self.fetch_count += 1
            self._entries[keyset_url] = entry
        return entry
