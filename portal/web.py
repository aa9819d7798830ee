"""Small helpers the views share: the request's database session, today, htmx targets."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, g, redirect, request
from sqlalchemy.orm import Session


def db_session() -> Session:
    """One session per request, closed at teardown (see create_app)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["portal.database"].sessions()
    return g.db_session


def today() -> dt.date:
    """The date the directory is judged on; tests pin it with the PORTAL_TODAY setting."""
    return current_app.config.get("PORTAL_TODAY") or dt.date.today()


def requested_page() -> int:
    """The page of results the address asks for (?page=N); 1 if it names none or nonsense.
    The query clamps a page past the end to the last one."""
    number = request.args.get("page", type=int)
    return number if number is not None and number >= 1 else 1


def wants_fragment(target_id: str) -> bool:
    """True when htmx asked to swap only the element with this id (HX-Target: tag#id).

    Deciding on the target rather than HX-Request alone keeps history restores and boosted
    links, which target the body, getting whole pages.
    """
    if request.headers.get("HX-Request") != "true":
        return False
    target = request.headers.get("HX-Target", "")
    return target.rpartition("#")[2] == target_id


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def cipher():
    return current_app.extensions["portal.cipher"]


def leave_for_page(url: str, target_id: str) -> Response:
    """Go on to a whole page (not another fragment) after a form posted into `target_id`.

    Without JavaScript that is the usual 303. htmx would follow a 303 itself and swap the
    whole page into the fragment, so it is told to load the page instead (HX-Redirect).
    """
    if wants_fragment(target_id):
        response = Response(status=200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def not_a_post() -> bool:
    """For rate limits that count only posts (exempt_when): reading a page costs nothing."""
    return request.method != "POST"
