"""Keeping referrals: drafts while a form is filled in, then the referral and its deliveries,
written together in one transaction so a referral never exists without its deliveries.
No Flask here: the views, the worker and the tests call these with a session and a cipher."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.crypto import DataCipher
from portal.models import Delivery, Organisation, Referral, ReferralDraft
from portal.routing import Route

# Crockford's base32 without I, L, O, U: nothing to misread over the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"LLR-{code[:4]}-{code[4:]}"


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


# --- drafts -----------------------------------------------------------------------------


def create_draft(
    session: Session, cipher: DataCipher, referrer: str, now: dt.datetime
) -> ReferralDraft:
    draft = ReferralDraft(referrer=referrer, content=cipher.encrypt({}), updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def load_draft(
    session: Session,
    cipher: DataCipher,
    draft_id: uuid.UUID,
    now: dt.datetime,
    lifetime: dt.timedelta,
) -> tuple[ReferralDraft, dict] | None:
    """The draft and its answers, or None if it is gone or was left too long."""
    draft = session.get(ReferralDraft, draft_id)
    if draft is None:
        return None
    if draft.updated_at < now - lifetime:
        session.delete(draft)
        return None
    return draft, cipher.decrypt(draft.content)


def save_draft(
    session: Session, cipher: DataCipher, draft: ReferralDraft, answers: dict, now: dt.datetime
) -> None:
    draft.content = cipher.encrypt(answers)
    draft.updated_at = now


def delete_draft(session: Session, draft_id: uuid.UUID) -> None:
    session.execute(delete(ReferralDraft).where(ReferralDraft.id == draft_id))


def purge_drafts(session: Session, now: dt.datetime, lifetime: dt.timedelta) -> int:
    result = session.execute(delete(ReferralDraft).where(ReferralDraft.updated_at < now - lifetime))
    return result.rowcount or 0


# --- sending ----------------------------------------------------------------------------


def sent_content(cipher: DataCipher, referral: Referral) -> dict | None:
    """What was sent, while it is kept (None once purged)."""
    return cipher.decrypt(referral.content) if referral.content is not None else None


def find_by_submission_key(session: Session, submission_key: str) -> Referral | None:
    return session.scalars(
        select(Referral).where(Referral.submission_key == submission_key)
    ).one_or_none()


def submit(
    session: Session,
    cipher: DataCipher,
    *,
    referrer: str,
    language: str,
    content: dict,
    routes: Sequence[Route],
    submission_key: str,
    now: dt.datetime,
) -> Referral:
    """Store the referral and one delivery per route, in one transaction (committed here).

    The same submission key always gives back the same referral: a double click, a
    resubmitted form or two racing requests make one referral, never two.
    """
    existing = find_by_submission_key(session, submission_key)
    if existing is not None:
        return existing
    organisations = {
        org.slug: org
        for org in session.scalars(
            select(Organisation).where(Organisation.slug.in_({r.provider for r in routes}))
        )
    }
    referral = Referral(
        reference=new_reference(),
        submission_key=submission_key,
        referrer=referrer,
        language=language,
        created_at=now,
        content=cipher.encrypt(content),
    )
    session.add(referral)
    for position, route in enumerate(routes):
        session.add(
            Delivery(
                referral=referral,
                organisation_id=organisations[route.provider].id,
                # How this provider takes referrals now; kept with the copy so a later
                # change of mode does not change what was promised for this one.
                mode=organisations[route.provider].delivery_mode,
                service_slug=route.service,
                kind=route.kind,
                position=position,
                next_attempt_at=now,
                created_at=now,
            )
        )
    try:
        session.commit()
    except IntegrityError:
        # Another request with the same key won the race (or, once in a trillion, the
        # reference collided): use what is there, or try again with a new reference.
        session.rollback()
        existing = find_by_submission_key(session, submission_key)
        if existing is not None:
            return existing
        return submit(
            session,
            cipher,
            referrer=referrer,
            language=language,
            content=content,
            routes=routes,
            submission_key=submission_key,
            now=now,
        )
    return referral
