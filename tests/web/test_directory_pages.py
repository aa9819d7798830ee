"""A long list of services comes a page at a time: plain links that keep the choices, htmx
swapping the results in place, counts of every match, no service repeated or skipped.

The real directory fits on one page, so these use a synthetic directory of 300 services.
"""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from bench.synthetic_directory import REFERENCE_DAY, write_directory
from portal import create_app
from portal.directory.queries import PAGE_SIZE, DirectoryFilter, find_services
from tests.conftest import parse_page, sqlite_url, text_of

FRAGMENT = {"HX-Request": "true", "HX-Target": "div#directory"}
NAMES = "#service-results .card-title a"


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "directory.sqlite3"
    write_directory(sqlite_url(path), 300)
    return path


@pytest.fixture
def app(app_config, monkeypatch, tmp_path, synthetic_template):
    """The app on a copy of the synthetic directory (overrides conftest's real one)."""
    path = tmp_path / "synthetic.sqlite3"
    shutil.copy(synthetic_template, path)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    application = create_app(
        {**app_config, "PORTAL_DATABASE_URL": sqlite_url(path), "PORTAL_TODAY": REFERENCE_DAY}
    )
    yield application
    application.extensions["portal.database"].dispose()


def names(page) -> list[str]:
    return [text_of(a) for a in page.select(NAMES)]


def all_pages(get_page, url: str) -> list[list[str]]:
    """Follow the next links from `url` to the end; the names on each page."""
    pages = []
    while url:
        page = get_page(url)
        pages.append(names(page))
        link = page.select_one('#service-results a[rel="next"]')
        url = link["href"] if link else None
        assert len(pages) < 20, "the next links never end"
    return pages


def expected_names(db, **criteria) -> list[str]:
    return [s.name for s in find_services(db, DirectoryFilter(**criteria), REFERENCE_DAY)]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"include_ended": True},
        {"area": "leicester"},
        {"need": "support", "accepts_men": True},
    ],
    ids=["everything", "ended-too", "area", "need-and-men"],
)
def test_the_pages_together_list_every_match_once_in_order(get_page, db, query):
    address = {"include_ended": "ended", "accepts_men": "men"}
    arguments = {address.get(k, k): ("y" if v is True else v) for k, v in query.items()}
    url = "/en/services?" + "&".join(f"{k}={v}" for k, v in arguments.items())
    pages = all_pages(get_page, url)
    expected = expected_names(db, **query)
    assert [name for page in pages for name in page] == expected
    assert all(len(page) == PAGE_SIZE for page in pages[:-1])
    assert 0 < len(pages[-1]) <= PAGE_SIZE


def test_the_count_is_of_every_match_not_of_one_page(get_page, db):
    page = get_page("/en/services?page=2")
    total = len(expected_names(db))
    assert total > PAGE_SIZE
    assert text_of(page.select_one("#results-count")) == f"{total} services"
    pages = -(-total // PAGE_SIZE)
    assert text_of(page.select_one("#results-page")) == f"Page 2 of {pages}"


def test_the_page_links_keep_the_choices_and_bring_the_reader_to_the_results(get_page):
    page = get_page("/en/services?area=leicester&need=&nrpf=y&page=2")
    nav = page.select_one("#service-results nav")
    assert nav["aria-labelledby"] == "results-page"
    previous = urlsplit(nav.select_one('a[rel="prev"]')["href"])
    assert previous.path == "/en/services" and previous.fragment == "service-results"
    # Page 1 is the address without a page; empty choices are left out.
    assert parse_qs(previous.query) == {"area": ["leicester"], "nrpf": ["y"]}
    following = nav.select_one('a[rel="next"]')
    if following is not None:
        assert parse_qs(urlsplit(following["href"]).query)["page"] == ["3"]


def test_htmx_swaps_the_next_page_into_the_results_and_replaces_the_address(client):
    body = client.get("/en/services?area=leicester", headers=FRAGMENT).get_data(as_text=True)
    fragment = BeautifulSoup(body, "html.parser")
    link = fragment.select_one('#service-results a[rel="next"]')
    assert link["hx-get"] == link["href"]
    assert link["hx-target"] == "#directory"
    assert link["hx-replace-url"] == "true" and "hx-push-url" not in link.attrs
    second = client.get(link["hx-get"].split("#")[0], headers=FRAGMENT)
    assert second.status_code == 200
    page_two = BeautifulSoup(second.get_data(as_text=True), "html.parser")
    assert "<html" not in second.get_data(as_text=True)
    assert text_of(page_two.select_one("#results-page")).startswith("Page 2 of ")
    assert set(names(page_two)).isdisjoint(names(fragment))


@pytest.mark.parametrize("asked", ["999", "0", "-2", "two", ""])
def test_a_page_that_does_not_exist_shows_the_nearest_one(get_page, db, asked):
    pages = -(-len(expected_names(db)) // PAGE_SIZE)
    shown = text_of(get_page(f"/en/services?page={asked}").select_one("#results-page"))
    assert shown == f"Page {pages if asked == '999' else 1} of {pages}"


def test_one_page_of_results_has_no_page_links(get_page):
    page = get_page("/en/services?specialism=grt")
    assert page.select_one("#service-results nav") is None


def test_a_pathway_lists_its_services_a_page_at_a_time_keeping_the_area(client, db):
    response = client.get("/en/pathways/safe-accommodation?area=melton")
    page = parse_page(response)
    expected = expected_names(db, need="safe-accommodation", area="melton")
    assert len(expected) > PAGE_SIZE
    assert [text_of(a) for a in page.select(".cards .card-title a")] == expected[:PAGE_SIZE]
    following = urlsplit(page.select_one('a[rel="next"]')["href"])
    assert following.path == "/en/pathways/safe-accommodation"
    assert parse_qs(following.query) == {"area": ["melton"], "page": ["2"]}
    assert following.fragment == "services-heading"
