"""More fuzzing (tests/web/test_form_fuzz.py has the self-referral steps and the directory):
the professional's step, the pathway finder and the Open Referral feed, the staff and admin
forms, and the e-mail itself. Whatever is typed: never a 500, the typed text kept with a
message, and never a header added to an outgoing mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import uuid

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.delivery import messages
from portal.delivery.outbox import Outgoing
from portal.models import Delivery, Service
from tests.delivery_support import REFUGE, answers, submit
from tests.staff_support import PROVIDER_A, csrf_token, make_account, sign_in
from tests.web.referral_journey import PROFESSIONAL_ANSWERS, Journey
from tests.web.test_form_fuzz import FUZZ, NASTY, VALUES

OK = {200, 302, 303, 400, 422}
HEADER_INJECTIONS = st.sampled_from(
    [
        "x\r\nBcc: victim@example.org",
        "x\nTo: someone@example.org",
        "x\rSubject: hello",
        "=?utf-8?q?x=0D=0ABcc:_a@example.org?=",
        "a@example.org>\r\nBcc: b@example.org",
        "x\u2028Bcc: c@example.org",
    ]
)


@pytest.fixture
def app_config(app_config):
    limits = "100000 per minute"
    return {
        **app_config,
        "PORTAL_STEP_LIMIT": limits,
        "PORTAL_SUBMIT_LIMIT": limits,
        "PORTAL_SIGN_IN_LIMIT": limits,
        "PORTAL_STAFF_POST_LIMIT": limits,
    }


REFERRER_FIELDS = list(PROFESSIONAL_ANSWERS["referrer"]) + ["no_consent_reason"]


def test_any_answers_to_the_professionals_step_get_a_message_or_the_next_step(client):
    journey = Journey(client, referrer="professional")

    @FUZZ
    @given(
        data=st.fixed_dictionaries(
            {}, optional={name: st.one_of(VALUES, HEADER_INJECTIONS) for name in REFERRER_FIELDS}
        )
    )
    def check(data):
        response = journey.post("referrer", data)
        assert response.status_code in OK, response.status_code
        assert "Traceback" not in response.get_data(as_text=True)

    check()


@FUZZ
@given(text=st.text(alphabet=st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=40))
def test_what_was_typed_comes_back_with_the_message(client, text):
    # A name, and an age that is not a number: the age gets a message; the name is kept.
    journey = Journey(client)
    response = journey.post("about-you", {"name": text, "age": "not a number"})
    assert response.status_code == 422
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.find(id="age-error") is not None
    # Surrounding space is trimmed (as it is when saved); everything else comes back.
    assert page.find("input", {"name": "name"})["value"] == text.strip()


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["age", "gender", "area", "needs", "risk", "community", "lgbt", "nrpf", "x"]
        ),
        st.one_of(NASTY, st.lists(NASTY, max_size=3)),
        max_size=8,
    )
)
def test_any_pathway_finder_query_gets_a_page(client, query):
    response = client.get("/en/pathways/finder", query_string=query)
    assert response.status_code == 200
    assert "Traceback" not in response.get_data(as_text=True)


@FUZZ
@given(
    path=st.sampled_from(
        ["/api/oruk/services", "/api/oruk/taxonomy_terms", "/api/oruk/service_at_locations"]
    ),
    query=st.dictionaries(
        st.sampled_from(
            ["page", "per_page", "text", "taxonomy_term_id", "minimum_age", "maximum_age", "x"]
        ),
        NASTY,
        max_size=5,
    ),
)
def test_any_feed_query_gets_json_never_a_500(client, path, query):
    response = client.get(path, query_string=query)
    assert response.status_code in (200, 400), (path, query, response.status_code)
    assert response.is_json


def test_any_sign_in_attempt_gets_a_page(app, client):
    @FUZZ
    @given(email=st.one_of(VALUES, HEADER_INJECTIONS), password=VALUES)
    def check(email, password):
        page = client.get("/staff/sign-in")
        response = client.post(
            "/staff/sign-in",
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "email": email,
                "password": password,
            },
        )
        assert response.status_code in (200, 400), response.status_code

    check()


def test_any_status_availability_or_invitation_gets_a_page(app, db):
    with app.extensions["portal.database"].session() as session:
        delivery_id = session.scalars(
            select(Delivery.id).where(Delivery.referral_id == submit(session, (REFUGE,)).id)
        ).one()
        service_id = session.scalars(select(Service.id).where(Service.slug == REFUGE.service)).one()
    provider, admin = app.test_client(), app.test_client()
    assert sign_in(provider, make_account(app, "provider", PROVIDER_A)).status_code == 302
    assert sign_in(admin, make_account(app, "admin")).status_code == 302
    token = csrf_token(provider.get("/staff/account").get_data(as_text=True))
    admin_token = csrf_token(admin.get("/staff/account").get_data(as_text=True))
    prefix = str(service_id)

    @FUZZ
    @given(a=st.one_of(VALUES, HEADER_INJECTIONS), b=VALUES, c=VALUES)
    def check(a, b, c):
        for client, url, data in (
            (provider, f"/staff/referrals/{delivery_id}", {"status": a, "reason": b}),
            (
                provider,
                f"/staff/availability/{service_id}",
                {f"{prefix}-availability": a, f"{prefix}-spaces": b, f"{prefix}-csrf_token": token},
            ),
            (admin, "/admin/staff", {"name": a, "email": b, "role": c, "organisation": a}),
            (admin, f"/admin/services/{service_id}", {"name": a, "min_age": b, "areas": c}),
        ):
            response = client.post(
                url, data={"csrf_token": token if client is provider else admin_token, **data}
            )
            assert response.status_code in OK, (url, data, response.status_code)
            assert "Traceback" not in response.get_data(as_text=True)

    check()


def _outgoing(mode: str, reference: str = "LLR-ABCD-EFGH") -> Outgoing:
    return Outgoing(
        delivery_id=uuid.uuid4(),
        message_id=f"<{uuid.uuid4()}@referrals.portal>",
        reference=reference,
        referrer="self",
        content=None,
        to_address="wall@referrals.example.org",
        address_is_demo=True,
        organisation="Women's Aid Leicestershire Ltd",
        service_slug=REFUGE.service,
        service_name="Brookes House",
        kind="refuge",
        fallback=False,
        created_at=dt.datetime.now(dt.UTC),
        also_sent_to=(),
        mode=mode,
    )


HEADERS = {
    "Subject",
    "From",
    "To",
    "Message-ID",
    "Date",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
}


@FUZZ
@given(
    name=st.one_of(HEADER_INJECTIONS, st.text(max_size=80)),
    phone=st.one_of(HEADER_INJECTIONS, NASTY),
    extra=st.one_of(HEADER_INJECTIONS, st.text(max_size=200)),
    mode=st.sampled_from(["full", "link"]),
)
def test_nothing_typed_adds_a_header_to_the_providers_mail(app, name, phone, extra, mode):
    content = answers()
    content["about-you"]["name"] = name
    content["contact"]["phone"] = phone
    content["contact"]["anything_else"] = extra
    stored = {
        "referrer": "self",
        "answers": content,
        "routing": {"routes": [REFUGE.as_contract()], "signposts": []},
        "shared_with": [REFUGE.service],
    }
    with app.app_context():
        message = messages.compose(
            _outgoing(mode), stored, "referrals@portal.example.org", "https://portal.example.org"
        )
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert set(parsed.keys()) == HEADERS
    assert parsed["To"] == "wall@referrals.example.org"
    assert parsed["Subject"] == "Referral LLR-ABCD-EFGH"
