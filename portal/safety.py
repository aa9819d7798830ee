"""What keeps a visit safe: security headers on every response, and the quick exit.

A browser can keep a visit in its history, cache, cookies, storage and autofill. The portal
keeps the last four empty: HTML is never stored (no-store), no cookie is set while browsing,
no script writes to storage, and the exit asks the browser to clear what this site left.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, redirect, request, session

from portal.errors import log_unexpected

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"

blueprint = Blueprint("safety", __name__)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure and current_app.config["PORTAL_HSTS"]:
        headers["Strict-Transport-Security"] = HSTS
    if response.mimetype == "text/html":
        # A page about domestic abuse must not sit in the browser's cache for someone
        # else to find. Static files carry no personal data and may be cached.
        headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/exit")
def leave():
    """End any form session, ask the browser to forget this site, go somewhere neutral."""
    # Blueprints that keep something for a form session delete it here (referral drafts).
    # Nothing may stop the exit itself: a failure is logged and the person still leaves.
    for forget in current_app.extensions.get("portal.exit_hooks", []):
        try:
            forget()
        except Exception as exc:  # noqa: BLE001
            log_unexpected(exc)
    session.clear()
    wiped = ['"cookies"', '"storage"']
    if current_app.config["PORTAL_EXIT_CLEAR_CACHE"]:
        wiped.insert(0, '"cache"')
    response = redirect(current_app.config["PORTAL_EXIT_URL"], code=303)
    response.headers["Clear-Site-Data"] = ", ".join(wiped)
    return response


@blueprint.get("/")
def root():
    # No language negotiation from headers: / always leads to English (see i18n.py).
    return redirect("/en/", code=302)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.after_request(add_security_headers)
