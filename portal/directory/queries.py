"""Questions the directory answers: which services match a filter, one service, helplines.

Every filter is an indexed condition in SQL (on the area/kind/specialism rows), and a list
comes a page at a time in a fixed number of statements, so a page stays fast as the directory
grows (bench/directory_scale.py measures it). No Flask here: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, defer, joinedload

from portal import vocab
from portal.directory.status import service_state
from portal.models import (
    Organisation,
    Service,
    ServiceArea,
    ServiceCodes,
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


def _having(column, codes: tuple[str, ...], by_row: bool):
    """Services with any of these codes in an area, kind or specialism column.

    By set (the default): the service's id is among those the (code, service_id) index
    lists. That list is read once, so a count over the whole directory looks each service
    up in it rather than searching the rows for every service (SQLite has no hash join).

    By row: an EXISTS on the service's own rows, looked at as the service comes. A scan in
    name order that stops at a page wants this: given a set, SQLite starts from the set,
    reads every service in it and sorts them all. Both shapes select the same services."""
    rows = column.class_
    wanted = column == codes[0] if len(codes) == 1 else column.in_(codes)
    if by_row:
        return exists().where(rows.service_id == Service.id, wanted)
    return Service.id.in_(select(rows.service_id).where(wanted))


def _has_area(area: str, by_row: bool):
    return or_(Service.takes_from_anywhere.is_(True), _having(ServiceArea.area, (area,), by_row))


def _meets_need(need: str, by_row: bool):
    conditions = []
    kinds = vocab.KINDS_FOR_NEED.get(need, frozenset())
    if kinds:
        conditions.append(_having(ServiceKind.kind, tuple(sorted(kinds)), by_row))
    specialism = vocab.SPECIALISM_FOR_NEED.get(need)
    if specialism:
        conditions.append(_has_specialism(specialism, by_row))
    if need == "immigration":
        conditions.append(Service.nrpf == "yes")
    return or_(*conditions)


def _has_specialism(specialism: str, by_row: bool):
    return _having(ServiceSpecialism.specialism, (specialism,), by_row)


def _is_accommodation(by_row: bool):
    return _having(ServiceKind.kind, tuple(sorted(vocab.ACCOMMODATION_KINDS)), by_row)


def conditions_for(
    directory_filter: DirectoryFilter, today: dt.date, *, by_row: bool = False
) -> list:
    """The filter as SQL conditions on Service (by_row: see _having)."""
    f = directory_filter
    conditions = []
    if not f.include_ended:
        conditions.append(_not_ended(today))
    if f.area:
        conditions.append(_has_area(f.area, by_row))
    if f.need:
        conditions.append(_meets_need(f.need, by_row))
    if f.specialism:
        conditions.append(_has_specialism(f.specialism, by_row))
    if f.kinds:
        conditions.append(_having(ServiceKind.kind, tuple(f.kinds), by_row))
    if f.accepts_men:
        conditions.append(Service.accepts_men.is_(True))
    if f.accepts_nrpf:
        # Services that say nothing about NRPF (support rather than housing) are not
        # excluded; accommodation must say yes or "ask".
        conditions.append(or_(Service.nrpf.is_(None), Service.nrpf.in_(("yes", "ask"))))
    # The rest are facts about somewhere to stay, so they select accommodation (once).
    stay = []
    if f.pets:
        stay.append(Service.pets.is_(True))
    if f.wheelchair:
        stay.append(Service.wheelchair_units > 0)
    if f.family_size is not None:
        stay.append(Service.largest_family >= f.family_size)
    if f.son_age is not None:
        stay.append(
            or_(
                Service.sons_no_age_limit.is_(True),
                Service.max_son_age >= f.son_age,
                Service.max_son_age_if_agreed >= f.son_age,
            )
        )
    if stay:
        conditions.append(and_(_is_accommodation(by_row), *stay))
    return conditions


# A page of results: light enough for an old phone, and the same 50 cards for the server to
# render whatever the size of the directory.
PAGE_SIZE = 50
# From this many matches, a page is found by walking the listing index in name order (a
# match turns up every few services); below it, the few matches are read and sorted.
WALK_FROM = 10 * PAGE_SIZE

# A card shows the organisation's name and no long text but the summary: the rest is not
# read (and would raise, rather than quietly cost a query per card).
_CARD_COLUMNS = (
    joinedload(Service.organisation).load_only(Organisation.name, raiseload=True),
    *(
        defer(column, raiseload=True)
        for column in (
            Service.description,
            Service.how_to_refer,
            Service.contact_note,
            Service.sources,
            Service.source_note,
        )
    ),
)


@dataclass(frozen=True)
class ServicePage:
    """One page of the services that match a filter, and how many match in all."""

    services: list[Service]
    total: int
    number: int  # from 1
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


# Where a service comes in the list: open ones first, then those to check, then ended ones.
OPEN, TO_CHECK, ENDED = 0, 1, 2


def _listing_state(today: dt.date):
    return case(
        (~_not_ended(today), ENDED),
        (and_(Service.funded_until.is_not(None), Service.funded_until < today), TO_CHECK),
        else_=OPEN,
    )


def _in_state(value: int, today: dt.date):
    """The same as _listing_state(today) == value, written so a planner can estimate it."""
    past_funding = and_(Service.funded_until.is_not(None), Service.funded_until < today)
    if value == ENDED:
        return ~_not_ended(today)
    if value == TO_CHECK:
        return and_(_not_ended(today), past_funding)
    return and_(_not_ended(today), ~past_funding)


def _listing_order(today: dt.date) -> tuple:
    """By state, then by name (then id, so a page never repeats or skips a service whose name
    another shares)."""
    return _listing_state(today), Service.name, Service.id


def find_services(
    session: Session, directory_filter: DirectoryFilter, today: dt.date
) -> list[Service]:
    """Every service matching the filter: open ones first, then to check, then ended; by name."""
    conditions = conditions_for(directory_filter, today)
    query = (
        select(Service)
        .where(*conditions)
        .options(joinedload(Service.organisation))
        .order_by(*_listing_order(today))
    )
    services = list(session.scalars(query))
    _read_codes(session, services, among=select(Service.id).where(*conditions))
    return services


@dataclass(frozen=True)
class _Listing:
    count: Select  # how many match, how many of them to check, how many ended
    by_set: tuple  # the filter's conditions (see _having)
    by_row: tuple
    states: tuple  # the condition for each state, OPEN, TO_CHECK, ENDED


@lru_cache(maxsize=512)
def _listing(directory_filter: DirectoryFilter, today: dt.date) -> _Listing:
    """The statements for a filter on a day: the same for every request that asks for it, so
    built once (a filter's SQL takes as long to build as the count takes to run)."""
    by_set = tuple(conditions_for(directory_filter, today))
    states = tuple(_in_state(value, today) for value in (OPEN, TO_CHECK, ENDED))
    count = select(
        func.count(),
        func.count(case((states[TO_CHECK], 1))),
        func.count(case((states[ENDED], 1))),
    ).where(*by_set)
    by_row = tuple(conditions_for(directory_filter, today, by_row=True))
    return _Listing(count, by_set, by_row, states)


def find_service_page(
    session: Session,
    directory_filter: DirectoryFilter,
    today: dt.date,
    number: int = 1,
    size: int = PAGE_SIZE,
) -> ServicePage:
    """One page of find_services' list, and the total. A page past the end is the last.

    Sorting every match by state and name would cost as much as the directory is long.
    Instead one pass over the narrow listing index counts the matches in each state; then
    each state's part of the page is read in name order, from the same index, stopping when
    it has enough. Three statements whatever the size of the directory: the counts, the
    page, its codes."""
    listing = _listing(directory_filter, today)
    total, to_check, ended = session.execute(listing.count).one()
    number = min(max(number, 1), max(1, -(-total // size)))
    in_order = listing.by_row if total >= WALK_FROM else listing.by_set
    parts, skip, wanted = [], (number - 1) * size, size
    for value, count in ((OPEN, total - to_check - ended), (TO_CHECK, to_check), (ENDED, ended)):
        if wanted and skip < count:
            taken = min(wanted, count - skip)
            parts.append(
                select(Service.id)
                .where(*in_order, listing.states[value])
                .order_by(Service.name, Service.id)
                .offset(skip)
                .limit(taken)
                .subquery()
                .select()
            )
            wanted -= taken
        skip = max(0, skip - count)
    services = []
    if parts:
        query = (
            select(Service)
            .where(Service.id.in_(union_all(*parts) if len(parts) > 1 else parts[0]))
            .options(*_CARD_COLUMNS)
            .order_by(*_listing_order(today))
        )
        services = list(session.scalars(query))
        _read_codes(session, services)
    return ServicePage(services, total, number, size)


def _read_codes(session: Session, services: list[Service], among=None) -> None:
    """Set each service's areas, kinds and specialisms (Service.listed_codes) from one query
    of plain values, rather than three queries of row objects. `among` selects the ids to
    read, for more services than a list of ids should hold."""
    among = [service.id for service in services] if among is None else among
    parts = [
        select(row.service_id, literal(group), code, row.position).where(row.service_id.in_(among))
        for group, row, code in (
            ("areas", ServiceArea, ServiceArea.area),
            ("kinds", ServiceKind, ServiceKind.kind),
            ("specialisms", ServiceSpecialism, ServiceSpecialism.specialism),
        )
    ]
    codes = {service.id: {"areas": [], "kinds": [], "specialisms": []} for service in services}
    for service_id, group, code, _position in sorted(
        session.execute(union_all(*parts)), key=lambda row: row[3]
    ):
        if service_id in codes:
            codes[service_id][group].append(code)
    for service in services:
        service.listed_codes = ServiceCodes(**codes[service.id])


def get_service(session: Session, slug: str) -> Service | None:
    return get_services(session, [slug]).get(slug)


def get_services(session: Session, slugs: list[str]) -> dict[str, Service]:
    """Services by slug, with their organisations and codes: two statements for any number
    (the pathway finder's routes)."""
    if not slugs:
        return {}
    query = select(Service).where(Service.slug.in_(slugs)).options(joinedload(Service.organisation))
    services = list(session.scalars(query))
    if services:
        _read_codes(session, services)
    return {service.slug: service for service in services}


def other_services(session: Session, service: Service) -> list[Service]:
    """The provider's other services, for the service page."""
    query = (
        select(Service)
        .where(Service.organisation_id == service.organisation_id, Service.id != service.id)
        .order_by(Service.name)
    )
    return list(session.scalars(query))


def routing_services(session: Session, today: dt.date) -> list[ServiceFacts]:
    """Every service that has not ended, as the plain facts routing decides on. Three
    statements however many services there are (row objects would come 500 at a time)."""
    query = (
        select(Service)
        .where(_not_ended(today))
        .options(joinedload(Service.organisation))
        .order_by(Service.slug)
    )
    services = list(session.scalars(query))
    _read_codes(session, services, among=select(Service.id).where(_not_ended(today)))
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
        for s in services
    ]
