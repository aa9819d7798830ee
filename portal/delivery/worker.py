"""The delivery worker: claim a due delivery, compose its mail, send it, record the outcome.

`run` loops until stopped; with once=True it drains what is due and returns. Several
workers may run at once (see outbox.claim_next). Logs say which delivery and what happened,
never what the referral says.
"""

from __future__ import annotations

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
    lease: dt.timedelta = outbox.DEFAULT_LEASE
    poll_seconds: float = 1.0
    housekeeping_seconds: float = 600.0


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    statuses: list[str] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def deliver_one(
    database: Database,
    cipher: DataCipher,
    send: Callable[[EmailMessage], None],
    compose: Callable[[outbox.Outgoing, dict, str], EmailMessage],
    settings: WorkerSettings,
    worker: str,
) -> str | None:
    """Send the next due delivery. Returns its new status, or None if nothing was due."""
    with database.session() as session:
        claim = outbox.claim_next(session, worker, _now(), settings.lease)
        if claim is None:
            return None
        mail = outbox.outgoing(session, claim)
    try:
        if mail.content is None:
            raise PermanentFailure("the referral's content was already deleted")
        if not mail.to_address:
            raise PermanentFailure("the organisation has no referral address")
        message = compose(mail, cipher.decrypt(mail.content), settings.sender)
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


def housekeeping(database: Database, settings: WorkerSettings) -> tuple[int, int]:
    """Delete delivered content past its retention period and abandoned drafts."""
    with database.session() as session:
        purged = outbox.purge_delivered_content(session, _now(), settings.retention)
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
) -> Tally:
    """Deliver until stopped (or, with once=True, until nothing is due)."""
    stop = stop or threading.Event()
    worker = worker_name()
    tally = Tally()
    last_housekeeping = 0.0
    while not stop.is_set():
        if time.monotonic() - last_housekeeping > settings.housekeeping_seconds:
            housekeeping(database, settings)
            last_housekeeping = time.monotonic()
        status = deliver_one(database, cipher, send, compose, settings, worker)
        if status is None:
            if once:
                break
            stop.wait(settings.poll_seconds)
            continue
        tally.statuses.append(status)
        if status == "sent":
            tally.sent += 1
        elif status == "parked":
            tally.parked += 1
        elif status == "pending":
            tally.retrying += 1
        # "lost": another worker took the delivery over and answers for it.
    return tally
