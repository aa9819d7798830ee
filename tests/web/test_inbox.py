"""The closed loop: a provider reads its referrals in the inbox and sets their status; in
"link" mode the e-mail carries only the reference and a link; referrals nobody takes are
chased and then flagged for the fallback route. Mail goes through a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from portal.delivery import worker as delivery_worker
from portal.delivery.smtp import SmtpTransport, parse_smtp_url
from portal.models import AuditEvent, Delivery, Organisation, Referral, Service
from tests.conftest import parse_page, text_of
from tests.delivery_support import (
    BASE_URL,
    CODE_WORD,
    NAME,
    PANAHGHAR,
    PHONE,
    REFUGE,
    UAVA,
    Mailbox,
    answers,
    mail_server,
    run_worker,
    settings,
    submit,
)
from tests.staff_support import PROVIDER_A, csrf_token, make_account, sign_in
from tests.web.test_delivery import refer_through_the_form


def plain(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?tls=none"


@pytest.fixture
def database(app):
    return app.extensions["portal.database"]


def _signed_in(app, role="provider", organisation=PROVIDER_A):
    client = app.test_client()
    assert sign_in(client, make_account(app, role, organisation)).status_code == 302
    return client


def _delivery(database, referral, organisation_slug=PROVIDER_A) -> Delivery:
    with database.session() as session:
        return session.scalars(
            select(Delivery)
            .join(Organisation)
            .where(Delivery.referral_id == referral.id, Organisation.slug == organisation_slug)
        ).one()


def _set_mode(database, slug: str, mode: str) -> None:
    with database.session() as session:
        session.execute(
            update(Organisation).where(Organisation.slug == slug).values(delivery_mode=mode)
        )


def test_the_inbox_lists_only_the_organisations_referrals_newest_first(app, database):
    with database.session() as session:
        older = submit(session, (REFUGE,), now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        newer = submit(session, (REFUGE,))
        elsewhere = submit(session, (PANAHGHAR,))
    page = parse_page(_signed_in(app).get("/staff/referrals"))
    references = [text_of(link) for link in page.select("table a.reference")]
    assert references == [newer.reference, older.reference]
    assert elsewhere.reference not in page.get_text()
    assert "New: not yet acknowledged" in page.get_text()


def test_opening_a_referral_shows_the_safe_contact_first_and_is_audited(app, database):
    with database.session() as session:
        referral = submit(session, (REFUGE,))
    delivery = _delivery(database, referral)
    client = _signed_in(app)
    page = parse_page(client.get(f"/staff/referrals/{delivery.id}"))
    headings = [text_of(h) for h in page.select("main h2")]
    assert headings[0] == "How to contact them safely: read this first"
    assert PHONE in page.get_text() and CODE_WORD in page.get_text() and NAME in page.get_text()
    client.get(f"/staff/referrals/{delivery.id}")
    with database.session() as session:
        views = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "referral viewed", AuditEvent.subject_id == str(delivery.id)
            )
        ).all()
        assert len(views) == 2
        # The log says who opened which copy, never what it says.
        assert all(NAME not in str(view.changes) and PHONE not in view.actor for view in views)


def test_a_status_is_saved_with_time_and_who_and_closing_needs_a_reason(app, database):
    with database.session() as session:
        referral = submit(session, (REFUGE,))
    delivery = _delivery(database, referral)
    client = _signed_in(app)
    url = f"/staff/referrals/{delivery.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))

    refused = client.post(url, data={"csrf_token": token, "status": "closed"})
    assert refused.status_code == 200
    page = parse_page(refused)
    assert "Choose why the referral was closed" in text_of(page.find(id="reason-error"))
    # What was chosen is kept.
    assert page.find("input", {"name": "status", "value": "closed"}).has_attr("checked")

    for status in ("contacted", "accepted"):
        saved = client.post(url, data={"csrf_token": token, "status": status})
        assert saved.status_code == 303
    closed = client.post(url, data={"csrf_token": token, "status": "closed", "reason": "supported"})
    assert closed.status_code == 303
    history = parse_page(client.get(url)).get_text()
    for line in ("Contacted:", "Accepted for support:", "Closed (Support given):"):
        assert line in history
    with database.session() as session:
        saved = session.get(Delivery, delivery.id)
        assert saved.provider_status == "closed" and saved.closed_reason == "supported"
        assert saved.acknowledged_at is not None

    forged = client.post(url, data={"csrf_token": token, "status": "deleted"})
    assert forged.status_code == 200
    assert "Choose a status from the list" in text_of(parse_page(forged).find(id="status-error"))


def test_link_mode_mails_only_the_reference_and_a_link_that_acknowledges_after_sign_in(
    app, database
):
    _set_mode(database, PROVIDER_A, "link")
    with database.session() as session:
        referral = submit(session, (REFUGE, PANAHGHAR))
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        assert run_worker(app, plain(port)).sent == 2
    link_mail = next(m for m in mailbox.received if "wall@" in m.recipients[0])
    full_mail = next(m for m in mailbox.received if "panahghar@" in m.recipients[0])
    delivery = _delivery(database, referral)

    text = link_mail.text
    html = link_mail.message.get_body(("html",)).get_content()
    for private in (NAME, PHONE, CODE_WORD, "safe-accommodation", "Somewhere safe to stay"):
        assert private not in text and private not in html, private
    assert referral.reference in text and link_mail.message["Subject"] == (
        f"Referral {referral.reference}"
    )
    link = f"{BASE_URL}/staff/referrals/{delivery.id}/received"
    assert link in text
    # The provider with secure mail gets the referral itself, and the same kind of link.
    assert PHONE in full_mail.text and "/received" in full_mail.text

    path = link.removeprefix(BASE_URL)
    anonymous = app.test_client()
    assert anonymous.get(path).headers["Location"].startswith("/staff/sign-in?next=")
    client = _signed_in(app)
    page = client.get(path)
    assert "Mark as received" in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 303
    with database.session() as session:
        acknowledged = session.get(Delivery, delivery.id)
        assert acknowledged.acknowledged_at is not None
        assert acknowledged.provider_status == "received"


def test_an_unacknowledged_referral_is_reminded_once_then_offered_to_the_fallback(app, database):
    with database.session() as session:
        referral = submit(session, (REFUGE,))
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        assert run_worker(app, plain(port)).sent == 1
    delivery = _delivery(database, referral)
    with database.session() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id)
            .values(sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
        )

    with mail_server(mailbox) as port, SmtpTransport(parse_smtp_url(plain(port))) as transport:
        database_ = app.extensions["portal.database"]
        assert delivery_worker.send_reminders(database_, transport.send, settings()) == 1
        assert delivery_worker.send_reminders(database_, transport.send, settings()) == 0
    reminder = mailbox.received[-1]
    assert reminder.message["Subject"] == f"Reminder: referral {referral.reference}"
    assert "has not been marked as received" in reminder.text
    assert PHONE not in reminder.text and NAME not in reminder.text

    admin = _signed_in(app, "admin", None)
    dashboard = parse_page(admin.get("/admin/"))
    row = dashboard.find(id=f"delivery-{delivery.id}")
    assert "Not acknowledged: reminded" in text_of(row) and row.find("button") is None

    # Three days without a word: the dashboard offers the fallback service.
    with database.session() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id)
            .values(sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=73))
        )
    dashboard = parse_page(admin.get("/admin/"))
    row = dashboard.find(id=f"delivery-{delivery.id}")
    assert "escalate" in text_of(row)
    response = admin.post(
        f"/admin/deliveries/{delivery.id}/fallback",
        data={"csrf_token": csrf_token(str(dashboard))},
    )
    assert response.status_code == 303
    with database.session() as session:
        copies = session.scalars(select(Delivery).where(Delivery.referral_id == referral.id)).all()
        fallback = next(copy for copy in copies if copy.fallback_for_id == delivery.id)
        assert fallback.service_slug == UAVA.service and fallback.status == "pending"
    assert "Sent to the fallback service" in text_of(
        parse_page(admin.get("/admin/")).find(id=f"delivery-{delivery.id}")
    )


def test_the_dashboard_counts_referrals_per_provider_and_status(app, database):
    with database.session() as session:
        for _ in range(3):
            submit(session, (REFUGE,))
        closed = submit(session, (REFUGE, PANAHGHAR))
    with database.session() as session:
        delivery = session.scalars(
            select(Delivery)
            .join(Organisation)
            .where(Delivery.referral_id == closed.id, Organisation.slug == PROVIDER_A)
        ).one()
        delivery.provider_status = "closed"
    page = parse_page(_signed_in(app, "admin", None).get("/admin/"))
    rows = {
        text_of(tr.find("th")): [text_of(td) for td in tr.find_all("td")]
        for tr in page.select("table")[0].select("tbody tr")
    }
    # Columns: not yet acknowledged, received, contacted, accepted, unable, closed, failing.
    assert rows["Women's Aid Leicestershire Ltd"] == ["3", "0", "0", "0", "0", "1", "0"]
    assert rows["Panahghar"][0] == "1"
    assert NAME not in page.get_text()


def test_availability_is_public_as_a_status_and_the_spaces_only_for_staff(app, database):
    client = _signed_in(app)
    with database.session() as session:
        service = session.scalars(select(Service).where(Service.slug == REFUGE.service)).one()
    page = client.get("/staff/availability")
    token = csrf_token(page.get_data(as_text=True))
    url = f"/staff/availability/{service.id}"
    prefix = str(service.id)

    bad = client.post(
        url,
        data={
            f"{prefix}-csrf_token": token,
            f"{prefix}-availability": "waiting_list",
            f"{prefix}-spaces": "three",
        },
    )
    assert bad.status_code == 400
    page = parse_page(bad)
    assert "whole number" in text_of(page.find(id=f"{prefix}-spaces-error"))
    assert page.find(id=f"{prefix}-spaces")["value"] == "three"

    saved = client.post(
        url,
        data={
            f"{prefix}-csrf_token": token,
            f"{prefix}-availability": "waiting_list",
            f"{prefix}-spaces": "3",
        },
    )
    assert saved.status_code == 303
    staff_view = parse_page(client.get("/staff/availability")).find(id=f"service-{service.id}")
    assert "Waiting list: 3 spaces now" in text_of(staff_view)

    public = parse_page(app.test_client().get(f"/en/services/{REFUGE.service}"))
    main = text_of(public.find("main"))
    assert "Waiting list" in main and "3 spaces" not in main
    listing = parse_page(app.test_client().get("/en/services?area=leicester"))
    assert "Waiting list" in text_of(listing.find("main"))

    # Another provider's staff cannot set it.
    other = _signed_in(app, "provider", "panahghar")
    token = csrf_token(other.get("/staff/account").get_data(as_text=True))
    response = other.post(
        url, data={f"{prefix}-csrf_token": token, f"{prefix}-availability": "accepting"}
    )
    assert response.status_code == 404


def test_referral_content_is_not_in_the_database_file_in_clear(app, database, database_path):
    client = app.test_client()
    reference, _ = refer_through_the_form(client)
    account = make_account(app, "provider", PROVIDER_A)
    with database.session() as session:
        assert session.scalars(select(Referral).where(Referral.reference == reference)).one()
    database.dispose()  # checkpoint the WAL into the file and close it
    stored = b"".join(
        path.read_bytes() for path in database_path.parent.glob(database_path.name + "*")
    )
    assert reference.encode() in stored  # the file is the one written
    for secret in (NAME, PHONE, CODE_WORD, account.secret):
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret


def test_do_not_contact_comes_first_in_the_mail_and_in_the_inbox(app, database):
    content = answers()
    content["contact"] = {"do_not_contact": True}
    stored = {
        "referrer": "self",
        "answers": content,
        "routing": {"routes": [REFUGE.as_contract()], "signposts": []},
        "shared_with": [REFUGE.service],
    }
    with database.session() as session:
        referral = submit(session, (REFUGE,), content=stored)
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        assert run_worker(app, plain(port)).sent == 1
    text = mailbox.received[0].text
    warning = (
        f"*** DO NOT CONTACT THIS PERSON. They will contact you and quote {referral.reference}."
    )
    assert warning in text
    assert text.index(warning) < text.index("== ")  # before any of the answers
    page = parse_page(_signed_in(app).get(f"/staff/referrals/{_delivery(database, referral).id}"))
    note = page.select_one("main .urgent")
    assert "Do not contact this person." in text_of(note)
    assert note.sourceline < page.select_one("main h2").sourceline
