"""The directory as Open Referral UK 3.0 records: plain dicts in the shapes of the UK profile's
compiled schemas (../shared/oruk/schema). No Flask: views pass in today's date and how to
link to a service's page, so the records can be built and tested anywhere.

Never published, whatever the data holds: an address or a map position of any service
(refuges are secret places, so no service has a location here at all), the referral e-mail
addresses, and any named person's contact details. The only phone numbers are the public
ones a service's own page shows, and none for a service that has ended.

Every id is stable: organisations and services already have ids derived from their slugs,
and everything else here (taxonomies, terms, attributes, service areas, phones, funding) is
derived the same way from names that do not change, so a partner that stored an id can
rely on it after any reload of the directory.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from portal import vocab
from portal.directory.status import service_state
from portal.models import Organisation, Service, stable_id

ORUK_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"

# ONS codes of the local authority areas, as persistent URIs for service areas.
ONS_AREA_CODES = {
    "leicester": "E06000016",
    "blaby": "E07000129",
    "charnwood": "E07000130",
    "harborough": "E07000131",
    "hinckley-and-bosworth": "E07000132",
    "melton": "E07000133",
    "north-west-leicestershire": "E07000134",
    "oadby-and-wigston": "E07000135",
    "rutland": "E06000017",
}
ONS_AREA_URI = "http://statistics.data.gov.uk/id/statistical-geography/{code}"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

ServiceUrl = Callable[[Service], str]


# --- Taxonomies: our vocabularies and eligibility facts ------------------------------------


@dataclass(frozen=True)
class TaxonomyTerm:
    taxonomy: str  # the code of its taxonomy
    code: str
    name: str
    description: str
    term_uri: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return stable_id("oruk-taxonomy-term", f"{self.taxonomy}/{self.code}")


@dataclass(frozen=True)
class Taxonomy:
    code: str
    name: str
    description: str
    # What an attribute with one of its terms says about a service (attribute.link_type).
    link_type: str
    terms: tuple[TaxonomyTerm, ...]

    @property
    def id(self) -> uuid.UUID:
        return stable_id("oruk-taxonomy", self.code)


@dataclass(frozen=True)
class EligibilityFact:
    code: str
    name: str
    description: str
    applies: Callable[[Service], bool]


# A service carries a fact only when its data states it; where the data says nothing (pets
# for a helpline, say) it carries neither the fact nor its opposite.
ELIGIBILITY_FACTS = (
    EligibilityFact("women", "Women", "Takes women.", lambda s: bool(s.accepts_women)),
    EligibilityFact("men", "Men", "Takes men.", lambda s: bool(s.accepts_men)),
    EligibilityFact(
        "from-anywhere",
        "Takes people from anywhere",
        "Takes people from anywhere, not only from the areas it serves.",
        lambda s: bool(s.takes_from_anywhere),
    ),
    *(
        EligibilityFact(
            f"nrpf-{answer.code}",
            answer.label,
            f"{answer.label}.",
            lambda s, code=answer.code: s.nrpf == code,
        )
        for answer in vocab.NRPF_ANSWERS.values()
    ),
    EligibilityFact(
        "pets", "Takes pets", "Somewhere to stay that takes pets.", lambda s: s.pets is True
    ),
    EligibilityFact(
        "no-pets",
        "No pets",
        "Somewhere to stay that does not take pets.",
        lambda s: s.pets is False,
    ),
    EligibilityFact(
        "wheelchair",
        "Wheelchair-accessible units",
        "Somewhere to stay with at least one wheelchair-accessible unit.",
        lambda s: bool(s.wheelchair_units),
    ),
    EligibilityFact(
        "no-wheelchair",
        "No wheelchair-accessible units",
        "Somewhere to stay with no wheelchair-accessible unit.",
        lambda s: s.wheelchair_units == 0,
    ),
    EligibilityFact(
        "sons-any-age",
        "Takes sons of any age",
        "Somewhere to stay with no upper age limit for sons.",
        lambda s: bool(s.sons_no_age_limit),
    ),
)
ELIGIBILITY_BY_CODE = {fact.code: fact for fact in ELIGIBILITY_FACTS}


def _area_uri(code: str) -> str | None:
    ons = ONS_AREA_CODES.get(code)
    return ONS_AREA_URI.format(code=ons) if ons else None


TAXONOMIES = (
    Taxonomy(
        "kinds",
        "Kind of service",
        "What kind of domestic abuse service it is, in the Leicester, Leicestershire and "
        "Rutland directory.",
        "service_type",
        tuple(
            TaxonomyTerm("kinds", t.code, t.label, f"A kind of service: {t.label}.")
            for t in vocab.KINDS.values()
        ),
    ),
    Taxonomy(
        "specialisms",
        "Specialist service for",
        "Who a specialist service exists for: such services lead for these people.",
        "audience",
        tuple(
            TaxonomyTerm("specialisms", t.code, t.label, f"A specialist service for: {t.label}.")
            for t in vocab.SPECIALISMS.values()
        ),
    ),
    Taxonomy(
        "needs",
        "Need met",
        "What a person may need. A service carries each need its kinds or its specialism "
        "meet, by the same rule as the directory's need filter.",
        "need",
        tuple(
            TaxonomyTerm("needs", t.code, t.label, f"A service that meets this need: {t.label}.")
            for t in vocab.NEEDS.values()
        ),
    ),
    Taxonomy(
        "areas",
        "Area served",
        "Where a service takes people from: the local authority areas of Leicester, "
        "Leicestershire and Rutland.",
        "area",
        tuple(
            TaxonomyTerm(
                "areas", t.code, t.label, f"Takes people who live in: {t.label}.", _area_uri(t.code)
            )
            for t in vocab.AREAS.values()
        ),
    ),
    Taxonomy(
        "eligibility",
        "Eligibility",
        "Who a service takes, as its sources state it. A service without a term may still "
        "take people: the sources do not say.",
        "eligibility",
        tuple(
            TaxonomyTerm("eligibility", f.code, f.name, f.description) for f in ELIGIBILITY_FACTS
        ),
    ),
)
TAXONOMY_BY_CODE = {taxonomy.code: taxonomy for taxonomy in TAXONOMIES}
TAXONOMY_BY_ID = {taxonomy.id: taxonomy for taxonomy in TAXONOMIES}
TERMS = tuple(term for taxonomy in TAXONOMIES for term in taxonomy.terms)
TERM_BY_ID = {term.id: term for term in TERMS}
TERM_BY_KEY = {(term.taxonomy, term.code): term for term in TERMS}


def meets_need(service: Service, need: str) -> bool:
    """The directory's need filter (directory.queries) in Python; a test holds them together."""
    if set(service.kinds) & vocab.KINDS_FOR_NEED.get(need, frozenset()):
        return True
    specialism = vocab.SPECIALISM_FOR_NEED.get(need)
    if specialism is not None and specialism in service.specialisms:
        return True
    return need == "immigration" and service.nrpf == "yes"


