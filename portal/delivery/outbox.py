"""The outbox: which delivery to send next, and what happens after success or failure.

Deliveries are rows. A worker claims a few due ones at a time: on PostgreSQL with SELECT ...
FOR UPDATE SKIP LOCKED, on SQLite with a single UPDATE ... RETURNING (SQLite has one writer at
a time, so that statement is the lock). A claim is a lease: a worker that dies loses its
deliveries when the lease runs out and another worker sends them; a worker that stops gives
back what it has not begun. Failures are retried on a schedule with jitter; after the last
retry the delivery is parked (shown to administrators) and a copy goes to the fallback
service, so nothing is dropped. Plain SQLAlchemy, no Flask.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from portal.models import Delivery, Organisation, Referral, Service

DEFAULT_LEASE = dt.timedelta(minutes=5)
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    attempt: int


def _due(now: dt.datetime):
    return or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        # A lease that ran out: the worker holding it died or hung.
        and_(Delivery.status == "sending", Delivery.lease_until < now),
    )


def claim_due(
    session: Session,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta = DEFAULT_LEASE,
    limit: int = 1,
) -> list[Claim]:
    """Take up to `limit` due deliveries for this worker, oldest first. Commits.

    Every claim carries the same lease, so a worker should not take more than it can send
    well within the lease (see `release` for giving back what it has not begun)."""
    values = {
        "status": "sending",
        "lease_until": now + lease,
        "claimed_by": worker,
        "attempts": Delivery.attempts + 1,
    }
    due = select(Delivery.id).where(_due(now)).order_by(Delivery.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(due.with_for_update(skip_locked=True)).all()
        if not ids:
            session.commit()
            return []
        claimed = update(Delivery).where(Delivery.id.in_(ids))
    else:
        # Look before taking SQLite's one write lock: an idle worker polling must not hold
        # up the web app's writes. The UPDATE checks again, so a race only loses a turn.
        if session.execute(due.limit(1)).first() is None:
            session.commit()
            return []
        claimed = update(Delivery).where(Delivery.id.in_(due), _due(now))
    rows = session.execute(
        claimed.values(**values).returning(Delivery.id, Delivery.attempts, Delivery.next_attempt_at)
    ).all()
    session.commit()
    rows.sort(key=lambda row: (row.next_attempt_at, str(row.id)))
    return [Claim(row.id, row.attempts) for row in rows]


def claim_next(
    session: Session, worker: str, now: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE
) -> Claim | None:
    """Take the next due delivery for this worker, or None. Commits."""
    claims = claim_due(session, worker, now, lease, limit=1)
    return claims[0] if claims else None


def release(session: Session, claims: Sequence[Claim], worker: str) -> int:
    """Give back claims this worker has not begun to send (it is stopping, or their lease is
    running short): they are due again at once for any worker, and the attempt that was
    never made is not counted. Commits; returns how many were still this worker's."""
    released = 0
    for claim in claims:
        released += (
            session.execute(
                update(Delivery)
                .where(_mine(claim, worker), Delivery.attempts == claim.attempt)
                .values(
                    status="pending",
                    lease_until=None,
                    claimed_by=None,
                    attempts=Delivery.attempts - 1,
                )
            ).rowcount
            or 0
        )
    session.commit()
    return released


def _mine(claim: Claim, worker: str):
    return and_(
        Delivery.id == claim.delivery_id,
        Delivery.claimed_by == worker,
        Delivery.status == "sending",
    )


def mark_sent(session: Session, claim: Claim, worker: str, now: dt.datetime) -> bool:
    """Record success. False if the lease was lost meanwhile (another worker owns it now)."""
    result = session.execute(
        update(Delivery)
        .where(_mine(claim, worker))
        .values(status="sent", sent_at=now, lease_until=None, last_error=None)
    )
    session.commit()
    return bool(result.rowcount)


def retry_delay(attempt: int, schedule: Sequence[int], rng: random.Random) -> dt.timedelta | None:
    """How long to wait after failed attempt number `attempt` (1-based), with +-20% jitter so
    many failed deliveries do not all retry at the same moment; None when it is time to park."""
    if attempt > len(schedule):
        return None
    base = schedule[attempt - 1]
    return dt.timedelta(seconds=base * rng.uniform(0.8, 1.2))


def mark_failed(
    session: Session,
    claim: Claim,
    worker: str,
    now: dt.datetime,
    error: str,
    schedule: Sequence[int],
    *,
    permanent: bool = False,
    fallback_service: str | None = None,
    rng: random.Random | None = None,
) -> str:
    """Record a failure: schedule a retry, or park and hand over to the fallback service.
    Returns the delivery's new status, or "lost" when the lease had passed to another
    worker (which then owns the delivery). The error kept is short and holds no content."""
    error = " ".join(error.split())[:MAX_ERROR_LENGTH]
    # Jitter needs no cryptographic randomness.
    rng = rng or random.Random()  # noqa: S311
    delay = None if permanent else retry_delay(claim.attempt, schedule, rng)
    if delay is not None:
        retried = session.execute(
            update(Delivery)
            .where(_mine(claim, worker))
            .values(
                status="pending", next_attempt_at=now + delay, lease_until=None, last_error=error
            )
        ).rowcount
        session.commit()
        return "pending" if retried else "lost"
    parked = session.execute(
        update(Delivery)
        .where(_mine(claim, worker))
        .values(status="parked", parked_at=now, lease_until=None, last_error=error)
    ).rowcount
    if parked and fallback_service:
        add_fallback(session, claim.delivery_id, fallback_service, now)
    session.commit()
    return "parked" if parked else "lost"


