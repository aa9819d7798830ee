"""Who is signed in, and who may use each staff and admin page.

Each view says who may use it with `@requires(...)`: "staff" (anyone signed in), "provider"
(a provider's staff) or "admin" (commissioners). Someone not signed in is sent to sign in;
someone signed in without the right role gets 403. A referral that belongs to another
organisation is answered 404, the same as one that does not exist, so that ids reveal
nothing. tests/web/test_authorisation.py walks every route and holds each to its rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from portal.models import StaffSession, StaffUser
from portal.staff.accounts import Policy, find_session
from portal.web import db_session, now

log = logging.getLogger(__name__)
SESSION_TOKEN = "staff"  # noqa: S105 - the session key, not a secret


def policy() -> Policy:
    config = current_app.config
    return Policy(
        lockout_attempts=config["PORTAL_LOCKOUT_ATTEMPTS"],
        lockout=dt.timedelta(minutes=config["PORTAL_LOCKOUT_MINUTES"]),
        idle=dt.timedelta(minutes=config["PORTAL_STAFF_IDLE_MINUTES"]),
    )


def post_limit() -> str:
    """The rate limit on staff and admin posts (sign-in has its own, stricter one)."""
    return current_app.config["PORTAL_STAFF_POST_LIMIT"]


def staff_session() -> StaffSession | None:
    """This browser's session, whether or not the second factor is done yet."""
    if "staff_session" not in g:
        g.staff_session = find_session(db_session(), session.get(SESSION_TOKEN), now(), policy())
    return g.staff_session


def current_staff() -> StaffUser | None:
    """The signed-in member of staff (password and second factor both done), or None."""
    found = staff_session()
    return found.user if found is not None and found.second_factor else None


def safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in; never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def requires(role: str):
    """Let the view run only for signed-in staff with this role ("staff": any)."""
    if role not in {"staff", "provider", "admin"}:
        raise ValueError(role)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_staff()
            if user is None:
                if request.method != "GET":
                    abort(401)
                return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
            if role != "staff" and user.role != role:
                # Who tried what, never what a page holds: for spotting a probing account.
                log.warning(
                    "access refused: %s staff %s to %s", user.role, user.id, request.endpoint
                )
                abort(403)
            return view(*args, **kwargs)

        guarded.required_role = role
        return guarded

    return decorate
