"""Browser test fixtures: Chromium, the built site served on 127.0.0.1, and a page watcher.

Fixtures other tests rely on (keep their names):
  chromium_path, chromium_args, browser_type_launch_args  Chromium as web-testing.md describes it
  site_dir, site_url            the bundled site built once, served at http://127.0.0.1:PORT/
  subpath_site_dir, subpath_url the bundled site built for and served under /trek/
  axe_script, vnu_jar, lighthouse_bin, java_bin           the audit tools, checked
  watch_page(page) -> PageReport   records console errors, failed, 4xx and off-site requests
  open_page(page, url) -> PageReport   watch_page, then go to url and wait for load
  run_axe(page) -> list[violation]      axe-core with the WCAG 2.2 AA and best-practice tags

When a tool is missing, tests skip with the reason; under CI (env CI set) they fail instead,
saying what to install.
"""

from __future__ import annotations

import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response, Route

from trekgen.build import build

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "roadmap"
NODE_MODULES = ROOT / "node_modules"
SUBPATH = "/trek/"
HOST = "127.0.0.1"

# Without these flags Chromium keeps calling home on a closed network (web-testing.md).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Only violations are needed; axe then skips collecting the details of every pass.
AXE_RUN = """tags => axe.run(document, {
  runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"""
NPM_HINT = "run `npm ci` at the repository top (scripts/test does it)"


def in_ci() -> bool:
    """True under CI, where a missing tool is a failure, never a skip."""
    return os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


def require(present: bool, what: str, install: str) -> None:
    """Fail under CI, skip elsewhere, when a tool the test needs is missing."""
    if present:
        return
    message = f"{what} is missing; {install}"
    if in_ci():
        pytest.fail(f"CI is set, so browser tests never skip: {message}", pytrace=False)
    pytest.skip(message)


def chromium_executable() -> str:
    """CHROMIUM_PATH when set (even if wrong, so a bad value is noticed), else the system one."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable, checked to exist."""
    path = chromium_executable()
    require(
        Path(path).is_file() and os.access(path, os.X_OK), f"Chromium ({path})",
        "install it with `apt-get install chromium` or set CHROMIUM_PATH to its executable",
    )
    return path


