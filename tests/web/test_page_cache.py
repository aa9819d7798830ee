"""Public pages are kept a short while by each app process (portal/page_cache.py): the same
address gives the same bytes without rendering again, fresh headers every time, and never
a page that holds a form's secret."""

from __future__ import annotations

import gzip

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from portal import create_app
from portal.models import Service
from tests.conftest import parse_page, text_of

BROOKES = "/en/services/wall-brookes-house"
HTMX = {"HX-Request": "true", "HX-Target": "directory"}


def rename_brookes_house(app, summary: str) -> None:
    with app.extensions["portal.database"].session() as session:
        session.execute(
            update(Service).where(Service.slug == "wall-brookes-house").values(summary=summary)
        )
        session.commit()


def lead(response) -> str:
    return text_of(parse_page(response).select_one("p.lead"))


def test_a_page_is_served_again_from_the_cache_until_it_expires(app, client):
    first = client.get(BROOKES)
    rename_brookes_house(app, "A changed summary.")
    again = client.get(BROOKES)
    assert again.get_data() == first.get_data()
    assert lead(again) != "A changed summary."
    # Headers are made fresh for every answer, cached or not.
    for name in ("Content-Security-Policy", "Referrer-Policy", "Cache-Control"):
        assert again.headers[name] == first.headers[name]
    assert "Set-Cookie" not in again.headers
    packed = client.get(BROOKES, headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(packed.get_data()) == first.get_data()


def test_with_the_cache_off_a_change_shows_at_once(app_config, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    app = create_app({**app_config, "PORTAL_PAGE_CACHE_SECONDS": 0})
    client = app.test_client()
    client.get(BROOKES)
    rename_brookes_house(app, "A changed summary.")
    assert lead(client.get(BROOKES)) == "A changed summary."
    app.extensions["portal.database"].dispose()


def test_the_htmx_fragment_and_the_whole_page_are_kept_apart(client):
    whole = client.get("/en/services?area=rutland")
    fragment = client.get("/en/services?area=rutland", headers=HTMX)
    again = client.get("/en/services?area=rutland")
    assert parse_page(whole).select_one("header") is not None
    assert (
        BeautifulSoup(fragment.get_data(as_text=True), "html.parser").select_one("header") is None
    )
    assert again.get_data() == whole.get_data()


@pytest.mark.parametrize("lang", ["ur", "pl"])
def test_each_language_has_its_own_page(client, lang):
    english = client.get("/en/services")
    other = client.get(f"/{lang}/services")
    assert parse_page(other).find("html")["lang"] == lang
    assert other.get_data() != english.get_data()


def test_a_page_that_made_a_csrf_token_or_set_a_cookie_is_never_kept(app):
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from portal.page_cache import public_page

    renders = []

    @public_page
    def with_a_token():
        renders.append("token")
        return f"<p>{generate_csrf()}</p>"

    @public_page
    def with_a_cookie():
        renders.append("cookie")
        session["seen"] = True
        return "<p>hello</p>"

    @public_page
    def plain():
        renders.append("plain")
        return "<p>hello</p>"

    for view in (with_a_token, with_a_cookie, plain):
        app.add_url_rule(f"/test-{view.__name__}", view.__name__, view)
    client = app.test_client()
    for name in ("with_a_token", "with_a_cookie", "plain"):
        client.get(f"/test-{name}")
        client.get(f"/test-{name}")
    assert renders == ["token", "token", "cookie", "cookie", "plain"]
