"""The same migrations and queries on SQLite and on a real PostgreSQL (started by make test)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from portal.database import Database
from portal.directory.load import load_directory
from portal.directory.queries import DirectoryFilter, find_services
from portal.migrate import upgrade
from portal.models import Base
from tests.conftest import TODAY

CHECKS = [
    DirectoryFilter(),
    DirectoryFilter(area="melton", need="support"),
    DirectoryFilter(accepts_men=True, need="safe-accommodation"),
    DirectoryFilter(son_age=15, family_size=4),
    DirectoryFilter(specialism="bme", include_ended=True),
    DirectoryFilter(need="immigration", accepts_nrpf=True),
]


@pytest.fixture
def sqlite_database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'check.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture
def postgres_database(postgres_url):
    database = Database(postgres_url)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    yield database
    database.dispose()


def _migrate_and_load(database: Database):
    upgrade(database.url)
    with database.session() as session:
        first = load_directory(session)
    with database.session() as session:
        second = load_directory(session)
    return first, second


def _results(database: Database) -> list[list[str]]:
    with database.session() as session:
        return [[s.slug for s in find_services(session, check, TODAY)] for check in CHECKS]


def _schema_drift(database: Database) -> list:
    with database.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_sqlite_migrations_build_exactly_the_models(sqlite_database):
    upgrade(sqlite_database.url)
    assert _schema_drift(sqlite_database) == []


@pytest.mark.postgres
def test_postgres_migrations_build_exactly_the_models(postgres_database):
    upgrade(postgres_database.url)
    assert _schema_drift(postgres_database) == []


@pytest.mark.postgres
def test_postgres_loads_the_directory_idempotently_and_answers_like_sqlite(
    postgres_database, sqlite_database
):
    first, second = _migrate_and_load(postgres_database)
    assert len(first.created) > 40 and not second.changed
    _migrate_and_load(sqlite_database)
    assert _results(postgres_database) == _results(sqlite_database)
