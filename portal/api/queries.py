"""Which services the feed lists, a page at a time, filtered in SQL.

Each taxonomy term is a condition here and an attribute in oruk.service_terms; a test checks
for every term that the two agree. No Flask: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.api.oruk import Taxonomy, TaxonomyTerm
from portal.directory.queries import DirectoryFilter, conditions_for
from portal.models import Service, ServiceArea, ServiceKind, ServiceSpecialism

ELIGIBILITY_CONDITIONS = {
    "women": lambda: Service.accepts_women.is_(True),
    "men": lambda: Service.accepts_men.is_(True),
    "from-anywhere": lambda: Service.takes_from_anywhere.is_(True),
    "nrpf-yes": lambda: Service.nrpf == "yes",
    "nrpf-no": lambda: Service.nrpf == "no",
    "nrpf-ask": lambda: Service.nrpf == "ask",
    "pets": lambda: Service.pets.is_(True),
    "no-pets": lambda: Service.pets.is_(False),
    "wheelchair": lambda: Service.wheelchair_units > 0,
    "no-wheelchair": lambda: Service.wheelchair_units == 0,
    "sons-any-age": lambda: Service.sons_no_age_limit.is_(True),
}


@dataclass(frozen=True)
class ServiceSelection:
    """The services a feed request asks for. Every field is optional."""

    search: str | None = None
    term: TaxonomyTerm | None = None
    taxonomy: Taxonomy | None = None
    organization_id: uuid.UUID | None = None
    # ORUK's meaning: a service's own minimum age is at least this; its maximum at most this.
    minimum_age: float | None = None
    maximum_age: float | None = None


def term_condition(term: TaxonomyTerm, today: dt.date):
    if term.taxonomy == "kinds":
        return exists().where(ServiceKind.service_id == Service.id, ServiceKind.kind == term.code)
    if term.taxonomy == "specialisms":
        return exists().where(
            ServiceSpecialism.service_id == Service.id, ServiceSpecialism.specialism == term.code
        )
    if term.taxonomy == "areas":
        return exists().where(ServiceArea.service_id == Service.id, ServiceArea.area == term.code)
    if term.taxonomy == "needs":
        # The directory's own need filter, ended services included: the feed lists them all.
        return and_(*conditions_for(DirectoryFilter(need=term.code, include_ended=True), today))
    if term.taxonomy == "eligibility":
        return ELIGIBILITY_CONDITIONS[term.code]()
    raise ValueError(f"no condition for taxonomy {term.taxonomy!r}")


def selection_conditions(selection: ServiceSelection, today: dt.date) -> list:
    conditions = []
    if selection.search:
        conditions.append(
            or_(
                Service.name.icontains(selection.search, autoescape=True),
                Service.summary.icontains(selection.search, autoescape=True),
            )
        )
    if selection.term is not None:
        conditions.append(term_condition(selection.term, today))
    if selection.taxonomy is not None:
        conditions.append(or_(*(term_condition(t, today) for t in selection.taxonomy.terms)))
    if selection.organization_id is not None:
        conditions.append(Service.organisation_id == selection.organization_id)
    if selection.minimum_age is not None:
        # No minimum age is a minimum of 0; no maximum age is no limit, so never "at most".
        conditions.append(func.coalesce(Service.min_age, 0) >= selection.minimum_age)
    if selection.maximum_age is not None:
        conditions.append(Service.max_age <= selection.maximum_age)
    return conditions


def _with_rows(query):
    return query.options(
        selectinload(Service.organisation),
        selectinload(Service.area_rows),
        selectinload(Service.kind_rows),
        selectinload(Service.specialism_rows),
    )


def find_services(
    session: Session, selection: ServiceSelection, today: dt.date, page: int, per_page: int
) -> tuple[int, list[Service]]:
    """How many services match, and those on the page asked for, by name."""
    conditions = selection_conditions(selection, today)
    total = session.scalar(select(func.count()).select_from(Service).where(*conditions))
    query = _with_rows(
        select(Service)
        .where(*conditions)
        .order_by(Service.name, Service.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return total or 0, list(session.scalars(query))


def get_service(session: Session, service_id: uuid.UUID) -> Service | None:
    return session.scalars(
        _with_rows(select(Service).where(Service.id == service_id))
    ).one_or_none()
