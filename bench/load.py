"""Load: throughput and latency of the production server on loopback. A benchmark, not a test.

Serves the portal the way production does (gunicorn, portal.wsgi:app, PORTAL_ENV=production)
from a throwaway SQLite database that `flask --app portal migrate` and `load-directory` fill
with the real directory, with a throwaway secret key and data key. Beside it, with the very
same gunicorn flags, a bare Flask app (bench/bare_app.py: one route, a small page, no
database, no template) shows what the server and Flask cost alone. Both run through the
whole benchmark; only the one under load is busy.

wrk drives each endpoint in turn for DURATION seconds (THREADS threads, CONNECTIONS
connections) and reports requests per second and the 50th and 99th percentile latency
(from sending a request to its whole response; wrk does not count connecting). The bare
endpoint is measured first and last, and each page's requests/s is divided by the mean of
those two runs, so a machine that drifts during the run shows up rather than skewing a ratio.

Every request carries what a phone's browser behind the production proxy would send:
`X-Forwarded-Proto: https` (gunicorn trusts it from loopback, so the portal answers as it does
over HTTPS: secure cookies, HSTS) and `Accept-Encoding: gzip, deflate, br`.

* home: GET /en/
* directory: the filter as htmx asks for it, GET
  /en/services?area=leicester&need=safe-accommodation with HX-Request and HX-Target (the
  fragment, not the whole page)
* service: GET /en/services/wall-brookes-house
* referral: every connection is a browser without JavaScript filling in the self-referral
  (bench/wrk/referral.lua): each question page, each answer (a POST with the CSRF token and
  the session cookie taken from the responses, no Referer, as the portal's Referrer-Policy
  makes browsers do), the check page, the send (the POST of the check step, which routes the
  referral and stores it with its deliveries) and the "sent" page: 13 requests, then a new
  browser starts again. Its row counts all 13; the "send" row is the POST of the check step
  alone, timed inside the journeys (one per journey). wrk cannot tell its Lua script which
  connection a response belongs to, so this run uses one thread per connection.

The referral's limits per address (PORTAL_STEP_LIMIT, PORTAL_SUBMIT_LIMIT) would stop the
journeys at once, since every request comes from 127.0.0.1: this run raises both to a million.

wrk runs on the same machine, so it takes some of the CPU the server could have had; the
bare endpoint pays the same tax. Other programs take some too, and on a shared machine that
can halve requests/s: each row also gives the servers' CPU time per request (from /proc, the
gunicorn processes' own time), which depends far less on what else runs (it still grows when
other programs crowd the cores and their caches), and the share of the CPU that other
programs used meanwhile; above 10% the report says the figures are disturbed.

Goals: the directory fragment serves at least half the bare endpoint's requests per second,
and no request fails. Prints a Markdown section; exits 1 if a goal is missed, 2 if it could
not measure (no wrk, a server that does not start, a page that is not what it should be).

Run from the repository root, after `make setup` and `scripts/install_system_packages.sh wrk`
(Debian's wrk):

    .venv/bin/python bench/load.py
"""

from __future__ import annotations

import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WRK_SCRIPTS = ROOT / "bench" / "wrk"

# The production command's flags (see portal/wsgi.py), given to both servers alike.
SERVER_FLAGS = ["--workers", "3"]
DURATION = 10  # seconds per endpoint
THREADS = 2
CONNECTIONS = 16
DIRECTORY_GOAL = 0.5  # the directory fragment's requests/s, as a fraction of the bare endpoint's
DISTURBED = 0.1  # others' share of the CPU above which the report warns

BROWSER_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip, deflate, br"}
HTMX_HEADERS = {"HX-Request": "true", "HX-Target": "directory"}
HOME = "/en/"
DIRECTORY = "/en/services?area=leicester&need=safe-accommodation"
SERVICE = "/en/services/wall-brookes-house"
JOURNEY_REQUESTS = 13


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    others_cpu: float | None = None  # share of the machine's CPU other processes used
    server_cpu: float = math.nan  # CPU seconds the servers used during the run
    failed: str = ""  # what went wrong, if any request did

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The servers' CPU time per request: what a request costs, whatever else runs."""
        return self.server_cpu / self.requests * 1000 if self.requests else math.nan


