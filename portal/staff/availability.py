"""Providers say whether each service is taking referrals and, for accommodation, how many
spaces it has now. The status is public; the number of spaces is for signed-in staff only
(a count of free refuge rooms, published, would help someone hunting for a person)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal import vocab
from portal.models import Service, StaffUser
from portal.staff import audit
from portal.vocab import ACCOMMODATION_KINDS

# The staff pages are English: the vocabulary's English labels.
AVAILABILITY = {code: term.label for code, term in vocab.AVAILABILITY.items()}


def has_spaces(service: Service) -> bool:
    return bool(set(service.kinds) & ACCOMMODATION_KINDS) or service.units is not None


def services_for(session: Session, user: StaffUser) -> list[Service]:
    """The services whose availability this person may set: their organisation's; all of
    them for an administrator."""
    query = select(Service).options(selectinload(Service.kind_rows)).order_by(Service.name)
    if not user.is_admin:
        query = query.where(Service.organisation_id == user.organisation_id)
    return list(session.scalars(query.where(Service.status == "operating")))


def may_set(user: StaffUser, service: Service) -> bool:
    return user.is_admin or service.organisation_id == user.organisation_id


def set_availability(
    session: Session,
    service: Service,
    availability: str,
    spaces: int | None,
    by: StaffUser,
    now: dt.datetime,
) -> None:
    if availability not in AVAILABILITY:
        raise ValueError(availability)
    if not has_spaces(service):
        spaces = None
    changes = audit.differences(service, {"availability": availability, "spaces_now": spaces})
    service.availability = availability
    service.spaces_now = spaces
    service.availability_at = now
    service.availability_by_id = by.id
    audit.record(session, "availability set", by=by, now=now, subject=service, changes=changes)
