"""Staff accounts for tests: made directly in the database with a known password and TOTP
key, and signed in through the real pages (password, then a code from that key)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
import uuid
from dataclasses import dataclass, field

import pyotp
from sqlalchemy import select

from portal.models import Organisation, StaffUser
from portal.staff import passwords

PASSWORD = "correct horse battery staple"
# Two providers that both appear in the demo directory, and whose referrals differ.
PROVIDER_A = "wall"
PROVIDER_B = "panahghar"


@dataclass
class Account:
    id: uuid.UUID
    email: str
    password: str
    secret: str
    role: str
    organisation_id: uuid.UUID | None
    last_step: int = field(default=-1, repr=False)

    def code(self) -> str:
        """A code the portal will take now. A code works once, and the portal takes the
        previous, current and next 30-second step: each call uses the next unused step,
        waiting for the clock when all three are spent."""
        totp = pyotp.TOTP(self.secret)
        current = int(time.time()) // totp.interval
        step = max(current - 1, self.last_step + 1)
        if step > current + 1:
            time.sleep((current + 1) * totp.interval - time.time() + 0.1)
        self.last_step = step
        return totp.at(step * totp.interval)


@functools.cache
def _password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared test password once per test run."""
    return passwords.hash_password(PASSWORD)


def make_account(
    app, role: str, organisation: str | None = None, email: str | None = None
) -> Account:
    database = app.extensions["portal.database"]
    cipher = app.extensions["portal.cipher"]
    secret = pyotp.random_base32()
    email = email or f"{role}-{organisation or 'llr'}-{uuid.uuid4().hex[:6]}@example.org"
    with database.session() as session:
        organisation_id = None
        if organisation is not None:
            organisation_id = session.scalars(
                select(Organisation.id).where(Organisation.slug == organisation)
            ).one()
        user = StaffUser(
            id=uuid.uuid4(),
            email=email,
            name=f"{role.title()} of {organisation or 'LLR'}",
            role=role,
            organisation_id=organisation_id,
            password_hash=_password_hash(),
            totp_secret=cipher.encrypt({"secret": secret}),
            failed_attempts=0,
            active=True,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(user)
    return Account(user.id, email, PASSWORD, secret, role, organisation_id)


def csrf_token(html: str) -> str:
    """The page's CSRF token (one per session; a form with a prefix names it
    "<prefix>-csrf_token")."""
    name = r'name="(?:[\w-]+-)?csrf_token"'
    match = re.search(name + r'[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*' + name, html
    )
    assert match, "the page has a CSRF token"
    return match.group(1)


def sign_in(client, account: Account, code: str | None = None):
    """Sign in through the pages; returns the response to the code step (a redirect on
    success)."""
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": account.email,
            "password": account.password,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get("/staff/sign-in/code")
    return client.post(
        "/staff/sign-in/code",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "code": code or account.code(),
        },
    )
