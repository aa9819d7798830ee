"""The fixed pages, as a person on a phone meets them."""

from __future__ import annotations

import pytest

from tests.conftest import text_of

PAGES = [
    "/en/",
    "/en/services",
    "/en/services/wall-brookes-house",
    "/en/staying-safe-online",
    "/en/privacy",
    "/en/accessibility",
]


def test_the_root_leads_to_english_without_looking_at_browser_headers(client):
    response = client.get("/", headers={"Accept-Language": "pl,en;q=0.5"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_links_the_safety_privacy_and_accessibility_pages(get_page, url):
    page = get_page(url)
    links = {a["href"] for a in page.select("footer a")}
    assert {"/en/staying-safe-online", "/en/privacy", "/en/accessibility"} <= links


@pytest.mark.parametrize("url", PAGES)
def test_every_page_starts_with_the_way_out(get_page, url):
    page = get_page(url)
    first_link = page.body.find("a")
    assert first_link["id"] == "quick-exit"
    assert first_link["href"] == "/exit"
    assert text_of(first_link) == "Leave this site"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_says_what_to_do_in_danger(get_page, url):
    banner = text_of(get_page(url).select_one(".danger-banner"))
    assert "999" in banner and "55" in banner


def test_the_home_page_shows_emergency_numbers_and_both_helplines(get_page):
    urgent = get_page("/en/").select_one(".urgent")
    text = text_of(urgent)
    assert "999" in text and "55" in text
    assert "0808 80 200 28" in text  # LLR helpline (UAVA)
    assert "0808 2000 247" in text and "24 hours" in text  # national helpline
    assert urgent.select_one('a[href="tel:08082000247"]') is not None


def test_the_home_page_finds_support_by_need_and_by_who_you_are(get_page):
    page = get_page("/en/")
    links = {text_of(a): a["href"] for a in page.select(".link-grid a")}
    assert links["Somewhere safe to stay"] == "/en/services?need=safe-accommodation"
    assert links["Counselling"] == "/en/services?need=counselling"
    assert links["Help for my children"] == "/en/services?need=children-support"
    assert links["Gypsy, Roma and Traveller people"] == "/en/services?specialism=grt"
    assert links["Men"] == "/en/services?men=y"
    assert links["People with no recourse to public funds"] == "/en/services?nrpf=y"
    assert links["Young people"] == "/en/services?specialism=young-people"


def test_the_safety_page_explains_the_exit_private_browsing_and_history(get_page):
    text = text_of(get_page("/en/staying-safe-online").main)
    assert "Shift key 3 times" in text
    assert "does not work on every phone keyboard" in text
    assert "private" in text.lower()
    assert "history" in text
    assert "No cookies while you look at pages" in text


def test_an_unknown_language_is_not_found(client):
    assert client.get("/xx/").status_code == 404
    assert client.get("/xx/services").status_code == 404


def test_a_missing_page_still_shows_helplines_and_the_exit(get_page):
    page = get_page("/en/no-such-page", status=404)
    assert "Page not found" in text_of(page.h1)
    assert "0808 2000 247" in text_of(page.footer)
    assert page.find(id="quick-exit") is not None


def test_an_unexpected_error_shows_a_friendly_page_without_a_traceback(app, client):
    @app.get("/en/boom")
    def boom():
        raise RuntimeError("secret detail typed by someone")

    response = client.get("/en/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sorry, there is a problem" in body
    assert "0808 2000 247" in body
    assert "Traceback" not in body and "secret detail" not in body
