"""Error pages that still show the helplines and the exit, and never a stack trace."""

from __future__ import annotations

import logging
import traceback

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    jsonify,
    render_template,
    request,
)
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)


def _language_of_the_address() -> None:
    """An error page speaks the language of the address (/ur/no-such-page is in Urdu), even
    when no view ran to take the language from it."""
    if "lang" in g or not has_request_context():
        return
    first = request.path.lstrip("/").split("/", 1)[0]
    if first in current_app.config["PORTAL_LANGUAGES"]:
        g.lang = first


def _render(error: HTTPException):
    if has_request_context() and request.path.startswith("/api/"):
        # A program reading the API gets JSON, even for an address no view knows.
        response = jsonify(status=error.code, title=error.name, detail=error.description or "")
        response.status_code = error.code or 500
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Content-Disposition"] = 'attachment; filename="api.json"'
        return response
    _language_of_the_address()
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    return render_template(template, error=error), error.code


def log_unexpected(error: BaseException) -> None:
    """Log where it failed but not the message: a message may quote what someone typed."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s\n%s", type(error).__name__, frames)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _render(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: OperationalError | InterfaceError):
        # The database is down, unreachable, locked or out of disk: say so plainly (503),
        # with the helplines and the exit, and log which error, never its text (it can
        # hold the statement's values).
        log.error("database unavailable: %s", type(error.orig).__name__)
        return _render(ServiceUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log_unexpected(error)
        return _render(InternalServerError())