def add_fallback(
    session: Session, parked_id: uuid.UUID, service_slug: str, now: dt.datetime
) -> Delivery | None:
    """Send a parked referral to the fallback service, unless it already has a copy."""
    parked = session.get(Delivery, parked_id)
    service = session.scalars(select(Service).where(Service.slug == service_slug)).one_or_none()
    if parked is None or service is None:
        return None
    already = session.scalars(
        select(Delivery).where(
            Delivery.referral_id == parked.referral_id,
            Delivery.organisation_id == service.organisation_id,
            Delivery.status != "parked",
        )
    ).first()
    if already is not None or parked.organisation_id == service.organisation_id:
        return None
    position = session.execute(
        select(func.max(Delivery.position)).where(Delivery.referral_id == parked.referral_id)
    ).scalar_one()
    fallback = Delivery(
        referral_id=parked.referral_id,
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        kind="helpline" if "helpline" in service.kinds else service.kinds[0],
        position=(position or 0) + 1,
        next_attempt_at=now,
        created_at=now,
        fallback_for_id=parked.id,
        mode=service.organisation.delivery_mode,
    )
    session.add(fallback)
    return fallback


@dataclass(frozen=True)
class Outgoing:
    """Everything needed to send one delivery (read in one query)."""

    delivery_id: uuid.UUID
    message_id: str
    reference: str
    referrer: str
    content: bytes | None
    to_address: str | None
    address_is_demo: bool
    organisation: str
    service_slug: str
    service_name: str
    kind: str
    fallback: bool
    created_at: dt.datetime
    also_sent_to: tuple[str, ...]
    mode: str = "full"


def outgoing(session: Session, claim: Claim) -> Outgoing:
    (mail,) = outgoing_many(session, [claim])
    return mail


def outgoing_many(session: Session, claims: Sequence[Claim]) -> list[Outgoing]:
    """What to send for each claim, in the claims' order, read in two queries."""
    ids = [claim.delivery_id for claim in claims]
    rows = session.execute(
        select(Delivery, Referral, Organisation, Service.name)
        .join(Referral, Delivery.referral_id == Referral.id)
        .join(Organisation, Delivery.organisation_id == Organisation.id)
        .outerjoin(Service, Service.slug == Delivery.service_slug)
        .where(Delivery.id.in_(ids))
    ).all()
    copies = session.execute(
        select(Delivery.referral_id, Delivery.id, Organisation.name)
        .join(Organisation, Delivery.organisation_id == Organisation.id)
        .where(
            Delivery.referral_id.in_({row.Referral.id for row in rows}),
            Delivery.status != "parked",
        )
    ).all()
    by_id = {row.Delivery.id: row for row in rows}
    made = []
    for delivery_id in ids:
        delivery, referral, organisation, service_name = by_id[delivery_id]
        others = {
            copy.name
            for copy in copies
            if copy.referral_id == referral.id and copy.id != delivery.id
        }
        made.append(
            Outgoing(
                delivery_id=delivery.id,
                message_id=delivery.message_id,
                reference=referral.reference,
                referrer=referral.referrer,
                content=referral.content,
                to_address=organisation.referral_email,
                address_is_demo=organisation.referral_email_is_demo,
                organisation=organisation.name,
                service_slug=delivery.service_slug,
                service_name=service_name or delivery.service_slug,
                kind=delivery.kind,
                fallback=delivery.fallback_for_id is not None,
                created_at=referral.created_at,
                also_sent_to=tuple(sorted(others)),
                mode=delivery.mode,
            )
        )
    return made


def purge_delivered_content(
    session: Session,
    now: dt.datetime,
    retention: dt.timedelta,
    longest: dt.timedelta | None = None,
) -> int:
    """Delete the content of referrals whose every copy was sent and then acknowledged or
    closed by its provider, more than `retention` ago; and of any referral older than
    `longest`, taken up or not. What remains (reference, dates, which providers, statuses
    from a list) says nothing about the person."""
    unfinished = select(Delivery.referral_id).where(
        or_(
            Delivery.status.in_(("pending", "sending", "parked")),
            Delivery.acknowledged_at.is_(None),
        )
    )
    finished_at = func.max(
        case(
            (Delivery.acknowledged_at > Delivery.sent_at, Delivery.acknowledged_at),
            else_=Delivery.sent_at,
        )
    )
    done = (
        select(Delivery.referral_id)
        .group_by(Delivery.referral_id)
        .having(finished_at < now - retention)
    )
    expired = Referral.id.in_(done) & Referral.id.not_in(unfinished)
    if longest is not None:
        expired = expired | (Referral.created_at < now - longest)
    result = session.execute(
        update(Referral)
        .where(Referral.content.is_not(None), expired)
        .values(content=None, purged_at=now)
    )
    session.commit()
    return result.rowcount or 0


def due_reminders(session: Session, now: dt.datetime, chase: dt.timedelta) -> list[Claim]:
    """Delivered copies nobody has acknowledged within `chase`, not yet reminded. (A Claim
    is only a handle here: reminders take no lease, the worker sends one at a time.)"""
    ids = session.scalars(
        select(Delivery.id).where(
            Delivery.status == "sent",
            Delivery.acknowledged_at.is_(None),
            Delivery.reminded_at.is_(None),
            Delivery.sent_at < now - chase,
        )
    ).all()
    return [Claim(delivery_id, 0) for delivery_id in ids]


def mark_reminded(session: Session, delivery_id: uuid.UUID, now: dt.datetime) -> None:
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(reminded_at=now))
    session.commit()


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: count for status, count in rows}
