"""The delivery worker: claim due deliveries, compose each mail, send it, record the outcome.

`run` loops until stopped; with once=True it drains what is due and returns. Several
workers may run at once (see outbox.claim_due). Logs say which delivery and what happened,
never what the referral says.

Latency: a worker with nothing to do looks again after a few hundredths of a second, then
less and less often down to once every `poll_seconds`, so a referral waits at most that long
for an idle worker (the look is an indexed read, cheap on both databases, and takes no write
lock on SQLite). Throughput: a worker claims a few due deliveries per transaction and keeps
its SMTP connection open while there is work (the caller's `hang_up` closes it after
`hang_up_seconds` idle); housekeeping waits for a quiet moment rather than holding up a
queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from portal.crypto import DataCipher
from portal.database import Database
from portal.delivery import outbox
from portal.delivery.messages import compose_link
from portal.delivery.smtp import PermanentFailure, TemporaryFailure
from portal.referrals.store import purge_drafts

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class WorkerSettings:
    schedule: Sequence[int]
    sender: str
    retention: dt.timedelta
    draft_lifetime: dt.timedelta
    fallback_service: str | None
    # The portal's address, for the inbox links in "link" mails and reminders.
    base_url: str = ""
    # Content is kept at most this long, acknowledged or not (None: no upper limit).
    longest_retention: dt.timedelta | None = None
    # A delivered referral nobody has acknowledged after this long is chased, once.
    chase_after: dt.timedelta | None = None
    lease: dt.timedelta = outbox.DEFAULT_LEASE
    # Due deliveries taken per claim. Few: one worker must not sit on a queue another
    # worker could be sending, and all must be sent well within the lease.
    batch: int = 10
    # An idle worker looks again after quick_poll_seconds, doubling up to poll_seconds.
    quick_poll_seconds: float = 0.02
    poll_seconds: float = 0.25
    hang_up_seconds: float = 5.0
    housekeeping_seconds: float = 600.0


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    statuses: list[str] = field(default_factory=list)

    def count(self, status: str) -> None:
        self.statuses.append(status)
        if status == "sent":
            self.sent += 1
        elif status == "parked":
            self.parked += 1
        elif status == "pending":
            self.retrying += 1
        # "lost": another worker took the delivery over and answers for it.


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def deliver_due(
    database: Database,
    cipher: DataCipher,
    send: Callable[[EmailMessage], None],
    compose: Callable[[outbox.Outgoing, dict, str], EmailMessage],
    settings: WorkerSettings,
    worker: str,
    stop: threading.Event | None = None,
) -> list[str]:
    """Claim up to settings.batch due deliveries and send them one after another. Returns
    their new statuses; empty if nothing was due."""
    with database.session() as session:
        claims = outbox.claim_due(session, worker, _now(), settings.lease, settings.batch)
        if not claims:
            return []
        mails = outbox.outgoing_many(session, claims)
    claimed_at = time.monotonic()
    statuses: list[str] = []
    try:
        for claim, mail in zip(claims, mails, strict=True):
            stopping = stop is not None and stop.is_set()
            # Never begin a send on a lease that could run out under it: another worker
            # could then send the same referral too.
            if stopping or time.monotonic() - claimed_at > settings.lease.total_seconds() / 2:
                break
            statuses.append(deliver(database, cipher, send, compose, settings, worker, claim, mail))
    except BaseException:
        # The one being recorded when it failed is left to its lease; the rest go back.
        with contextlib.suppress(Exception):
            _give_back(database, claims[len(statuses) + 1 :], worker)
        raise
    _give_back(database, claims[len(statuses) :], worker)
    return statuses


def _give_back(database: Database, claims: Sequence[outbox.Claim], worker: str) -> None:
    if claims:
        with database.session() as session:
            outbox.release(session, claims, worker)


def deliver(
    database: Database,
    cipher: DataCipher,
    send: Callable[[EmailMessage], None],
    compose: Callable[[outbox.Outgoing, dict, str], EmailMessage],
    settings: WorkerSettings,
    worker: str,
    claim: outbox.Claim,
    mail: outbox.Outgoing,
) -> str:
    """Send one claimed delivery and record the outcome; returns its new status."""
    try:
        if mail.content is None:
            raise PermanentFailure("the referral's content was already deleted")
        if not mail.to_address:
            raise PermanentFailure("the organisation has no referral address")
        message = compose(mail, cipher.decrypt(mail.content), settings.sender, settings.base_url)
        send(message)
    except PermanentFailure as exc:
        return _failed(database, claim, worker, settings, str(exc), permanent=True)
    except TemporaryFailure as exc:
        return _failed(database, claim, worker, settings, str(exc), permanent=False)
    except Exception as exc:  # noqa: BLE001 - a bug must not lose the delivery: retry it
        log.exception("delivery %s: unexpected %s", claim.delivery_id, type(exc).__name__)
        return _failed(database, claim, worker, settings, type(exc).__name__, permanent=False)
    with database.session() as session:
        if not outbox.mark_sent(session, claim, worker, _now()):
            log.warning(
                "delivery %s: sent, but the lease had passed to another worker", claim.delivery_id
            )
    log.info("delivery %s: sent (attempt %d)", claim.delivery_id, claim.attempt)
    return "sent"


def _failed(database, claim, worker, settings, error: str, *, permanent: bool) -> str:
    with database.session() as session:
        status = outbox.mark_failed(
            session,
            claim,
            worker,
            _now(),
            error,
            settings.schedule,
            permanent=permanent,
            fallback_service=settings.fallback_service,
        )
    log.warning(
        "delivery %s: attempt %d failed (%s): %s", claim.delivery_id, claim.attempt, error, status
    )
    return status


def _housekeeping_due(last: float, settings: WorkerSettings, *, busy: bool) -> bool:
    """Housekeeping waits for a quiet moment, unless the queue has not emptied for a whole
    extra period."""
    elapsed = time.monotonic() - last
    return elapsed > settings.housekeeping_seconds * (2 if busy else 1)


def send_reminders(
    database: Database, send: Callable[[EmailMessage], None], settings: WorkerSettings
) -> int:
    """Remind providers of delivered referrals nobody has acknowledged (reference and link
    only). One that fails to send is tried again at the next housekeeping."""
    if settings.chase_after is None or not settings.base_url:
        return 0
    with database.session() as session:
        due = outbox.due_reminders(session, _now(), settings.chase_after)
        mails = outbox.outgoing_many(session, due) if due else []
    sent = 0
    for mail in mails:
        if not mail.to_address:
            continue
        try:
            send(compose_link(mail, settings.sender, settings.base_url, reminder=True))
        except (PermanentFailure, TemporaryFailure) as exc:
            log.warning("reminder for delivery %s failed: %s", mail.delivery_id, exc)
            continue
        with database.session() as session:
            outbox.mark_reminded(session, mail.delivery_id, _now())
        log.info("delivery %s: reminder sent", mail.delivery_id)
        sent += 1
    return sent


def housekeeping(database: Database, settings: WorkerSettings) -> tuple[int, int]:
    """Delete referral content past its retention period and abandoned drafts."""
    with database.session() as session:
        purged = outbox.purge_delivered_content(
            session, _now(), settings.retention, settings.longest_retention
        )
    with database.session() as session:
        drafts = purge_drafts(session, _now(), settings.draft_lifetime)
    if purged or drafts:
        log.info("housekeeping: %d referrals' content deleted, %d drafts deleted", purged, drafts)
    return purged, drafts


def run(
    database: Database,
    cipher: DataCipher,
    send: Callable[[EmailMessage], None],
    compose: Callable,
    settings: WorkerSettings,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    hang_up: Callable[[], None] | None = None,
) -> Tally:
    """Deliver until stopped (or, with once=True, until nothing is due). `hang_up` closes
    the mail connection: called after hang_up_seconds with nothing to send, and at the end."""
    stop = stop or threading.Event()
    worker = worker_name()
    tally = Tally()
    # Due at the first quiet moment.
    last_housekeeping = time.monotonic() - settings.housekeeping_seconds
    idle_since: float | None = None
    wait = settings.quick_poll_seconds
    try:
        while not stop.is_set():
            statuses = deliver_due(database, cipher, send, compose, settings, worker, stop)
            for status in statuses:
                tally.count(status)
            if stop.is_set():
                break
            if _housekeeping_due(last_housekeeping, settings, busy=bool(statuses)):
                housekeeping(database, settings)
                send_reminders(database, send, settings)
                last_housekeeping = time.monotonic()
            if statuses:
                idle_since = None
                wait = settings.quick_poll_seconds
                continue
            if once:
                break
            idle_since = idle_since or time.monotonic()
            if hang_up is not None and time.monotonic() - idle_since >= settings.hang_up_seconds:
                hang_up()
            stop.wait(wait)
            wait = min(wait * 2, settings.poll_seconds)
    finally:
        if hang_up is not None:
            hang_up()
    return tally
