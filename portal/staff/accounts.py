"""Staff accounts: signing in (password, then a TOTP second factor), locking out guessers,
sessions that end, and invitations. Plain SQLAlchemy and no Flask: the views and the
`create-admin` command call these, and the tests call them directly.

A session is a row keyed by the SHA-256 of a random token; the browser holds the token in
the (signed, non-persistent, SameSite=Strict) session cookie. Ending the row ends the session
wherever the cookie is, which is what "sign out everywhere" needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import pyotp
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from portal.crypto import DataCipher
from portal.models import Organisation, StaffInvite, StaffSession, StaffUser
from portal.staff import audit, passwords

ROLES = ("admin", "provider")
ISSUER = "LLR domestic abuse portal"


@dataclass(frozen=True)
class Policy:
    lockout_attempts: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    idle: dt.timedelta = dt.timedelta(minutes=30)
    # However active, a session ends after this long and the person signs in again.
    longest: dt.timedelta = dt.timedelta(hours=12)
    invite_lifetime: dt.timedelta = dt.timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """The address as stored: checked for syntax (no DNS lookup) and lower-cased."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def find_user(session: Session, email: str) -> StaffUser | None:
    try:
        email = normalise_email(email)
    except ValueError:
        return None
    return session.scalars(select(StaffUser).where(StaffUser.email == email)).one_or_none()


# --- signing in -----------------------------------------------------------------------


def _count_failure(user: StaffUser, now: dt.datetime, policy: Policy) -> None:
    user.failed_attempts += 1
    if user.failed_attempts >= policy.lockout_attempts:
        user.locked_until = now + policy.lockout
        user.failed_attempts = 0
        session = object_session(user)
        if session is not None:
            audit.record(
                session,
                "account locked",
                by=user,
                now=now,
                subject=user,
                changes={"until": user.locked_until.isoformat()},
            )


