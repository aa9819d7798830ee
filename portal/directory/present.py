"""A service's facts in plain words: who it is for, who it is not for, what to ask about.

The words are built here, once, with placeholders for translators, and shown by the service
page and the directory cards alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import flask_babel
from flask_babel import get_locale
from markupsafe import Markup

from portal import vocab
from portal.directory.load import TRANSLATABLE, read_documents
from portal.i18n import current_language
from portal.models import Service


class Written(str):
    """Free text from the data, with the language it is written in (`lang`)."""

    lang: str

    def __new__(cls, text: str, lang: str) -> Written:
        written = super().__new__(cls, text)
        written.lang = lang
        return written


def localised(record, field: str) -> Written:
    """A record's free text in the page's language where the data has it, else in English.

    The page marks English text on a page in another language (lang="en"), so a screen
    reader pronounces it right and the reader knows why it is in English."""
    language = current_language().code
    text = (record.translations or {}).get(language, {}).get(field)
    if text:
        return Written(text, language)
    return Written(getattr(record, field) or "", "en")


def english(text: str) -> Written:
    """Text the data holds only in English (source titles, notes on the sources)."""
    return Written(text, "en")


def language_marks(text) -> Markup:
    """` lang="en" dir="ltr"` for English text on a page in another language, else nothing."""
    lang = getattr(text, "lang", None)
    page = current_language()
    if lang is None or lang == page.code:
        return Markup("")
    return Markup(' lang="%s" dir="ltr"') % lang


def english_parts(service: Service) -> bool:
    """Whether the service's page shows any of its free text only in English."""
    if current_language().code == "en":
        return False
    texts = [localised(service, field) for field in TRANSLATABLE["services"]]
    texts.append(localised(service.organisation, "description"))
    return any(text and text.lang == "en" for text in texts)


@dataclass(frozen=True)
class Fact:
    text: str
    # "for": who it takes; "not-for": who it does not; "ask": the source leaves it open.
    # "about": a neutral fact (units, security).
    sense: str


@dataclass
class Facts:
    for_: list[Fact]
    not_for: list[Fact]
    ask: list[Fact]
    about: list[Fact]

    def add(self, text: str, sense: str) -> None:
        {"for": self.for_, "not-for": self.not_for, "ask": self.ask, "about": self.about}[
            sense
        ].append(Fact(text, sense))


class Words:
    """gettext and ngettext for the page's locale, each answer kept for the next time.

    The catalogs do not change while the portal runs, and a page of cards says the same few
    things hundreds of times: through Flask-Babel, each costs a look-up of the request's
    context, as much as the rest of a card. Kept by Babel's locale, so a forced one (provider
    e-mail is always in English) is honoured."""

    _by_locale: dict[str, dict] = {}

    def __init__(self):
        self.known = Words._by_locale.setdefault(str(get_locale()), {})

    def gettext(self, message: str, **variables) -> str:
        text = self.known.get(message)
        if text is None:
            text = self.known[message] = flask_babel.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        key = (singular, plural, num)
        text = self.known.get(key)
        if text is None:
            text = self.known[key] = flask_babel.ngettext(singular, plural, num)
        return text


def kind_label(code: str) -> Markup:
    """A kind of service in the page's language, safe as a template's own words are."""
    # As _() does in a template: the catalogs are ours, so their words are not escaped.
    return Markup(Words().gettext(vocab.KINDS[code].label))  # noqa: S704


LLR_AREAS = frozenset(vocab.LLR_AREAS)
COUNTY_DISTRICTS = frozenset(vocab.COUNTY_DISTRICTS)


def area_labels(service: Service) -> list[str]:
    """Where it serves, grouping the whole sub-region and the whole county."""
    _ = Words().gettext
    areas = service.areas
    if LLR_AREAS.issubset(areas):
        return [_("All of Leicester, Leicestershire and Rutland")]
    labels = []
    if COUNTY_DISTRICTS.issubset(areas):
        labels.append(_("Leicestershire (all seven districts)"))
        areas = [a for a in areas if a not in COUNTY_DISTRICTS]
    labels += [_(vocab.AREAS[code].label) for code in areas]
    return labels


