"""Staff accounts without Flask: a code works once, even when two sign-ins race with it."""

from __future__ import annotations

import datetime as dt
import uuid

import pyotp

from portal.database import Database
from portal.models import StaffUser
from portal.staff import accounts, passwords
from tests.conftest import sqlite_url
from tests.delivery_support import cipher

POLICY = accounts.Policy()


def _user(session, secret: str, password: str = "x") -> StaffUser:
    user = StaffUser(
        id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:8]}@example.org",
        name="Racer",
        role="admin",
        password_hash=passwords.hash_password(password),
        totp_secret=cipher().encrypt({"secret": secret}),
        failed_attempts=0,
        active=True,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(user)
    session.commit()
    return user


def test_two_sign_ins_racing_with_one_code_do_not_both_get_in(database_path):
    database = Database(sqlite_url(database_path))
    secret = pyotp.random_base32()
    now = dt.datetime.now(dt.UTC)
    code = pyotp.TOTP(secret).at(now)
    try:
        with database.session() as setup:
            user_id = _user(setup, secret).id
        first, second = database.sessions(), database.sessions()
        # Both have read the account before either has used the code.
        one, two = first.get(StaffUser, user_id), second.get(StaffUser, user_id)
        assert accounts.check_second_factor(first, cipher(), one, code, now, POLICY)
        first.commit()
        assert not accounts.check_second_factor(second, cipher(), two, code, now, POLICY)
        second.commit()
        first.close()
        second.close()
    finally:
        database.dispose()
