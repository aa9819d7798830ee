"""How many SQL statements a page sends: a few, and no more for a bigger directory.

Each page is asked for on the real directory and on a synthetic one of 1,200 services (more
than a page of results, and more than the 500 ids SQLAlchemy puts in one selectinload query),
counting every statement the engine sends (before_cursor_execute). A query per card, or one
that is split as the directory grows, shows up here as a difference. Counts, never timings:
bench/directory_scale.py measures time.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

import pytest
from sqlalchemy import event

from bench.synthetic_directory import write_directory
from portal import create_app
from tests.conftest import sqlite_url

SYNTHETIC_SERVICES = 1200
FRAGMENT = {"HX-Request": "true", "HX-Target": "div#directory"}
FINDER = {"age": "34", "gender": "woman", "area": "leicester", "needs": "safe-accommodation"}

# (address, htmx headers, at most this many statements)
PAGES = [
    ("/en/", None, 0),
    ("/en/services", None, 3),
    ("/en/services?page=2", None, 3),
    ("/en/services?area=leicester&need=safe-accommodation", None, 3),
    ("/en/services?need=support&men=y", None, 3),
    ("/en/services?specialism=bme&area=charnwood", FRAGMENT, 3),
    ("/en/services?family=3&son=12&nrpf=y", None, 3),
    ("/ur/services?need=counselling", None, 3),
    ("/en/pathways/safe-accommodation", None, 3),
    ("/en/pathways/safe-accommodation?area=melton", None, 3),
    ("/en/pathways/finder?" + urlencode(FINDER), None, 4),
]


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "directory.sqlite3"
    directory = write_directory(sqlite_url(path), SYNTHETIC_SERVICES)
    return path, directory


@pytest.fixture
def app_on(app_config, monkeypatch, tmp_path):
    """Build the app on a copy of a directory file."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    apps = []

    def build(template, name: str):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(template, path)
        app = create_app({**app_config, "PORTAL_DATABASE_URL": sqlite_url(path)})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["portal.database"].dispose()


@pytest.fixture
def real_and_synthetic(app_on, directory_template, synthetic_template):
    synthetic_path, directory = synthetic_template
    return app_on(directory_template, "real"), app_on(synthetic_path, "synthetic"), directory


def statements(app, url: str, headers=None) -> list[str]:
    """The statements the first GET of `url` sends (so no cache of pages can answer it),
    once another address has opened the database."""
    client = app.test_client()
    assert client.get("/en/services/no-such-service").status_code == 404
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    engine = app.extensions["portal.database"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return sent


@pytest.mark.parametrize(("url", "headers", "most"), PAGES, ids=[p[0] for p in PAGES])
def test_a_page_sends_as_few_statements_on_a_big_directory_as_on_the_real_one(
    real_and_synthetic, url, headers, most
):
    real, synthetic, _directory = real_and_synthetic
    on_real = statements(real, url, headers)
    on_synthetic = statements(synthetic, url, headers)
    assert len(on_synthetic) == len(on_real), (on_real, on_synthetic)
    assert len(on_real) <= most, on_real


def test_a_service_page_sends_the_same_few_statements_on_both_directories(real_and_synthetic):
    real, synthetic, directory = real_and_synthetic
    # A refuge whose organisation runs other services too, as Brookes House's does.
    organisations = {}
    for service in directory.services:
        organisations.setdefault(service["organisation_id"], []).append(service)
    slug = next(
        service["slug"]
        for services in organisations.values()
        if len(services) > 2
        for service in services
        if service["units"] is not None
    )
    on_real = statements(real, "/en/services/wall-brookes-house")
    on_synthetic = statements(synthetic, f"/en/services/{slug}")
    assert len(on_synthetic) == len(on_real) <= 3, (on_real, on_synthetic)


def test_the_synthetic_directory_is_the_same_for_the_same_seed():
    from bench.synthetic_directory import generate

    first, again, other = generate(300, seed=7), generate(300, seed=7), generate(300, seed=8)
    assert first == again
    assert first.service_slugs != other.service_slugs or first.services != other.services
    assert len(first.services) == 300 and len(first.organisations) < 300
