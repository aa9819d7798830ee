"""Page weight: how many bytes a phone on a poor connection must fetch. A benchmark, not a test.

Builds the app on a temporary SQLite file holding the real directory, then, with Flask's test
client, measures for a few key pages:

* the HTML alone, gzipped at level 6 (what a typical server sends), against 14 kB: about
  what the first round trip of a new connection can carry, so the page can start to show
  after one round trip;
* a first visit: that HTML plus every same-site stylesheet, script and icon it references
  (found by parsing <link> and <script> for /static/ addresses), each gzipped on its own as
  a server would send it, against 60 kB.

1 kB = 1000 bytes. Prints a table and the goals with OK or OVER; exits 1 if a goal is missed.

Run from the repository root, after `make packages` (static/vendor/htmx.min.js):

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [
    "/en/",
    "/en/services",
    "/en/services/wall-brookes-house",
    "/en/refer/about-you",
]
HTML_GOAL = 14_000
FIRST_VISIT_GOAL = 60_000
GZIP_LEVEL = 6
# <link rel=...> values the browser fetches on a first visit (alternate, canonical: no).
FETCHED_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


class _References(HTMLParser):
    """Same-site /static/ addresses a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._add(attributes.get("src"))
        elif tag == "link":
            rels = set((attributes.get("rel") or "").lower().split())
            if rels & FETCHED_RELS:
                self._add(attributes.get("href"))

    def _add(self, address: str | None) -> None:
        if not address:
            return
        parts = urlsplit(address)
        if parts.scheme or parts.netloc:
            return  # another host: the CSP would block it anyway
        if parts.path.startswith("/static/") and parts.path not in self.paths:
            self.paths.append(parts.path)


def static_references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.paths


@dataclass
class Measure:
    raw: int
    gz: int


@dataclass
class PageWeight:
    path: str
    html: Measure
    assets: dict[str, Measure] = field(default_factory=dict)

    @property
    def first_visit_gz(self) -> int:
        return self.html.gz + sum(asset.gz for asset in self.assets.values())

    @property
    def first_visit_raw(self) -> int:
        return self.html.raw + sum(asset.raw for asset in self.assets.values())


def build_app(directory: Path):
    """The app in development mode on a fresh SQLite file loaded with the real directory."""
    from cryptography.fernet import Fernet

    os.environ["PORTAL_ENV"] = "development"
    # A throwaway key, so that development mode does not write one under instance/.
    os.environ.setdefault("PORTAL_DATA_KEY", Fernet.generate_key().decode())

    from portal import create_app
    from portal.database import Database
    from portal.directory.load import load_directory
    from portal.migrate import upgrade

    url = f"sqlite:///{directory / 'portal.sqlite3'}"
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_directory(session)
    database.dispose()
    return create_app({"PORTAL_DATABASE_URL": url, "TESTING": True})


def fetch(client, path: str) -> bytes:
    response = client.get(path)
    try:
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}, not 200: nothing to measure")
        return response.get_data()
    finally:
        response.close()


def measure(client, path: str, cache: dict[str, Measure]) -> PageWeight:
    html = fetch(client, path)
    weight = PageWeight(path, Measure(len(html), gzipped_size(html)))
    for asset in static_references(html.decode("utf-8")):
        if asset not in cache:
            data = fetch(client, asset)
            cache[asset] = Measure(len(data), gzipped_size(data))
        weight.assets[asset] = cache[asset]
    return weight


def kb(size: int) -> str:
    return f"{size / 1000:.1f} kB"


def verdict(size: int, goal: int) -> str:
    return "OK" if size <= goal else "OVER"


def report(weights: list[PageWeight], assets: dict[str, Measure]) -> bool:
    print(f"Page weight, gzip level {GZIP_LEVEL} (1 kB = 1000 bytes)\n")
    print(f"{'static file':<36} {'raw':>10} {'gzip':>10}")
    for path, size in sorted(assets.items()):
        print(f"{path:<36} {kb(size.raw):>10} {kb(size.gz):>10}")
    print()
    header = f"{'page':<36} {'HTML raw':>10} {'HTML gz':>10} {'files':>6} {'first gz':>10}"
    print(header)
    print("-" * len(header))
    for weight in weights:
        print(
            f"{weight.path:<36} {kb(weight.html.raw):>10} {kb(weight.html.gz):>10} "
            f"{len(weight.assets):>6} {kb(weight.first_visit_gz):>10}"
        )
    print()
    all_met = True
    print(f"Goals: HTML <= {kb(HTML_GOAL)} gz, first visit <= {kb(FIRST_VISIT_GOAL)} gz")
    for weight in weights:
        html_ok = verdict(weight.html.gz, HTML_GOAL)
        first_ok = verdict(weight.first_visit_gz, FIRST_VISIT_GOAL)
        all_met = all_met and html_ok == first_ok == "OK"
        print(
            f"  {weight.path:<34} HTML {kb(weight.html.gz):>9} {html_ok:<5}"
            f"first visit {kb(weight.first_visit_gz):>9} {first_ok}"
        )
    print()
    print("Every goal met." if all_met else "A goal was missed.")
    return all_met


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
        app = build_app(Path(directory))
        try:
            client = app.test_client()
            assets: dict[str, Measure] = {}
            weights = [measure(client, path, assets) for path in PAGES]
        finally:
            app.extensions["portal.database"].dispose()
    for weight in weights:
        if not weight.assets:
            sys.exit(f"{weight.path} references no /static/ file: is the parser out of date?")
    return 0 if report(weights, assets) else 1


if __name__ == "__main__":
    sys.exit(main())
