"""Signing in to the staff side: a password and then a code from an authenticator app,
locked after repeated wrong tries, throttled per address, sessions that end when idle, at
sign-out, everywhere at once, and invitations that work once."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from portal.models import AuditEvent, StaffSession, StaffUser
from portal.staff import passwords
from tests.conftest import parse_page, text_of
from tests.delivery_support import NAME, PHONE, REFUGE, submit
from tests.staff_support import PROVIDER_A, csrf_token, make_account, sign_in


def _password_step(client, email: str, password: str):
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": email,
            "password": password,
        },
    )


def _field_error(response, field: str) -> str:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.find(id=f"{field}-error")
    return text_of(error) if error else ""


def test_the_password_alone_does_not_open_the_inbox(app, client):
    account = make_account(app, "provider", PROVIDER_A)
    response = _password_step(client, account.email, account.password)
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/staff/sign-in/code"
    )
    inbox = client.get("/staff/referrals")
    assert inbox.status_code == 302 and inbox.headers["Location"].startswith("/staff/sign-in")

    response = sign_in(app.test_client(), account)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/referrals"


def test_a_wrong_code_is_refused_next_to_the_field_and_a_code_works_only_once(app):
    account = make_account(app, "provider", PROVIDER_A)
    wrong = sign_in(app.test_client(), account, code="000000")
    assert wrong.status_code == 200
    assert "That code did not work" in _field_error(wrong, "code")

    code = account.code()
    first = app.test_client()
    assert sign_in(first, account, code=code).status_code == 302
    replayed = sign_in(app.test_client(), account, code=code)
    assert replayed.status_code == 200 and "each code works once" in _field_error(replayed, "code")


def test_five_wrong_passwords_lock_the_account_and_the_page_does_not_say_so(app, client, db):
    account = make_account(app, "provider", PROVIDER_A)
    for _ in range(5):
        response = _password_step(client, account.email, "not the password at all")
        assert response.status_code == 200
    nobody = _password_step(client, "nobody@example.org", "not the password at all")
    # The right password now fails too, with the same words as for an unknown address.
    locked = _password_step(client, account.email, account.password)
    assert locked.status_code == 200
    assert _field_error(locked, "password") == _field_error(nobody, "password")
    assert "Those details did not work" in _field_error(locked, "password")

    # Fifteen minutes later it works again.
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == account.id)
        .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    db.commit()
    assert sign_in(app.test_client(), account).status_code == 302
    failures = db.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_id == str(account.id),
            AuditEvent.action == "sign-in failed (password)",
        )
    ).all()
    assert len(failures) == 5
    locked_events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_id == str(account.id), AuditEvent.action == "account locked"
        )
    ).all()
    assert len(locked_events) == 1


def test_sign_in_attempts_from_one_address_are_throttled(app_config, monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", app_config["SECRET_KEY"])
    monkeypatch.setenv("PORTAL_DATA_KEY", app_config["PORTAL_DATA_KEY"])
    monkeypatch.setenv("PORTAL_SIGN_IN_LIMIT", "3 per minute")
    app = create_app(app_config)
    client = app.test_client()
    statuses = [
        _password_step(client, f"x{i}@example.org", "wrong password!").status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Reading the page is not limited: only attempts are.
    assert client.get("/staff/sign-in").status_code == 200
    app.extensions["portal.database"].dispose()


def test_the_session_cookie_is_strict_http_only_secure_and_ends_with_the_browser(app):
    account = make_account(app, "admin")
    client = app.test_client()
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": account.email,
            "password": account.password,
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie, cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_an_idle_session_ends_and_signing_out_ends_it_on_the_server(app, db):
    account = make_account(app, "provider", PROVIDER_A)
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    assert client.get("/staff/referrals").status_code == 200
    db.execute(
        update(StaffSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    )
    db.commit()
    assert client.get("/staff/referrals").status_code == 302

    # A copy of the cookie taken before sign-out is worth nothing after it.
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    stolen = client.get_cookie("__Host-portal-session").value
    token = csrf_token(client.get("/staff/account").get_data(as_text=True))
    signed_out = client.post("/staff/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 303
    assert signed_out.headers["Clear-Site-Data"] == '"cache", "storage"'
    thief = app.test_client()
    thief.set_cookie("__Host-portal-session", stolen)
    assert thief.get("/staff/referrals").status_code == 302


def test_sign_out_everywhere_ends_every_browser_of_that_person_only(app):
    account = make_account(app, "provider", PROVIDER_A)
    colleague = make_account(app, "provider", PROVIDER_A)
    phone, laptop, theirs = app.test_client(), app.test_client(), app.test_client()
    for client, who in ((phone, account), (laptop, account), (theirs, colleague)):
        assert sign_in(client, who).status_code == 302
    token = csrf_token(laptop.get("/staff/account").get_data(as_text=True))
    assert laptop.post("/staff/sign-out-everywhere", data={"csrf_token": token}).status_code == 303
    assert phone.get("/staff/referrals").status_code == 302
    assert laptop.get("/staff/referrals").status_code == 302
    assert theirs.get("/staff/referrals").status_code == 200


def test_after_sign_in_only_a_path_on_this_site_is_followed(app):
    for next_url, landing in (
        ("/admin/audit", "/admin/audit"),
        ("//evil.example/phish", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
    ):
        account = make_account(app, "admin")  # a code works once: one account each
        client = app.test_client()
        page = client.get("/staff/sign-in", query_string={"next": next_url})
        client.post(
            "/staff/sign-in",
            query_string={"next": next_url},
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "email": account.email,
                "password": account.password,
            },
        )
        code_page = client.get("/staff/sign-in/code", query_string={"next": next_url})
        response = client.post(
            "/staff/sign-in/code",
            query_string={"next": next_url},
            data={
                "csrf_token": csrf_token(code_page.get_data(as_text=True)),
                "code": account.code(),
            },
        )
        assert response.headers["Location"] == landing, next_url


def test_an_invitation_makes_an_account_with_a_second_factor_and_works_once(app, db):
    admin = make_account(app, "admin")
    client = app.test_client()
    assert sign_in(client, admin).status_code == 302
    page = client.get("/admin/staff")
    response = client.post(
        "/admin/staff",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "name": "Priya Provider",
            "email": "Priya.Provider@Example.org",
            "role": "provider",
            "organisation": PROVIDER_A,
        },
    )
    assert response.status_code == 200
    link = parse_page(response).find(id="invitation-link").get_text(strip=True)
    path = re.sub(r"^https?://[^/]+", "", link)

    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200 and "Priya Provider" in form.get_data(as_text=True)
    weak = newcomer.post(
        path,
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "password": "short",
            "confirm": "short",
        },
    )
    assert weak.status_code == 200 and "at least 12 characters" in _field_error(weak, "password")
    chosen = "lantern meadow copper quietly"
    made = newcomer.post(
        path,
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "password": chosen,
            "confirm": chosen,
        },
    )
    assert made.status_code == 303 and made.headers["Location"] == "/staff/sign-in/set-up"

    set_up = parse_page(newcomer.get("/staff/sign-in/set-up"))
    secret = set_up.find(id="totp-secret").get_text(strip=True).replace(" ", "")
    done = newcomer.post(
        "/staff/sign-in/set-up",
        data={"csrf_token": csrf_token(str(set_up)), "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/staff/referrals"
    assert newcomer.get("/staff/referrals").status_code == 200
    user = db.scalars(
        select(StaffUser).where(StaffUser.email == "priya.provider@example.org")
    ).one()
    assert user.role == "provider" and user.totp_secret is not None
    # The key is stored encrypted, not as the text the app was given.
    assert secret.encode() not in user.totp_secret

    assert app.test_client().get(path).status_code == 404


def test_the_quick_exit_signs_a_member_of_staff_out_on_the_server(app):
    account = make_account(app, "provider", PROVIDER_A)
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    cookie = client.get_cookie("__Host-portal-session").value
    assert client.get("/exit").status_code == 303
    again = app.test_client()
    again.set_cookie("__Host-portal-session", cookie)
    assert again.get("/staff/referrals").status_code == 302


def test_signing_in_and_reading_a_referral_log_nothing_personal(app, caplog):
    caplog.set_level("DEBUG")
    with app.extensions["portal.database"].session() as session:
        referral = submit(session, (REFUGE,))
    account = make_account(app, "provider", PROVIDER_A)
    client = app.test_client()
    _password_step(client, account.email, "a wrong password typed here")
    assert sign_in(client, account).status_code == 302
    inbox = parse_page(client.get("/staff/referrals"))
    client.get(inbox.select_one("table a.reference")["href"])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for private in (account.email, account.password, "a wrong password typed here", NAME, PHONE):
        assert private not in logged, private
    assert referral.reference not in logged


def test_a_password_is_taken_exactly_as_typed_spaces_and_all(app, client, db):
    account = make_account(app, "provider", PROVIDER_A)
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == account.id)
        .values(password_hash=passwords.hash_password("  spaced out phrase  "))
    )
    db.commit()
    assert _password_step(client, account.email, "spaced out phrase").status_code == 200
    assert _password_step(client, account.email, "  spaced out phrase  ").status_code == 302


def test_changing_the_password_needs_the_old_one_and_a_code_and_ends_other_sessions(app):
    account = make_account(app, "provider", PROVIDER_A)
    here, elsewhere = app.test_client(), app.test_client()
    assert sign_in(here, account).status_code == 302
    assert sign_in(elsewhere, account).status_code == 302
    page = here.get("/staff/account/password")
    token = csrf_token(page.get_data(as_text=True))
    new = "quiet harbour lantern seven"
    wrong = here.post(
        "/staff/account/password",
        data={
            "csrf_token": token,
            "current": "not my password at all",
            "password": new,
            "confirm": new,
            "code": account.code(),
        },
    )
    assert "That is not your current password" in _field_error(wrong, "current")
    changed = here.post(
        "/staff/account/password",
        data={
            "csrf_token": token,
            "current": account.password,
            "password": new,
            "confirm": new,
            "code": account.code(),
        },
    )
    assert changed.status_code == 303
    assert here.get("/staff/referrals").status_code == 200
    assert elsewhere.get("/staff/referrals").status_code == 302
    assert _password_step(app.test_client(), account.email, account.password).status_code == 200
    assert _password_step(app.test_client(), account.email, new).status_code == 302


def test_a_lost_phone_is_a_reset_sign_in_that_keeps_the_account(app, db):
    person = make_account(app, "provider", PROVIDER_A)
    theirs = app.test_client()
    assert sign_in(theirs, person).status_code == 302
    admin = app.test_client()
    assert sign_in(admin, make_account(app, "admin")).status_code == 302
    token = csrf_token(admin.get("/admin/staff").get_data(as_text=True))
    response = admin.post(f"/admin/staff/{person.id}/invite-again", data={"csrf_token": token})
    assert response.status_code == 200
    # The old sessions end at once, and the old key no longer works.
    assert theirs.get("/staff/referrals").status_code == 302
    link = parse_page(response).find(id="invitation-link").get_text(strip=True)
    path = re.sub(r"^https?://[^/]+", "", link)

    newcomer = app.test_client()
    form = newcomer.get(path)
    chosen = "copper meadow lantern again"
    made = newcomer.post(
        path,
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "password": chosen,
            "confirm": chosen,
        },
    )
    assert made.headers["Location"] == "/staff/sign-in/set-up"
    set_up = parse_page(newcomer.get("/staff/sign-in/set-up"))
    secret = set_up.find(id="totp-secret").get_text(strip=True).replace(" ", "")
    assert secret != person.secret
    done = newcomer.post(
        "/staff/sign-in/set-up",
        data={"csrf_token": csrf_token(str(set_up)), "code": pyotp.TOTP(secret).now()},
    )
    assert done.headers["Location"] == "/staff/referrals"
    accounts_with_that_address = db.scalars(
        select(StaffUser).where(StaffUser.email == person.email)
    ).all()
    assert [user.id for user in accounts_with_that_address] == [person.id]


def test_a_session_ends_after_twelve_hours_however_active(app, db):
    account = make_account(app, "provider", PROVIDER_A)
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    db.execute(
        update(StaffSession).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=12, minutes=1),
            last_seen_at=dt.datetime.now(dt.UTC),
        )
    )
    db.commit()
    assert client.get("/staff/referrals").status_code == 302
