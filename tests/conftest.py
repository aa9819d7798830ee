"""Fixtures shared by every test: an app on a real SQLite file holding the real directory.

The directory is migrated and loaded once per session into a template file; each test gets
its own copy, so no test depends on another's order or leftovers.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal import create_app
from portal.database import Database
from portal.directory.load import load_directory
from portal.migrate import upgrade

# A fixed Fernet key for tests only.
TEST_DATA_KEY = "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0="

# The day the tests judge the directory on: statuses (open / check / ended) depend on it.
TODAY = dt.date(2026, 11, 22)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def directory_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "directory.sqlite3"
    url = sqlite_url(path)
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_directory(session)
    database.dispose()
    return path


@pytest.fixture
def database_path(directory_template, tmp_path) -> Path:
    path = tmp_path / "portal.sqlite3"
    shutil.copy(directory_template, path)
    return path


@pytest.fixture
def app_config(database_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PORTAL_DATA_KEY": TEST_DATA_KEY,
        "PORTAL_DATABASE_URL": sqlite_url(database_path),
        "PORTAL_TODAY": TODAY,
        "PORTAL_EXIT_URL": "https://www.bbc.co.uk/weather",
    }


@pytest.fixture
def app(app_config, monkeypatch):
    # Production settings unless a test asks otherwise: the defaults are what ships.
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    application = create_app(app_config)
    yield application
    application.extensions["portal.database"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A database session on the test's own copy of the directory."""
    with app.extensions["portal.database"].session() as session:
        yield session


def parse_page(response) -> BeautifulSoup:
    """Parse an HTML page and check what every page must have."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    html = page.find("html")
    assert html is not None and html.get("lang"), "every page declares its language"
    assert html.get("dir") in {"ltr", "rtl"}
    title = page.find("title")
    assert title is not None and title.get_text(strip=True), "every page has a title"
    ids = Counter(element["id"] for element in page.find_all(id=True))
    duplicates = [name for name, count in ids.items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert page.find(id="quick-exit") is not None, "every page has the quick exit"
    return page


@pytest.fixture
def get_page(client):
    """GET a URL, assert the status, return the parsed page (Notify's client_request)."""

    def _get(url: str, status: int = 200, **kwargs) -> BeautifulSoup:
        response = client.get(url, **kwargs)
        assert response.status_code == status, f"{url}: {response.status_code}"
        return parse_page(response)

    return _get


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(
            "PORTAL_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts "
            "a PostgreSQL for them (scripts/with_postgres.sh)"
        )
    return url
