"""The directory's kept pieces of HTML (portal/directory/cards.py): cards, the filter form and
the page's layout are drawn once and reused, yet a change to a service shows on the very next
page, and a page built from kept pieces is the same, byte for byte, as one drawn afresh."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from portal import create_app
from portal.directory import cards as directory_cards
from portal.i18n import LANGUAGES, url_in_language
from portal.models import Organisation, Service
from tests.conftest import TODAY, parse_page, text_of

BROOKES = "wall-brookes-house"
# Brookes House is the first card of Leicester's accommodation.
LISTING = "/en/services?area=leicester&need=safe-accommodation"
HTMX = {"HX-Request": "true", "HX-Target": "directory"}
ADDRESSES = [
    ("/en/services", None),
    ("/en/services?page=2", None),
    ("/en/services?area=leicester&need=safe-accommodation", None),
    ("/en/services?area=leicester&need=safe-accommodation", HTMX),
    ("/en/services?need=support&men=y", None),
    ("/en/services?family=abc&son=99&area=nowhere", None),
    ("/en/services?family=abc&son=99&area=nowhere", HTMX),
    ("/en/services?ended=y&specialism=bme", None),
    ("/en/services?pets=y&foo=bar", None),
    ("/ur/services?need=counselling", None),
    ("/ar/services?family=3", HTMX),
    ("/pl/services", None),
    ("/en/pathways/safe-accommodation", None),
    ("/en/pathways/safe-accommodation?area=melton", None),
]


@pytest.fixture
def uncached_app(app_config, monkeypatch):
    """An app without the page cache: every request renders (as bench/directory_scale.py)."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    application = create_app({**app_config, "PORTAL_PAGE_CACHE_SECONDS": 0})
    yield application
    application.extensions["portal.database"].dispose()


def change_service(app, slug: str, **values) -> None:
    with app.extensions["portal.database"].session() as session:
        session.execute(update(Service).where(Service.slug == slug).values(**values))


def card(response, slug: str):
    """The card whose title links to the service (in a whole page or the htmx fragment)."""
    html = response.get_data(as_text=True)
    page = parse_page(response) if "<html" in html else BeautifulSoup(html, "html.parser")
    link = page.select_one(f'li.card h3 a[href$="/services/{slug}"]')
    assert link is not None, f"no card for {slug}"
    return link.find_parent("li")


def kept(app, name: str) -> int:
    return len(app.extensions["portal.fragments"][name])


def test_a_change_to_a_service_shows_on_the_next_page(uncached_app):
    client = uncached_app.test_client()
    before = card(client.get(LISTING), BROOKES)
    assert text_of(before.h3) == "Brookes House"
    assert before.select_one(".badge--waiting-list") is None
    assert kept(uncached_app, "cards") > 0

    change_service(
        uncached_app, BROOKES, name="Brookes House (renamed)", availability="waiting_list"
    )
    after = card(client.get(LISTING), BROOKES)
    assert text_of(after.h3) == "Brookes House (renamed)"
    assert text_of(after.select_one(".badge--waiting-list")) == "Waiting list"

    change_service(uncached_app, BROOKES, availability="not_accepting", summary="A new summary.")
    again = card(client.get(LISTING, headers=HTMX), BROOKES)
    assert text_of(again.select_one(".badge--not-accepting")) == "Not taking referrals now"
    assert again.select_one(".badge--waiting-list") is None
    assert "A new summary." in text_of(again)


def test_a_change_to_what_else_a_card_shows_shows_too(uncached_app):
    client = uncached_app.test_client()
    card(client.get(LISTING), BROOKES)
    card(client.get("/ur" + LISTING[3:]), BROOKES)
    with uncached_app.extensions["portal.database"].session() as session:
        brookes = session.scalars(select(Service).where(Service.slug == BROOKES)).one()
        brookes.largest_family = 7
        brookes.translations = {**brookes.translations, "ur": {"summary": "ایک نیا خلاصہ"}}
        session.execute(
            update(Organisation)
            .where(Organisation.id == brookes.organisation_id)
            .values(name="A renamed provider")
        )
    english = card(client.get(LISTING), BROOKES)
    assert text_of(english.select_one(".card-provider")) == "A renamed provider"
    assert "Families of up to 7 people (counting you)" in text_of(english)
    urdu = card(client.get("/ur" + LISTING[3:]), BROOKES)
    assert "ایک نیا خلاصہ" in text_of(urdu)


def test_a_card_shows_its_state_on_the_day(uncached_app):
    change_service(uncached_app, BROOKES, funded_until=TODAY + dt.timedelta(days=1))
    client = uncached_app.test_client()
    assert "card--open" in card(client.get(LISTING), BROOKES)["class"]
    uncached_app.config["PORTAL_TODAY"] = TODAY + dt.timedelta(days=2)
    later = card(client.get(LISTING), BROOKES)
    assert "card--unconfirmed" in later["class"]
    assert text_of(later.select_one(".badge--check")) == "Check it still runs"