def service_terms(service: Service) -> list[TaxonomyTerm]:
    """Every term a service carries, taxonomy by taxonomy, in the data's order."""
    codes = {
        "kinds": service.kinds,
        "specialisms": service.specialisms,
        "needs": [need for need in vocab.NEEDS if meets_need(service, need)],
        "areas": service.areas,
        "eligibility": [fact.code for fact in ELIGIBILITY_FACTS if fact.applies(service)],
    }
    return [
        TERM_BY_KEY[(taxonomy.code, code)]
        for taxonomy in TAXONOMIES
        for code in codes[taxonomy.code]
    ]


def taxonomy_term_record(term: TaxonomyTerm) -> dict:
    taxonomy = TAXONOMY_BY_CODE[term.taxonomy]
    record = {
        "id": str(term.id),
        "name": term.name,
        "description": term.description,
        "taxonomy": taxonomy.name,
        "taxonomy_id": str(taxonomy.id),
        "term": term.code,
    }
    if term.term_uri:
        record["term_uri"] = term.term_uri
    return record


def taxonomy_record(taxonomy: Taxonomy) -> dict:
    return {
        "id": str(taxonomy.id),
        "name": taxonomy.name,
        "description": taxonomy.description,
        "taxonomy_terms": [taxonomy_term_record(term) for term in taxonomy.terms],
    }


# --- Plain words: who a service is for, its state --------------------------------------------
# The English of portal/directory/present.py, written out here because the feed is English
# only and must not depend on a request's language.