@pytest.fixture(scope="session")
def browser_tmpdir() -> Iterator[Path]:
    """A TMPDIR for Chromium, removed at the end: it leaves org.chromium.Chromium.* folders."""
    folder = Path(tempfile.mkdtemp(prefix="trekgen-chromium-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Command-line flags for every Chromium the tests start (Playwright and Lighthouse)."""
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_path: str, chromium_args: list[str],
    browser_tmpdir: Path,
) -> dict[str, Any]:
    """pytest-playwright launches the system Chromium: `playwright install` cannot run here."""
    env = {**os.environ, "TMPDIR": str(browser_tmpdir)}
    return {
        **browser_type_launch_args, "executable_path": chromium_path, "args": chromium_args,
        "env": env,
    }


# --- the tools of the audits -------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script, to inject into pages."""
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    require(path.is_file(), "node_modules/axe-core", NPM_HINT)
    return path


@pytest.fixture(scope="session")
def java_bin() -> str:
    """The java executable (the Nu HTML Checker runs on Java 17+)."""
    java = shutil.which("java")
    require(java is not None, "Java", "install it with `apt-get install default-jre-headless`")
    assert java is not None
    return java


@pytest.fixture(scope="session")
def vnu_jar(java_bin: str) -> Path:
    """The Nu HTML Checker's jar."""
    path = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    require(path.is_file(), "node_modules/vnu-jar", NPM_HINT)
    return path


@pytest.fixture(scope="session")
def lighthouse_bin(chromium_path: str) -> Path:
    """Lighthouse's command line (runs on Node, drives the same Chromium)."""
    node = shutil.which("node")
    require(node is not None, "Node", "install it with `apt-get install nodejs npm`")
    path = NODE_MODULES / ".bin" / "lighthouse"
    require(path.exists(), "node_modules/.bin/lighthouse", NPM_HINT)
    return path


# --- the site, built and served ----------------------------------------------------------


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site under a prefix, as GitHub Pages does: 404.html for what is missing."""

    prefix = "/"
    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain class dict
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
        ".json": "application/json", ".svg": "image/svg+xml", ".xml": "application/xml",
        ".txt": "text/plain", ".wasm": "application/wasm",
    }

    def send_head(self) -> Any:
        """Everything outside the prefix is missing."""
        if not urlsplit(self.path).path.startswith(self.prefix):
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        """Map /prefix/x to DIR/x."""
        return super().translate_path("/" + path.removeprefix(self.prefix))

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """No directory listings: a folder without index.html is missing."""
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The site's own 404.html, with status 404, like GitHub Pages."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""


@dataclass
class SiteServer:
    """A ThreadingHTTPServer on 127.0.0.1 and a free port, serving `folder` under `prefix`."""

    folder: Path
    prefix: str = "/"
    server: http.server.ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        handler = type("Handler", (SiteHandler,), {"prefix": self.prefix})
        self.server = http.server.ThreadingHTTPServer(
            (HOST, 0), partial(handler, directory=str(self.folder))
        )
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT/prefix/"""
        return f"http://{HOST}:{self.server.server_address[1]}{self.prefix}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def site_dir(bundled_site: Path) -> Path:
    """The bundled site built once (no base URL), read-only."""
    return bundled_site


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """The bundled site served at the root: http://127.0.0.1:PORT/."""
    server = SiteServer(site_dir)
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def _subpath_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    # The port must be known before the build, since the base URL holds it.
    folder = tmp_path_factory.mktemp("subpath") / "site"
    server = SiteServer(folder, SUBPATH)
    build(BUNDLED, folder, base_url=server.url)
    yield server
    server.close()


@pytest.fixture(scope="session")
def subpath_site_dir(_subpath_server: SiteServer) -> Path:
    """The bundled site built with --base-url http://127.0.0.1:PORT/trek/, read-only."""
    return _subpath_server.folder


@pytest.fixture(scope="session")
def subpath_url(_subpath_server: SiteServer) -> str:
    """The sub-path site's URL, http://127.0.0.1:PORT/trek/; nothing outside /trek/ exists."""
    return _subpath_server.url


# --- watching a page ---------------------------------------------------------------------

# Resource types that count toward a page's weight budget (images and fonts do not).
WEIGHED = {"document", "stylesheet", "script", "fetch", "xhr", "other"}


@dataclass
class PageReport:
    """What went wrong while a page loaded and ran, and what it weighed."""

    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    finished: list[Request] = field(default_factory=list)

    def clear(self) -> None:
        """Forget what was recorded, to reuse the page for the next address."""
        for records in (self.console_errors, self.bad_responses, self.failed_requests,
                        self.external_requests, self.finished):
            records.clear()

    def problems(self, allow: Collection[str] = ()) -> list[str]:
        """Every problem, one line each; `allow` lists URLs expected to answer 4xx (a 404 page)."""
        bad = [r for r in self.bad_responses if r.split(" ", 1)[1] not in allow]
        console = [
            m for m in self.console_errors
            if not any(m.endswith(f"({url})") and "Failed to load resource" in m for url in allow)
        ]
        return [
            *(f"console error: {m}" for m in console),
            *(f"HTTP {r}" for r in bad),
            *(f"request failed: {r}" for r in self.failed_requests),
            *(f"request left the site: {r}" for r in self.external_requests),
        ]

    def weight(self) -> int:
        """Bytes of HTML, CSS, JS and data the page loaded (images and fonts excluded)."""
        return sum(
            r.sizes()["responseBodySize"] for r in self.finished if r.resource_type in WEIGHED
        )


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine's test server (or inside the page)."""
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == HOST


def watch(page: Page) -> PageReport:
    """Record the page's problems from now on; requests leaving 127.0.0.1 are blocked."""
    report = PageReport()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            report.console_errors.append(f"{message.text} ({where})")

    def response(answer: Response) -> None:
        if answer.status >= 400:
            report.bad_responses.append(f"{answer.status} {unquote(answer.url)}")

    def failed(request: Request) -> None:
        if is_local(request.url):
            report.failed_requests.append(f"{request.url} ({request.failure})")

    def external(route: Route) -> None:
        report.external_requests.append(route.request.url)
        route.abort("blockedbyclient")

    page.on("console", console)
    page.on("pageerror", lambda error: report.console_errors.append(f"uncaught {error}"))
    page.on("response", response)
    page.on("requestfailed", failed)
    page.on("requestfinished", lambda request: report.finished.append(request))
    page.route(lambda url: not is_local(url), external)
    return report


def visit(page: Page, url: str) -> PageReport:
    """Watch the page, go to `url` and wait until it has loaded."""
    report = watch(page)
    page.goto(url, wait_until="load")
    return report


def axe(page: Page, script: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(script))
    result: dict[str, Any] = page.evaluate(AXE_RUN, AXE_TAGS)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_axe(violations: list[dict[str, Any]]) -> list[str]:
    """axe violations as short lines: rule, impact, the first few elements and why."""
    lines = []
    for v in violations:
        for node in v["nodes"][:3]:
            why = " ".join(node.get("failureSummary", "").split())
            lines.append(f"axe {v['id']} ({v['impact']}): {node['target']} {why}")
    return lines


@pytest.fixture
def watch_page() -> Callable[[Page], PageReport]:
    """watch_page(page) -> PageReport: start recording console errors and bad requests."""
    return watch


@pytest.fixture
def open_page() -> Callable[[Page, str], PageReport]:
    """open_page(page, url) -> PageReport: watch, go to url, wait for load."""
    return visit


@pytest.fixture
def run_axe(axe_script: Path) -> Callable[[Page], list[dict[str, Any]]]:
    """run_axe(page) -> violations (empty when the page passes)."""
    return lambda page: axe(page, axe_script)
