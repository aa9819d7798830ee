"""Browser fixtures: the portal served on loopback, driven in Debian's Chromium by Playwright.

The portal runs in a thread with Werkzeug's server against the test's own SQLite copy. A
second tiny server stands in for the neutral site the quick exit goes to, so the tests see
where the exit lands without touching the internet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine has no internet: stop Chromium calling home at start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class _NeutralSite(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        body = b"<!doctype html><title>Weather</title><h1>Weather forecast</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def neutral_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NeutralSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost", not 127.0.0.1: another site than the portal's, as the real neutral site is,
    # so what the exit clears (Clear-Site-Data) is tested across sites.
    yield f"http://localhost:{server.server_port}/weather"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, neutral_site) -> dict:
    # Served over http on loopback, so the session cookie cannot be Secure / __Host-.
    return {
        **app_config,
        "PORTAL_EXIT_URL": neutral_site,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "portal-session",
    }


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _watch(page: Page, problems: list[str], base: str) -> None:
    def _console(message):
        # A form with wrong answers comes back as 422 and is shown; Chromium logs every 4xx.
        if message.type == "error" and "status of 422" not in message.text:
            problems.append(message.text)

    page.on("console", _console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def _request(request):
        if not request.url.startswith((base, "data:", "about:")) and "/weather" not in request.url:
            problems.append(f"request to another host: {request.url}")

    page.on("request", _request)


@pytest.fixture
def page(browser, live_server, request) -> Iterator[Page]:
    """A phone-sized page with JavaScript. Fails the test on a console error, a CSP
    violation or any request to another host."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []
    _watch(page, problems, live_server)
    yield page
    _save_screenshot_on_failure(page, request)
    context.close()
    assert not problems, problems


@pytest.fixture
def page_without_js(browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    yield page
    _save_screenshot_on_failure(page, request)
    context.close()


def _save_screenshot_on_failure(page: Page, request) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