def _count(number: int, one: str, many: str) -> str:
    return (one if number == 1 else many).format(num=number)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def eligibility_lines(service: Service) -> list[str]:
    """Who the service takes and does not take, one plain sentence each."""
    lines = []
    if service.accepts_women and service.accepts_men:
        lines.append("For women and men.")
    elif service.accepts_women:
        lines.append("For women; not for men.")
    else:
        lines.append("For men; not for women.")
    low, high = service.min_age, service.max_age
    if low is not None and high is not None:
        lines.append(f"Ages {low} to {high}.")
    elif low is not None:
        lines.append(f"Aged {low} or over.")
    elif high is not None:
        lines.append(f"Up to age {high}.")
    for code in service.specialisms:
        lines.append(f"Specialist service for: {vocab.SPECIALISMS[code].label}.")
    if service.eligibility_note:
        lines.append(_sentence(service.eligibility_note))
    if service.takes_from_anywhere:
        lines.append("Takes people from anywhere, not only from the areas it serves.")
    if service.largest_family is not None:
        lines.append(
            _count(
                service.largest_family,
                "Room for {num} person (counting the person referred).",
                "Families of up to {num} people (counting the person referred).",
            )
        )
    lines += _son_lines(service)
    if service.nrpf in vocab.NRPF_ANSWERS:
        lines.append(f"{vocab.NRPF_ANSWERS[service.nrpf].label}.")
    if service.pets:
        if service.pet_units:
            lines.append(
                _count(service.pet_units, "Takes pets in {num} unit.", "Takes pets in {num} units.")
            )
        else:
            lines.append("Takes pets.")
    elif service.pets is False:
        lines.append("No pets.")
    if service.wheelchair_units:
        lines.append(
            _count(
                service.wheelchair_units,
                "{num} wheelchair-accessible unit.",
                "{num} wheelchair-accessible units.",
            )
        )
    elif service.wheelchair_units == 0:
        lines.append("No wheelchair-accessible units.")
    return lines


def _son_lines(service: Service) -> list[str]:
    if service.sons_no_age_limit:
        return ["Takes sons of any age."]
    firm, agreed = service.max_son_age, service.max_son_age_if_agreed
    if firm is None:
        return []
    lines = [f"Takes boys up to {firm}."]
    if agreed is not None:
        lines.append(f"Boys aged {firm + 1} to {agreed}: ask.")
        lines.append(f"Not for families with a son over {agreed}.")
    else:
        lines.append(f"Not for families with a son over {firm}.")
    if service.son_age_note:
        lines.append(_sentence(service.son_age_note))
    return lines


def about_lines(service: Service) -> list[str]:
    """Neutral facts about somewhere to stay: its units and security."""
    lines = []
    if service.units is not None:
        lines.append(_count(service.units, "{num} unit.", "{num} units."))
    if service.unit_types:
        lines.append(f"Type of units: {service.unit_types}.")
    if service.overnight_security is True:
        lines.append("Security staff on site overnight.")
    elif service.overnight_security is False:
        lines.append("No security staff on site overnight.")
    return lines


def state_text(service: Service, today: dt.date) -> str:
    """Whether the service has ended or must be checked, and the sources' note on it."""
    state = service_state(service, today)
    words = []
    if state == "ended":
        if service.ended_on is not None:
            words.append(f"This service ended on {long_date(service.ended_on)}.")
        else:
            words.append("This service has ended.")
        words.append("Do not refer anyone to it or try to contact it.")
    elif state == "unconfirmed":
        words.append(
            "Check that this service still runs before referring anyone to it: its recorded "
            f"funding ended on {long_date(service.funded_until)}."
        )
    if service.status_note:
        words.append(_sentence(service.status_note))
    return " ".join(words)


def service_description(service: Service, today: dt.date) -> str:
    ended = service_state(service, today) == "ended"
    paragraphs = [
        service.summary,
        service.description,
        service.how_to_refer,
        "" if ended else service.contact_note,
        state_text(service, today),
        "Eligibility: " + " ".join(eligibility_lines(service)),
        " ".join(about_lines(service)),
    ]
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p and p.strip())


# --- Records ----------------------------------------------------------------------------------


def organization_record(organisation: Organisation) -> dict:
    # Never the referral e-mail address: it is for the referral form, not for publishing.
    return {
        "id": str(organisation.id),
        "name": organisation.name,
        "description": organisation.description or "",
    }


