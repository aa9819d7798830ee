"""Where the directory filter's server time goes: cProfile over bench/directory_scale.py's mix.

Writes a synthetic directory (SQLite unless --database-url names another database, whose
public schema is then reset: give it a throwaway one), builds the app as directory_scale.py
does (production settings, page cache off), warms it up, then prints, for each address of the
mix, its fastest time and the time of each SQL statement it sent (the cursor's execute: on
SQLite, until the first row, so a count's whole time but not a page's), and cProfile's top
functions over the whole mix. A tool for finding what to make faster, not a measurement to
quote: the profiler slows Python down several times and SQL not at all.

    .venv/bin/python bench/directory_profile.py --services 10000
    .venv/bin/python bench/directory_profile.py --services 10000 --sort tottime --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.directory_scale import MIX, _get, build_app, label, reset_postgres  # noqa: E402
from bench.synthetic_directory import write_directory  # noqa: E402


def statement_times(app) -> list[float]:
    """Each statement's time in ms, appended as the engine sends them."""
    from sqlalchemy import event

    engine = app.extensions["portal.database"].engine
    times: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _started(_conn, _cursor, _statement, _params, context, _many):
        context._bench_started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _done(_conn, _cursor, _statement, _params, context, _many):
        times.append((time.perf_counter() - context._bench_started) * 1000)

    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--database-url", help="a throwaway database (default: SQLite file)")
    parser.add_argument("--rounds", type=int, default=10, help="profiled rounds of the mix")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--top", type=int, default=50, help="functions to print")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="portal-profile-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'portal.sqlite3'}"
        if args.database_url:
            reset_postgres(url)
        write_directory(url, args.services, replace=True)
        app = build_app(url)
        try:
            client = app.test_client()
            for address, headers in MIX * 4:
                _get(client, address, headers)
            times = statement_times(app)
            print(f"{'fastest ms':>10}  statements ms  address")
            for address, headers in MIX:
                best, best_times = None, []
                for _ in range(5):
                    times.clear()
                    started = time.perf_counter()
                    _get(client, address, headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if best is None or elapsed < best:
                        best, best_times = elapsed, list(times)
                sql = " + ".join(f"{t:.2f}" for t in best_times)
                print(f"{best:10.1f}  {sql:13}  {label(address, headers)}")
            profile = cProfile.Profile()
            profile.enable()
            for address, headers in MIX * args.rounds:
                _get(client, address, headers)
            profile.disable()
        finally:
            app.extensions["portal.database"].dispose()
    print()
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
