"""The home page and the pages a UK public service must have."""

from __future__ import annotations

from flask import render_template

from portal import vocab
from portal.i18n import localised_blueprint
from portal.page_cache import public_page

blueprint = localised_blueprint("pages", __name__)

# The "who are you" shortcuts on the home page, as directory filters.
WHO_SHORTCUTS = (
    ("bme", {"specialism": "bme"}),
    ("lgbt", {"specialism": "lgbt"}),
    ("grt", {"specialism": "grt"}),
    ("men", {"men": "y"}),
    ("young-people", {"specialism": "young-people"}),
    ("nrpf", {"nrpf": "y"}),
)


@blueprint.get("/")
@public_page
def home():
    return render_template(
        "pages/home.html", needs=vocab.NEEDS, who_shortcuts=WHO_SHORTCUTS, vocab=vocab
    )


@blueprint.get("/staying-safe-online")
@public_page
def staying_safe():
    return render_template("pages/staying_safe.html")


@blueprint.get("/privacy")
@public_page
def privacy():
    return render_template("pages/privacy.html")


@blueprint.get("/accessibility")
@public_page
def accessibility():
    return render_template("pages/accessibility.html")
