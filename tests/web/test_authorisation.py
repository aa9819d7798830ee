"""Who may use each staff and admin page: every route × (anonymous, provider A, provider B,
administrator) gets its expected answer. Like GOV.UK Notify's admin tests, a route without
a row here fails, and so does a route whose id is not a UUID.

"ok" means the page did its work for that person (200, a redirect onward, or 400 for the
deliberately empty form posted here); "sign in" is a redirect to the sign-in page; 401 is
a post from someone not signed in; 403 a signed-in person without the role; 404 a record of
another organisation, answered exactly as one that does not exist.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from portal.models import Delivery, Organisation, Service, StaffUser
from tests.delivery_support import PANAHGHAR, REFUGE, submit
from tests.staff_support import PROVIDER_A, PROVIDER_B, csrf_token, make_account, sign_in

WHO = ("anonymous", "provider_a", "provider_b", "admin")
OK = "ok"
SIGN_IN = "sign in"

# (endpoint, method): expected answer for anonymous, provider A, provider B, administrator.
# Ids in the addresses are provider A's records (see `_arguments`).
MATRIX = {
    ("staff.sign_in", "GET"): (OK, OK, OK, OK),
    ("staff.sign_in", "POST"): (OK, OK, OK, OK),
    ("staff.second_factor", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.second_factor", "POST"): (SIGN_IN, OK, OK, OK),
    ("staff.set_up_second_factor", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.set_up_second_factor", "POST"): (SIGN_IN, OK, OK, OK),
    ("staff.accept_invitation", "GET"): (404, 404, 404, 404),
    ("staff.accept_invitation", "POST"): (404, 404, 404, 404),
    ("staff.sign_out", "POST"): (OK, OK, OK, OK),
    ("staff.sign_out_everywhere", "POST"): (401, OK, OK, OK),
    ("staff.account", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.change_password", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.change_password", "POST"): (401, OK, OK, OK),
    ("staff.home", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.inbox_page", "GET"): (SIGN_IN, OK, OK, 403),
    ("staff.referral", "GET"): (SIGN_IN, OK, 404, 403),
    ("staff.referral", "POST"): (401, OK, 404, 403),
    ("staff.acknowledge", "GET"): (SIGN_IN, OK, 404, 403),
    ("staff.acknowledge", "POST"): (401, OK, 404, 403),
    ("staff.availability", "GET"): (SIGN_IN, OK, OK, OK),
    ("staff.set_availability", "POST"): (401, OK, 404, OK),
    ("admin.dashboard", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.send_to_fallback", "POST"): (401, 403, 403, OK),
    ("admin.staff", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.staff", "POST"): (401, 403, 403, OK),
    ("admin.deactivate", "POST"): (401, 403, 403, OK),
    ("admin.invite_again", "POST"): (401, 403, 403, OK),
    ("admin.audit_log", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.organisations", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.new_organisation", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.new_organisation", "POST"): (401, 403, 403, OK),
    ("admin.edit_organisation", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.edit_organisation", "POST"): (401, 403, 403, OK),
    ("admin.new_service", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.new_service", "POST"): (401, 403, 403, OK),
    ("admin.edit_service", "GET"): (SIGN_IN, 403, 403, OK),
    ("admin.edit_service", "POST"): (401, 403, 403, OK),
    ("admin.mark_reviewed", "POST"): (401, 403, 403, OK),
}
# Public ORUK ids stay plain strings on purpose: the feed answers a malformed id with its
# own JSON 400 naming the parameter (portal/api/params.py), as the ORUK profile expects.
IDS_CHECKED_IN_THE_VIEW = {"oruk.service", "oruk.taxonomy", "oruk.taxonomy_term"}
# Arguments that are not ids: a language code, a public slug or step name, a static file,
# and the invitation's one-time secret.
NOT_IDS = {"lang", "slug", "step", "filename", "token"}


def _signed_in_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("staff.", "admin.")):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_staff_and_admin_route_has_a_row_in_the_matrix(app):
    routes = {(rule.endpoint, method) for rule, method in _signed_in_routes(app)}
    assert routes - set(MATRIX) == set(), "add a row for each new staff or admin route"
    assert set(MATRIX) - routes == set(), "a row for a route that no longer exists"


def test_every_id_in_an_address_is_a_uuid(app):
    for rule in app.url_map.iter_rules():
        for argument in rule.arguments - NOT_IDS:
            if rule.endpoint in IDS_CHECKED_IN_THE_VIEW:
                continue
            converter = type(rule._converters[argument]).__name__
            assert converter == "UUIDConverter", f"{rule.rule}: {argument} is not a UUID"


@pytest.fixture
def world(app):
    """Provider A's and B's staff, an administrator, a referral for each provider, and a
    spare account to deactivate."""
    database = app.extensions["portal.database"]
    with database.session() as session:
        for_a, for_b = submit(session, (REFUGE,)), submit(session, (PANAHGHAR,))
        delivery_a = session.scalars(
            select(Delivery.id).where(Delivery.referral_id == for_a.id)
        ).one()
        delivery_b = session.scalars(
            select(Delivery.id).where(Delivery.referral_id == for_b.id)
        ).one()
        service_a = session.scalars(select(Service.id).where(Service.slug == REFUGE.service)).one()
        organisation_a = session.scalars(
            select(Organisation.id).where(Organisation.slug == PROVIDER_A)
        ).one()
    accounts = {
        "provider_a": make_account(app, "provider", PROVIDER_A),
        "provider_b": make_account(app, "provider", PROVIDER_B),
        "admin": make_account(app, "admin"),
    }
    spare = make_account(app, "provider", PROVIDER_B)
    return {
        "accounts": accounts,
        "delivery_id": delivery_a,
        "other_delivery_id": delivery_b,
        "service_id": service_a,
        "organisation_id": organisation_a,
        "user_id": spare.id,
    }


def _arguments(rule, world) -> dict:
    values = {
        "delivery_id": world["delivery_id"],
        "service_id": world["service_id"],
        "organisation_id": world["organisation_id"],
        "user_id": world["user_id"],
        "token": "not-an-invitation",
    }
    return {name: values[name] for name in rule.arguments}


def _client_for(app, world, who):
    client = app.test_client()
    if who in ("provider_a", "provider_b", "admin"):
        response = sign_in(client, world["accounts"][who])
        assert response.status_code == 302
    elif who == "anonymous":
        client.get("/staff/sign-in")  # a session with a CSRF token, as a browser would have
    return client


def _half_signed_in(app, world, who, client):
    """For the second-factor pages: a client that has given only the password."""
    if who == "anonymous":
        return client
    account = world["accounts"][who]
    fresh = app.test_client()
    page = fresh.get("/staff/sign-in")
    fresh.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": account.email,
            "password": account.password,
        },
    )
    return fresh


def _csrf(client) -> str:
    """A CSRF token for this client's session, read from a form page it may open."""
    for url in ("/staff/account", "/staff/sign-in/code", "/staff/sign-in"):
        response = client.get(url)
        if response.status_code == 200 and 'name="csrf_token"' in response.get_data(as_text=True):
            return csrf_token(response.get_data(as_text=True))
    raise AssertionError("no page offered a CSRF token")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_each_route_answers_each_person_as_the_matrix_says(app, world, endpoint, method, who):
    expected = MATRIX[(endpoint, method)][WHO.index(who)]
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.build(_arguments(rule, world))[1]
    client = _client_for(app, world, who)
    if endpoint in ("staff.second_factor", "staff.set_up_second_factor"):
        client = _half_signed_in(app, world, who, client)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": _csrf(client)})
    if expected == OK:
        assert response.status_code in (200, 302, 303, 400), (url, who, response.status_code)
        assert "/staff/sign-in?" not in response.headers.get("Location", ""), (url, who)
    elif expected == SIGN_IN:
        assert response.status_code == 302, (url, who, response.status_code)
        assert response.headers["Location"].startswith("/staff/sign-in"), (url, who)
    else:
        assert response.status_code == expected, (url, who, response.status_code)


def test_provider_a_cannot_read_provider_b_referral_by_changing_the_id(app, world):
    client = _client_for(app, world, "provider_a")
    own = client.get(f"/staff/referrals/{world['delivery_id']}")
    assert own.status_code == 200 and "Bernadette Okonkwo" in own.get_data(as_text=True)
    for url in (
        f"/staff/referrals/{world['other_delivery_id']}",
        f"/staff/referrals/{world['other_delivery_id']}/received",
        f"/staff/referrals/{uuid.uuid4()}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bernadette Okonkwo" not in response.get_data(as_text=True)
    # The ids themselves are random (UUID version 4), so there is no neighbour to guess.
    assert world["delivery_id"].version == 4 and world["other_delivery_id"].version == 4


def test_a_deactivated_account_is_signed_out_at_once(app, world):
    client = _client_for(app, world, "provider_a")
    assert client.get("/staff/referrals").status_code == 200
    with app.extensions["portal.database"].session() as session:
        session.get(StaffUser, world["accounts"]["provider_a"].id).active = False
    response = client.get("/staff/referrals")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/sign-in")
