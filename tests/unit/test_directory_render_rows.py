"""A page of the directory reads what its cards show as plain values (queries.ListedService),
with each service's areas, kinds and specialisms aggregated in SQL. They must be what the
service's own rows say, in their order, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from bench.synthetic_directory import write_directory
from portal.database import Database
from portal.directory import queries
from portal.directory.load import load_directory
from portal.directory.queries import (
    CARD_FIELDS,
    DirectoryFilter,
    _listing,
    find_service_page,
    find_services,
)
from portal.directory.status import service_state
from portal.migrate import upgrade
from portal.models import Service
from tests.conftest import TODAY, sqlite_url

EVERYTHING = DirectoryFilter(include_ended=True)
OWN = ("listing_state", "organisation_name", "translations_json")
SAME = [name for name in CARD_FIELDS if name not in OWN]
SAME = [name[: -len("_codes")] + "s" if name.endswith("_codes") else name for name in SAME]


def listed(session) -> dict:
    """Every service as the pages of the directory list it."""
    found, number = {}, 1
    while True:
        page = find_service_page(session, EVERYTHING, TODAY, number)
        found.update((service.slug, service) for service in page.services)
        if not page.has_next:
            return found
        number += 1


def assert_listed_as_stored(database: Database) -> None:
    with database.session() as session:
        rows = session.scalars(
            select(Service).options(
                selectinload(Service.area_rows),
                selectinload(Service.kind_rows),
                selectinload(Service.specialism_rows),
            )
        ).all()
        services = listed(session)
        assert set(services) == {service.slug for service in rows}
        several = 0
        for stored in rows:
            shown = services[stored.slug]
            for name in SAME:
                assert getattr(shown, name) == getattr(stored, name), (stored.slug, name)
            assert shown.organisation.name == stored.organisation.name
            assert shown.state == service_state(stored, TODAY)
            assert shown.translations == stored.translations
            several += len(stored.areas) > 1 and len(stored.kinds) > 1
        assert several > 0, "some services have several areas and kinds, in an order"


def test_a_page_lists_each_service_as_stored_on_the_real_directory(app):
    assert_listed_as_stored(app.extensions["portal.database"])


def test_a_page_lists_each_service_as_stored_on_a_synthetic_directory(tmp_path):
    url = sqlite_url(tmp_path / "synthetic.sqlite3")
    write_directory(url, 700)
    database = Database(url)
    try:
        assert_listed_as_stored(database)
    finally:
        database.dispose()


@pytest.mark.postgres
def test_a_page_lists_each_service_as_stored_on_postgres(postgres_url):
    database = Database(postgres_url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(postgres_url)
        with database.session() as session:
            load_directory(session)
        assert_listed_as_stored(database)
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("wanted", "scanned"),
    [
        (DirectoryFilter(need="support"), True),
        (DirectoryFilter(area="melton", need="safe-accommodation"), True),
        (DirectoryFilter(need="home-security", specialism="bme"), False),
        (DirectoryFilter(pets=True, need="support", include_ended=True), True),
    ],
)
def test_counting_shapes_select_the_same_services(app, wanted, scanned):
    """An area or a broad need is counted by scanning (`+service.id IN` on SQLite, no `+` on
    PostgreSQL); every shape finds the services find_services does."""
    day = dt.date(2026, 11, 22)
    count = _listing(wanted, day).count
    assert ("+service.id IN" in str(count.compile(dialect=sqlite.dialect()))) is scanned
    assert "+service.id" not in str(count.compile(dialect=postgresql.dialect()))
    with app.extensions["portal.database"].session() as session:
        total, to_check, ended = session.execute(count).one()
        everything = find_services(session, wanted, day)
        listed = find_service_page(session, wanted, day, 1, 1000).services
    assert total == len(everything) == len(listed)
    assert [s.slug for s in listed] == [s.slug for s in everything]
    assert ended == sum(service_state(s, day) == "ended" for s in everything)
    assert to_check == sum(service_state(s, day) == "unconfirmed" for s in everything)


@pytest.fixture
def synthetic(tmp_path):
    url = sqlite_url(tmp_path / "synthetic.sqlite3")
    write_directory(url, 1200)
    database = Database(url)
    yield database
    database.dispose()


@pytest.mark.parametrize("at_most", [None, 3])
@pytest.mark.parametrize(
    "wanted",
    [
        DirectoryFilter(),
        DirectoryFilter(need="support", area="charnwood"),
        DirectoryFilter(specialism="bme"),
        DirectoryFilter(need="home-security", include_ended=True),
        DirectoryFilter(pets=True, family_size=3),
        DirectoryFilter(kinds=("idva", "outreach"), area="melton"),
    ],
)
def test_every_page_is_its_part_of_the_whole_list(synthetic, monkeypatch, wanted, at_most):
    """Listed, or counted and walked (as when a list proves longer than LIST_AT_MOST), a page
    is its slice of find_services' list; a page past the end is the last."""
    if at_most is not None:
        monkeypatch.setattr(queries, "LIST_AT_MOST", at_most)
    size = 20
    with synthetic.session() as session:
        everything = [s.slug for s in find_services(session, wanted, TODAY)]
        last = max(1, -(-len(everything) // size))
        for number in sorted({1, 2, last, last + 5}):
            page = find_service_page(session, wanted, TODAY, number, size)
            shown = min(number, last)
            assert page.total == len(everything)
            assert page.number == shown
            expected = everything[(shown - 1) * size : shown * size]
            assert [s.slug for s in page.services] == expected, (wanted, number)
