"""The directory's pieces of HTML that many pages share, drawn once and kept in this process.

A page of the directory is 50 cards, the filter form and the site's layout; drawn afresh, each
costs as much as the query (bench/directory_scale.py). Each is kept in a small store
(portal/page_cache.py Fragments) by everything it is drawn from, never by time:

- a card, by the language, the service's state that day and every value the card shows (read
  with the page, queries.ListedService), so a change to the service shows on the next page;
- the filter form, by the language and the choices as the address gives them (it is a GET
  form: no CSRF token, nothing about the visitor);
- the layout around the results (templates/directory/index.html in base.html), by language
  and whether the choices have errors, with the links to this page in other languages (which
  keep the address's choices) and the versions of the static files filled in on every page.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template, request
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from portal import assets
from portal.directory.forms import DirectoryFilterForm
from portal.directory.queries import DirectoryFilter
from portal.directory.status import service_state
from portal.i18n import current_language, enabled_languages, url_in_language
from portal.page_cache import fragments

# --- cards -------------------------------------------------------------------------------


def _card_macro():
    return current_app.jinja_env.get_template("macros/services.html").module.card_body


def service_card_html(service, today) -> Markup:
    """One service's card (macros/services.html card_body), kept by what it shows.

    `service` is a queries.ListedService (or anything with a Service's attributes, drawn
    every time: only a ListedService says all that its card shows)."""
    return service_cards([service], today)[0]


def service_cards_html(services: list, today) -> Markup:
    """The cards of a page of services, one after another."""
    return Markup("").join(service_cards(services, today))


def service_cards(services: list, today) -> list[Markup]:
    """The cards of a page of services, each drawn only if not kept."""
    store = fragments("cards")
    language, root = current_language().code, request.script_root
    cards, macro = [], None
    for service in services:
        values = getattr(service, "card_key", None)
        if values is None:
            macro = macro or _card_macro()
            cards.append(macro(service, service_state(service, today)))
            continue
        # The values hold the service's state on the day (queries.ListedService.state).
        key = (language, root, values)
        card = store.get(key)
        if card is None:
            macro = macro or _card_macro()
            card = macro(service, service.state)
            store.put(key, card)
        cards.append(card)
    return cards


# --- the filter form -----------------------------------------------------------------------

FIELDS = tuple(
    name for name, value in vars(DirectoryFilterForm).items() if hasattr(value, "field_class")
)


@dataclass(frozen=True)
class Filters:
    """What the filter form made of an address: the filter, the choices for links to other
    pages of the results, whether any choice was wrong, and the form's HTML."""

    filter: DirectoryFilter
    query: dict[str, str]
    has_errors: bool
    html: Markup


def filters_from(args: MultiDict) -> Filters:
    """The filter form for the address's choices, kept by the choices and the language."""
    choices = tuple(tuple(args.getlist(name)) for name in FIELDS)
    key = (current_language().code, request.script_root, choices)
    store = fragments("filters")
    found = store.get(key)
    if found is None:
        form = DirectoryFilterForm(args)
        form.validate()
        found = Filters(
            filter=form.to_filter(),
            query=form.query(),
            has_errors=bool(form.errors),
            # A template's output, escaped as it was drawn.
            html=Markup(render_template("partials/directory_filters.html", form=form)),  # noqa: S704
        )
        store.put(key, found)
    return found


# --- the layout ----------------------------------------------------------------------------

# Stand-ins drawn into a kept layout where each page puts its own: the content, and this
# page's address in each language. NUL never appears in a template or an address.
_CONTENT = "\x00content\x00"
_MARK = re.compile("\x00(content|lang:[a-z-]+)\x00")


@dataclass(frozen=True)
class _Layout:
    parts: tuple  # text, then a stand-in's name, text, ... (odd places: stand-ins)
    # Each static file's path and when it was changed (None: missing) as the layout was
    # drawn: its fingerprint in the addresses (assets.py) is that of its content then.
    assets: tuple[tuple[str, int | None], ...]

    @property
    def current(self) -> bool:
        return all(_changed(path) == changed for path, changed in self.assets)


def _changed(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def framed(template: str, content: Markup, **context) -> str:
    """`template` (which shows `content` as {{ page_content }}) in its layout, kept by language
    and `context` (simple values the layout shows: whether the page has errors, say)."""
    key = (template, current_language().code, request.script_root, *sorted(context.items()))
    store = fragments("frames")
    layout = store.get(key)
    if layout is None or not layout.current:
        layout = _draw_layout(template, context)
        store.put(key, layout)
    addresses = _addresses_in_languages()
    out = []
    for index, part in enumerate(layout.parts):
        if not index % 2:
            out.append(part)
        elif part == "content":
            out.append(content)
        else:
            out.append(addresses[part[len("lang:") :]])
    return "".join(out)


def _draw_layout(template: str, context: dict) -> _Layout:
    drawn: dict[str, int | None] = {}

    def asset_url(filename: str) -> str:
        path = str(Path(current_app.static_folder) / filename)
        drawn[path] = _changed(path)  # before the fingerprint: a later change is seen
        return assets.asset_url(filename)

    html = render_template(
        template,
        page_content=Markup(_CONTENT),  # noqa: S704 (a constant)
        url_in_language=lambda code: f"\x00lang:{code}\x00",
        asset_url=asset_url,
        **context,
    )
    return _Layout(tuple(_MARK.split(html)), tuple(drawn.items()))


def _addresses_in_languages() -> dict[str, str]:
    """This page in each language (i18n.url_in_language), escaped for an attribute: the
    address in one language with its language swapped for each other's."""
    here = current_language().code
    address = url_in_language(here)
    prefix = f"{request.script_root}/{here}/"
    codes = [language.code for language in enabled_languages()]
    if not address.startswith(prefix):
        return {code: escape(url_in_language(code)) for code in codes}
    rest = address[len(prefix) :]
    return {code: escape(f"{request.script_root}/{code}/{rest}") for code in codes}
