"""Run the ADL LRS conformance test suite against the embedded LRS, for xAPI 1.0.3 and 2.0.0.

The suite (github.com/adlnet/lrs-conformance-test-suite, Node.js) is not part of this
repository: check it out anywhere, run ``npm install`` in it, and give its path:

    python scripts/lrs_conformance.py --suite ../lrs-conformance-test-suite
    python scripts/lrs_conformance.py --suite PATH --version 2.0.0 --grep "Statement Resource" --failures

For each version the script starts the tool under gunicorn on a fresh database (SQLite by
default, ``--database-url`` for PostgreSQL), creates an organisation and an LRS credential with
scope ``all``, runs the suite against ``http://127.0.0.1:PORT/xapi`` and prints the pass counts
read from the suite's JSON log (its exit code is not reliable).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "lti-journeys"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"lti-journeys {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _slug(version: str) -> str:
    return "conformance-" + version.replace(".", "")


def _start_lrs(
    version: str, database_url: str | None, workdir: Path
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_JOURNEYS_")}
    env.update(
        {
            "LTI_JOURNEYS_ENV": "development",
            "LTI_JOURNEYS_DATABASE_URL": database_url or f"sqlite:///{workdir / 'lrs.sqlite3'}",
            "LTI_JOURNEYS_BASE_URL": base,
            "LTI_JOURNEYS_SECRET_KEY": "conformance-run-secret-key-0123456789abcdef",
            "LTI_JOURNEYS_LRS_DEFAULT_VERSION": version,
            "LTI_JOURNEYS_DEMO_ENABLED": "false",
            "LTI_JOURNEYS_LOG_LEVEL": "WARNING",
        }
    )
    _cli(env, "db", "upgrade")
    # One organisation (an LRS tenant of its own) per version, so both runs can share a database.
    _cli(env, "org", "add", "--slug", _slug(version), "--name", f"Conformance run, xAPI {version}")
    log = (workdir / f"gunicorn-{version}.log").open("wb")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/xapi/about", timeout=1).status_code == 200:
                return server, base, env
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"The LRS did not start; see {log.name}")


def _failures(node: dict[str, Any], path: list[str]) -> list[str]:
    found: list[str] = []
    title = node.get("title") or node.get("name") or ""
    here = [*path, title] if title else path
    if node.get("status") == "failed" and not node.get("tests"):
        error = str(node.get("error") or "").splitlines()[0:1]
        found.append(" > ".join(here) + (f"  [{error[0][:160]}]" if error else ""))
    for child in node.get("tests") or []:
        found += _failures(child, here)
    return found


def run_suite(suite: Path, version: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server, base, env = _start_lrs(version, args.database_url, workdir)
    try:
        credential = json.loads(
            _cli(
                env,
                "lrs",
                "credential",
                "add",
                "--org",
                _slug(version),
                "--scopes",
                "all",
                "--json",
            )
        )
        logs = suite / "logs"
        before = set(logs.glob("*.log")) if logs.exists() else set()
        command = [
            "node", "bin/console_runner.js", "-e", base + "/xapi", "-a",
            "-u", credential["key"], "-p", credential["secret"], "-x", version,
        ]  # fmt: skip
        if args.grep:
            command += ["-g", args.grep]
        started = time.monotonic()
        subprocess.run(
            command, cwd=suite, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        elapsed = time.monotonic() - started
        new_logs = sorted(set(logs.glob("*.log")) - before, key=lambda p: p.stat().st_mtime)
        if not new_logs:
            sys.exit("The suite wrote no log; run it by hand to see why.")
        result = json.loads(new_logs[-1].read_text())
        summary = result.get("summary") or {}
        failures = _failures({"tests": result.get("log", {}).get("tests", [])}, [])
        return {
            "version": version,
            "elapsed": elapsed,
            "log": str(new_logs[-1]),
            **summary,
            "failures": failures,
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite", required=True, type=Path, help="checkout of lrs-conformance-test-suite"
    )
    parser.add_argument("--version", choices=["1.0.3", "2.0.0", "both"], default="both")
    parser.add_argument("--grep", help="only tests whose title matches this regular expression")
    parser.add_argument("--database-url", help="run on this (empty) database instead of SQLite")
    parser.add_argument("--failures", action="store_true", help="list every failing test")
    args = parser.parse_args()
    suite = args.suite.resolve()
    if not (suite / "bin" / "console_runner.js").exists():
        sys.exit(
            f"{suite} is not a checkout of lrs-conformance-test-suite (no bin/console_runner.js)."
        )
    if not (suite / "node_modules").exists():
        sys.exit(f"Run `npm install` in {suite} first.")
    if shutil.which("node") is None:
        sys.exit("Node.js is needed to run the suite.")
    versions = ["1.0.3", "2.0.0"] if args.version == "both" else [args.version]
    results = []
    for version in versions:
        with tempfile.TemporaryDirectory(prefix="lrs-conformance-") as tmp:
            print(f"running the suite for xAPI {version} ...", flush=True)
            results.append(run_suite(suite, version, args, Path(tmp)))
    print()
    print(f"{'version':<8} {'total':>6} {'passed':>7} {'failed':>7} {'seconds':>8}")
    for r in results:
        print(
            f"{r['version']:<8} {r.get('total', 0):>6} {r.get('passed', 0):>7} {r.get('failed', 0):>7} {r['elapsed']:>8.1f}"
        )
    for r in results:
        if args.failures and r["failures"]:
            print(f"\nfailing tests for {r['version']} (log: {r['log']}):")
            for line in r["failures"]:
                print("  -", line)


if __name__ == "__main__":
    main()
