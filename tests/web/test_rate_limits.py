"""Every POST in the portal is rate limited per address, signed in or not: a test walks the
routes, so a new form without a limit fails here."""

from __future__ import annotations

import pytest

SAMPLE = {
    "lang": "en",
    "step": "about-you",
    "token": "not-an-invitation",
    "delivery_id": "6f1d3c2e-8a4b-4c7d-9e0f-1a2b3c4d5e6f",
    "service_id": "eb6417c4-3031-5f4c-897c-285f4402241c",
    "organisation_id": "66e4fc15-d5bb-56b7-b4cc-12eeb2e4dc2b",
    "user_id": "6f1d3c2e-8a4b-4c7d-9e0f-1a2b3c4d5e70",
}


@pytest.fixture
def app_config(app_config):
    once = "1 per day"
    return {
        **app_config,
        # The limit is what is under test here; the CSRF token is tested elsewhere.
        "WTF_CSRF_ENABLED": False,
        "PORTAL_STEP_LIMIT": once,
        "PORTAL_SUBMIT_LIMIT": once,
        "PORTAL_SIGN_IN_LIMIT": once,
        "PORTAL_STAFF_POST_LIMIT": once,
    }


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def test_there_are_post_routes_to_check(app):
    assert len(list(_post_routes(app))) >= 20


def test_every_post_route_refuses_a_second_post_within_its_limit(app):
    for rule in _post_routes(app):
        client = app.test_client()
        url = rule.build({k: v for k, v in SAMPLE.items() if k in rule.arguments})[1]
        first = client.post(url, data={})
        second = client.post(url, data={})
        assert first.status_code != 429, url
        assert second.status_code == 429, f"{url} ({rule.endpoint}) is not rate limited"
