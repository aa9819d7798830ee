"""The production entry point (portal/wsgi.py) and what serving behind HTTPS and a reverse
proxy asks of the app: forms that post without a Referer, visitors told apart by address."""

from __future__ import annotations

import importlib
import sys

import pytest

from portal.config import ConfigError
from tests.conftest import TEST_DATA_KEY, sqlite_url
from tests.web.referral_journey import SELF_ANSWERS, Journey

HTTPS = "https://portal.example.org"


@pytest.fixture
def production_environment(monkeypatch, database_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.setenv("PORTAL_DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("PORTAL_DATABASE_URL", sqlite_url(database_path))
    monkeypatch.delenv("PORTAL_PROXIES", raising=False)
    return monkeypatch


def load_wsgi_app():
    """Import portal.wsgi afresh, as a server process does, under today's environment."""
    sys.modules.pop("portal.wsgi", None)
    app = importlib.import_module("portal.wsgi").app
    sys.modules.pop("portal.wsgi", None)
    return app


def dispose(app) -> None:
    app.extensions["portal.database"].dispose()


def test_the_wsgi_module_serves_the_portal_from_the_environment(production_environment):
    app = load_wsgi_app()
    try:
        response = app.test_client().get("/en/services/wall-brookes-house", base_url=HTTPS)
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        dispose(app)


def test_the_wsgi_module_refuses_to_start_without_a_secret_key(production_environment):
    production_environment.delenv("PORTAL_SECRET_KEY")
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_wsgi_app()


def test_a_referral_posted_over_https_without_a_referer_goes_through(client):
    # The portal's Referrer-Policy (no-referrer) means browsers send no Referer with its
    # forms; over HTTPS that must not make the CSRF check refuse them.
    journey = Journey(client)
    journey.get("about-you", base_url=HTTPS)
    response = journey.post("about-you", SELF_ANSWERS["about-you"], base_url=HTTPS)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/refer/where")


def step_statuses(app, addresses: list[str]) -> list[int]:
    """Post the first step once from each address (as a proxy reports it) in turn."""
    app.config.update(WTF_CSRF_ENABLED=False, PORTAL_STEP_LIMIT="1 per minute")
    client = app.test_client()
    return [
        client.post(
            "/en/refer/about-you",
            data=SELF_ANSWERS["about-you"],
            headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
        ).status_code
        for address in addresses
    ]


def test_behind_a_proxy_each_visitor_has_their_own_limit(production_environment):
    production_environment.setenv("PORTAL_PROXIES", "1")
    app = load_wsgi_app()
    try:
        assert step_statuses(app, ["203.0.113.7", "203.0.113.8", "203.0.113.7"]) == [
            303,
            303,
            429,
        ]
    finally:
        dispose(app)


def test_without_a_proxy_a_forwarded_address_is_not_believed(production_environment):
    app = load_wsgi_app()
    try:
        assert step_statuses(app, ["203.0.113.7", "203.0.113.8"]) == [303, 429]
    finally:
        dispose(app)


def test_the_number_of_proxies_must_be_a_whole_number(production_environment):
    production_environment.setenv("PORTAL_PROXIES", "one")
    with pytest.raises(ConfigError, match="PORTAL_PROXIES"):
        load_wsgi_app()
