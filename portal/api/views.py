"""The Open Referral UK 3.0 API: JSON, GET only, in English, open to any origin.

Every answer is JSON, errors included: a bad parameter is a 400 that says what is wrong, an
unknown id a 404. The site's security headers still apply (portal/safety.py); the data is
public, so answers may be cached, and nothing here touches the session, so no cookie is set.
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from portal.api import oruk, params, queries
from portal.errors import log_unexpected
from portal.models import Service
from portal.web import db_session, today

log = logging.getLogger(__name__)

blueprint = Blueprint("oruk", __name__, url_prefix="/api/oruk")

CACHE_CONTROL = "public, max-age=300"


def _json(data: dict, status: int = 200) -> Response:
    response = current_app.json.response(data)
    response.status_code = status
    return response


def _error(status: int, title: str, detail: str) -> Response:
    # The member names of RFC 9457 problem details, served as plain application/json.
    return _json({"status": status, "title": title, "detail": detail}, status)


@blueprint.after_request
def _open_to_every_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    # A browser opening the feed saves it rather than rendering it (OWASP ASVS 14.4.2).
    response.headers["Content-Disposition"] = 'attachment; filename="api.json"'
    if response.status_code == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@blueprint.errorhandler(params.BadParameter)
def _bad_parameter(error: params.BadParameter):
    return _error(400, "Bad Request", str(error))


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _error(error.code or 500, error.name, error.description or "")


@blueprint.errorhandler(OperationalError)
@blueprint.errorhandler(InterfaceError)
def _database_unavailable(error):
    log.error("database unavailable: %s", type(error.orig).__name__)
    return _error(503, "Service Unavailable", "The directory cannot be read just now; try later.")


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception):
    log_unexpected(error)
    failure = InternalServerError()
    return _error(500, failure.name, "Something went wrong on our side.")


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _service_url(service: Service) -> str:
    return url_for("directory.service", lang="en", slug=service.slug, _external=True)


def _id(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"No {what} has this id.") from None


@blueprint.get("/")
def index():
    return _json(oruk.api_record())


@blueprint.get("/services")
def services():
    page = params.page_request(_args())
    selection = params.service_selection(_args())
    total, found = queries.find_services(db_session(), selection, today(), page.page, page.per_page)
    contents = [oruk.service_list_record(s, today(), _service_url) for s in found]
    return _json(oruk.page_record(contents, total, page.page, page.per_page))


@blueprint.get("/services/<service_id>")
def service(service_id: str):
    found = queries.get_service(db_session(), _id(service_id, "service"))
    if found is None:
        raise NotFound("No service has this id.")
    return _json(oruk.service_record(found, today(), _service_url))


@blueprint.get("/taxonomies")
def taxonomies():
    page = params.page_request(_args())
    contents = [
        oruk.taxonomy_record(t) for t in oruk.page_of(oruk.TAXONOMIES, page.page, page.per_page)
    ]
    return _json(oruk.page_record(contents, len(oruk.TAXONOMIES), page.page, page.per_page))


@blueprint.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = oruk.TAXONOMY_BY_ID.get(_id(taxonomy_id, "taxonomy"))
    if found is None:
        raise NotFound("No taxonomy has this id.")
    return _json(oruk.taxonomy_record(found))


@blueprint.get("/taxonomy_terms")
def taxonomy_terms():
    page = params.page_request(_args())
    chosen = params.taxonomy(_args())
    terms = chosen.terms if chosen is not None else oruk.TERMS
    contents = [oruk.taxonomy_term_record(t) for t in oruk.page_of(terms, page.page, page.per_page)]
    return _json(oruk.page_record(contents, len(terms), page.page, page.per_page))


@blueprint.get("/taxonomy_terms/<taxonomy_term_id>")
def taxonomy_term(taxonomy_term_id: str):
    found = oruk.TERM_BY_ID.get(_id(taxonomy_term_id, "taxonomy term"))
    if found is None:
        raise NotFound("No taxonomy term has this id.")
    return _json(oruk.taxonomy_term_record(found))


@blueprint.get("/service_at_locations")
def service_at_locations():
    # No service has a published location (refuge addresses are secret), so there is no
    # service at a location to list. The parameters are still checked, as everywhere.
    page = params.page_request(_args())
    params.service_selection(_args())
    return _json(oruk.page_record([], 0, page.page, page.per_page))