def fresh(app_config, monkeypatch):
    """A new app, so nothing is kept yet."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    return create_app({**app_config, "PORTAL_PAGE_CACHE_SECONDS": 0})


def test_pages_from_kept_pieces_are_the_pages_drawn_afresh(app_config, monkeypatch):
    drawing = fresh(app_config, monkeypatch)
    # Templates that may change while the app runs: nothing is kept, everything drawn.
    drawing.jinja_env.auto_reload = True
    keeping = fresh(app_config, monkeypatch)
    try:
        drawn = [drawing.test_client().get(url, headers=h).get_data() for url, h in ADDRESSES]
        assert sum(kept(drawing, name) for name in ("cards", "filters", "frames")) == 0
        client = keeping.test_client()
        first = [client.get(url, headers=h).get_data() for url, h in ADDRESSES]
        assert kept(keeping, "cards") and kept(keeping, "filters") and kept(keeping, "frames")
        again = [client.get(url, headers=h).get_data() for url, h in ADDRESSES]
        assert first == drawn
        assert again == drawn
    finally:
        for app in (drawing, keeping):
            app.extensions["portal.database"].dispose()


def test_a_kept_card_is_not_drawn_again(uncached_app, monkeypatch):
    client = uncached_app.test_client()
    client.get(LISTING)
    drawn = []
    macro = directory_cards._card_macro

    def counting():
        drawn.append(1)
        return macro()

    monkeypatch.setattr(directory_cards, "_card_macro", counting)
    client.get(LISTING)
    client.get(LISTING, headers=HTMX)
    assert drawn == []
    client.get(LISTING.replace("/en/", "/pl/"))
    assert drawn == [1]


def test_the_filter_form_is_kept_by_its_choices_and_shows_them(uncached_app):
    client = uncached_app.test_client()
    page = parse_page(client.get("/en/services?area=melton&men=y"))
    assert page.find(id="area").find("option", selected=True)["value"] == "melton"
    assert page.find(id="men").has_attr("checked")
    assert page.select_one("details.more-choices").has_attr("open")
    other = parse_page(client.get("/en/services?area=rutland&page=2"))
    assert other.find(id="area").find("option", selected=True)["value"] == "rutland"
    assert not other.find(id="men").has_attr("checked")
    assert not other.select_one("details.more-choices").has_attr("open")
    wrong = client.get("/en/services?family=lots")
    page = parse_page(wrong)
    assert page.title.get_text().startswith("Error:")
    assert page.find(id="family")["value"] == "lots"
    assert text_of(page.select_one(".error-summary a")).startswith("Enter how many people")
    # The same choices with another page (or anything else in the address): the same form.
    assert kept(uncached_app, "filters") == 3
    client.get("/en/services?area=rutland&page=3&utm=x")
    assert kept(uncached_app, "filters") == 3


def test_the_language_links_keep_the_address(uncached_app):
    address = "/en/services?area=melton&men=y&page=2&foo=a%26b"
    page = parse_page(uncached_app.test_client().get(address))
    with uncached_app.test_request_context(address):
        uncached_app.preprocess_request()  # takes the language from the address
        expected = {code: url_in_language(code) for code in LANGUAGES}
    alternates = {link["hreflang"]: link["href"] for link in page.select("link[rel=alternate]")}
    switcher = {link["hreflang"]: link["href"] for link in page.select("#languages a")}
    assert alternates == switcher == expected
    assert expected["ur"].startswith("/ur/services?") and "foo=a%26b" in expected["ur"]


def test_a_changed_static_file_gets_a_new_address_in_the_layout(uncached_app, tmp_path):
    for name in ("css/portal.css", "js/quick-exit.js", "vendor/htmx.min.js", "favicon.svg"):
        copy = tmp_path / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((Path(uncached_app.static_folder) / name).read_bytes())
    uncached_app.static_folder = str(tmp_path)
    client = uncached_app.test_client()
    css = parse_page(client.get("/en/services")).select_one("link[rel=stylesheet]")["href"]
    assert (
        parse_page(client.get("/en/services?page=2")).select_one("link[rel=stylesheet]")["href"]
        == css
    )
    changed = tmp_path / "css" / "portal.css"
    changed.write_text(changed.read_text() + "\n/* changed */\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    after = parse_page(client.get("/en/services")).select_one("link[rel=stylesheet]")["href"]
    assert after != css and after.startswith("/static/css/portal.css?v=")


def test_the_kept_pieces_are_bounded(uncached_app, monkeypatch):
    store = uncached_app.extensions["portal.fragments"]["cards"]
    monkeypatch.setattr(store, "size", 30)
    client = uncached_app.test_client()
    client.get("/en/services")
    client.get("/en/services?page=2")
    assert len(store) == 30


def test_the_filter_form_is_kept_by_every_one_of_its_fields(app):
    from portal.directory.forms import DirectoryFilterForm

    with app.test_request_context("/en/services"):
        assert [field.name for field in DirectoryFilterForm()] == list(directory_cards.FIELDS)
