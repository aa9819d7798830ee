"""Fault injection with real processes on loopback: the database unreachable, the disk of the
SQLite file full, and a burst of 1,000 referrals for two workers. Every test ends with each
referral delivered exactly once or visibly waiting, none lost, and a person who meets a
fault gets a page that says so, with the helplines and the exit, never a traceback.

(SMTP down for minutes and a worker killed mid-send are in tests/web/test_delivery.py.)"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.database import Database
from portal.models import Delivery, Referral
from tests.conftest import sqlite_url
from tests.delivery_support import Mailbox, free_port, mail_server, submit
from tests.fault_support import Browser, portal_server
from tests.web.referral_journey import SELF_ANSWERS
from tests.web.test_delivery import worker_process

HELPLINE = "0808 2000 247"


def _looks_like_the_fault_page(answer) -> None:
    assert answer.status == 503, (answer.status, answer.body[-500:])
    assert "Nothing has been sent" in answer.body
    assert HELPLINE in answer.body and 'id="quick-exit"' in answer.body
    assert "Traceback" not in answer.body and "sqlalchemy" not in answer.body.lower()
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_with_the_database_unreachable_pages_say_so_with_the_helplines(tmp_path):
    # PostgreSQL on a port where nothing listens: every query fails to connect.
    nowhere = f"postgresql+psycopg://portal@127.0.0.1:{free_port()}/portal?connect_timeout=2"
    with portal_server(nowhere) as base:
        browser = Browser(base)
        _looks_like_the_fault_page(browser.get("/en/services"))
        _looks_like_the_fault_page(browser.get("/en/services/wall-brookes-house"))
        api = browser.get("/api/oruk/services")
        assert api.status == 503 and api.headers["Content-Type"] == "application/json"

        # A referral cannot be saved: the person is told nothing was sent.
        assert browser.get("/en/refer/about-you").status == 200
        _looks_like_the_fault_page(browser.post("/en/refer/about-you", SELF_ANSWERS["about-you"]))


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A real 4 MB file system (tmpfs), unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(
            "the disk-full test mounts a 4 MB tmpfs and needs root (make test runs as root): "
            + mounted.stderr
        )
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of the disk."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for block in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * block)
            except OSError:
                pass
    return filler


def test_a_full_disk_stops_a_referral_with_a_page_and_it_goes_through_once_freed(
    database_path, small_disk
):
    copy = small_disk / "portal.sqlite3"
    shutil.copy(database_path, copy)
    url = sqlite_url(copy)
    filler = _fill(small_disk)
    mailbox = Mailbox()
    with portal_server(url) as base, mail_server(mailbox) as smtp_port:
        browser = Browser(base)
        browser.get("/en/refer/about-you")
        full = browser.post("/en/refer/about-you", SELF_ANSWERS["about-you"])
        _looks_like_the_fault_page(full)
        # SQLite in WAL mode cannot even open for reading without room for its -shm
        # file, so the directory says the same; the home page and the exit need no database.
        _looks_like_the_fault_page(browser.get("/en/services?area=leicester"))
        assert browser.get("/en/").status == 200

        filler.unlink()
        for step, answers in SELF_ANSWERS.items():
            answer = browser.post(f"/en/refer/{step}", answers)
            assert answer.status == 200, (step, answer.status)
        check = BeautifulSoup(browser.get("/en/refer/check").body, "html.parser")
        key = check.select_one('input[name="submission_key"]')["value"]
        ticked = check.select_one('input[name="share_with"]')["value"]
        sent = browser.post("/en/refer/check", {"submission_key": key, "share_with": ticked})
        assert sent.status == 200 and sent.url.endswith("/en/refer/sent"), sent.url

        worker = worker_process(url, smtp_port, "--once")
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == "1 sent, 0 to retry later, 0 parked"
    database = Database(url)
    try:
        with database.session() as session:
            assert session.execute(select(func.count()).select_from(Referral)).scalar_one() == 1
    finally:
        database.dispose()
    assert len(mailbox.received) == 1


def test_a_burst_of_1000_referrals_is_delivered_exactly_once_by_two_workers(
    database, database_path
):
    url = sqlite_url(database_path)
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        workers = [worker_process(url, port) for _ in range(2)]
        try:
            # Four people's requests at a time, while both workers are already sending.
            def send(count: int) -> None:
                with database.session() as session:
                    for _ in range(count):
                        submit(session)

            senders = [threading.Thread(target=send, args=(250,)) for _ in range(4)]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            deadline = time.monotonic() + 180
            while len(mailbox.received) < 1000:
                assert time.monotonic() < deadline, f"{len(mailbox.received)} of 1000 arrived"
                for worker in workers:
                    assert worker.poll() is None, worker.communicate()[1][-2000:]
                time.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.communicate(timeout=60)
    copies = mailbox.copies()
    assert len(copies) == 1000 and set(copies.values()) == {1}
    with database.session() as session:
        statuses = session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ).all()
    assert statuses == [("sent", 1000)]


@pytest.fixture
def database(app):
    return app.extensions["portal.database"]
