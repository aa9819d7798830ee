"""Professional pathways: a page per situation, and the pathway finder."""

from __future__ import annotations

import dataclasses

from flask import abort, render_template, request, url_for

from portal import routing, vocab
from portal.directory import queries
from portal.directory.helplines import helpline, routing_helplines
from portal.i18n import localised_blueprint
from portal.page_cache import public_page
from portal.pathways.catalogue import BY_SLUG, PATHWAYS
from portal.pathways.forms import FinderForm
from portal.web import db_session, requested_page, today

blueprint = localised_blueprint("pathways", __name__, "/pathways")


@blueprint.get("")
@public_page
def index():
    return render_template("pathways/index.html", pathways=PATHWAYS)


@blueprint.get("/finder")
@public_page
def finder():
    form = FinderForm(request.args)
    decision = services = None
    if form.is_filled() and form.validate():
        facts = queries.routing_services(db_session(), today())
        decision = routing.decide(form.referral(), facts, routing_helplines())
        services = queries.get_services(db_session(), [route.service for route in decision.routes])
    return render_template(
        "pathways/finder.html",
        form=form,
        decision=decision,
        services=services,
        refer_url=url_for("referrals.professional_start", **request.args.to_dict(flat=False))
        if decision
        else None,
        page_has_errors=bool(form.errors),
    )


@blueprint.get("/<slug>")
@public_page
def pathway(slug: str):
    chosen = BY_SLUG.get(slug)
    if chosen is None:
        abort(404)
    area = request.args.get("area") or None
    if area is not None and area not in vocab.AREAS:
        area = None  # an unknown area in the address shows every area, as the form does
    wanted = dataclasses.replace(chosen.services, area=area)
    return render_template(
        "pathways/pathway.html",
        pathway=chosen,
        area=area,
        found=queries.find_service_page(db_session(), wanted, today(), requested_page()),
        page_args={"slug": chosen.slug, "area": area},
        today=today(),
        helplines=[helpline(slug) for slug in chosen.helplines],
        finder_url=url_for("pathways.finder", **_finder_query(chosen, area)),
    )


def _finder_query(chosen, area: str | None) -> dict:
    """The finder's address, started with this pathway's situation (and area)."""
    return {**chosen.finder, **({"area": area} if area else {})}
