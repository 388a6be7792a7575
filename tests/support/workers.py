"""What keeps parallel test workers (pytest-xdist) apart: names, ports and key prefixes.

``make test`` runs the suite on several processes. Each has its own PostgreSQL databases (named
by process id in ``tests.support.database``), its own temporary directory (pytest's
``tmp_path_factory`` is per worker), and the helpers here for what the processes share: the
loopback ports and the Redis server.
"""

from __future__ import annotations

import os
import socket

# Each worker takes ports from its own residue class, so no two workers of one run are ever
# handed the same port between the probe below and their server's own bind.
_ATTEMPTS = 200

# The Redis server every worker shares; each test keeps to keys under its own prefix.
REDIS_URL = os.environ.get("LTI_JOURNEYS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def worker_id() -> str:
    """``gw0``, ``gw1``… under pytest-xdist; ``main`` in a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_index() -> int:
    """The worker's number (0 in a serial run)."""
    name = worker_id()
    return int(name[2:]) if name.startswith("gw") else 0


def worker_count() -> int:
    """How many workers this run has (1 in a serial run)."""
    return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def free_port() -> int:
    """A loopback port free right now, of this worker's share of the ports.

    The kernel picks it (at random in its ephemeral range, so side-by-side runs rarely meet);
    the port's remainder by the worker count picks the worker, so parallel workers never race
    for one port. Halved first: Linux hands out ports of one parity to ``bind`` (the other is
    kept for ``connect``).
    """
    count, index = worker_count(), worker_index()
    for _ in range(_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if (port // 2) % count == index:
            return port
    raise RuntimeError(f"no free port for worker {worker_id()} in {_ATTEMPTS} attempts")


def redis_prefix(label: str) -> str:
    """A key prefix of this worker alone, for tests that write to the shared Redis server."""
    return f"test-{worker_id()}-{os.getpid()}-{label}:"
