"""Exit speed: how long "Leave this site" takes, with and without clearing the cache. A
benchmark, not a test.

The exit answers with Clear-Site-Data. With "cache" in it (PORTAL_EXIT_CLEAR_CACHE true)
the browser empties this site's cache before it follows the redirect, which may slow the
way out; without it (false) only cookies and storage are cleared. This measures both in
Debian's Chromium: the time from the click on the exit to the end of the neutral page's
load event, after the browser cache has been warmed by visiting a few pages.

Both timestamps are taken inside the browser (the click by a capturing listener on the
portal's page, the load end from the neutral page's navigation timing), so Playwright's own
overhead is not counted. The two settings run alternately, RUNS times each, so a slow spell
on the machine hits both. Nothing leaves the machine: the portal and the stand-in neutral
site are served on loopback.

Run from the repository root:

    .venv/bin/python bench/exit_speed.py
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = 20
WARM_UP_RUNS = 2  # per setting, not counted: the first runs pay for starting things up
WARM_PAGES = ["/en/", "/en/services", "/en/services?need=safe-accommodation"]
EXIT_FROM = "/en/services/wall-brookes-house"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}


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


@contextmanager
def serve_neutral_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NeutralSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # "localhost", not 127.0.0.1: another site, as a real neutral site is. On the same
        # site Chromium may keep the portal's renderer, and its memory cache with it, so
        # revisiting after the exit revalidates files the exit had cleared.
        yield f"http://localhost:{server.server_port}/weather"
    finally:
        server.shutdown()
        server.server_close()


def make_database(directory: Path) -> str:
    from portal.database import Database
    from portal.directory.load import load_directory
    from portal.migrate import upgrade

    url = f"sqlite:///{directory / 'portal.sqlite3'}"
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_directory(session)
    database.dispose()
    return url


class Portal:
    """The portal served on loopback, noting how each static file request was answered."""

    def __init__(self, base: str):
        self.base = base
        self.static_statuses: list[int] = []


@contextmanager
def serve_portal(database_url: str, exit_url: str, clear_cache: bool) -> Iterator[Portal]:
    from werkzeug.serving import make_server

    from portal import create_app

    app = create_app(
        {
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_EXIT_URL": exit_url,
            "PORTAL_EXIT_CLEAR_CACHE": clear_cache,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_NAME": "portal-session",
        }
    )
    portal = Portal("")
    wsgi_app = app.wsgi_app

    def noting_static_statuses(environ, start_response):
        def start(status, headers, exc_info=None):
            if environ.get("PATH_INFO", "").startswith("/static/"):
                portal.static_statuses.append(int(status[:3]))
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    app.wsgi_app = noting_static_statuses
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    portal.base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield portal
    finally:
        server.shutdown()
        app.extensions["portal.database"].dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def clear_site_data(base: str) -> str:
    """The Clear-Site-Data header the exit sends (checked before timing anything)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{base}/exit")
    except urllib.error.HTTPError as redirect:
        return redirect.headers.get("Clear-Site-Data", "")
    raise SystemExit(f"{base}/exit did not redirect")


# Runs in the portal's page: note when the exit is clicked, before the page's own handler.
NOTE_CLICK = """() => document.addEventListener("click", event => {
    if (event.target.closest("#quick-exit")) {
        window.benchClicked(performance.timeOrigin + performance.now());
    }
}, {capture: true})"""

LOAD_END = """() => {
    const [navigation] = performance.getEntriesByType("navigation");
    return navigation && navigation.loadEventEnd > 0
        ? performance.timeOrigin + navigation.loadEventEnd : null;
}"""


class Runner:
    """One browser context for one setting: its cache survives from run to run unless the
    exit clears it, as a real browser's would."""

    def __init__(self, browser, base: str, neutral: str):
        self.base, self.neutral = base, neutral
        self.context = browser.new_context(viewport=PHONE)
        self.page = self.context.new_page()
        self.clicks: list[float] = []
        self.page.expose_function("benchClicked", lambda at: self.clicks.append(at))
        self.page.on("pageerror", lambda error: sys.exit(f"error on the page: {error}"))

    def warm(self) -> None:
        for path in WARM_PAGES:
            self.page.goto(f"{self.base}{path}", wait_until="load")

    def once(self) -> float:
        """Milliseconds from clicking "Leave this site" to the neutral page's load end."""
        self.warm()
        self.page.goto(f"{self.base}{EXIT_FROM}", wait_until="load")
        self.page.evaluate(NOTE_CLICK)
        self.clicks.clear()
        self.page.get_by_role("link", name="Leave this site").click()
        self.page.wait_for_url(self.neutral, wait_until="load")
        handle = self.page.wait_for_function(LOAD_END)
        load_end = handle.json_value()
        if len(self.clicks) != 1:
            raise SystemExit(f"expected one click noted, got {self.clicks}")
        return load_end - self.clicks[0]

    def close(self) -> None:
        self.context.close()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def main() -> int:
    from cryptography.fernet import Fernet
    from playwright.sync_api import sync_playwright

    os.environ["PORTAL_ENV"] = "development"
    os.environ.setdefault("PORTAL_DATA_KEY", Fernet.generate_key().decode())
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    settings = {"with cache clearing": True, "without cache clearing": False}
    timings: dict[str, list[float]] = {name: [] for name in settings}
    headers: dict[str, str] = {}

    with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
        database_url = make_database(Path(directory))
        with serve_neutral_site() as neutral:
            servers = {}
            with (
                serve_portal(database_url, neutral, True) as clearing,
                serve_portal(database_url, neutral, False) as keeping,
                sync_playwright() as playwright,
            ):
                servers = {"with cache clearing": clearing, "without cache clearing": keeping}
                for name, portal in servers.items():
                    headers[name] = clear_site_data(portal.base)
                    if ('"cache"' in headers[name]) != settings[name]:
                        raise SystemExit(f"{name}: unexpected Clear-Site-Data {headers[name]}")
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                runners = {name: Runner(browser, p.base, neutral) for name, p in servers.items()}
                for run in range(WARM_UP_RUNS + RUNS):
                    if run == WARM_UP_RUNS:
                        for portal in servers.values():
                            portal.static_statuses.clear()
                    for name, runner in runners.items():
                        milliseconds = runner.once()
                        if run >= WARM_UP_RUNS:
                            timings[name].append(milliseconds)
                for runner in runners.values():
                    runner.close()
                browser.close()

    print(f"Exit speed: click on the exit to the neutral page's load end, {RUNS} runs each")
    print(f"Chromium {CHROMIUM}, cache warmed by {', '.join(WARM_PAGES)} before each run\n")
    print(f"{'setting':<24} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  Clear-Site-Data")
    for name, values in timings.items():
        print(
            f"{name:<24} {statistics.median(values):>7.1f}ms {percentile(values, 0.95):>7.1f}ms "
            f"{min(values):>7.1f}ms {max(values):>7.1f}ms  {headers[name]}"
        )
    # Evidence the setting did what it says: after an exit that cleared the cache, the next
    # visit downloads the static files again (200); otherwise it revalidates them (304).
    print("\nStatic files per run (the warm-up visits after the previous exit):")
    for name, portal in servers.items():
        full = portal.static_statuses.count(200) / RUNS
        revalidated = portal.static_statuses.count(304) / RUNS
        print(f"  {name:<24} {full:4.1f} downloaded in full, {revalidated:4.1f} revalidated (304)")
    difference = statistics.median(timings["with cache clearing"]) - statistics.median(
        timings["without cache clearing"]
    )
    print(f"\nMedian with cache clearing minus median without: {difference:+.1f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
