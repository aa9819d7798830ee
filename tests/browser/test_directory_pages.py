"""Pages of results in a real browser: with htmx the next page replaces the results in place
and the address (not the history); without JavaScript the same links load the next page."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from bench.synthetic_directory import write_directory
from tests.conftest import sqlite_url

NAMES = "#service-results .card-title a"


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "directory.sqlite3"
    write_directory(sqlite_url(path), 300)
    return path


@pytest.fixture
def database_path(synthetic_template, tmp_path):
    """A synthetic directory long enough for several pages (overrides conftest's)."""
    path = tmp_path / "synthetic.sqlite3"
    shutil.copy(synthetic_template, path)
    return path


def shown_names(page) -> list[str]:
    return [" ".join(name.split()) for name in page.locator(NAMES).all_inner_texts()]


def test_the_next_page_replaces_the_results_in_place_and_the_address_not_the_history(
    page, live_server
):
    page.goto(f"{live_server}/en/services?area=leicester")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.stillTheSamePage = true")
    length = page.evaluate("history.length")
    first = shown_names(page)

    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results-page")).to_have_text(re.compile(r"^Page 2 of \d+$"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"area": ["leicester"], "page": ["2"]}
    assert page.evaluate("history.length") == length
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    assert set(shown_names(page)).isdisjoint(first)
    # The reader is taken to the top of the new results, not left at the foot of the page.
    top = page.evaluate("document.getElementById('service-results').getBoundingClientRect().top")
    assert abs(top) < 5

    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("#results-page")).to_have_text(re.compile(r"^Page 1 of \d+$"))
    assert shown_names(page) == first
    expect(page.get_by_label("Where you live")).to_have_value("leicester")


def test_without_javascript_the_next_page_is_an_ordinary_link(page_without_js, live_server):
    page = page_without_js
    page.goto(f"{live_server}/en/services?need=support")
    first = shown_names(page)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results-page")).to_have_text(re.compile(r"^Page 2 of \d+$"))
    assert parse_qs(urlsplit(page.url).query) == {"need": ["support"], "page": ["2"]}
    assert urlsplit(page.url).fragment == "service-results"
    assert set(shown_names(page)).isdisjoint(first)
