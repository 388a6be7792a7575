"""End-to-end fixtures: the real ``lti-journeys`` server in a subprocess and a headless Chromium.

The server is started through the virtualenv's ``lti-journeys`` console script on a free port,
with a migrated and seeded SQLite database in a temporary directory, and is always stopped.

The browser is Debian's ``chromium`` driven by its ``chromedriver`` through Selenium. Without
them the browser tests are skipped, unless ``LTI_JOURNEYS_REQUIRE_BROWSER=1`` (CI), which turns
the skip into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.workers import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRE_BROWSER = "LTI_JOURNEYS_REQUIRE_BROWSER"
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
STARTUP_SECONDS = 30.0


def skip_or_fail_without_browser(reason: str) -> None:
    """Skip the test, or fail it when the environment promises a browser."""
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason} ({REQUIRE_BROWSER}=1 requires the browser)", pytrace=False)
    pytest.skip(reason)


def _console_script() -> Path:
    """``lti-journeys`` next to the running interpreter, i.e. in the same virtualenv."""
    script = Path(sys.executable).parent / "lti-journeys"
    if not script.exists():
        pytest.fail(f"{script} not found; install the project with `pip install -e .[dev]`")
    return script


def _server_env(base_url: str, database_url: str) -> dict[str, str]:
    """The caller's environment without stray tool or Flask settings, plus the server's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LTI_JOURNEYS_", "FLASK_"))
    }
    env.update(
        {
            "LTI_JOURNEYS_ENV": "development",
            "LTI_JOURNEYS_DATABASE_URL": database_url,
            "LTI_JOURNEYS_BASE_URL": base_url,
            "LTI_JOURNEYS_SECRET_KEY": "e2e-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "LTI_JOURNEYS_DEMO_ENABLED": "true",
            "LTI_JOURNEYS_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            "LTI_JOURNEYS_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass(frozen=True)
class ToolServer:
    base_url: str
    log_path: Path
    # The demo LMS's own site, when it is not the tool's.
    demo_url: str | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def demo(self, path: str) -> str:
        return (self.demo_url or self.base_url) + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"lti-journeys exited with {process.returncode} on start:\n{log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"lti-journeys did not answer {url} within {STARTUP_SECONDS:.0f} s:\n{log}")


@contextmanager
def _serving(
    workdir: Path, base_url: str, port: int, extra_env: dict[str, str] | None = None
) -> Iterator[ToolServer]:
    """``lti-journeys run`` with the demo seeded, on ``port``, until the block ends."""
    env = {**_server_env(base_url, f"sqlite:///{workdir / 'demo.sqlite3'}"), **(extra_env or {})}
    script = _console_script()
    # The working directory is the temporary one, so no developer .env or .flaskenv is read.
    for command in (("db", "upgrade"), ("demo", "seed")):
        result = subprocess.run(
            [str(script), *command],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"lti-journeys {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
            )
    log_path = workdir / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(script),
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-debug",
                "--no-reload",
                "--with-threads",
            ],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(process, f"http://127.0.0.1:{port}/demo/", log_path)
        yield ToolServer(base_url=base_url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def tool_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolServer]:
    """The tool and its demo LMS on one site, for the whole session."""
    port = free_port()
    with _serving(tmp_path_factory.mktemp("tool-server"), f"http://127.0.0.1:{port}", port) as s:
        yield s


@pytest.fixture(scope="session")
def cross_site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolServer]:
    """The tool at ``http://localhost:PORT``; its demo LMS at ``http://127.0.0.1:PORT``.

    Two sites, so the tool in the demo's iframe is a third party to the browser. ``base_url``
    is the tool's; ``demo_url`` the platform's.
    """
    port = free_port()
    demo = f"http://127.0.0.1:{port}"
    with _serving(
        tmp_path_factory.mktemp("cross-site-server"),
        f"http://localhost:{port}",
        port,
        {"LTI_JOURNEYS_DEMO_PLATFORM_URL": demo},
    ) as server:
        yield ToolServer(base_url=server.base_url, log_path=server.log_path, demo_url=demo)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, driven by Selenium."""
    driver = chromium(tmp_path)
    try:
        yield driver
    finally:
        driver.quit()


def chromium(tmp_path: Path, prefs: dict[str, Any] | None = None) -> Any:
    """A headless Chromium with a fresh profile and these preferences; quit it when done."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        skip_or_fail_without_browser(
            f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail_without_browser("selenium is not installed (pip install selenium)")
        raise  # unreachable: skip and fail both raise

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=sv-SE",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    # A Swedish teacher's browser: the demo platform passes this locale on in the launch.
    options.add_experimental_option(
        "prefs", {"intl.accept_languages": "sv-SE,sv,en", **(prefs or {})}
    )
    service = Service(str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (git-ignored), for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- accessibility (axe-core from npm) ------------------------------------------------------
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        skip_or_fail_without_browser(f"{AXE} not found (npm ci installs axe-core)")
    return AXE.read_text(encoding="utf-8")


def page_replaced(old: Any) -> Any:
    """A wait condition: ``old`` (an element, usually the page's ``html``) left the document.

    Like selenium's ``staleness_of``, but Chromium reports an element of a document that was
    replaced inside a frame as "does not belong to the document", not as a stale element.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def replaced(_driver: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return replaced


def check_accessibility(browser: Any, axe_source: str, page: str) -> None:
    """Run axe-core in the current frame; any WCAG 2.1 A/AA violation fails with its details."""
    browser.execute_script(axe_source)
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})
          .then(r => done(JSON.stringify(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.html)})))))
          .catch(e => done(JSON.stringify([{id: 'axe-error', help: String(e)}])));
        """,
        WCAG_21_AA,
    )
    violations = json.loads(result)
    assert violations == [], f"accessibility violations on {page}:\n" + json.dumps(
        violations, indent=2, ensure_ascii=False
    )
