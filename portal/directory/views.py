"""Directory pages: the filterable list of services and one service's page."""

from __future__ import annotations

from flask import abort, make_response, render_template, request

from portal.directory import queries
from portal.directory.forms import DirectoryFilterForm
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
):
    blueprint.add_app_template_global(helper)

# htmx swaps this element: the filters with their messages and the results, morphed in place
# so focus and what was typed survive.
FRAGMENT_ID = "directory"


@blueprint.get("")
@public_page
def index():
    form = DirectoryFilterForm(request.args)
    form.validate()
    found = queries.find_service_page(db_session(), form.to_filter(), today(), requested_page())
    template = (
        "partials/directory_body.html" if wants_fragment(FRAGMENT_ID) else ("directory/index.html")
    )
    response = make_response(
        render_template(template, form=form, found=found, page_args=form.query(), today=today())
    )
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
