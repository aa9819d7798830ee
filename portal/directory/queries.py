"""Questions the directory answers: which services match a filter, one service, helplines.

Every filter is an indexed condition in SQL (EXISTS over the area/kind/specialism rows), so
the same query stays fast as the directory grows. No Flask here: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from portal import vocab
from portal.directory.status import service_state
from portal.models import (
    Service,
    ServiceArea,
    ServiceKind,
    ServiceSpecialism,
)
from portal.routing import ServiceFacts


@dataclass(frozen=True)
class DirectoryFilter:
    """What a person asked the directory for. Every field is optional."""

    area: str | None = None
    need: str | None = None
    specialism: str | None = None
    accepts_men: bool = False
    accepts_nrpf: bool = False
    pets: bool = False
    wheelchair: bool = False
    family_size: int | None = None
    son_age: int | None = None
    include_ended: bool = False
    # Services of any of these kinds (a pathway asks for IDVAs, say).
    kinds: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == DirectoryFilter()


def _not_ended(today: dt.date):
    return and_(
        Service.status != "ended", or_(Service.ended_on.is_(None), Service.ended_on >= today)
    )


def _has_area(area: str):
    return or_(
        Service.takes_from_anywhere.is_(True),
        exists().where(ServiceArea.service_id == Service.id, ServiceArea.area == area),
    )


def _meets_need(need: str):
    conditions = []
    kinds = vocab.KINDS_FOR_NEED.get(need, frozenset())
    if kinds:
        conditions.append(
            exists().where(ServiceKind.service_id == Service.id, ServiceKind.kind.in_(kinds))
        )
    specialism = vocab.SPECIALISM_FOR_NEED.get(need)
    if specialism:
        conditions.append(_has_specialism(specialism))
    if need == "immigration":
        conditions.append(Service.nrpf == "yes")
    return or_(*conditions)


def _has_specialism(specialism: str):
    return exists().where(
        ServiceSpecialism.service_id == Service.id, ServiceSpecialism.specialism == specialism
    )


def _is_accommodation():
    return exists().where(
        ServiceKind.service_id == Service.id, ServiceKind.kind.in_(vocab.ACCOMMODATION_KINDS)
    )


def conditions_for(directory_filter: DirectoryFilter, today: dt.date) -> list:
    f = directory_filter
    conditions = []
    if not f.include_ended:
        conditions.append(_not_ended(today))
    if f.area:
        conditions.append(_has_area(f.area))
    if f.need:
        conditions.append(_meets_need(f.need))
    if f.specialism:
        conditions.append(_has_specialism(f.specialism))
    if f.kinds:
        conditions.append(
            exists().where(ServiceKind.service_id == Service.id, ServiceKind.kind.in_(f.kinds))
        )
    if f.accepts_men:
        conditions.append(Service.accepts_men.is_(True))
    if f.accepts_nrpf:
        # Services that say nothing about NRPF (support rather than housing) are not
        # excluded; accommodation must say yes or "ask".
        conditions.append(or_(Service.nrpf.is_(None), Service.nrpf.in_(("yes", "ask"))))
    # The rest are facts about somewhere to stay, so they select accommodation.
    if f.pets:
        conditions.append(and_(_is_accommodation(), Service.pets.is_(True)))
    if f.wheelchair:
        conditions.append(and_(_is_accommodation(), Service.wheelchair_units > 0))
    if f.family_size is not None:
        conditions.append(and_(_is_accommodation(), Service.largest_family >= f.family_size))
    if f.son_age is not None:
        conditions.append(
            and_(
                _is_accommodation(),
                or_(
                    Service.sons_no_age_limit.is_(True),
                    Service.max_son_age >= f.son_age,
                    Service.max_son_age_if_agreed >= f.son_age,
                ),
            )
        )
    return conditions


def find_services(
    session: Session, directory_filter: DirectoryFilter, today: dt.date
) -> list[Service]:
    """Services matching the filter: open ones first, then to check, then ended; by name."""
    state_order = case(
        (~_not_ended(today), 2),
        (and_(Service.funded_until.is_not(None), Service.funded_until < today), 1),
        else_=0,
    )
    query = (
        select(Service)
        .where(*conditions_for(directory_filter, today))
        .options(
            selectinload(Service.organisation),
            selectinload(Service.area_rows),
            selectinload(Service.kind_rows),
            selectinload(Service.specialism_rows),
        )
        .order_by(state_order, Service.name)
    )
    return list(session.scalars(query))


def get_service(session: Session, slug: str) -> Service | None:
    query = (
        select(Service)
        .where(Service.slug == slug)
        .options(
            selectinload(Service.organisation),
            selectinload(Service.area_rows),
            selectinload(Service.kind_rows),
            selectinload(Service.specialism_rows),
        )
    )
    return session.scalars(query).one_or_none()


def other_services(session: Session, service: Service) -> list[Service]:
    """The provider's other services, for the service page."""
    query = (
        select(Service)
        .where(Service.organisation_id == service.organisation_id, Service.id != service.id)
        .order_by(Service.name)
    )
    return list(session.scalars(query))


def routing_services(session: Session, today: dt.date) -> list[ServiceFacts]:
    """Every service that has not ended, as the plain facts routing decides on."""
    query = (
        select(Service)
        .where(_not_ended(today))
        .options(
            selectinload(Service.organisation),
            selectinload(Service.area_rows),
            selectinload(Service.kind_rows),
            selectinload(Service.specialism_rows),
        )
        .order_by(Service.slug)
    )
    return [
        ServiceFacts(
            slug=s.slug,
            provider=s.organisation.slug,
            name=s.name,
            provider_name=s.organisation.name,
            kinds=tuple(s.kinds),
            areas=tuple(s.areas),
            state=service_state(s, today),
            specialisms=tuple(s.specialisms),
            takes_from_anywhere=s.takes_from_anywhere,
            accepts_women=s.accepts_women,
            accepts_men=s.accepts_men,
            min_age=s.min_age,
            max_age=s.max_age,
            largest_family=s.largest_family,
            sons_no_age_limit=s.sons_no_age_limit,
            max_son_age=s.max_son_age,
            max_son_age_if_agreed=s.max_son_age_if_agreed,
            nrpf=s.nrpf,
            pets=s.pets,
            pet_units=s.pet_units,
            wheelchair_units=s.wheelchair_units,
            funded_until=s.funded_until,
            phone=s.phone,
        )
        for s in session.scalars(query)
    ]