def service_list_record(service: Service, today: dt.date, service_url: ServiceUrl) -> dict:
    """A service's one-to-one fields and its organisation (compiled/service_list.json)."""
    state = service_state(service, today)
    record = {
        "id": str(service.id),
        "organization_id": str(service.organisation_id),
        "name": service.name,
        "description": service_description(service, today),
        "url": service_url(service),
        "status": "inactive" if state == "ended" else "active",
        "assured_date": service.reviewed_on.isoformat(),
        # The data records when each entry was last checked, not when it last changed.
        "last_modified": f"{service.reviewed_on.isoformat()}T00:00:00Z",
        # HSDS 3.0 core field; the UK profile has no eligibility text of its own.
        "eligibility_description": " ".join(eligibility_lines(service)),
        "organization": organization_record(service.organisation),
    }
    if service.min_age is not None:
        record["minimum_age"] = service.min_age
    if service.max_age is not None:
        record["maximum_age"] = service.max_age
    if service.quality_standards:
        record["accreditations"] = service.quality_standards
    if state != "open":
        record["alert"] = state_text(service, today)
    return record


def service_record(service: Service, today: dt.date, service_url: ServiceUrl) -> dict:
    """A fully nested service (compiled/service.json)."""
    service_id = str(service.id)
    return {
        **service_list_record(service, today, service_url),
        "service_areas": [
            _service_area_record(service, code, service_id) for code in service.areas
        ],
        # No locations: refuge addresses are secret, and the sources give no other service's.
        "service_at_locations": [],
        "attributes": [
            {
                "id": str(
                    stable_id("oruk-attribute", f"{service.slug}/{term.taxonomy}/{term.code}")
                ),
                "link_id": service_id,
                "link_type": TAXONOMY_BY_CODE[term.taxonomy].link_type,
                "link_entity": "service",
                "taxonomy_term_id": str(term.id),
                "taxonomy_term": taxonomy_term_record(term),
            }
            for term in service_terms(service)
        ],
        "funding": (
            [
                {
                    "id": str(stable_id("oruk-funding", service.slug)),
                    "service_id": service_id,
                    "source": service.commissioner,
                }
            ]
            # The data writes an unknown commissioner as "Not known (...)": no funder to name.
            if service.commissioner and not service.commissioner.startswith("Not known")
            else []
        ),
        # HSDS 3.0 core field (the UK profile has phones only through contacts, which name
        # people): the service's public numbers, never a named person's.
        "phones": phone_records(service, today),
        # Named contacts are never published; the sources give no opening times, languages
        # or costs.
        "contacts": [],
        "schedules": [],
        "languages": [],
        "cost_options": [],
    }


def _service_area_record(service: Service, code: str, service_id: str) -> dict:
    label = vocab.AREAS[code].label
    record = {
        "id": str(stable_id("oruk-service-area", f"{service.slug}/{code}")),
        "service_id": service_id,
        "name": label,
        "service_area": label,
    }
    uri = _area_uri(code)
    if uri:
        record["uri"] = uri
    return record


def phone_records(service: Service, today: dt.date) -> list[dict]:
    """The numbers the service's page shows: its phone, and a text number beside it."""
    if service_state(service, today) == "ended" or not service.phone:
        return []
    phones = [("voice", service.phone, "Phone")]
    if service.text_phone:
        phones.append(("text", service.text_phone, "Text message (SMS)"))
    return [
        {
            "id": str(stable_id("oruk-phone", f"{service.slug}/{kind}")),
            "service_id": str(service.id),
            "number": number,
            "type": kind,
            "description": description,
        }
        for kind, number, description in phones
    ]


# --- Pages ------------------------------------------------------------------------------------


def page_record(contents: list, total_items: int, page_number: int, per_page: int) -> dict:
    """The paginated envelope of the ORUK API (openapi.json, components/schemas/Page).

    An empty result still has one (empty) page, so page 1 always exists."""
    total_pages = max(1, math.ceil(total_items / per_page))
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def page_of(items: Sequence, page_number: int, per_page: int) -> list:
    start = (page_number - 1) * per_page
    return list(items[start : start + per_page])


def api_record() -> dict:
    return {"version": ORUK_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}
