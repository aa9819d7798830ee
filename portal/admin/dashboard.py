"""What the commissioners' dashboard counts. Counts and references only: nothing here reads
a referral's content. Plain SQLAlchemy, no Flask."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Delivery, Organisation, Referral, Service

# The columns of the per-provider table, in the order a referral moves through them.
COLUMNS = (
    ("awaiting", "Not yet acknowledged"),
    ("received", "Received"),
    ("contacted", "Contacted"),
    ("accepted", "Accepted"),
    ("unable_to_contact", "Unable to contact"),
    ("closed", "Closed"),
    ("failing", "Not delivered"),
)
NOT_REVIEWED_DAYS = 183  # six months


def provider_counts(session: Session) -> list[tuple[str, dict[str, int]]]:
    """Per organisation: how many referrals are in each column."""
    state = func.coalesce(Delivery.provider_status, "awaiting")
    rows = session.execute(
        select(Organisation.name, Delivery.status, state, func.count())
        .join(Organisation, Delivery.organisation_id == Organisation.id)
        .group_by(Organisation.name, Delivery.status, state)
    ).all()
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(dict(COLUMNS), 0))
    for name, delivery_status, provider_status, count in rows:
        column = "failing" if delivery_status == "parked" else provider_status
        table[name][column] += count
    return sorted(table.items())


@dataclass(frozen=True)
class Flagged:
    delivery_id: uuid.UUID
    reference: str
    organisation: str
    service_slug: str
    since: dt.datetime
    status: str  # "parked", "retrying", "chased" or "escalated"
    detail: str
    has_fallback: bool


def _fallbacks(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(
        session.scalars(select(Delivery.fallback_for_id).where(Delivery.fallback_for_id.in_(ids)))
    )


def delivery_failures(session: Session) -> list[Flagged]:
    """Copies parked after their last retry, and copies still being retried."""
    rows = session.execute(
        select(Delivery, Referral.reference, Organisation.name)
        .join(Referral, Delivery.referral_id == Referral.id)
        .join(Organisation, Delivery.organisation_id == Organisation.id)
        .where(
            (Delivery.status == "parked")
            | ((Delivery.status == "pending") & (Delivery.attempts > 0))
        )
        .order_by(Delivery.created_at)
    ).all()
    fallbacks = _fallbacks(session, [row.Delivery.id for row in rows])
    return [
        Flagged(
            delivery.id,
            reference,
            name,
            delivery.service_slug,
            delivery.parked_at or delivery.created_at,
            "parked" if delivery.status == "parked" else "retrying",
            delivery.last_error or "",
            delivery.id in fallbacks,
        )
        for delivery, reference, name in rows
    ]


def unacknowledged(
    session: Session, now: dt.datetime, chase: dt.timedelta, escalate: dt.timedelta
) -> list[Flagged]:
    """Delivered copies nobody has acknowledged for longer than `chase`; those older than
    `escalate` are flagged for the fallback route."""
    rows = session.execute(
        select(Delivery, Referral.reference, Organisation.name)
        .join(Referral, Delivery.referral_id == Referral.id)
        .join(Organisation, Delivery.organisation_id == Organisation.id)
        .where(
            Delivery.status == "sent",
            Delivery.acknowledged_at.is_(None),
            Delivery.sent_at < now - chase,
        )
        .order_by(Delivery.sent_at)
    ).all()
    fallbacks = _fallbacks(session, [row.Delivery.id for row in rows])
    return [
        Flagged(
            delivery.id,
            reference,
            name,
            delivery.service_slug,
            delivery.sent_at,
            "escalated" if delivery.sent_at < now - escalate else "chased",
            "reminder sent" if delivery.reminded_at else "",
            delivery.id in fallbacks,
        )
        for delivery, reference, name in rows
    ]


def not_reviewed(session: Session, today: dt.date) -> list[Service]:
    """Open services whose facts nobody has reviewed for six months."""
    return list(
        session.scalars(
            select(Service)
            .where(
                Service.status == "operating",
                Service.reviewed_on < today - dt.timedelta(days=NOT_REVIEWED_DAYS),
            )
            .order_by(Service.reviewed_on, Service.name)
        )
    )


def referral_total(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Referral)).scalar_one()
