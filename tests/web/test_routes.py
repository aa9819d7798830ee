"""Structural checks over every registered route, as GOV.UK Notify's admin does: a new
route without a rule here fails, so nothing is published by accident."""

from __future__ import annotations

import pytest

# Who may use each endpoint. "public": anyone, no cookie set. "form": anyone; a form
# session cookie may be set. "static": files. "staff": the signed-in side, English only,
# each held to its role by tests/web/test_authorisation.py.
RULES = {
    "static": "static",
    "safety.root": "public",
    "safety.leave": "public",
    "pages.home": "public",
    "pages.staying_safe": "public",
    "pages.privacy": "public",
    "pages.accessibility": "public",
    "directory.index": "public",
    "directory.service": "public",
    "referrals.start": "public",
    # GET sets no cookie (tests/web/test_pathways.py); a POST starts from the pathway finder.
    "referrals.professional_start": "form",
    "referrals.young_people": "public",
    "referrals.step": "form",
    "referrals.professional_step": "form",
    "referrals.check": "form",
    "referrals.professional_check": "form",
    "referrals.sent": "form",
    "pathways.index": "public",
    "pathways.pathway": "public",
    "pathways.finder": "public",
    "oruk.index": "public",
    "oruk.services": "public",
    "oruk.service": "public",
    "oruk.taxonomies": "public",
    "oruk.taxonomy": "public",
    "oruk.taxonomy_terms": "public",
    "oruk.taxonomy_term": "public",
    "oruk.service_at_locations": "public",
    **{
        f"staff.{name}": "staff"
        for name in (
            "sign_in",
            "second_factor",
            "set_up_second_factor",
            "accept_invitation",
            "sign_out",
            "sign_out_everywhere",
            "account",
            "change_password",
            "home",
            "inbox_page",
            "referral",
            "acknowledge",
            "availability",
            "set_availability",
        )
    },
    **{
        f"admin.{name}": "staff"
        for name in (
            "dashboard",
            "send_to_fallback",
            "staff",
            "deactivate",
            "invite_again",
            "audit_log",
            "organisations",
            "new_organisation",
            "edit_organisation",
            "new_service",
            "edit_service",
            "mark_reviewed",
        )
    },
}

SAMPLE_ARGUMENTS = {
    "lang": "en",
    "slug": "wall-brookes-house",
    "step": "about-you",
    "filename": "css/portal.css",
    "service_id": "eb6417c4-3031-5f4c-897c-285f4402241c",
    "taxonomy_id": "105b747a-9948-5fe7-95ba-2c1190dd01a6",
    "taxonomy_term_id": "bab902fa-aee4-5fb2-94c9-1502b3f20126",
}
# Where one endpoint's argument needs another sample than the shared one.
ENDPOINT_ARGUMENTS = {"pathways.pathway": {"slug": "high-risk"}}


def test_every_route_has_an_explicit_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(RULES) == set(), "add a rule for each new endpoint"
    assert set(RULES) - endpoints == set(), "a rule for an endpoint that no longer exists"


def test_every_post_route_is_a_form_route(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            assert RULES[rule.endpoint] in ("form", "staff"), rule.endpoint


@pytest.mark.parametrize("endpoint", sorted(e for e, r in RULES.items() if r == "public"))
def test_public_pages_answer_without_setting_a_cookie(app, client, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    arguments = {**SAMPLE_ARGUMENTS, **ENDPOINT_ARGUMENTS.get(endpoint, {})}
    url = rule.build({k: v for k, v in arguments.items() if k in rule.arguments})[1]
    with client.get(url) as response:
        assert response.status_code in (200, 302, 303), url
        cookie = response.headers.get("Set-Cookie", "")
        # /exit deletes a cookie (an expired one); nothing sets one.
        assert not cookie or "Max-Age=0" in cookie, url


def test_every_localised_route_rejects_an_unknown_language(app, client):
    for rule in app.url_map.iter_rules():
        if "lang" not in rule.arguments or "GET" not in rule.methods:
            continue
        arguments = {k: v for k, v in SAMPLE_ARGUMENTS.items() if k in rule.arguments}
        url = rule.build({**arguments, "lang": "zz"})[1]
        assert client.get(url).status_code == 404, url
