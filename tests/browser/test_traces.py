"""What a visit leaves in the browser for someone else to find: nothing.

Each test browses as a person would (home, the directory with a filter changed by htmx, a
service's page) and then looks where a browser keeps things for a site.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def visited(page, live_server) -> Page:
    """A page that has browsed home → directory (a filter changed) → a service's page."""
    page.goto(f"{live_server}/en/")
    page.get_by_role("link", name="Find support").first.click()
    expect(page).to_have_url(f"{live_server}/en/services")
    page.wait_for_function("() => window.htmx !== undefined")
    every_service = page.locator("#results-count").inner_text()
    page.get_by_label("What you need").select_option("safe-accommodation")
    expect(page).to_have_url(re.compile(r"need=safe-accommodation"))
    expect(page.locator("#results-count")).not_to_have_text(every_service)
    page.get_by_role("link", name="Brookes House").click()
    expect(page).to_have_url(f"{live_server}/en/services/wall-brookes-house")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brookes House")
    return page


def test_a_visit_sets_no_cookie(visited):
    assert visited.context.cookies() == []


def test_a_visit_leaves_nothing_in_local_or_session_storage(visited):
    assert visited.evaluate("localStorage.length") == 0
    assert visited.evaluate("sessionStorage.length") == 0


def test_a_visit_creates_no_indexeddb_database(visited):
    assert visited.evaluate("indexedDB.databases()") == []


def test_a_visit_stores_nothing_in_cache_storage_and_installs_no_service_worker(visited):
    assert visited.evaluate("caches.keys()") == []
    assert visited.evaluate("navigator.serviceWorker.getRegistrations()") == []


def test_the_directory_runs_on_htmx_4(page, live_server):
    page.goto(f"{live_server}/en/services")
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.evaluate("htmx.version").startswith("4")
