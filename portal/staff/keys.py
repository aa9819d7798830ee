"""Key rotation: re-encrypt every encrypted value with the first PORTAL_DATA_KEY key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.crypto import DataCipher
from portal.models import Referral, ReferralDraft, StaffUser


def rotate_data(session: Session, cipher: DataCipher) -> int:
    """Re-encrypt referral content, drafts and TOTP secrets; returns how many values. Raises
    ValueError if a value cannot be decrypted with any configured key."""
    count = 0
    for model, column in (
        (Referral, "content"),
        (ReferralDraft, "content"),
        (StaffUser, "totp_secret"),
    ):
        for record in session.scalars(select(model).where(getattr(model, column).is_not(None))):
            setattr(record, column, cipher.rotate(getattr(record, column)))
            count += 1
    return count
