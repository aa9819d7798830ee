"""Directory pages: the filterable list of services and one service's page."""

from __future__ import annotations

from flask import abort, make_response, render_template, request
from markupsafe import Markup

from portal.directory import queries
from portal.directory.cards import filters_from, framed, service_card_html, service_cards_html
from portal.directory.present import (
    area_labels,
    english,
    english_parts,
    kind_label,
    language_marks,
    localised,
    service_facts,
    source_citations,
)
from portal.directory.status import service_state
from portal.i18n import localised_blueprint
from portal.page_cache import public_page
from portal.web import db_session, requested_page, today, wants_fragment

blueprint = localised_blueprint("directory", __name__, "/services")
for helper in (
    service_facts,
    area_labels,
    kind_label,
    source_citations,
    service_state,
    localised,
    language_marks,
    english,
    english_parts,
    service_card_html,
    service_cards_html,
):
    blueprint.add_app_template_global(helper)

# htmx swaps this element: the filters with their messages and the results, morphed in place
# so focus and what was typed survive.
FRAGMENT_ID = "directory"


@blueprint.get("")
@public_page
def index():
    filters = filters_from(request.args)
    found = queries.find_service_page(db_session(), filters.filter, today(), requested_page())
    body = render_template(
        "partials/directory_body.html",
        filters=filters.html,
        found=found,
        page_args=filters.query,
        today=today(),
    )
    if not wants_fragment(FRAGMENT_ID):
        # The body is a template's output, escaped as it was drawn.
        body = framed("directory/index.html", Markup(body), has_errors=filters.has_errors)  # noqa: S704
    response = make_response(body)
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


@blueprint.get("/<slug>")
@public_page
def service(slug: str):
    session = db_session()
    found = queries.get_service(session, slug)
    if found is None:
        abort(404)
    return render_template(
        "directory/service.html",
        service=found,
        state=service_state(found, today()),
        others=queries.other_services(session, found),
        today=today(),
    )