def is_locked(user: StaffUser, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def check_password(
    session: Session, email: str, password: str, now: dt.datetime, policy: Policy
) -> StaffUser | None:
    """The user if the password is right and the account is active and not locked; else None.
    Every failure looks the same to the caller, so the page cannot tell a guesser which
    addresses have accounts or which are locked."""
    user = find_user(session, email)
    usable = user is not None and user.active and not is_locked(user, now)
    right = passwords.verify(user.password_hash if usable else None, password)
    if user is None or not usable:
        return None
    if not right:
        _count_failure(user, now, policy)
        audit.record(session, "sign-in failed (password)", by=user, now=now, subject=user)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _accepted_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to (this one or either neighbour, for clock drift), if
    the code is right and newer than the last one used; else None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if last_step is not None and step <= last_step:
                return None  # a code works once
            return step
    return None


def check_second_factor(
    session: Session,
    cipher: DataCipher,
    user: StaffUser,
    code: str,
    now: dt.datetime,
    policy: Policy,
) -> bool:
    if user.totp_secret is None or is_locked(user, now) or not user.active:
        return False
    secret = cipher.decrypt(user.totp_secret)["secret"]
    step = _accepted_step(secret, code, now, user.totp_last_step)
    if step is not None:
        # Taken in one conditional UPDATE, so two sign-ins racing with the same code cannot
        # both have it.
        taken = session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == user.id,
                (StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            user.totp_last_step = step
            return True
    _count_failure(user, now, policy)
    audit.record(session, "sign-in failed (code)", by=user, now=now, subject=user)
    return False


def set_up_second_factor(
    session: Session,
    cipher: DataCipher,
    user: StaffUser,
    secret: str,
    code: str,
    now: dt.datetime,
    policy: Policy,
) -> bool:
    """Keep the new secret if the code shows the app holds it."""
    step = _accepted_step(secret, code, now, None)
    if step is None:
        _count_failure(user, now, policy)
        return False
    user.totp_secret = cipher.encrypt({"secret": secret})
    user.totp_last_step = step
    audit.record(session, "second factor set up", by=user, now=now, subject=user)
    return True


# --- sessions -------------------------------------------------------------------------


def start_session(session: Session, user: StaffUser, now: dt.datetime) -> str:
    """A new session after the password; the second factor completes it. Returns the token."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            second_factor=False,
        )
    )
    return token


def complete_session(session: Session, staff_session: StaffSession, now: dt.datetime) -> None:
    staff_session.second_factor = True
    staff_session.last_seen_at = now
    user = staff_session.user
    user.failed_attempts = 0
    user.last_sign_in_at = now
    audit.record(session, "signed in", by=user, now=now, subject=user)


def find_session(
    session: Session, token: str | None, now: dt.datetime, policy: Policy
) -> StaffSession | None:
    """The live session for this token (its user active), or None. Ends one that has been
    idle too long or has lasted too long; notes activity at most once a minute."""
    if not token:
        return None
    found = session.get(StaffSession, token_hash(token))
    if found is None or found.ended_at is not None or not found.user.active:
        return None
    if now - found.last_seen_at > policy.idle or now - found.created_at > policy.longest:
        found.ended_at = now
        session.commit()
        return None
    if now - found.last_seen_at > dt.timedelta(minutes=1):
        found.last_seen_at = now
        session.commit()
    return found


def end_session(session: Session, token: str | None, now: dt.datetime) -> None:
    if token:
        session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
            .values(ended_at=now)
        )


def end_all_sessions(session: Session, user: StaffUser, now: dt.datetime) -> int:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    audit.record(session, "signed out everywhere", by=user, now=now, subject=user)
    return result.rowcount or 0


# --- invitations ----------------------------------------------------------------------


def invite(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    organisation: Organisation | None,
    by: StaffUser | None,
    now: dt.datetime,
    policy: Policy,
    actor: str | None = None,
) -> str:
    """Record an invitation and return its one-time token (for the link)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "provider") != (organisation is not None):
        raise ValueError("provider staff belong to one organisation; administrators to none")
    email = normalise_email(email)
    existing = find_user(session, email)
    if existing is not None and existing.active:
        raise ValueError("someone with this e-mail address already has an account")
    # A new invitation replaces any earlier one for the same address.
    session.execute(
        update(StaffInvite)
        .where(StaffInvite.email == email, StaffInvite.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = StaffInvite(
        id=uuid.uuid4(),
        token_hash=token_hash(token),
        email=email,
        name=name.strip(),
        role=role,
        organisation_id=organisation.id if organisation is not None else None,
        created_by_id=by.id if by is not None else None,
        created_at=now,
        expires_at=now + policy.invite_lifetime,
    )
    session.add(invitation)
    audit.record(
        session,
        "invited",
        by=by,
        now=now,
        subject=invitation,
        changes={"email": email, "role": role, "organisation": getattr(organisation, "slug", None)},
        actor=actor,
    )
    return token


def change_password(
    session: Session,
    cipher: DataCipher,
    user: StaffUser,
    current: str,
    new: str,
    code: str,
    now: dt.datetime,
    policy: Policy,
    keep_token: str | None,
) -> str | None:
    """Change the password, proven by the current one and a fresh code. Every other session
    of this person ends. Returns a problem in words, or None when changed."""
    if not passwords.verify(user.password_hash, current):
        _count_failure(user, now, policy)
        audit.record(session, "password change failed", by=user, now=now, subject=user)
        return "current"
    if not check_second_factor(session, cipher, user, code, now, policy):
        return "code"
    user.password_hash = passwords.hash_password(new)
    session.execute(
        update(StaffSession)
        .where(
            StaffSession.user_id == user.id,
            StaffSession.ended_at.is_(None),
            StaffSession.token_hash != token_hash(keep_token or ""),
        )
        .values(ended_at=now)
    )
    audit.record(session, "password changed", by=user, now=now, subject=user)
    return None


def find_invite(session: Session, token: str, now: dt.datetime) -> StaffInvite | None:
    """The invitation if it is unused and has not expired."""
    found = session.scalars(
        select(StaffInvite).where(StaffInvite.token_hash == token_hash(token))
    ).one_or_none()
    if found is None or found.used_at is not None or found.expires_at < now:
        return None
    return found


def accept_invite(
    session: Session, invitation: StaffInvite, password: str, now: dt.datetime
) -> StaffUser:
    existing = find_user(session, invitation.email)
    if existing is not None:
        if existing.active:
            raise ValueError("someone with this e-mail address already has an account")
        # A deactivated account invited again (a lost phone, a forgotten password, someone
        # back at work): the same account, so its history stays, with a new password and a
        # new authenticator key to set up.
        existing.password_hash = passwords.hash_password(password)
        existing.totp_secret = None
        existing.totp_last_step = None
        existing.failed_attempts = 0
        existing.locked_until = None
        existing.name = invitation.name
        existing.role = invitation.role
        existing.organisation_id = invitation.organisation_id
        existing.active = True
        invitation.used_at = now
        audit.record(
            session, "account restored from invitation", by=existing, now=now, subject=existing
        )
        return existing
    user = StaffUser(
        id=uuid.uuid4(),
        email=invitation.email,
        name=invitation.name,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        password_hash=passwords.hash_password(password),
        failed_attempts=0,
        active=True,
        created_at=now,
    )
    session.add(user)
    invitation.used_at = now
    session.flush()
    audit.record(session, "account created from invitation", by=user, now=now, subject=user)
    return user
