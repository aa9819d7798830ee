"""Directory scale: the server time of the directory filter at 100, 1,000 and 10,000 services,
on SQLite and on PostgreSQL. A benchmark, not a test.

For each database and size it writes a synthetic directory (bench/synthetic_directory.py) into
a fresh database, builds the app on it (production settings, throwaway keys) and, with Flask's
test client, requests a realistic mix of directory addresses: the whole list, one area, one
need, a specialism, combinations with "more choices", later pages, another language, and the
htmx fragment (HX-Request: true, HX-Target: directory) the filter form asks for. After a
warm-up, every request is timed from the call into the app to the last byte of the body: the
server's own time, with no network and no gunicorn (bench/load.py measures those).

Prints a Markdown section to stdout (progress goes to stderr): p50 and p95 per size and
database, this process's CPU time beside them (what the app itself spent, so a busy machine
can be told apart from a slow page), the slowest address, how p95 grows from the smallest size
to the largest, and the goal (p95 <= 10 ms at 10,000 services) with OK or OVER. Exits 1 if the
goal is missed.

PostgreSQL: with PORTAL_TEST_POSTGRES_URL set, that server is used (each size resets its
public schema, so give it a throwaway database). Without it, the benchmark runs itself again
under scripts/with_postgres.sh, which starts a throwaway PostgreSQL on loopback; if that cannot
start, it says so and reports SQLite alone. Run from the repository root:

    .venv/bin/python bench/directory_scale.py
    .venv/bin/python bench/directory_scale.py --sizes 100,10000 --requests 380 --no-postgres
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_MS = 10.0
GOAL_SIZE = 10_000
SIZES = (100, 1_000, 10_000)
FRAGMENT = {"HX-Request": "true", "HX-Target": "directory"}
# Set in the copy of this benchmark that runs under scripts/with_postgres.sh: the path of a
# file it writes once it has started, so the first copy knows PostgreSQL did start.
STARTED_MARK = "PORTAL_BENCH_DIRECTORY_SCALE_STARTED"

# What people and professionals ask the directory for; each address is requested equally.
MIX: tuple[tuple[str, dict], ...] = (
    ("/en/services", {}),
    ("/en/services?area=leicester", {}),
    ("/en/services?area=melton", {}),
    ("/en/services?need=safe-accommodation", {}),
    ("/en/services?need=support", {}),
    ("/en/services?specialism=bme", {}),
    ("/en/services?area=charnwood&need=support", {}),
    ("/en/services?area=leicester&need=safe-accommodation&family=4&son=14", {}),
    ("/en/services?men=y&need=support", {}),
    ("/en/services?nrpf=y&area=leicester", {}),
    ("/en/services?need=immigration", {}),
    ("/en/services?pets=y&wheelchair=y", {}),
    ("/en/services?page=2", {}),
    ("/en/services?ended=y&page=40", {}),
    ("/ur/services?need=support", {}),
    ("/en/services?area=rutland&need=home-security", FRAGMENT),
    ("/en/services?need=counselling&specialism=young-people", FRAGMENT),
    ("/en/services?area=leicester", FRAGMENT),
    ("/en/services?page=3", FRAGMENT),
)


@dataclass
class Result:
    database: str
    services: int
    timings: list[float] = field(default_factory=list)  # ms, in request order
    # CPU time of this process's thread for each request: the app's own work (and SQLite's),
    # whatever else the machine is doing; PostgreSQL's work is in its own processes.
    cpu: list[float] = field(default_factory=list)
    by_address: dict[str, list[float]] = field(default_factory=dict)
    body_bytes: int = 0  # of the whole unfiltered page

    @property
    def p50(self) -> float:
        return percentile(self.timings, 50)

    @property
    def p95(self) -> float:
        return percentile(self.timings, 95)

    @property
    def slowest(self) -> tuple[str, float]:
        return max(
            ((address, percentile(t, 95)) for address, t in self.by_address.items()),
            key=lambda pair: pair[1],
        )


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_app(database_url: str):
    """The app with production settings and throwaway keys, on `database_url`."""
    from cryptography.fernet import Fernet

    from bench.synthetic_directory import REFERENCE_DAY
    from portal import create_app

    os.environ["PORTAL_ENV"] = "production"
    os.environ["PORTAL_SECRET_KEY"] = secrets.token_urlsafe(32)
    os.environ["PORTAL_DATA_KEY"] = Fernet.generate_key().decode()
    # The day the synthetic directory was written around, so statuses do not drift.
    # The page cache (portal/page_cache.py) is off: this measures rendering every request.
    return create_app(
        {
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_TODAY": REFERENCE_DAY,
            "PORTAL_PAGE_CACHE_SECONDS": 0,
        }
    )


def label(address: str, headers: dict) -> str:
    return f"{address} (htmx)" if headers else address


def measure(database: str, url: str, services: int, requests: int, warmup: int) -> Result:
    from bench.synthetic_directory import write_directory

    progress(f"{database}: writing {services} services")
    write_directory(url, services, replace=True)
    app = build_app(url)
    result = Result(database, services)
    try:
        client = app.test_client()
        order = [MIX[i % len(MIX)] for i in range(requests)]
        random.Random(services).shuffle(order)
        for address, headers in MIX * max(1, warmup // len(MIX)):
            _get(client, address, headers)
        progress(f"{database}: {requests} requests at {services} services")
        for address, headers in order:
            started, cpu = time.perf_counter(), time.thread_time()
            _get(client, address, headers)
            elapsed = (time.perf_counter() - started) * 1000
            result.cpu.append((time.thread_time() - cpu) * 1000)
            result.timings.append(elapsed)
            result.by_address.setdefault(label(address, headers), []).append(elapsed)
        result.body_bytes = len(_get(client, "/en/services", {}))
    finally:
        app.extensions["portal.database"].dispose()
    return result


def _get(client, address: str, headers: dict) -> bytes:
    response = client.get(address, headers=headers)
    try:
        if response.status_code != 200:
            sys.exit(f"{address} answered {response.status_code}, not 200: nothing to measure")
        return response.get_data()
    finally:
        response.close()


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    finally:
        engine.dispose()


def run(databases: dict[str, str | None], sizes, requests: int, warmup: int) -> list[Result]:
    results = []
    for database, url in databases.items():
        for services in sizes:
            if database == "PostgreSQL":
                reset_postgres(url)
                results.append(measure(database, url, services, requests, warmup))
            else:
                with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
                    sqlite = f"sqlite:///{Path(directory) / 'portal.sqlite3'}"
                    results.append(measure(database, sqlite, services, requests, warmup))
    return results


def ms(value: float) -> str:
    return f"{value:.1f}"


def report(
    results: list[Result], requests: int, postgres_note: str | None, load: tuple[float, float]
) -> bool:
    print("## Directory filter: server time by directory size\n")
    print(
        "Server time of `/<lang>/services` with Flask's test client (no network, no WSGI "
        f"server): {requests} requests per row after a warm-up, over a mix of {len(MIX)} "
        "addresses (whole list, area, need, specialism, combinations, later pages, Urdu, and "
        "the htmx fragment). Synthetic directories from `bench/synthetic_directory.py` "
        '(seed 1). "p95 ×" is p95 against the smallest size on the same database; "CPU" is '
        "this process's own CPU time per request (the app, and SQLite, which runs inside it; "
        "not PostgreSQL's server), so on a busy machine the difference from p95 is mostly "
        'time spent waiting for a CPU; "page" is the unfiltered page\'s HTML. Load average '
        f"{load[0]:.1f} at the start and {load[1]:.1f} at the end, on {os.cpu_count()} CPUs.\n"
    )
    if postgres_note:
        print(f"**{postgres_note}**\n")
    print(
        "| database | services | p50 ms | p95 ms | p95 × | CPU p50 ms | CPU p95 ms | page kB "
        "| slowest address (p95 ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    smallest: dict[str, float] = {}
    for result in results:
        base = smallest.setdefault(result.database, result.p95)
        address, slowest = result.slowest
        print(
            f"| {result.database} | {result.services:,} | {ms(result.p50)} | {ms(result.p95)} "
            f"| {result.p95 / base:.1f} | {ms(percentile(result.cpu, 50))} "
            f"| {ms(percentile(result.cpu, 95))} | {result.body_bytes / 1000:.0f} "
            f"| `{address}` ({ms(slowest)}) |"
        )
    print()
    print(f"Goal: p95 <= {GOAL_MS:.0f} ms server time at {GOAL_SIZE:,} services.\n")
    verdicts = [
        (result.database, result.p95, result.p95 <= GOAL_MS)
        for result in results
        if result.services == GOAL_SIZE
    ]
    if not verdicts:
        print(f"- not measured ({GOAL_SIZE:,} services was not among the sizes)\n")
        print("The goal was not measured.")
        return True
    for database, p95, ok in verdicts:
        print(f"- {database}: p95 {ms(p95)} ms: {'OK' if ok else 'OVER'}")
    met = all(ok for _database, _p95, ok in verdicts)
    print()
    print("Every goal met." if met else "A goal was missed.")
    return met


def under_throwaway_postgres() -> int | None:
    """Run this benchmark again under scripts/with_postgres.sh. Its exit status, or None if
    PostgreSQL could not be started there."""
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
        mark = Path(directory) / "started"
        script = ROOT / "scripts" / "with_postgres.sh"
        this = str(Path(__file__).resolve())
        command = ["bash", str(script), sys.executable, this, *sys.argv[1:]]
        environment = {**os.environ, STARTED_MARK: str(mark)}
        completed = subprocess.run(command, env=environment, check=False)
        return completed.returncode if mark.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--requests", type=int, default=380, help="timed requests per size")
    parser.add_argument("--warmup", type=int, default=76, help="untimed requests first")
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    if os.environ.get(STARTED_MARK):
        Path(os.environ[STARTED_MARK]).touch()
    postgres_url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    postgres_note = None
    if args.no_postgres:
        postgres_note = "PostgreSQL not measured (--no-postgres)."
    elif not postgres_url:
        if not os.environ.get(STARTED_MARK):
            status = under_throwaway_postgres()
            if status is not None:
                return status
        postgres_note = (
            "PostgreSQL could not be started (scripts/with_postgres.sh failed; see above): "
            "SQLite only."
        )
        progress(postgres_note)
    databases = {"SQLite": None}
    if postgres_url and not args.no_postgres:
        databases["PostgreSQL"] = postgres_url
    load_before = os.getloadavg()[0]
    results = run(databases, sizes, args.requests, args.warmup)
    load = (load_before, os.getloadavg()[0])
    return 0 if report(results, args.requests, postgres_note, load) else 1


if __name__ == "__main__":
    sys.exit(main())
