"""The fixed vocabularies of the portal: codes and their English labels.

Codes are part of public contracts (the routing contract in ../shared/routing/README.md, the
data file, URLs of the directory filters), so they never change once published. Labels are
marked with N_() for the translation catalogs and translated where they are shown, which keeps
this module free of Flask so routing and the loader can use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a string for extraction into the catalog without translating it here."""
    return message


@dataclass(frozen=True)
class Term:
    code: str
    label: str


def _terms(*pairs: tuple[str, str]) -> dict[str, Term]:
    return {code: Term(code, label) for code, label in pairs}


# The languages the portal is written in (URL codes; see portal/i18n.py for their names).
LANGUAGE_CODES = ("en", "gu", "pa", "pl", "hi", "ur", "ar", "so", "bn", "ro")

# Where the person lives. The seven Leicestershire districts are the county council's area.
COUNTY_DISTRICTS = (
    "blaby",
    "charnwood",
    "harborough",
    "hinckley-and-bosworth",
    "melton",
    "north-west-leicestershire",
    "oadby-and-wigston",
)
LLR_AREAS = ("leicester", *COUNTY_DISTRICTS, "rutland")

AREAS = _terms(
    ("leicester", N_("Leicester city")),
    ("blaby", N_("Blaby")),
    ("charnwood", N_("Charnwood (including Loughborough)")),
    ("harborough", N_("Harborough (including Market Harborough)")),
    ("hinckley-and-bosworth", N_("Hinckley and Bosworth")),
    ("melton", N_("Melton (including Melton Mowbray)")),
    ("north-west-leicestershire", N_("North West Leicestershire (including Coalville)")),
    ("oadby-and-wigston", N_("Oadby and Wigston")),
    ("rutland", N_("Rutland")),
    ("outside-llr", N_("Outside Leicester, Leicestershire and Rutland")),
)

# Shorthands the data file may use for a service's area.
AREA_GROUPS = {
    "llr": LLR_AREAS,
    "leicestershire": COUNTY_DISTRICTS,
}

# What a person needs (routing contract `needs`).
NEEDS = _terms(
    ("safe-accommodation", N_("Somewhere safe to stay")),
    ("support", N_("Someone to support me")),
    ("helpline", N_("Someone to talk to now")),
    ("counselling", N_("Counselling")),
    ("children-support", N_("Help for my children")),
    ("substance-misuse", N_("Help with drugs or alcohol")),
    ("mental-health", N_("Help with my mental health")),
    ("immigration", N_("Help with immigration or money (no recourse to public funds)")),
    ("home-security", N_("Making my home safer")),
    ("sexual-violence", N_("Help after rape or sexual assault")),
    ("change-behaviour", N_("Help to change my own behaviour")),
)

# What kind of service it is (routing contract `kind`).
KINDS = _terms(
    ("refuge", N_("Refuge")),
    ("dispersed-accommodation", N_("Dispersed accommodation")),
    ("respite-accommodation", N_("Respite rooms")),
    ("second-stage-accommodation", N_("Second stage accommodation")),
    ("outreach", N_("Support in the community (outreach)")),
    ("helpline", N_("Helpline")),
    ("idva", N_("Independent domestic violence adviser (IDVA)")),
    ("counselling", N_("Counselling")),
    ("children-young-people", N_("Support for children and young people")),
    ("substance-misuse", N_("Drug and alcohol support")),
    ("mental-health", N_("Mental health support")),
    ("home-security", N_("Home security")),
    ("group-programme", N_("Group programme")),
    ("perpetrator-programme", N_("Programme for people who want to change their behaviour")),
    ("sexual-violence", N_("Sexual violence support")),
    ("housing-advice", N_("Housing advice")),
)

# Whether a service is taking referrals, as its provider last said (portal/staff).
AVAILABILITY = _terms(
    ("accepting", N_("Accepting referrals")),
    ("waiting_list", N_("Waiting list")),
    ("not_accepting", N_("Not taking referrals now")),
)

ACCOMMODATION_KINDS = frozenset(
    {"refuge", "dispersed-accommodation", "respite-accommodation", "second-stage-accommodation"}
)

# Which kinds of service meet which need. Housing advice helps someone find a safe place too.
KINDS_FOR_NEED: dict[str, frozenset[str]] = {
    "safe-accommodation": ACCOMMODATION_KINDS | {"housing-advice"},
    "support": frozenset({"outreach", "idva", "helpline"}),
    "helpline": frozenset({"helpline"}),
    "counselling": frozenset({"counselling"}),
    "children-support": frozenset({"children-young-people"}),
    "substance-misuse": frozenset({"substance-misuse"}),
    "mental-health": frozenset({"mental-health"}),
    "immigration": frozenset(),
    "home-security": frozenset({"home-security"}),
    "sexual-violence": frozenset({"sexual-violence"}),
    "change-behaviour": frozenset({"perpetrator-programme"}),
}

# Who a specialist service exists for. "By and for" services lead for these people.
SPECIALISMS = _terms(
    ("bme", N_("Black, Asian and minoritised ethnic women")),
    ("lgbt", N_("LGBT+ people")),
    ("grt", N_("Gypsy, Roma and Traveller people")),
    ("men", N_("Men")),
    ("young-people", N_("Young people")),
    ("substance-misuse", N_("People who use drugs or alcohol")),
    ("mental-health", N_("People with mental health needs")),
    ("nrpf", N_("People with no recourse to public funds")),
)

# A need is also met by a service that specialises in it (a refuge for women who use
# drugs or alcohol meets "substance-misuse" even though its kind is "refuge").
SPECIALISM_FOR_NEED = {
    "substance-misuse": "substance-misuse",
    "mental-health": "mental-health",
    "immigration": "nrpf",
}

# Routing contract `communities`.
COMMUNITIES = _terms(
    ("bme", N_("Black, Asian or minoritised ethnic")),
    ("grt", N_("Gypsy, Roma or Traveller")),
)

GENDERS = _terms(
    ("woman", N_("Woman")),
    ("man", N_("Man")),
    ("non-binary", N_("Non-binary")),
    ("other", N_("In another way")),
)

RISK_LEVELS = _terms(
    ("standard", N_("Standard")),
    ("medium", N_("Medium")),
    ("high", N_("High (MARAC)")),
    ("unknown", N_("Not known")),
)

# A service's answer to "do you take people with no recourse to public funds?".
# "ask" is the seeds' "no blanket policy": decided case by case.
NRPF_ANSWERS = _terms(
    ("yes", N_("Takes people with no recourse to public funds")),
    ("no", N_("Does not take people with no recourse to public funds")),
    ("ask", N_("No blanket policy on no recourse to public funds — ask")),
)

# The state of a service, derived from its data on the day it is shown (see directory.status).
STATUSES = _terms(
    ("open", N_("Open")),
    ("unconfirmed", N_("Check it still runs")),
    ("ended", N_("Ended")),
)


def expand_areas(codes: list[str]) -> list[str]:
    """Expand shorthands (llr, leicestershire) into area codes, keeping the order stable."""
    seen: dict[str, None] = {}
    for code in codes:
        for area in AREA_GROUPS.get(code, (code,)):
            seen[area] = None
    return list(seen)
