"""A provider's inbox: the referrals routed to its organisation, and the status it gives
each (the closed loop). Plain SQLAlchemy, no Flask.

Every query here is scoped to one organisation: a delivery of another organisation is not
found, exactly as if its id did not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Delivery, DeliveryStatusEvent, Referral, Service, StaffUser
from portal.staff import audit

STATUSES = {
    "received": "Received",
    "contacted": "Contacted",
    "accepted": "Accepted for support",
    "unable_to_contact": "Unable to contact",
    "closed": "Closed",
}
# A list, not free text: the reason outlives the referral's content in anonymous counts, so
# it must never hold anything about the person.
CLOSED_REASONS = {
    "supported": "Support given",
    "declined": "Person declined support",
    "not_eligible": "Not eligible for this service",
    "referred_on": "Referred to another service",
    "no_contact": "Could not make safe contact",
    "duplicate": "Duplicate referral",
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxRow:
    delivery_id: uuid.UUID
    reference: str
    received_at: dt.datetime
    service_name: str
    referrer: str
    provider_status: str | None
    acknowledged: bool
    purged: bool


def visible(organisation_id: uuid.UUID):
    """Deliveries an organisation sees: its own, except copies still failing to send
    (parked ones are the administrators' to resolve; the inbox shows them once sent)."""
    return (Delivery.organisation_id == organisation_id) & (Delivery.status != "parked")


def list_referrals(
    session: Session, organisation_id: uuid.UUID, page: int = 1
) -> tuple[list[InboxRow], int]:
    """One page of the organisation's referrals, newest first, and how many there are."""
    total = session.execute(
        select(func.count()).select_from(Delivery).where(visible(organisation_id))
    ).scalar_one()
    rows = session.execute(
        select(
            Delivery.id,
            Referral.reference,
            Delivery.created_at,
            func.coalesce(Service.name, Delivery.service_slug),
            Referral.referrer,
            Delivery.provider_status,
            Delivery.acknowledged_at,
            Referral.purged_at,
        )
        .join(Referral, Delivery.referral_id == Referral.id)
        .outerjoin(Service, Service.slug == Delivery.service_slug)
        .where(visible(organisation_id))
        .order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return [
        InboxRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6] is not None, bool(row[7]))
        for row in rows
    ], total


def find(session: Session, organisation_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery | None:
    return session.scalars(
        select(Delivery).where(Delivery.id == delivery_id, visible(organisation_id))
    ).one_or_none()


def history(session: Session, delivery: Delivery) -> list[tuple[DeliveryStatusEvent, str]]:
    rows = session.execute(
        select(DeliveryStatusEvent, StaffUser.name)
        .outerjoin(StaffUser, DeliveryStatusEvent.by_id == StaffUser.id)
        .where(DeliveryStatusEvent.delivery_id == delivery.id)
        .order_by(DeliveryStatusEvent.at, DeliveryStatusEvent.id)
    ).all()
    return [(event, name or "the portal") for event, name in rows]


def set_status(
    session: Session,
    delivery: Delivery,
    status: str,
    by: StaffUser,
    now: dt.datetime,
    reason: str | None = None,
) -> None:
    """Record a status, timestamped, with who set it. Any status means the provider has the
    referral, so it also counts as the acknowledgement."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if status == "closed" and reason not in CLOSED_REASONS:
        raise ValueError("a closed referral needs a reason from the list")
    reason = reason if status == "closed" else None
    session.add(
        DeliveryStatusEvent(
            id=uuid.uuid4(),
            delivery_id=delivery.id,
            status=status,
            reason=reason,
            at=now,
            by_id=by.id,
        )
    )
    delivery.provider_status = status
    delivery.provider_status_at = now
    delivery.closed_reason = reason
    if delivery.acknowledged_at is None:
        delivery.acknowledged_at = now
    audit.record(
        session,
        "referral status set",
        by=by,
        now=now,
        subject=delivery,
        changes={"status": status, "reason": reason},
    )


def acknowledge(session: Session, delivery: Delivery, by: StaffUser, now: dt.datetime) -> bool:
    """The one-click "received" from the e-mail. False if it was already acknowledged."""
    if delivery.acknowledged_at is not None:
        return False
    set_status(session, delivery, "received", by, now)
    return True


def record_view(session: Session, delivery: Delivery, by: StaffUser, now: dt.datetime) -> None:
    """Every opening of a referral's content is in the audit log."""
    audit.record(session, "referral viewed", by=by, now=now, subject=delivery)
