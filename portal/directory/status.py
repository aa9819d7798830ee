"""Whether a service is open, ended, or needs checking — decided from its data and a date.

Kept apart from the database and Flask so the directory, routing and the feed all agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class HasStatus(Protocol):
    status: str
    ended_on: dt.date | None
    funded_until: dt.date | None


def service_state(service: HasStatus, today: dt.date) -> str:
    """'ended', 'unconfirmed' (its recorded funding term has passed) or 'open'."""
    if service.status == "ended" or (service.ended_on is not None and service.ended_on < today):
        return "ended"
    if service.funded_until is not None and service.funded_until < today:
        return "unconfirmed"
    return "open"
