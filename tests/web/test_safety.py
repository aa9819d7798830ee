"""Safe by default: exact security headers on every kind of response, no cookies while
browsing, nothing cacheable that shows a page, and an exit that clears what it can."""

from __future__ import annotations

import pytest

from portal.safety import CONTENT_SECURITY_POLICY

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

RESPONSES = {
    "page": ("/en/", {}),
    "directory": ("/en/services?area=melton", {}),
    "fragment": ("/en/services?area=melton", {"HX-Request": "true", "HX-Target": "div#directory"}),
    "not found": ("/en/nowhere", {}),
    "static css": ("/static/css/portal.css", {}),
    "static js": ("/static/js/quick-exit.js", {}),
    "exit": ("/exit", {}),
    "redirect": ("/", {}),
    "staff sign-in": ("/staff/sign-in", {}),
    "staff page, signed out": ("/staff/referrals", {}),
    "feed": ("/api/oruk/services?per_page=1", {}),
    "feed error": ("/api/oruk/services?page=x", {}),
}


@pytest.mark.parametrize("name", RESPONSES)
def test_every_response_carries_the_security_headers_exactly(client, name):
    url, headers = RESPONSES[name]
    with client.get(url, headers=headers) as response:
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, f"{name}: {header}"


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/en/").headers
    secure = client.get("/en/", base_url="https://portal.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    "url", ["/en/", "/en/services", "/en/services/panahghar-refuge", "/en/nowhere"]
)
def test_pages_are_never_stored_by_the_browser(client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/en/",
        "/en/services",
        "/en/services?need=support&area=leicester",
        "/en/services/wall-dispersed-units",
        "/en/staying-safe-online",
        "/en/nowhere",
        "/static/css/portal.css",
    ],
)
def test_browsing_sets_no_cookie(client, url):
    with client.get(url) as response:
        assert "Set-Cookie" not in response.headers


def test_pages_load_nothing_from_another_host_and_have_no_inline_script_or_style(client):
    for url in ["/en/", "/en/services", "/en/services/wall-brookes-house"]:
        body = client.get(url).get_data(as_text=True)
        assert "<style" not in body
        assert " style=" not in body
        assert "<script>" not in body
        assert " onclick=" not in body and " onload=" not in body
        for attribute in ("src=", "href="):
            for chunk in body.split(attribute)[1:]:
                target = chunk[1:].split(chunk[0], 1)[0]
                assert not target.startswith(("http://", "https://", "//")), target


def test_the_exit_clears_site_data_and_goes_somewhere_neutral(client):
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.bbc.co.uk/weather"
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_the_exit_can_leave_the_cache_alone_when_configured(app, client):
    app.config["PORTAL_EXIT_CLEAR_CACHE"] = False
    assert client.get("/exit").headers["Clear-Site-Data"] == '"cookies", "storage"'


def test_the_exit_ends_a_form_session(app, client):
    with client.session_transaction() as session:
        session["referral"] = {"step": "about-you"}
    response = client.get("/exit")
    cookie = response.headers["Set-Cookie"]
    assert "Max-Age=0" in cookie or "Expires=Thu, 01 Jan 1970" in cookie
    with client.session_transaction() as session:
        assert "referral" not in session


def test_session_cookies_are_host_only_secure_and_strict_in_production(app):
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["SESSION_PERMANENT"] is False


@pytest.mark.parametrize(
    "url", ["/api/oruk/services?per_page=1", "/api/oruk/services?page=x", "/api/oruk/nowhere"]
)
def test_the_feed_is_saved_not_rendered_by_a_browser(client, url):
    response = client.get(url)
    assert response.headers["Content-Disposition"] == 'attachment; filename="api.json"'
