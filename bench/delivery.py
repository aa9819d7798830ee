"""Delivery latency: how long a referral waits between being sent and a provider's mail server
accepting it. A benchmark, not a test.

Method, for each database (a temporary SQLite file; a throwaway PostgreSQL started with
scripts/with_postgres.sh, or the one PORTAL_TEST_POSTGRES_URL names) and each pace:

* a fresh database, migrated and holding the real directory;
* an SMTP server on loopback (aiosmtpd, in this process) that accepts every message and
  notes the moment it accepted it (the end of DATA) under the message's Message-ID;
* two delivery workers as real separate processes, `flask --app portal deliver`, in
  production mode with a throwaway secret key and data key, mailing that server. Before
  measuring, a warm-up referral is held at DATA until a second one, submitted then, is
  being sent alongside it, so both workers are certainly running;
* referrals submitted the way the check page does (routing.decide over the real directory,
  then store.submit: the referral and its delivery in one transaction), from a few kinds of
  answers, each person ticking one of the services offered (so one message per referral, to
  a variety of providers), at three paces:
  - steady: 1,000 evenly spread over 25 s (40 a second, far above the portal's real rate);
  - burst: 1,000 at once, as fast as this process can store them (on a small machine the
    workers share the CPUs with it, so this shows throughput more than delivery latency);
  - quiet: 30, 1.3 s apart, each finding the workers idle: what waiting for an idle
    worker's next look costs (1.3 s drifts against any poll interval, so every phase is
    sampled).

Each referral's latency runs from just before its submit started to the moment its message
was accepted (both read from this process's monotonic clock), mapped back by Message-ID,
which is fixed per delivery. Drain is from the first submit to the last acceptance, and
messages/s is the referrals over the drain. SMTP connections counts the distinct client
ports the messages came from. Every referral must arrive exactly once: no Message-ID
missing, none accepted twice, every delivery marked sent.

Goal: p95 <= 2 s with two workers at the steady and quiet paces (the burst's p95 is
reported, not judged). Prints a Markdown section; exits 1 if a goal is missed or any
referral is lost or duplicated. Takes about three minutes with PostgreSQL.

Run from the repository root, after `make system-packages` (PostgreSQL; if it cannot start,
the report says so and still gives SQLite):

    .venv/bin/python bench/delivery.py
    .venv/bin/python bench/delivery.py --databases sqlite --paces quiet   # a part of it
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from portal import routing
from portal.crypto import DataCipher
from portal.database import Database
from portal.directory.helplines import routing_helplines
from portal.directory.load import load_directory
from portal.directory.queries import routing_services
from portal.migrate import upgrade
from portal.models import Delivery
from portal.referrals import store
from portal.referrals.answers import routing_referral

ROOT = Path(__file__).resolve().parents[1]
REFERRALS = 1000
STEADY_SECONDS = 25.0
# A quiet hour, compressed: referrals one at a time, each finding the workers idle.
QUIET_REFERRALS = 30
QUIET_INTERVAL = 1.3
WORKERS = 2
GOAL_P95 = 2.0
DRAIN_TIMEOUT = 300.0
WARM_UP_TIMEOUT = 60.0

# A few people, so the referrals go to a variety of providers.
PROFILES = [
    ("leicester", "woman", ["safe-accommodation"], []),
    ("charnwood", "woman", ["support", "counselling"], []),
    ("blaby", "woman", ["safe-accommodation", "support"], [{"age": 7, "sex": "male"}]),
    ("rutland", "man", ["support"], []),
    ("melton", "woman", ["children-support", "support"], [{"age": 11, "sex": "female"}]),
    ("leicester", "woman", ["mental-health", "helpline"], []),
]


def answers(area: str, gender: str, needs: list[str], children: list[dict]) -> dict:
    return {
        "about-you": {
            "name": "Test Person",
            "age": 34,
            "gender": gender,
            "language": "en",
            "interpreter": "no",
        },
        "where": {"area": area},
        "needs": {"needs": needs},
        "who-with": {"children": children},
        "contact": {"channels": ["text"], "phone": "07700 900000", "code_word": "bench"},
    }


@dataclass(frozen=True)
class Choice:
    """What the check page would store for one kind of person ticking one service."""

    content: dict
    routes: tuple[routing.Route, ...]


def choices(database: Database) -> list[Choice]:
    with database.session() as session:
        services = routing_services(session, dt.date.today())
    made = []
    for area, gender, needs, children in PROFILES:
        given = answers(area, gender, needs, children)
        referral = routing_referral("self", given)
        decision = routing.decide(referral, services, routing_helplines())
        for route in routing.recipients(decision, referral):
            made.append(
                Choice(
                    {
                        "referrer": "self",
                        "answers": given,
                        "routing": decision.as_contract(),
                        "shared_with": [route.service],
                    },
                    (route,),
                )
            )
    return made


# --- the provider's mail server ----------------------------------------------------------


class Arrivals:
    """Accepts every message and notes when, by Message-ID. While `warming` it holds each
    message until two are being sent at once (proof that both workers are up)."""

    def __init__(self):
        self.accepted: list[tuple[str, float]] = []
        self.warming = True
        self.sending = 0
        self.one_held = threading.Event()
        self.both_seen = threading.Event()
        self._lock = threading.Lock()
        self._headers = BytesHeaderParser(policy=compat32)
        self._peers: set | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.warming:
            await self._hold_for_two()
        message_id = self._headers.parsebytes(envelope.content)["Message-ID"]
        accepted_at = time.monotonic()
        with self._lock:
            self.accepted.append((message_id, accepted_at))
            if self._peers is not None:
                # A client's port is not reused while the connection it closed lingers.
                self._peers.add(session.peer)
        return "250 2.0.0 Accepted"

    def start_counting_connections(self) -> None:
        with self._lock:
            self._peers = set()

    def connections(self) -> int:
        with self._lock:
            return len(self._peers or ())

    async def _hold_for_two(self):
        self.sending += 1
        self.one_held.set()
        if self.sending >= 2:
            self.both_seen.set()
        deadline = time.monotonic() + WARM_UP_TIMEOUT
        while not self.both_seen.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.sending -= 1

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def snapshot(self) -> list[tuple[str, float]]:
        with self._lock:
            return list(self.accepted)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- databases -----------------------------------------------------------------------------


def fresh_database(url: str) -> Database:
    database = Database(url)
    if url.startswith("postgresql"):
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    with database.session() as session:
        load_directory(session)
    return database


# --- workers -------------------------------------------------------------------------------


def start_workers(url: str, port: int, data_key: str, logs: Path) -> list[subprocess.Popen]:
    environment = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(32),
        "PORTAL_DATA_KEY": data_key,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{port}?tls=none",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    processes = []
    for number in range(WORKERS):
        # Files, not pipes: a worker must never block on a full pipe nobody reads.
        with open(logs / f"worker-{number}.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "portal", "deliver"],
                    cwd=ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> list[int]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=30))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append(process.wait())
    return codes


# --- one run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    """How referrals are submitted: `count` of them, `interval` seconds apart."""

    name: str
    count: int
    interval: float
    judged: bool


def paces(referrals: int, steady_seconds: float) -> dict[str, Pace]:
    return {
        "steady": Pace("steady", referrals, steady_seconds / referrals, judged=True),
        "burst": Pace("burst", referrals, 0.0, judged=False),
        "quiet": Pace("quiet", QUIET_REFERRALS, QUIET_INTERVAL, judged=True),
    }


@dataclass
class Run:
    database: str
    pace: Pace
    submit_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    drain_seconds: float = math.nan
    missing: int = 0
    duplicated: int = 0
    unexpected: int = 0
    not_sent: int = 0
    connections: int = 0
    worker_errors: list[str] = field(default_factory=list)

    @property
    def exactly_once(self) -> bool:
        return not (self.missing or self.duplicated or self.unexpected or self.not_sent)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.drain_seconds if self.drain_seconds else math.nan

    @property
    def goal_met(self) -> bool:
        return self.percentile(0.95) <= GOAL_P95


def submit_one(database: Database, cipher: DataCipher, choice: Choice) -> str:
    with database.session() as session:
        referral = store.submit(
            session,
            cipher,
            referrer="self",
            language="en",
            content=choice.content,
            routes=choice.routes,
            submission_key=store.new_submission_key(),
            now=dt.datetime.now(dt.UTC),
        )
        return referral.deliveries[0].message_id


def running(workers: list[subprocess.Popen]) -> bool:
    return all(worker.poll() is None for worker in workers)


def wait_until(condition, workers: list[subprocess.Popen], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or not running(workers):
            return False
        time.sleep(0.01)
    return True


def measure(label: str, url: str, pace: Pace) -> Run:
    run = Run(label, pace)
    data_key = Fernet.generate_key().decode()
    cipher = DataCipher(data_key)
    database = fresh_database(url)
    options = choices(database)
    arrivals = Arrivals()
    port = free_port()
    controller = Controller(arrivals, hostname="127.0.0.1", port=port)
    controller.start()
    workers: list[subprocess.Popen] = []
    submitted: dict[str, float] = {}
    warm_up: set[str] = set()
    try:
        with tempfile.TemporaryDirectory(prefix="portal-bench-logs-") as logs:
            workers = start_workers(url, port, data_key, Path(logs))
            # One at a time: the worker holding the first cannot take the second.
            warm_up.add(submit_one(database, cipher, options[0]))
            wait_until(arrivals.one_held.is_set, workers, WARM_UP_TIMEOUT)
            warm_up.add(submit_one(database, cipher, options[1]))
            if not wait_until(arrivals.both_seen.is_set, workers, WARM_UP_TIMEOUT):
                run.worker_errors.append("the two workers were never sending at the same time")
            arrivals.warming = False
            wait_until(lambda: arrivals.count() >= len(warm_up), workers, WARM_UP_TIMEOUT)
            arrivals.start_counting_connections()

            started = time.monotonic()
            for number in range(pace.count):
                pause = started + number * pace.interval - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                at = time.monotonic()
                submitted[submit_one(database, cipher, options[number % len(options)])] = at
            run.submit_seconds = time.monotonic() - started

            expected = len(submitted) + len(warm_up)
            wait_until(lambda: arrivals.count() >= expected, workers, DRAIN_TIMEOUT)
            # A moment longer, so a copy sent twice would be seen.
            time.sleep(0.5)
            codes = stop_workers(workers)
            for number, code in enumerate(codes):
                if code != 0:
                    log = (Path(logs) / f"worker-{number}.log").read_text()[-2000:]
                    run.worker_errors.append(f"worker {number} exited {code}: {log}")
    finally:
        stop_workers(workers)
        controller.stop()

    accepted = arrivals.snapshot()
    run.connections = arrivals.connections()
    copies = Counter(message_id for message_id, _ in accepted)
    run.duplicated = sum(1 for n in copies.values() if n > 1)
    run.missing = len(set(submitted) - set(copies))
    run.unexpected = len(set(copies) - set(submitted) - warm_up)
    first_accepted = {}
    for message_id, at in accepted:
        first_accepted.setdefault(message_id, at)
    run.latencies = [
        first_accepted[message_id] - at
        for message_id, at in submitted.items()
        if message_id in first_accepted
    ]
    if run.latencies:
        last = max(first_accepted[m] for m in submitted if m in first_accepted)
        run.drain_seconds = last - min(submitted.values())
    with database.session() as session:
        run.not_sent = session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status != "sent")
        ).scalar_one()
    database.dispose()
    return run


# --- the report ----------------------------------------------------------------------------


def seconds(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f} s"


def report(runs: list[Run], chosen: list[Pace], postgres_note: str | None) -> bool:
    print("## Delivery latency: from submit to accepted by the provider's mail server\n")
    print(
        f"{WORKERS} delivery workers (`flask --app portal deliver`, separate processes, "
        "production mode); referrals stored as the check page stores them; aiosmtpd on "
        "loopback noting when it accepted each Message-ID. Latency runs from the start of "
        "the submit to the end of DATA; drain from the first submit to the last acceptance. "
        "Paces: "
        + "; ".join(
            f"{pace.name} {pace.count:,}"
            + (f" every {pace.interval:.3g} s" if pace.interval else " at once")
            for pace in chosen
        )
        + ". Method: the docstring of `bench/delivery.py`.\n"
    )
    if postgres_note:
        print(f"{postgres_note}\n")
    print(
        "| database | pace | referrals | submitted in | p50 | p95 | max | drain | messages/s "
        "| SMTP connections | exactly once | p95 ≤ 2 s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    all_met = True
    for run in runs:
        once = (
            "yes"
            if run.exactly_once
            else (
                f"NO: {run.missing} missing, {run.duplicated} twice, "
                f"{run.unexpected} unexpected, {run.not_sent} not marked sent"
            )
        )
        if run.pace.judged:
            goal = "OK" if run.goal_met else "OVER"
            all_met = all_met and run.goal_met
        else:
            goal = "(not judged)"
        all_met = all_met and run.exactly_once and not run.worker_errors
        print(
            f"| {run.database} | {run.pace.name} | {run.pace.count:,} "
            f"| {seconds(run.submit_seconds)} | {seconds(run.percentile(0.5))} "
            f"| {seconds(run.percentile(0.95))} | {seconds(run.percentile(1.0))} "
            f"| {seconds(run.drain_seconds)} | {run.per_second:.0f} | {run.connections} "
            f"| {once} | {goal} |"
        )
    print()
    for run in runs:
        for error in run.worker_errors:
            print(f"- {run.database} {run.pace.name}: {error}")
    if not runs:
        print("Nothing was measured.")
        return False
    print("Every goal met." if all_met else "A goal was missed.")
    return all_met


class PostgresUnavailable(Exception):
    pass


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL from scripts/with_postgres.sh, kept running while the block runs: the
    script's command prints the URL and waits for its input to close, and the script then
    stops and removes the cluster."""
    waiter = "import os, sys; print(os.environ['PORTAL_TEST_POSTGRES_URL'], flush=True); "
    waiter += "sys.stdin.read()"
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "with_postgres.sh"), sys.executable, "-c", waiter],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip()
    if not url:
        _, stderr = process.communicate(timeout=60)
        lines = stderr.strip().splitlines() or [f"exit status {process.returncode}"]
        raise PostgresUnavailable(lines[-1])
    try:
        yield url
    finally:
        process.stdin.close()
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=REFERRALS, help="steady and burst")
    parser.add_argument("--seconds", type=float, default=STEADY_SECONDS, help="steady")
    parser.add_argument("--paces", default="steady,burst,quiet")
    parser.add_argument("--databases", default="sqlite,postgresql")
    arguments = parser.parse_args()
    known = paces(arguments.referrals, arguments.seconds)
    chosen = [known[name] for name in arguments.paces.split(",")]
    databases = arguments.databases.split(",")
    runs = []
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
            for pace in chosen:
                url = f"sqlite:///{Path(directory) / f'{pace.name}.sqlite3'}"
                runs.append(measure("SQLite", url, pace))
    postgres_note = None
    if "postgresql" in databases:
        try:
            if os.environ.get("PORTAL_TEST_POSTGRES_URL"):
                url = os.environ["PORTAL_TEST_POSTGRES_URL"]
                runs.extend(measure("PostgreSQL", url, pace) for pace in chosen)
            else:
                with throwaway_postgres() as url:
                    runs.extend(measure("PostgreSQL", url, pace) for pace in chosen)
        except PostgresUnavailable as exc:
            postgres_note = f"**PostgreSQL was not measured: it could not start** ({exc})."
    return 0 if report(runs, chosen, postgres_note) else 1


if __name__ == "__main__":
    sys.exit(main())