def _who(service: Service, facts: Facts, _) -> None:
    if service.accepts_women and service.accepts_men:
        facts.add(_("Women and men"), "for")
    elif service.accepts_women:
        facts.add(_("Women"), "for")
        facts.add(_("Not for men"), "not-for")
    else:
        facts.add(_("Men"), "for")
        facts.add(_("Not for women"), "not-for")
    low, high = service.min_age, service.max_age
    if low is not None and high is not None:
        facts.add(_("Ages %(low)d to %(high)d", low=low, high=high), "for")
    elif low is not None:
        facts.add(_("Aged %(age)d or over", age=low), "for")
    elif high is not None:
        facts.add(_("Up to age %(age)d", age=high), "for")
    for code in service.specialisms:
        facts.add(_("Specialist service for: %(who)s", who=_(vocab.SPECIALISMS[code].label)), "for")
    if service.eligibility_note:
        facts.add(localised(service, "eligibility_note"), "ask")
    if service.takes_from_anywhere:
        facts.add(_("Takes people from anywhere, not only from this area"), "for")


def _sons(service: Service, facts: Facts, _) -> None:
    if service.sons_no_age_limit:
        facts.add(_("Takes sons of any age"), "for")
        return
    firm, agreed = service.max_son_age, service.max_son_age_if_agreed
    if firm is None:
        return
    facts.add(_("Takes boys up to %(age)d", age=firm), "for")
    if agreed is not None:
        facts.add(_("Boys aged %(low)d to %(high)d: ask", low=firm + 1, high=agreed), "ask")
        facts.add(_("Not for families with a son over %(age)d", age=agreed), "not-for")
    else:
        facts.add(_("Not for families with a son over %(age)d", age=firm), "not-for")
    if service.son_age_note:
        facts.add(Written(service.son_age_note, "en"), "about")


def _accommodation(service: Service, facts: Facts, _, ngettext) -> None:
    if service.largest_family is not None:
        facts.add(
            ngettext(
                "Room for %(num)d person (counting you)",
                "Families of up to %(num)d people (counting you)",
                service.largest_family,
            ),
            "for",
        )
    _sons(service, facts, _)
    if service.nrpf == "yes":
        facts.add(_("Takes people with no recourse to public funds"), "for")
    elif service.nrpf == "no":
        facts.add(_("Does not take people with no recourse to public funds"), "not-for")
    elif service.nrpf == "ask":
        facts.add(_("No blanket policy on no recourse to public funds — ask"), "ask")
    if service.pets:
        if service.pet_units:
            facts.add(
                ngettext(
                    "Takes pets in %(num)d unit", "Takes pets in %(num)d units", service.pet_units
                ),
                "for",
            )
        else:
            facts.add(_("Takes pets"), "for")
    elif service.pets is False:
        facts.add(_("No pets"), "not-for")
    if service.wheelchair_units:
        facts.add(
            ngettext(
                "%(num)d wheelchair-accessible unit",
                "%(num)d wheelchair-accessible units",
                service.wheelchair_units,
            ),
            "for",
        )
    elif service.wheelchair_units == 0:
        facts.add(_("No wheelchair-accessible units"), "not-for")
    if service.units is not None:
        facts.add(ngettext("%(num)d unit", "%(num)d units", service.units), "about")
    if service.unit_types:
        facts.add(_("Type of units: %(types)s", types=service.unit_types), "about")
    if service.overnight_security is True:
        facts.add(_("Security staff on site overnight"), "about")
    elif service.overnight_security is False:
        facts.add(_("No security staff on site overnight"), "about")


def service_facts(service: Service) -> Facts:
    words = Words()
    _ = words.gettext
    facts = Facts([], [], [], [])
    _who(service, facts, _)
    _accommodation(service, facts, _, words.ngettext)
    if service.quality_standards:
        facts.add(
            _("Quality standards: %(standards)s", standards=service.quality_standards), "about"
        )
    return facts


@cache
def _documents() -> dict[str, dict]:
    return read_documents()


def source_citations(sources: list[dict]) -> list[dict]:
    """Each cited source with its document's title, publisher and date."""
    documents = _documents()
    return [{**source, "document_info": documents[source["document"]]} for source in sources]
