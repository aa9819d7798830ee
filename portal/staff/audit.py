"""The audit log: who did what, when. Plain SQLAlchemy, so the views, the commands and the
worker write it the same way. Never referral content: a referral view records which
delivery was opened, not what it said."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from portal.models import AuditEvent, StaffUser


def describe(user: StaffUser | None) -> str:
    if user is None:
        return "the portal"
    organisation = f", {user.organisation.name}" if user.organisation is not None else ""
    return f"{user.name} <{user.email}> ({user.role}{organisation})"


def record(
    session: Session,
    action: str,
    *,
    by: StaffUser | None,
    now: dt.datetime,
    subject: Any = None,
    changes: dict | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """Add an event to the session (committed with the change it describes)."""
    subject_id = getattr(subject, "id", subject)
    event = AuditEvent(
        id=uuid.uuid4(),
        at=now,
        actor_id=by.id if by is not None else None,
        actor=actor or describe(by),
        action=action,
        subject_type=type(subject).__name__.lower() if hasattr(subject, "id") else None,
        subject_id=str(subject_id) if subject_id is not None else None,
        changes=changes or {},
    )
    session.add(event)
    return event


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def differences(record_: Any, values: dict) -> dict:
    """{field: [old, new]} for each value that differs from the record's."""
    changed = {}
    for name, new in values.items():
        old = getattr(record_, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
    return changed
