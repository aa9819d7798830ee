"""The commands a fresh install starts the staff side with: create-admin prints a one-time
invitation link; rotate-data-key re-encrypts with a new key so the old one can go."""

from __future__ import annotations

import re

from cryptography.fernet import Fernet
from sqlalchemy import select

from portal import create_app
from portal.models import AuditEvent, Referral, StaffInvite
from tests.conftest import TEST_DATA_KEY
from tests.delivery_support import NAME, submit
from tests.staff_support import PROVIDER_A, make_account, sign_in


def test_create_admin_prints_an_invitation_link_that_opens_the_account_page(app, runner):
    app.config["PORTAL_BASE_URL"] = "https://portal.example.org"
    with app.app_context():
        result = runner.invoke(
            args=["create-admin", "--email", "Ann@Example.org", "--name", "Ann Admin"]
        )
    assert result.exit_code == 0, result.output
    link = re.search(r"https://portal\.example\.org(/staff/invitation/\S+)", result.output)
    assert link, result.output
    page = app.test_client().get(link.group(1))
    assert page.status_code == 200 and "invited as an administrator" in page.get_data(as_text=True)
    with app.extensions["portal.database"].session() as session:
        invitation = session.scalars(select(StaffInvite)).one()
        assert invitation.email == "ann@example.org" and invitation.role == "admin"
        # Only a hash of the link's secret is kept.
        assert link.group(1).rsplit("/", 1)[1] not in invitation.token_hash
        logged = session.scalars(select(AuditEvent).where(AuditEvent.action == "invited")).one()
        assert logged.actor == "create-admin command"


def test_create_admin_refuses_a_bad_address_in_one_line(app, runner):
    with app.app_context():
        result = runner.invoke(args=["create-admin", "--email", "ann", "--name", "Ann"])
    assert result.exit_code != 0
    assert (
        result.output.startswith("Error: cannot invite 'ann'") and "Traceback" not in result.output
    )


def test_deliver_without_the_portal_address_says_what_to_set(app, runner):
    app.config["PORTAL_SMTP_URL"] = "smtp://127.0.0.1:2525?tls=none"
    app.config["PORTAL_BASE_URL"] = ""
    with app.app_context():
        result = runner.invoke(args=["deliver", "--once"])
    assert result.exit_code != 0 and "PORTAL_BASE_URL must be set" in result.output


def test_a_new_data_key_takes_over_and_the_old_one_can_then_be_dropped(
    app, runner, app_config, monkeypatch
):
    database = app.extensions["portal.database"]
    with database.session() as session:
        referral = submit(session)
    account = make_account(app, "provider", PROVIDER_A)
    new_key = Fernet.generate_key().decode()

    monkeypatch.setenv("PORTAL_DATA_KEY", f"{new_key},{TEST_DATA_KEY}")
    both = create_app({**app_config, "PORTAL_DATA_KEY": f"{new_key},{TEST_DATA_KEY}"})
    with both.app_context():
        result = both.test_cli_runner().invoke(args=["rotate-data-key"])
    assert result.exit_code == 0 and "2 encrypted values re-encrypted" in result.output
    both.extensions["portal.database"].dispose()

    only_new = create_app({**app_config, "PORTAL_DATA_KEY": new_key})
    cipher = only_new.extensions["portal.cipher"]
    with only_new.extensions["portal.database"].session() as session:
        stored = session.get(Referral, referral.id)
        assert cipher.decrypt(stored.content)["answers"]["about-you"]["name"] == NAME
    # The provider still signs in: the authenticator key was re-encrypted too.
    assert sign_in(only_new.test_client(), account).status_code == 302
    only_new.extensions["portal.database"].dispose()
