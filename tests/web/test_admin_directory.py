"""An administrator keeps the directory: edits that show on the public pages, mistakes that
are refused with a message by the field and what was typed kept, an audit log of each change,
and pages that nobody else can use.

Forms are sent as a browser would send them: read from the page, a few answers changed.
Public pages are only read after the change (they are kept in a page cache for a minute).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.directory.load import load_directory
from portal.models import AuditEvent, Organisation, Service, stable_id
from tests.conftest import TODAY, parse_page, text_of
from tests.staff_support import PROVIDER_A, csrf_token, make_account, sign_in

BROOKES = stable_id("service", "wall-brookes-house")
JUNO = stable_id("service", "wall-juno-house")
WALL = stable_id("organisation", "wall")
OLD_REVIEW = dt.date(2025, 1, 10)


@pytest.fixture
def admin(app, client):
    """The test client, signed in as an administrator."""
    account = make_account(app, "admin")
    assert sign_in(client, account).status_code == 302
    return client


def form_of(page: BeautifulSoup, action: str) -> MultiDict:
    """What the browser would send from the form posting to `action`, unchanged."""
    form = page.find("form", action=action)
    assert form is not None, f"a form posting to {action}"
    sent = MultiDict()
    for element in form.find_all(["input", "textarea"]):
        name = element.get("name")
        if not name:
            continue
        if element.name == "textarea":
            sent.add(name, element.get_text().removeprefix("\r\n").removeprefix("\n"))
        elif element.get("type") in {"checkbox", "radio"}:
            if element.has_attr("checked"):
                sent.add(name, element.get("value", "on"))
        else:
            sent.add(name, element.get("value", ""))
    return sent


def answer(sent: MultiDict, **answers) -> MultiDict:
    """Change some answers: a list ticks those boxes (and only those), None unticks."""
    sent = sent.copy()
    for name, value in answers.items():
        sent.poplist(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            sent.add(name, item)
    return sent


def submit(client, url: str, **answers):
    """Open the form at `url`, change the answers, send it."""
    page = parse_page(client.get(url))
    return client.post(url, data=answer(form_of(page, url), **answers))


def field_error(page: BeautifulSoup, field_id: str) -> str:
    error = page.find(id=f"{field_id}-error")
    assert error is not None, f"a message next to {field_id}"
    return text_of(error).removeprefix("Error: ")


def summary_links(page: BeautifulSoup) -> dict[str, str]:
    summary = page.select_one(".error-summary")
    assert summary is not None, "the error summary"
    return {a["href"]: text_of(a) for a in summary.find_all("a")}


def audit_events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def set_reviewed_on(db, service_id: uuid.UUID, day: dt.date) -> None:
    db.get(Service, service_id).reviewed_on = day
    db.commit()


# --- editing a service -----------------------------------------------------------------


def test_a_service_edit_shows_on_its_public_page_reviewed_today(admin, db):
    set_reviewed_on(db, BROOKES, OLD_REVIEW)
    url = f"/admin/services/{BROOKES}"

    response = submit(
        admin, url, name="Brookes House Refuge", areas=["leicester", "rutland", "melton"]
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(url)
    page = parse_page(admin.get(url))
    assert "Brookes House Refuge saved" in text_of(page.select_one(".notice"))
    assert page.find("input", id="name")["value"] == "Brookes House Refuge"

    public = parse_page(admin.get("/en/services/wall-brookes-house"))
    assert text_of(public.find("h1")) == "Brookes House Refuge"
    text = text_of(public)
    assert "Rutland" in text and "Melton (including Melton Mowbray)" in text
    assert f"Last reviewed: {TODAY:%-d %B %Y}" in text


def test_removing_every_area_is_refused_and_what_was_typed_is_kept(admin, db):
    url = f"/admin/services/{BROOKES}"

    response = submit(admin, url, name="A New Name", areas=None, min_age="sixteen")

    assert response.status_code == 400
    page = parse_page(response)
    assert page.find("title").get_text().startswith("Error:")
    assert field_error(page, "areas") == "A service must keep at least one area"
    assert summary_links(page)["#areas"] == "A service must keep at least one area"
    assert field_error(page, "min_age").startswith("Enter the youngest age as a whole number")
    assert page.find("input", id="name")["value"] == "A New Name"
    assert page.find("input", id="min_age")["value"] == "sixteen"
    assert not page.select('input[name="areas"][checked]')
    db.expire_all()
    assert db.get(Service, BROOKES).name == "Brookes House"
    assert db.get(Service, BROOKES).areas == ["leicester"]
    assert audit_events(db, "service edited") == []


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"kinds": None}, "kinds", "Choose at least one kind of service"),
        ({"accepts_women": None}, "accepts_women", "A service must take women, men or both"),
        ({"min_age": "40", "max_age": "18"}, "min_age", "The lowest age must not be above"),
        ({"max_son_age": "130"}, "max_son_age", "Enter the oldest age of sons from 0 to 120"),
        ({"funded_until": "31/03/2027"}, "funded_until", "Enter the date its funding ends as"),
        ({"funded_until": "2027-02-30"}, "funded_until", "Enter the date its funding ends as"),
        ({"status": "ended", "status_note": ""}, "status_note", "Say why the service has ended"),
        ({"phone": "ring 0116 255 0004"}, "phone", "Enter a phone number using only digits"),
        ({"areas": ["leicester", "mars"]}, "areas", "Choose areas from the list"),
        ({"units": "lots"}, "units", "Enter the number of units as a whole number"),
        ({"summary": ""}, "summary", "Enter a one-sentence summary"),
        ({"max_son_age": "fourteen"}, "max_son_age", "Enter the oldest age of sons as a whole"),
        ({"max_son_age": "16"}, "max_son_age_if_agreed", "The oldest age if agreed must be above"),
    ],
)
def test_each_mistake_gets_a_message_by_its_field(admin, db, answers, field, message):
    url = f"/admin/services/{BROOKES}"

    response = submit(admin, url, **answers)

    assert response.status_code == 400
    page = parse_page(response)
    assert field_error(page, field).startswith(message)
    assert list(summary_links(page)) == [f"#{field}"], "one mistake, one message"
    typed = answers.get(field)
    if isinstance(typed, str) and typed:
        control = page.find(id=field)
        shown = control.get_text() if control.name == "textarea" else control["value"]
        assert shown.strip() == typed, "what was typed is kept"
    assert audit_events(db, "service edited") == []


def test_each_edit_is_in_the_audit_log_with_old_and_new_values(admin, db):
    url = f"/admin/services/{BROOKES}"
    assert submit(admin, url, name="Brookes House Refuge", pets="yes").status_code == 303

    [event] = audit_events(db, "service edited")
    assert event.changes == {
        "name": ["Brookes House", "Brookes House Refuge"],
        "pets": [False, True],
    }
    assert event.subject_id == str(BROOKES)
    assert event.actor.startswith("Admin of LLR")
    newest = parse_page(admin.get("/admin/audit")).select_one("table tbody tr")
    cells = [" ".join(cell.get_text().split()) for cell in newest.find_all("td")]
    assert cells[2] == "service edited"
    assert str(BROOKES) in cells[3]
    assert "name: Brookes House → Brookes House Refuge" in cells[4]
    assert "pets: False → True" in cells[4]


def test_saving_an_unchanged_form_records_nothing(admin, db):
    set_reviewed_on(db, BROOKES, OLD_REVIEW)
    url = f"/admin/services/{BROOKES}"

    response = submit(admin, url)

    assert response.status_code == 303
    assert "Nothing had changed" in text_of(parse_page(admin.get(url)).select_one(".notice"))
    assert audit_events(db, "service edited") == []
    assert db.get(Service, BROOKES).reviewed_on == OLD_REVIEW
    assert db.get(Service, BROOKES).admin_edited_at is None


def test_facts_checked_moves_the_review_date_and_nothing_else(admin, db):
    set_reviewed_on(db, BROOKES, OLD_REVIEW)
    url = f"/admin/services/{BROOKES}"
    page = parse_page(admin.get(url))
    action = f"/admin/services/{BROOKES}/reviewed"

    response = admin.post(action, data=form_of(page, action))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(url)
    [event] = audit_events(db, "service reviewed")
    assert event.changes == {"reviewed_on": [OLD_REVIEW.isoformat(), TODAY.isoformat()]}
    assert f"Last reviewed: {TODAY:%-d %B %Y}" in text_of(
        parse_page(admin.get("/en/services/wall-brookes-house"))
    )


def test_a_new_summary_drops_the_stale_translation(admin, db):
    assert db.get(Service, JUNO).translations["gu"]["summary"]
    new_summary = "Safe housing in Leicester for young women escaping abuse."

    assert submit(admin, f"/admin/services/{JUNO}", summary=new_summary).status_code == 303

    page = parse_page(admin.get("/gu/services/wall-juno-house"))
    lead = page.select_one("p.lead")
    assert text_of(lead) == new_summary
    assert lead["lang"] == "en"
    [event] = audit_events(db, "service edited")
    assert event.changes["translations removed"].startswith("summary (")


def test_the_loader_keeps_the_administrators_edit_and_loads_the_rest(admin, db):
    url = f"/admin/services/{BROOKES}"
    assert submit(admin, url, name="Brookes House Refuge", areas=["rutland"]).status_code == 303
    # Another service, changed without the admin pages, is put back by the loader.
    helpline = db.scalars(select(Service).where(Service.slug == "freeva-male-helpline")).one()
    helpline.name = "Changed behind the loader's back"
    db.commit()

    report = load_directory(db)
    db.commit()
    db.expire_all()

    assert "wall-brookes-house" in report.kept
    assert report.updated == ["freeva-male-helpline"]
    assert db.get(Service, BROOKES).name == "Brookes House Refuge"
    assert db.get(Service, BROOKES).areas == ["rutland"]
    assert helpline.name == "Freeva helpline for men"


# --- organisations ---------------------------------------------------------------------


def test_an_invalid_referral_address_is_refused_and_kept(admin, db):
    url = f"/admin/organisations/{WALL}"

    response = submit(admin, url, referral_email="referrals@wall", name="WALL")

    assert response.status_code == 400
    page = parse_page(response)
    assert field_error(page, "referral_email").startswith("Enter a valid e-mail address")
    assert "#referral_email" in summary_links(page)
    assert page.find("input", id="referral_email")["value"] == "referrals@wall"
    assert page.find("input", id="name")["value"] == "WALL"
    db.expire_all()
    assert db.get(Organisation, WALL).referral_email == "wall@referrals.example.org"


def test_a_real_address_and_the_delivery_mode_are_saved_and_audited(admin, db):
    url = f"/admin/organisations/{WALL}"

    response = submit(admin, url, referral_email="referrals@wall.org.uk", delivery_mode="link")

    assert response.status_code == 303
    db.expire_all()
    wall = db.get(Organisation, WALL)
    assert (wall.referral_email, wall.referral_email_is_demo) == ("referrals@wall.org.uk", False)
    assert wall.delivery_mode == "link"
    [event] = audit_events(db, "organisation edited")
    assert event.changes["referral_email"] == [
        "wall@referrals.example.org",
        "referrals@wall.org.uk",
    ]
    listing = text_of(parse_page(admin.get("/admin/organisations")))
    assert "Referrals to referrals@wall.org.uk; delivery: a link to the inbox" in listing


def test_a_new_organisation_and_its_first_service(admin, db):
    page = parse_page(admin.get("/admin/organisations"))
    assert page.find("a", string="Add an organisation")["href"] == "/admin/organisations/new"
    new = parse_page(admin.get("/admin/organisations/new"))
    assert new.find("input", attrs={"name": "delivery_mode", "value": "link"}).has_attr("checked")

    response = submit(
        admin,
        "/admin/organisations/new",
        name="Sanctuary Leicester",
        slug="sanctuary-leicester",
        referral_email="referrals@sanctuary-leicester.org.uk",
    )

    organisation_id = stable_id("organisation", "sanctuary-leicester")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/organisations/{organisation_id}")
    db.expire_all()
    created = db.get(Organisation, organisation_id)
    assert created.delivery_mode == "link"
    assert [e.subject_id for e in audit_events(db, "organisation created")] == [
        str(organisation_id)
    ]

    response = submit(
        admin,
        f"/admin/organisations/{organisation_id}/services/new",
        name="Sanctuary Outreach",
        slug="sanctuary-outreach",
        summary="Support in the community across Leicester.",
        areas=["leicester"],
        kinds=["outreach"],
        phone="0116 496 0000",
    )

    assert response.status_code == 303
    public = parse_page(admin.get("/en/services/sanctuary-outreach"))
    assert text_of(public.find("h1")) == "Sanctuary Outreach"
    assert "Sanctuary Leicester" in text_of(public)
    assert f"Last reviewed: {TODAY:%-d %B %Y}" in text_of(public)
    listing = parse_page(admin.get("/admin/organisations"))
    assert listing.find("a", string="Sanctuary Outreach")["href"] == (
        f"/admin/services/{stable_id('service', 'sanctuary-outreach')}"
    )


def test_a_taken_or_badly_formed_slug_is_refused(admin, db):
    response = submit(
        admin,
        "/admin/organisations/new",
        name="Another WALL",
        slug="wall",
        referral_email="team@another.org.uk",
    )
    assert response.status_code == 400
    assert "already used" in field_error(parse_page(response), "slug")

    response = submit(
        admin,
        f"/admin/organisations/{WALL}/services/new",
        name="Odd",
        slug="Odd Slug!",
        summary="A service.",
        areas=["leicester"],
        kinds=["outreach"],
    )
    assert response.status_code == 400
    page = parse_page(response)
    assert "lower-case letters" in field_error(page, "slug")
    assert page.find("input", id="slug")["value"] == "Odd Slug!"
    assert audit_events(db, "organisation created") == audit_events(db, "service created") == []


def test_the_edit_page_has_no_slug_and_the_listing_links_to_it(admin):
    page = parse_page(admin.get("/admin/organisations"))
    link = page.find("a", string="Brookes House")
    assert link["href"] == f"/admin/services/{BROOKES}"
    edit_page = parse_page(admin.get(link["href"]))
    assert edit_page.find(id="slug") is None
    for group in ("areas", "kinds", "specialisms", "nrpf", "pets", "status"):
        assert edit_page.select_one(f"#{group}-group fieldset legend"), f"{group} has a legend"
    assert not edit_page.select("[style]") and not edit_page.select("script:not([src])")


def test_unknown_records_are_not_found(admin):
    missing = uuid.uuid4()
    assert admin.get(f"/admin/services/{missing}").status_code == 404
    assert admin.get(f"/admin/organisations/{missing}").status_code == 404
    assert admin.get(f"/admin/organisations/{missing}/services/new").status_code == 404
    assert admin.get("/admin/services/not-a-uuid").status_code == 404


# --- who may ---------------------------------------------------------------------------

PAGES = [
    "/admin/organisations",
    "/admin/organisations/new",
    f"/admin/organisations/{WALL}",
    f"/admin/organisations/{WALL}/services/new",
    f"/admin/services/{BROOKES}",
]
POSTS = [*PAGES[1:], f"/admin/services/{BROOKES}/reviewed"]


def test_provider_staff_may_not_use_the_directory_admin(app, client, db):
    assert sign_in(client, make_account(app, "provider", PROVIDER_A)).status_code == 302
    token = csrf_token(client.get("/staff/account").get_data(as_text=True))

    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for url in POSTS:
        response = client.post(url, data={"csrf_token": token, "name": "Taken over"})
        assert response.status_code == 403, url
    db.expire_all()
    assert db.get(Service, BROOKES).name == "Brookes House"
    assert audit_events(db, "service reviewed") == []


def test_someone_not_signed_in_is_sent_to_sign_in(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/sign-in"), url
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    for url in POSTS:
        assert client.post(url, data={"csrf_token": token}).status_code == 401, url
