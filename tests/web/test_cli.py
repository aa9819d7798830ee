"""The flask commands as an operator runs them: real processes, real SQLite files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.directory.load import read_directory
from tests.conftest import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]


def flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "cli-test-secret",
        "PORTAL_DATA_KEY": TEST_DATA_KEY,
        **env,
    }
    return subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def test_migrate_then_load_builds_the_directory_and_a_second_load_changes_nothing(database_url):
    migrate = flask("migrate", PORTAL_DATABASE_URL=database_url)
    assert migrate.returncode == 0, migrate.stderr
    assert "database is up to date" in migrate.stdout
    organisations, services = read_directory()
    records = len(organisations) + len(services)
    first = flask("load-directory", PORTAL_DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"{records} created, 0 updated, 0 unchanged")
    assert "  created panahghar-refuge" in first.stdout
    again = flask("load-directory", PORTAL_DATABASE_URL=database_url)
    assert again.stdout.strip() == f"0 created, 0 updated, {records} unchanged"


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_loading_before_migrating_says_what_to_do(database_url):
    message = one_line_error(flask("load-directory", PORTAL_DATABASE_URL=database_url))
    assert "flask --app portal migrate" in message


def test_a_bad_database_url_is_one_line_not_a_traceback():
    message = one_line_error(flask("migrate", PORTAL_DATABASE_URL="nonsense://"))
    assert "PORTAL_DATABASE_URL" in message


def test_production_refuses_to_start_without_a_secret_key(database_url):
    result = flask("migrate", PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY="")
    assert "PORTAL_SECRET_KEY must be set" in one_line_error(result)


def test_production_refuses_to_start_without_a_data_key(database_url):
    result = flask("migrate", PORTAL_DATABASE_URL=database_url, PORTAL_DATA_KEY="")
    assert "PORTAL_DATA_KEY must be set" in one_line_error(result)


def test_an_unreachable_database_is_reported_in_one_line():
    url = "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"
    assert "check PORTAL_DATABASE_URL" in one_line_error(flask("migrate", PORTAL_DATABASE_URL=url))
