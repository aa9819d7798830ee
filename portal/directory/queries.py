"""Questions the directory answers: which services match a filter, one service, helplines.

Every filter is an indexed condition in SQL (on the area/kind/specialism rows), and a list
comes a page at a time in a fixed number of statements, so a page stays fast as the directory
grows (bench/directory_scale.py measures it). No Flask here: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.functions import FunctionElement

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


class _unindexed(FunctionElement):  # noqa: N801 (a SQL function's name)
    """A column that the planner may not look things up by: on SQLite, `+column`.

    SQLite, asked which services of the whole directory are in a set, starts from whichever
    set it is given and looks each of its services up by id; for a set that is a large part
    of the directory, scanning the narrow listing index and checking each service against
    the set (read once) is cheaper. `+` tells it to. PostgreSQL chooses by its statistics."""

    inherit_cache = True
    name = "unindexed"

    @property
    def type(self):
        return self.clauses.clauses[0].type


@compiles(_unindexed)
def _plain(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(_unindexed, "sqlite")
def _unary_plus(element, compiler, **kw):
    return "+" + compiler.process(element.clauses.clauses[0], **kw)


# The shapes of a condition on a service's areas, kinds or specialisms (see _having).
SET, SCAN, ROW = "set", "scan", "row"


def _having(column, codes: tuple[str, ...], shape: str):
    """Services with any of these codes in an area, kind or specialism column.

    By set (SET, the default): the service's id is among those the (code, service_id) index
    lists. That list is read once, so a count over the whole directory looks each service
    up in it rather than searching the rows for every service (SQLite has no hash join).
    SCAN: the same, and the planner may not start from the set (_unindexed).

    By row (ROW): an EXISTS on the service's own rows, looked at as the service comes. A scan
    in name order that stops at a page wants this: given a set, SQLite starts from the set,
    reads every service in it and sorts them all. All shapes select the same services."""
    rows = column.class_
    wanted = column == codes[0] if len(codes) == 1 else column.in_(codes)
    if shape == ROW:
        return exists().where(rows.service_id == Service.id, wanted)
    service_id = _unindexed(Service.id) if shape == SCAN else Service.id
    return service_id.in_(select(rows.service_id).where(wanted))


def _has_area(area: str, shape: str):
    return or_(Service.takes_from_anywhere.is_(True), _having(ServiceArea.area, (area,), shape))


def _meets_need(need: str, shape: str):
    conditions = []
    kinds = vocab.KINDS_FOR_NEED.get(need, frozenset())
    if kinds:
        # A need that gathers several kinds of service (support, somewhere to stay) is met by
        # a large part of the directory: when scanning, scanned for rather than started from.
        broad = shape if len(kinds) > 1 else (SET if shape == SCAN else shape)
        conditions.append(_having(ServiceKind.kind, tuple(sorted(kinds)), broad))
    specialism = vocab.SPECIALISM_FOR_NEED.get(need)
    if specialism:
        conditions.append(_has_specialism(specialism, SET if shape == SCAN else shape))
    if need == "immigration":
        conditions.append(Service.nrpf == "yes")
    return or_(*conditions)


def _has_specialism(specialism: str, shape: str):
    return _having(ServiceSpecialism.specialism, (specialism,), shape)


def _is_accommodation(shape: str):
    return _having(ServiceKind.kind, tuple(sorted(vocab.ACCOMMODATION_KINDS)), shape)


def conditions_for(
    directory_filter: DirectoryFilter, today: dt.date, *, by_row: bool = False, scan: bool = False
) -> list:
    """The filter as SQL conditions on Service (by_row: see _having). `scan`: for a count over
    the whole directory, the sets that are a large part of it (an area, a broad need) are
    checked as each service comes rather than started from (SCAN); a small set (a specialism,
    one kind, accommodation) is still started from."""
    shape = ROW if by_row else (SCAN if scan else SET)
    f = directory_filter
    conditions = []
    if not f.include_ended:
        conditions.append(_not_ended(today))
    # Conditions on the service's own columns first: SQLite (and PostgreSQL, among equals)
    # tries them in this order, and a service they rule out is never looked for in a set.
    if f.accepts_men:
        conditions.append(Service.accepts_men.is_(True))
    if f.accepts_nrpf:
        # Services that say nothing about NRPF (support rather than housing) are not
        # excluded; accommodation must say yes or "ask".
        conditions.append(or_(Service.nrpf.is_(None), Service.nrpf.in_(("yes", "ask"))))
    # Facts about somewhere to stay select accommodation (below, once).
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
    conditions.extend(stay)
    if f.area:
        conditions.append(_has_area(f.area, shape))
    if f.need:
        conditions.append(_meets_need(f.need, shape))
    small = SET if shape == SCAN else shape
    if f.specialism:
        conditions.append(_has_specialism(f.specialism, small))
    if f.kinds:
        conditions.append(_having(ServiceKind.kind, tuple(f.kinds), small))
    if stay:
        conditions.append(_is_accommodation(small))
    return conditions


# A page of results: light enough for an old phone, and the same 50 cards for the server to
# render whatever the size of the directory.
PAGE_SIZE = 50
# From this many matches, a page is found by walking the listing index in name order (a
# match turns up every few services); below it, the few matches are read and sorted.
WALK_FROM = 10 * PAGE_SIZE

# What a card shows (templates/macros/services.html card_body), read as plain values rather
# than as row objects: the page's services are drawn from these and nothing else. The codes
# come with them, each list in its rows' order, so a page is two statements.
CARD_FIELDS = (
    "listing_state",  # OPEN, TO_CHECK or ENDED on the day asked about
    "slug",
    "name",
    "organisation_name",
    "status",
    "ended_on",
    "funded_until",
    "availability",
    "summary",
    "translations_json",
    "eligibility_note",
    "accepts_women",
    "accepts_men",
    "min_age",
    "max_age",
    "takes_from_anywhere",
    "units",
    "unit_types",
    "wheelchair_units",
    "largest_family",
    "sons_no_age_limit",
    "max_son_age",
    "max_son_age_if_agreed",
    "son_age_note",
    "nrpf",
    "pets",
    "pet_units",
    "overnight_security",
    "quality_standards",
    "area_codes",
    "kind_codes",
    "specialism_codes",
)
_CODE_GROUPS = (
    (ServiceArea, ServiceArea.area),
    (ServiceKind, ServiceKind.kind),
    (ServiceSpecialism, ServiceSpecialism.specialism),
)


def _codes_column(rows, code, dialect: str):
    """A service's codes of one group, space-separated in their rows' order (codes are slugs)."""
    if dialect == "postgresql":
        joined = func.string_agg(code, aggregate_order_by(literal_column("' '"), rows.position))
        return select(joined).where(rows.service_id == Service.id).scalar_subquery()
    # SQLite (3.40 has no ORDER BY inside an aggregate): concatenated as an ordered
    # subquery yields them, which a test checks against the rows' own order.
    ordered = (
        select(code.label("code"))
        .where(rows.service_id == Service.id)
        .order_by(rows.position)
        .correlate(Service)
        .subquery()
    )
    return select(func.group_concat(ordered.c.code, " ")).scalar_subquery()


def _card_columns(dialect: str, today: dt.date) -> tuple:
    columns = {
        "listing_state": _listing_state(today),
        # Looked up for each of the page's services (a join leaves PostgreSQL free to read
        # every organisation to hash them).
        "organisation_name": select(Organisation.name)
        .where(Organisation.id == Service.organisation_id)
        .scalar_subquery(),
        # Kept as the stored text: parsed only when a card is drawn (see ListedService).
        "translations_json": cast(Service.translations, Text),
        **{
            f"{group}_codes": _codes_column(rows, code, dialect)
            for group, (rows, code) in zip(
                ("area", "kind", "specialism"), _CODE_GROUPS, strict=True
            )
        },
    }
    return tuple(
        columns.get(name, getattr(Service, name, None)).label(name) for name in CARD_FIELDS
    )


class ListedService:
    """A service in a list of cards: the values a card shows, by name, as a Service has them.

    `card_key` is every one of those values, so a card drawn from them can be kept and reused
    for as long as they are the same (portal/directory/cards.py), and no longer."""

    __slots__ = ("card_key", "_translations")

    def __init__(self, values: tuple):
        self.card_key = values
        self._translations = None

    @property
    def state(self) -> str:
        """As status.service_state says, on the day the page was read for."""
        return STATE_NAMES[self.listing_state]

    @property
    def organisation(self) -> _Named:
        return _Named(self.organisation_name)

    @property
    def translations(self) -> dict:
        if self._translations is None:
            text = self.translations_json
            self._translations = json.loads(text) if text else {}
        return self._translations

    @property
    def areas(self) -> list[str]:
        return _split(self.area_codes)

    @property
    def kinds(self) -> list[str]:
        return _split(self.kind_codes)

    @property
    def specialisms(self) -> list[str]:
        return _split(self.specialism_codes)


def _field(index: int) -> property:
    get = itemgetter(index)
    return property(lambda service: get(service.card_key))


for _index, _name in enumerate(CARD_FIELDS):
    setattr(ListedService, _name, _field(_index))


@dataclass(frozen=True)
class _Named:
    name: str


def _split(codes: str | None) -> list[str]:
    return codes.split(" ") if codes else []


@dataclass(frozen=True)
class ServicePage:
    """One page of the services that match a filter, and how many match in all."""

    services: list  # of ListedService: what the cards show
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
STATE_NAMES = {OPEN: "open", TO_CHECK: "unconfirmed", ENDED: "ended"}  # status.service_state


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
    # For a filter that starts from a small set of services: every match's id, in order.
    listed: Select | None


# A filter with a set of services that is a small part of the directory (a specialism, one
# kind, somewhere to stay with its facts) lists its matches rather than counting them and
# then reading a page: SQLite would find them from the set twice. At most this many; more
# (the set was not small after all), and the page is counted and walked as for any filter.
LIST_AT_MOST = 4 * WALK_FROM


def _starts_small(f: DirectoryFilter) -> bool:
    """Whether the filter has a set of services to start from (see _meets_need) that is
    likely a small part of the directory."""
    if f.specialism or f.kinds or f.pets or f.wheelchair:
        return True
    if f.family_size is not None or f.son_age is not None:
        return True
    kinds = vocab.KINDS_FOR_NEED.get(f.need or "", ())
    return len(kinds) == 1 and not vocab.SPECIALISM_FOR_NEED.get(f.need)


@lru_cache(maxsize=512)
def _listing(directory_filter: DirectoryFilter, today: dt.date) -> _Listing:
    """The statements for a filter on a day: the same for every request that asks for it, so
    built once (a filter's SQL takes as long to build as the count takes to run)."""
    by_set = tuple(conditions_for(directory_filter, today, scan=True))
    states = tuple(_in_state(value, today) for value in (OPEN, TO_CHECK, ENDED))
    if directory_filter.include_ended:
        in_states = (func.count(case((states[TO_CHECK], 1))), func.count(case((states[ENDED], 1))))
    else:
        # Only services that have not ended are counted (a condition above), so one is to
        # check when its funding has passed, and none has ended: a third less work per service.
        in_states = (func.count(case((Service.funded_until < today, 1))), literal_column("0"))
    count = select(func.count(), *in_states).where(*by_set)
    by_row = tuple(conditions_for(directory_filter, today, by_row=True))
    listed = None
    if _starts_small(directory_filter):
        listed = (
            # The id as the driver gives it (not made a UUID): only bound again, for the page.
            select(type_coerce(Service.id, String))
            .where(*by_set)
            .order_by(*_listing_order(today))
            .limit(LIST_AT_MOST + 1)
        )
    return _Listing(count, by_set, by_row, states, listed)


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
    it has enough. Two statements whatever the size of the directory: the counts, and the
    page with its codes (as ListedService, what a card shows). A filter that starts from a
    small set lists its matches in order instead, and the page is read by slug (also two)."""
    listing = _listing(directory_filter, today)
    # Plain rows from the connection: the session's ORM handling of a result costs as much as
    # a small page's SQL, and these statements load no objects.
    connection = session.connection()
    dialect = connection.dialect.name
    if listing.listed is not None:
        ids = connection.execute(listing.listed).scalars().all()
        if len(ids) <= LIST_AT_MOST:
            total = len(ids)
            number = min(max(number, 1), max(1, -(-total // size)))
            chosen = ids[(number - 1) * size : number * size]
            services = []
            if chosen:
                query = _cards_by_id(today, dialect)
                services = [_listed(row) for row in connection.execute(query, {"ids": chosen})]
            return ServicePage(services, total, number, size)
    total, to_check, ended = connection.execute(listing.count).one()
    number = min(max(number, 1), max(1, -(-total // size)))
    walk = total >= WALK_FROM
    states, params, skip, wanted = [], {}, (number - 1) * size, size
    for value, count in ((OPEN, total - to_check - ended), (TO_CHECK, to_check), (ENDED, ended)):
        if wanted and skip < count:
            taken = min(wanted, count - skip)
            states.append(value)
            params[f"skip_{value}"], params[f"take_{value}"] = skip, taken
            wanted -= taken
        skip = max(0, skip - count)
    services = []
    if states:
        query = _page_query(directory_filter, today, tuple(states), walk, dialect)
        services = [_listed(row) for row in connection.execute(query, params).all()]
    return ServicePage(services, total, number, size)


def _listed(row) -> ListedService:
    return ListedService(tuple(row))


@lru_cache(maxsize=16)
def _cards_by_id(today: dt.date, dialect: str) -> Select:
    """What the cards of these services (their ids as _Listing.listed gives them, bound as
    `ids`) show, in listing order."""
    # SQLite gives an id as its stored text, PostgreSQL as a UUID: each is bound back as such.
    service_id = type_coerce(Service.id, String) if dialect == "sqlite" else Service.id
    return (
        select(*_card_columns(dialect, today))
        .select_from(Service)
        .where(service_id.in_(bindparam("ids", expanding=True)))
        .order_by(*_listing_order(today))
    )


@lru_cache(maxsize=512)
def _page_query(
    directory_filter: DirectoryFilter, today: dt.date, states: tuple, walk: bool, dialect: str
) -> Select:
    """The statement for a page: each state's part (its offset and size bound when run), in
    listing order, with what the cards show. Built once per filter, day and shape, as
    _listing's are."""
    listing = _listing(directory_filter, today)
    in_order = listing.by_row if walk else listing.by_set
    parts = [
        select(Service.id)
        .where(*in_order, listing.states[value])
        .order_by(Service.name, Service.id)
        .offset(bindparam(f"skip_{value}", type_=Integer))
        .limit(bindparam(f"take_{value}", type_=Integer))
        .subquery()
        .select()
        for value in states
    ]
    return (
        select(*_card_columns(dialect, today))
        .select_from(Service)
        .where(Service.id.in_(union_all(*parts) if len(parts) > 1 else parts[0]))
        .order_by(*_listing_order(today))
    )


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