def fail(message: str) -> NoReturn:
    """Stop without figures: exit 2, which run_all.py reports as a benchmark that did not run
    to the end (1 means a goal was missed)."""
    print(message, file=sys.stderr)
    sys.exit(2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_environment(directory: Path) -> dict[str, str]:
    """Production settings with throwaway keys; nothing inherited from the caller's PORTAL_*."""
    from cryptography.fernet import Fernet

    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update(
        PORTAL_ENV="production",
        PORTAL_DATABASE_URL=f"sqlite:///{directory / 'portal.sqlite3'}",
        PORTAL_SECRET_KEY=secrets.token_hex(32),
        PORTAL_DATA_KEY=Fernet.generate_key().decode(),
        PORTAL_STEP_LIMIT="1000000 per minute",
        PORTAL_SUBMIT_LIMIT="1000000 per hour",
    )
    return environment


def prepare_database(environment: dict[str, str]) -> None:
    for command in ("migrate", "load-directory"):
        subprocess.run(
            [str(BIN / "flask"), "--app", "portal", command],
            cwd=ROOT,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def gunicorn(app: str, environment: dict[str, str], log: Path) -> Iterator[Server]:
    """Serve `app` with the production flags on a free loopback port."""
    port = free_port()
    command = [str(BIN / "gunicorn"), *SERVER_FLAGS, "--bind", f"127.0.0.1:{port}"]
    if "--no-control-socket" in output_of([str(BIN / "gunicorn"), "--help"], whole=True):
        # Newer gunicorns open a control socket at one path per user, ~/.gunicorn: the two
        # servers, or one in production, must not take it over.
        command.append("--no-control-socket")
    command.append(app)
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base, log)
        yield Server(base, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    fail(f"gunicorn did not answer on {base} within 30 s:\n{log.read_text()}")


def fetch(base: str, path: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(
        base + path, headers={**headers, "Accept-Encoding": "identity"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            fail(f"{path} answered {response.status}, not 200: nothing to measure")
        return response.read().decode("utf-8")


def check_endpoints(portal: str) -> None:
    """Each page answers as intended before it is timed: a 200, and a fragment for htmx."""
    for path in (HOME, SERVICE):
        if "<html" not in fetch(portal, path, BROWSER_HEADERS):
            fail(f"{path} is not a whole page")
    fragment = fetch(portal, DIRECTORY, {**BROWSER_HEADERS, **HTMX_HEADERS})
    if "<html" in fragment or 'id="directory"' not in fragment:
        fail(f"{DIRECTORY} with htmx headers is not the directory fragment")


class CpuWatch:
    """How much of the machine's CPU went to processes other than the servers and wrk while a
    run lasted: another program busy on the machine makes the figures worth less."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, servers: list[Server]):
        self.servers = servers

    @classmethod
    def _machine_busy(cls) -> float:
        # user nice system idle iowait irq softirq steal (guest time is already in user).
        # Interrupts are left out: on loopback most of them are the benchmark's own traffic.
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, _idle, _iowait, _irq, _softirq, steal = ticks
        return (user + nice + system + steal) / cls.TICK

    @classmethod
    def _process(cls, pid: int) -> float:
        """CPU seconds of a process and its reaped children; 0 if it has gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0.0
        return sum(int(v) for v in fields[11:15]) / cls.TICK  # utime stime cutime cstime

    def _servers(self) -> float:
        total = 0.0
        for server in self.servers:
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
            total += self._process(server.pid)
            total += sum(self._process(int(pid)) for pid in children.split())
        return total

    @staticmethod
    def _reaped_children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def run(self, command: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
        """Run `command` (wrk); return it, the other processes' share of all the CPUs, and the
        CPU seconds the servers used."""
        started = time.monotonic()
        busy, servers, wrk_cpu = self._machine_busy(), self._servers(), self._reaped_children()
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        busy = self._machine_busy() - busy
        servers = self._servers() - servers
        ours = servers + self._reaped_children() - wrk_cpu
        capacity = (time.monotonic() - started) * (os.cpu_count() or 1)
        return finished, max(0.0, busy - ours) / capacity, servers


def wrk(
    watch: CpuWatch,
    base: str,
    path: str,
    headers: dict[str, str],
    script: str = "summary.lua",
    threads: int = THREADS,
) -> dict:
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={CONNECTIONS}",
        f"--duration={DURATION}s",
        "--timeout=10s",
        f"--script={WRK_SCRIPTS / script}",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    finished, others_cpu, server_cpu = watch.run([*command, base + path])
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH "):
            figures = json.loads(line.removeprefix("BENCH "))
            break
    else:
        fail(f"wrk gave no figures for {path}:\n{finished.stdout}\n{finished.stderr}")
    failures = [
        f"{count} {name.replace('_', ' ')}"
        for name, count in figures.items()
        if name.endswith(("_errors", "timeouts", "failed_journeys")) and count
    ]
    if figures.get("first_failure"):
        failures.append(f"first: {figures['first_failure']}")
    figures["failed"] = ", ".join(failures)
    figures["others_cpu"] = others_cpu
    figures["server_cpu"] = server_cpu
    return figures


def result(name: str, figures: dict) -> Result:
    return Result(
        name,
        figures["requests"],
        figures["duration_us"] / 1e6,
        figures["p50_us"] / 1000,
        figures["p99_us"] / 1000,
        figures["others_cpu"],
        figures["server_cpu"],
        figures["failed"],
    )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def output_of(command: list[str], whole: bool = False) -> str:
    """What `command` prints (its first line unless `whole`)."""
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    output = finished.stdout or finished.stderr
    return output if whole else output.split("\n")[0].strip()


def share(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction:.0%}"


def report(bare: list[Result], pages: list[Result], send: Result, journeys: int) -> bool:
    floor = statistics.mean(r.per_second for r in bare)
    print("## Load: throughput and latency on loopback\n")
    print(
        f"`gunicorn {' '.join(SERVER_FLAGS)} portal.wsgi:app` (bound to a free loopback port, "
        "without gunicorn's control socket), PORTAL_ENV=production, a throwaway SQLite "
        f"database holding the real directory. wrk, {DURATION} s "
        f"per endpoint, {THREADS} threads and {CONNECTIONS} connections; for the referral "
        f"{CONNECTIONS} threads of one connection, each a browser without JavaScript going "
        f"through the whole self-referral ({JOURNEY_REQUESTS} requests: every question page and "
        "answer, the check page, the send, the sent page), again and again. Latency is from "
        "sending a request to its whole response at that concurrency, so it includes waiting "
        "for a free worker. The bare endpoint (bench/bare_app.py: one route, a small page) is "
        "served by the same command in the same run and measured first and last; × bare "
        "divides by the mean of the two. Every request carries `X-Forwarded-Proto: https` and "
        "`Accept-Encoding: gzip, deflate, br` as behind the production proxy. "
        "PORTAL_STEP_LIMIT and PORTAL_SUBMIT_LIMIT are raised to a million for the run (every "
        "request comes from 127.0.0.1). wrk runs on the same machine. CPU/request is the "
        "servers' CPU time divided by the requests they answered, which depends far less "
        'than requests/s on what else the machine is doing. "Others\' CPU" is the share of all the '
        "cores that other programs used during the run. The portal runs with its production "
        "settings, so home, the directory and the service page come from each worker's page "
        "cache (portal/page_cache.py, 60 s) after that worker's first request for the address: "
        "this measures a popular address, not rendering; bench/directory_scale.py measures "
        "rendering with the cache off. The referral journey is never cached.\n"
    )
    print(
        f"Machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} available to the "
        f"benchmark); {output_of([str(BIN / 'gunicorn'), '--version'])}; "
        f"{output_of(['wrk', '--version']).split(' [')[0]}.\n"
    )
    print("| endpoint | requests/s | p50 | p99 | × bare | CPU/request | others' CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in [*bare, *pages]:
        print(
            f"| {row.name} | {row.per_second:,.0f} | {row.p50_ms:.1f} ms | {row.p99_ms:.1f} ms "
            f"| {row.per_second / floor:.2f} | {row.cpu_ms:.2f} ms | {share(row.others_cpu)} |"
        )
    print(
        f"| {send.name} | {send.per_second:,.1f} sent/s | {send.p50_ms:.1f} ms "
        f"| {send.p99_ms:.1f} ms | — | — | {share(send.others_cpu)} |"
    )
    print(
        f"\n{journeys:,} referrals sent in {send.seconds:.0f} s, each after all its steps. The "
        "send row is the POST of the check step alone (it routes the referral and stores it "
        "with its deliveries), timed inside the journeys.\n"
    )
    busiest = max(r.others_cpu or 0.0 for r in [*bare, *pages])
    if busiest > DISTURBED:
        print(
            f"**Other programs used up to {busiest:.0%} of the CPU during a run: these figures "
            "are lower, and the ratios less steady, than on a quiet machine.**\n"
        )
    directory = next(r for r in pages if r.name.startswith("directory"))
    ratio = directory.per_second / floor
    bare_cpu = statistics.mean(r.cpu_ms for r in bare)
    print(
        f"Per request the servers spent {directory.cpu_ms:.2f} ms of CPU on the directory "
        f"fragment and {bare_cpu:.2f} ms on the bare page ({directory.cpu_ms / bare_cpu:.0f} "
        "times as much).\n"
    )
    failures = [f"{r.name}: {r.failed}" for r in [*bare, *pages] if r.failed]
    fast_enough, no_failures = ratio >= DIRECTORY_GOAL, not failures
    print("Goals:\n")
    print(
        f"- directory fragment ≥ {DIRECTORY_GOAL:.2f} × the bare endpoint's requests/s: "
        f"{ratio:.2f} × {verdict(fast_enough)}"
    )
    print(f"- no failed request: {verdict(no_failures)}")
    for failure in failures:
        print(f"  - {failure}")
    met = fast_enough and no_failures
    print(f"\n{'Every goal met.' if met else 'A goal was missed.'}")
    return met


def verdict(met: bool) -> str:
    return "OK" if met else "OVER"


def main() -> int:
    if shutil.which("wrk") is None:
        fail("wrk is not installed: run scripts/install_system_packages.sh wrk")
    with tempfile.TemporaryDirectory(prefix="portal-load-") as temporary:
        directory = Path(temporary)
        environment = portal_environment(directory)
        prepare_database(environment)
        with (
            gunicorn("portal.wsgi:app", environment, directory / "portal.log") as portal,
            gunicorn("bench.bare_app:app", environment, directory / "bare.log") as bare_app,
        ):
            check_endpoints(portal.base)
            watch = CpuWatch([portal, bare_app])

            def measure(name: str, server: Server, path: str, headers: dict) -> Result:
                return result(name, wrk(watch, server.base, path, headers))

            bare = [measure("bare Flask page (first)", bare_app, "/", BROWSER_HEADERS)]
            pages = [
                measure(f"home `{HOME}`", portal, HOME, BROWSER_HEADERS),
                measure(
                    f"directory fragment `{DIRECTORY}` (htmx)",
                    portal,
                    DIRECTORY,
                    {**BROWSER_HEADERS, **HTMX_HEADERS},
                ),
                measure(f"service `{SERVICE}`", portal, SERVICE, BROWSER_HEADERS),
            ]
            figures = wrk(
                watch, portal.base, "/en/refer", BROWSER_HEADERS, "referral.lua", CONNECTIONS
            )
            pages.append(result(f"referral journey ({JOURNEY_REQUESTS} requests)", figures))
            bare.append(measure("bare Flask page (last)", bare_app, "/", BROWSER_HEADERS))
    submit_ms = [us / 1000 for us in figures["submit_us"]] or [math.nan]
    send = Result(
        "referral send (the check step's POST)",
        len(figures["submit_us"]),
        figures["duration_us"] / 1e6,
        percentile(submit_ms, 0.5),
        percentile(submit_ms, 0.99),
        figures["others_cpu"],
    )
    return 0 if report(bare, pages, send, figures["journeys"]) else 1


if __name__ == "__main__":
    sys.exit(main())
