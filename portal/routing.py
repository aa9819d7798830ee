"""Where a referral goes: the routing contract of ../shared/routing/README.md, in plain Python.

decide() takes a Referral and the directory's services as plain data and returns the routes
(lead first) and the signposts, each route with reasons a person can read. The web form and
`flask --app portal route` both call it; nothing here imports Flask or the database.

The rules, from the seeds:
- hard eligibility is never broken (gender, age, area, and for accommodation family size,
  sons' ages, pets, wheelchair access, no recourse to public funds);
- what the data cannot settle ("no blanket policy", "14-16") is routed with a reason saying
  what to check, never silently dropped;
- "by and for" services lead for the people they exist for, then general services;
- a high-risk case needs an IDVA and a MARAC referral;
- nobody is turned away: the LLR-wide support service is the route when nothing else fits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from portal import vocab

LLR_SUPPORT_SERVICE = "uava-support-and-information"
BY_AND_FOR = ("bme", "grt", "lgbt", "men", "young-people")
NEED_SPECIALISMS = ("substance-misuse", "mental-health", "nrpf")
ADULT_AGE = 16  # below this, no adult service (the Domestic Abuse Act's age of a victim)
YOUNG_PERSON_MAX_AGE = 24  # seed 004 5.5: "younger victim-survivors (16-24 years)"
CHILD_MAX_AGE = 17
MAX_RECIPIENTS = 3

# For each need, the kinds of service that meet it, best first.
KIND_PREFERENCE = {
    "safe-accommodation": (
        "refuge",
        "dispersed-accommodation",
        "respite-accommodation",
        "second-stage-accommodation",
        "housing-advice",
    ),
    "support": ("outreach", "idva", "helpline"),
    "helpline": ("helpline",),
    "counselling": ("counselling",),
    "children-support": ("children-young-people",),
    "substance-misuse": ("substance-misuse",),
    "mental-health": ("mental-health", "counselling"),
    # Met only by services specialising in no recourse to public funds (see _meets).
    "immigration": (),
    "home-security": ("home-security",),
    "sexual-violence": ("sexual-violence",),
    "change-behaviour": ("perpetrator-programme",),
}

REFERRAL_FIELDS = {
    "referrer",
    "age",
    "gender",
    "trans",
    "lgbt",
    "communities",
    "area",
    "needs",
    "nrpf",
    "children",
    "pets",
    "wheelchair",
    "language",
    "interpreter",
    "risk",
}
REQUIRED_FIELDS = ("referrer", "age", "gender", "area", "needs")
REFERRERS = ("self", "professional")
CHILD_SEXES = ("male", "female", "other")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class ReferralError(ValueError):
    """The referral breaks the contract; `field` names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Child:
    age: int
    sex: str


@dataclass(frozen=True)
class Referral:
    referrer: str
    age: int
    gender: str
    area: str
    needs: tuple[str, ...]
    trans: bool = False
    lgbt: bool = False
    communities: tuple[str, ...] = ()
    nrpf: bool = False
    children: tuple[Child, ...] = ()
    pets: bool = False
    wheelchair: bool = False
    language: str | None = None
    interpreter: bool = False
    risk: str = "unknown"

    @property
    def family_size(self) -> int:
        """Everyone who would move in: the person and each child (seed 004, table 5.3)."""
        return 1 + len(self.children)

    @property
    def groups(self) -> set[str]:
        """The "by and for" groups this person belongs to."""
        groups = set(self.communities)
        if self.lgbt or self.trans:
            groups.add("lgbt")
        if self.gender == "man":
            groups.add("men")
        if self.age <= YOUNG_PERSON_MAX_AGE:
            groups.add("young-people")
        return groups

    @property
    def specialist_needs(self) -> set[str]:
        needs = {vocab.SPECIALISM_FOR_NEED[n] for n in self.needs if n in vocab.SPECIALISM_FOR_NEED}
        if self.nrpf:
            needs.add("nrpf")
        return needs

    def as_contract(self) -> dict:
        """The referral as the routing contract's JSON object."""
        return {
            "referrer": self.referrer,
            "age": self.age,
            "gender": self.gender,
            "trans": self.trans,
            "lgbt": self.lgbt,
            "communities": list(self.communities),
            "area": self.area,
            "needs": list(self.needs),
            "nrpf": self.nrpf,
            "children": [{"age": c.age, "sex": c.sex} for c in self.children],
            "pets": self.pets,
            "wheelchair": self.wheelchair,
            "language": self.language,
            "interpreter": self.interpreter,
            "risk": self.risk,
        }


@dataclass(frozen=True)
class ServiceFacts:
    """What routing needs to know of a service (a snapshot of the directory)."""

    slug: str
    provider: str
    name: str
    provider_name: str
    kinds: tuple[str, ...]
    areas: tuple[str, ...]
    state: str  # open | unconfirmed | ended (directory.status.service_state)
    specialisms: tuple[str, ...] = ()
    takes_from_anywhere: bool = False
    accepts_women: bool = True
    accepts_men: bool = False
    min_age: int | None = None
    max_age: int | None = None
    largest_family: int | None = None
    sons_no_age_limit: bool = False
    max_son_age: int | None = None
    max_son_age_if_agreed: int | None = None
    nrpf: str | None = None
    pets: bool | None = None
    pet_units: int | None = None
    wheelchair_units: int | None = None
    funded_until: dt.date | None = None
    phone: str | None = None

    @property
    def is_accommodation(self) -> bool:
        return bool(set(self.kinds) & vocab.ACCOMMODATION_KINDS)

    @property
    def is_for_young_people(self) -> bool:
        return "young-people" in self.specialisms or "children-young-people" in self.kinds


@dataclass(frozen=True)
class HelplineFacts:
    slug: str
    name: str
    phone: str
    always: bool = False
    for_needs: tuple[str, ...] = ()
    for_specialisms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    provider: str
    service: str
    kind: str
    reasons: tuple[str, ...]

    def as_contract(self) -> dict:
        return {
            "provider": self.provider,
            "service": self.service,
            "kind": self.kind,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Signpost:
    name: str
    phone: str

    def as_contract(self) -> dict:
        return {"name": self.name, "phone": self.phone}


@dataclass(frozen=True)
class Decision:
    routes: tuple[Route, ...]
    signposts: tuple[Signpost, ...]

    @property
    def lead(self) -> Route:
        return self.routes[0]

    def as_contract(self) -> dict:
        return {
            "routes": [route.as_contract() for route in self.routes],
            "signposts": [signpost.as_contract() for signpost in self.signposts],
        }


# --- reading a referral -------------------------------------------------------------------


def _boolean(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ReferralError(name, "must be true or false")
    return value


def _integer(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReferralError(name, "must be a whole number")
    if not low <= value <= high:
        raise ReferralError(name, f"must be between {low} and {high}")
    return value


def _code(value, name: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ReferralError(name, f"must be one of {', '.join(allowed)}")
    return value


def _codes(value, name: str, allowed: Iterable[str], *, required: bool) -> tuple[str, ...]:
    allowed = tuple(allowed)
    if not isinstance(value, list):
        raise ReferralError(name, "must be a list")
    if required and not value:
        raise ReferralError(name, "must list at least one")
    for item in value:
        _code(item, name, allowed)
    if len(set(value)) != len(value):
        raise ReferralError(name, "lists the same value twice")
    return tuple(value)


def _children(value) -> tuple[Child, ...]:
    if not isinstance(value, list):
        raise ReferralError("children", "must be a list")
    children = []
    for index, item in enumerate(value):
        where = f"children[{index}]"
        if not isinstance(item, dict):
            raise ReferralError(where, 'must be an object like {"age": 6, "sex": "female"}')
        unknown = sorted(set(item) - {"age", "sex"})
        if unknown:
            raise ReferralError(f"{where}.{json.dumps(unknown[0])}", "is not a field of a child")
        if "age" not in item or "sex" not in item:
            raise ReferralError(where, "needs both age and sex")
        children.append(
            Child(
                _integer(item["age"], f"{where}.age", 0, 25),
                _code(item["sex"], f"{where}.sex", CHILD_SEXES),
            )
        )
    if len(children) > 15:
        raise ReferralError("children", "lists more than 15 children")
    return tuple(children)


def parse_referral(data) -> Referral:
    """Check a referral against the contract; raise ReferralError naming the field."""
    if not isinstance(data, dict):
        raise ReferralError("referral", "must be a JSON object")
    unknown = sorted(set(data) - REFERRAL_FIELDS)
    if unknown:
        # Quoted as JSON so an empty or strange name stays visible, on one line.
        raise ReferralError(json.dumps(unknown[0]), "is not a field of a referral")
    for name in REQUIRED_FIELDS:
        if name not in data:
            raise ReferralError(name, "is required")
    language = data.get("language")
    if language is not None and (not isinstance(language, str) or not LANGUAGE_TAG.match(language)):
        raise ReferralError("language", "must be a BCP 47 language code such as gu or pa-Guru")
    risk = data.get("risk", "unknown")
    return Referral(
        referrer=_code(data["referrer"], "referrer", REFERRERS),
        age=_integer(data["age"], "age", 0, 120),
        gender=_code(data["gender"], "gender", vocab.GENDERS),
        area=_code(data["area"], "area", vocab.AREAS),
        needs=_codes(data["needs"], "needs", vocab.NEEDS, required=True),
        trans=_boolean(data, "trans"),
        lgbt=_boolean(data, "lgbt"),
        communities=_codes(
            data.get("communities", []), "communities", vocab.COMMUNITIES, required=False
        ),
        nrpf=_boolean(data, "nrpf"),
        children=_children(data.get("children", [])),
        pets=_boolean(data, "pets"),
        wheelchair=_boolean(data, "wheelchair"),
        language=language,
        interpreter=_boolean(data, "interpreter"),
        risk=_code(risk, "risk", vocab.RISK_LEVELS),
    )


# --- deciding -------------------------------------------------------------------------------


@dataclass
class _Assessment:
    """One service judged for one referral: eligible or not, and why."""

    service: ServiceFacts
    kind: str
    need: str
    reasons: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    excluded: str | None = None


# How a match with a specialism is explained to a professional and in the provider e-mail.
SPECIALISM_REASONS = {
    "bme": "by-and-for service for Black, Asian and minoritised ethnic women",
    "grt": "specialist service for Gypsy, Roma and Traveller people",
    "lgbt": "specialist service for LGBT+ people",
    "men": "specialist service for male victims",
    "young-people": "service for young people",
    "substance-misuse": "specialist support with drugs or alcohol",
    "mental-health": "specialist mental health support",
    "nrpf": "specialist support for people with no recourse to public funds",
}


def _kind_name(kind: str) -> str:
    return "IDVA" if kind == "idva" else kind.replace("-", " ")


def _area_label(code: str) -> str:
    """The area's name without the towns the filter shows in brackets."""
    return vocab.AREAS[code].label.split(" (", 1)[0]


def _preference(need: str, referral: Referral) -> tuple[str, ...]:
    """The kinds that meet a need, best first; for a high-risk case an IDVA leads support."""
    preference = KIND_PREFERENCE[need]
    if referral.risk == "high" and need == "support":
        preference = ("idva", *[k for k in preference if k != "idva"])
    return preference


def _meets(service: ServiceFacts, need: str, referral: Referral) -> str | None:
    """The best kind of this service for the need, or None if it does not meet it."""
    for kind in _preference(need, referral):
        if kind in service.kinds:
            return kind
    specialism = vocab.SPECIALISM_FOR_NEED.get(need)
    if specialism and specialism in service.specialisms:
        # A specialist refuge meets a specialist need only for someone who needs a refuge.
        for kind in service.kinds:
            if kind not in vocab.ACCOMMODATION_KINDS or "safe-accommodation" in referral.needs:
                return kind
    return None


def _check_person(service: ServiceFacts, referral: Referral, a: _Assessment) -> None:
    if referral.gender == "man" and not service.accepts_men:
        a.excluded = "does not take men"
        return
    if referral.gender == "woman" and not service.accepts_women:
        a.excluded = "does not take women"
        return
    if referral.gender in ("non-binary", "other") and not (
        service.accepts_women and service.accepts_men
    ):
        only = "women" if service.accepts_women else "men"
        a.checks.append(f"a service for {only}: check it can support a {referral.gender} person")
    if service.accepts_men and referral.gender == "man":
        a.reasons.append("takes men")
    if service.min_age is not None and referral.age < service.min_age:
        a.excluded = f"only from age {service.min_age}"
        return
    if service.max_age is not None and referral.age > service.max_age:
        a.excluded = f"only up to age {service.max_age}"
        return
    if referral.age < ADULT_AGE:
        young_enough = service.min_age is not None and service.min_age <= referral.age
        if service.is_accommodation or not (service.is_for_young_people or young_enough):
            a.excluded = "an adult service, and the person is under 16"
            return
        a.reasons.append(f"supports young people aged {referral.age}")


def _check_area(service: ServiceFacts, referral: Referral, a: _Assessment) -> None:
    if referral.area in service.areas:
        if set(vocab.LLR_AREAS) <= set(service.areas):
            a.reasons.append("works across Leicester, Leicestershire and Rutland")
        elif set(vocab.COUNTY_DISTRICTS) <= set(service.areas) and referral.area != "leicester":
            a.reasons.append(
                f"covers all of Leicestershire, including {_area_label(referral.area)}"
            )
        else:
            a.reasons.append(f"covers {_area_label(referral.area)}")
    elif service.takes_from_anywhere and service.is_accommodation:
        a.reasons.append("takes people fleeing from anywhere")
    else:
        a.excluded = f"does not cover {_area_label(referral.area)}"


def _check_groups(service: ServiceFacts, referral: Referral, a: _Assessment) -> None:
    groups = referral.groups
    for specialism in service.specialisms:
        if specialism not in BY_AND_FOR:
            continue
        if specialism in groups:
            a.reasons.insert(0, SPECIALISM_REASONS[specialism])
        elif specialism == "young-people" and a.need == "children-support":
            a.reasons.append("supports the children")
        elif not set(service.specialisms) & groups:
            a.excluded = SPECIALISM_REASONS[specialism]
            return
    for specialism in sorted(referral.specialist_needs & set(service.specialisms)):
        a.reasons.append(SPECIALISM_REASONS[specialism])


def _check_sons(service: ServiceFacts, referral: Referral, a: _Assessment) -> None:
    """Refuges limit the age of boys. A son over the limit excludes the service; a child
    whose sex the person gave as "other" is never a reason to exclude, only to check."""
    sons = [c for c in referral.children if c.sex == "male"]
    others = [c for c in referral.children if c.sex == "other"]
    if not sons and not others:
        return
    if service.sons_no_age_limit:
        a.reasons.append("no upper age limit for sons")
        return
    limit, agreed = service.max_son_age, service.max_son_age_if_agreed
    if limit is None:
        oldest = max(sons or others, key=lambda c: c.age)
        boy = "son" if sons else "child"
        a.checks.append(f"{boy} aged {oldest.age}: the source gives no age limit for boys, check")
        return
    if sons:
        oldest = max(sons, key=lambda c: c.age)
        if oldest.age <= limit:
            a.reasons.append(f"takes boys up to {limit}")
        elif agreed is not None and oldest.age <= agreed:
            a.checks.append(
                f"son aged {oldest.age}: takes boys up to {limit}, "
                f"up to {agreed} in some units: check"
            )
        else:
            a.excluded = f"takes boys only up to {agreed or limit}"
            return
    older_others = [c for c in others if c.age > limit]
    if older_others:
        oldest = max(older_others, key=lambda c: c.age)
        a.checks.append(
            f"child aged {oldest.age}: boys only up to {limit}, check the service's rules"
        )


def _check_accommodation(service: ServiceFacts, referral: Referral, a: _Assessment) -> None:
    size = referral.family_size
    if service.largest_family is None:
        if size > 1:
            a.checks.append(f"family of {size}: the source gives no largest family size, check")
    elif size > service.largest_family:
        a.excluded = f"largest family {service.largest_family}, this family is {size}"
        return
    elif size > 1:
        a.reasons.append(f"family of {size} fits (largest family {service.largest_family})")
    _check_sons(service, referral, a)
    if a.excluded:
        return
    if referral.pets:
        if service.pets is True:
            units = f" in {service.pet_units} units" if service.pet_units else ""
            a.reasons.append(f"takes pets{units}")
        elif service.pets is False:
            a.excluded = "does not take pets"
            return
        else:
            a.checks.append("pet: the source does not say whether pets are taken, check")
    if referral.wheelchair:
        if service.wheelchair_units:
            a.reasons.append(f"{service.wheelchair_units} wheelchair-accessible units")
        elif service.wheelchair_units == 0:
            a.excluded = "no wheelchair-accessible units"
            return
        else:
            a.checks.append("wheelchair access: the source does not say, check")
    if referral.nrpf:
        if service.nrpf == "yes":
            a.reasons.append("accepts NRPF")
        elif service.nrpf == "no":
            a.excluded = "does not take people with no recourse to public funds"
        elif service.nrpf == "ask":
            a.checks.append("no blanket policy on NRPF: check with the service")
        else:
            a.checks.append("NRPF: the source does not say, check")


def _assess(service: ServiceFacts, referral: Referral, need: str) -> _Assessment | None:
    kind = _meets(service, need, referral)
    if kind is None or service.state == "ended":
        return None
    a = _Assessment(service, kind, need)
    a.reasons.append(f"meets the need “{vocab.NEEDS[need].label.lower()}” ({_kind_name(kind)})")
    for step in (_check_person, _check_area, _check_groups):
        step(service, referral, a)
        if a.excluded:
            return a
    if kind in vocab.ACCOMMODATION_KINDS:
        _check_accommodation(service, referral, a)
    if service.state == "unconfirmed" and service.funded_until:
        a.checks.append(
            f"its funding term in our source ended {service.funded_until:%-d %B %Y}: "
            "check it still runs"
        )
    return a


def _score(a: _Assessment, referral: Referral) -> tuple:
    """Higher is better: by-and-for fit, specialist fit, the first need, the best kind."""
    service = a.service
    by_and_for = len(set(service.specialisms) & referral.groups & set(BY_AND_FOR))
    specialist = len(set(service.specialisms) & referral.specialist_needs)
    preference = _preference(a.need, referral)
    return (
        by_and_for,
        specialist,
        a.need == referral.needs[0],
        -preference.index(a.kind) if a.kind in preference else -len(preference),
        -len(a.checks),
        service.state == "open",
    )


def _route(a: _Assessment) -> Route:
    return Route(a.service.provider, a.service.slug, a.kind, tuple(a.reasons + a.checks))


def decide(
    referral: Referral,
    services: Sequence[ServiceFacts],
    helplines: Sequence[HelplineFacts] = (),
) -> Decision:
    """Route a referral: the lead first, then the others, then what to signpost."""
    best: dict[str, _Assessment] = {}
    for need in referral.needs:
        for service in services:
            a = _assess(service, referral, need)
            if a is None or a.excluded:
                continue
            current = best.get(service.slug)
            if current is None or _score(a, referral) > _score(current, referral):
                best[service.slug] = a

    if referral.risk == "high":
        _add_idva(referral, services, best)

    ranked = sorted(
        best.values(), key=lambda a: (_score(a, referral), a.service.slug), reverse=True
    )
    routes = [_route(a) for a in ranked]
    if referral.risk == "high":
        routes = [_with_marac(route) for route in routes]
    if not routes:
        routes = [_fallback(referral, services)]
    return Decision(tuple(routes), tuple(_signposts(referral, helplines)))


def _add_idva(referral: Referral, services: Sequence[ServiceFacts], best: dict) -> None:
    """A high-risk case needs an IDVA even when it did not ask for support (seeds 002, 004)."""
    if any(a.kind == "idva" for a in best.values()):
        return
    candidates = []
    for service in services:
        if "idva" not in service.kinds:
            continue
        a = _assess(service, referral, "support")
        if a is not None and not a.excluded:
            a.kind = "idva"
            candidates.append(a)
    if candidates:
        chosen = max(candidates, key=lambda a: (_score(a, referral), a.service.slug))
        chosen.reasons.insert(0, "high risk: an IDVA supports the person through MARAC")
        # The IDVA route replaces any other route to the same service.
        best[chosen.service.slug] = chosen


def _with_marac(route: Route) -> Route:
    if route.kind != "idva":
        return route
    marac = "high risk: refer to MARAC (multi-agency risk assessment conference)"
    return Route(route.provider, route.service, route.kind, (marac, *route.reasons))


def _fallback(referral: Referral, services: Sequence[ServiceFacts]) -> Route:
    """Nobody is turned away: the LLR-wide support service helps and refers on."""
    for service in services:
        if service.slug == LLR_SUPPORT_SERVICE and service.state != "ended":
            reasons = [
                "nothing more specific fits: the LLR-wide support service can help and refer on"
            ]
            if referral.area == "outside-llr":
                reasons.append("lives outside LLR: the helpline can find their local service")
            if service.state == "unconfirmed" and service.funded_until:
                reasons.append(
                    f"its funding term in our source ended {service.funded_until:%-d %B %Y}: "
                    "check it still runs"
                )
            kind = "helpline" if "helpline" in service.kinds else service.kinds[0]
            return Route(service.provider, service.slug, kind, tuple(reasons))
    raise LookupError(f"the directory has no {LLR_SUPPORT_SERVICE} service to fall back on")


def _signposts(referral: Referral, helplines: Sequence[HelplineFacts]) -> list[Signpost]:
    # Childline and other young people's lines are for children, not every young adult.
    groups = referral.groups - {"young-people"}
    if referral.age <= CHILD_MAX_AGE:
        groups.add("young-people")
    wanted_specialisms = groups | referral.specialist_needs
    signposts = []
    for line in helplines:
        if (
            line.always
            or set(line.for_needs) & set(referral.needs)
            or set(line.for_specialisms) & wanted_specialisms
        ):
            phone = line.phone
            if line.slug == "emergency":
                phone = "999 (from a mobile, press 55 if you cannot speak)"
            signposts.append(Signpost(line.name, phone))
    return signposts


def _help_kind(kind: str) -> str:
    """The need a kind of service answers first: refuge, dispersed homes and housing advice
    are all "somewhere safe to stay"."""
    return next((need for need, kinds in KIND_PREFERENCE.items() if kind in kinds), kind)


def recipients(decision: Decision, referral: Referral, limit: int = MAX_RECIPIENTS) -> list[Route]:
    """The routes a referral is sent to: the lead, the best route for each other kind of
    help, and an IDVA for a high-risk case; one per provider, at most `limit`. The other
    routes are shown as options. Fewer copies is safer: the least data to the fewest people."""
    chosen: list[Route] = []
    providers: set[str] = set()
    helped: set[str] = set()
    for route in decision.routes:
        if len(chosen) == limit:
            break
        if route.provider in providers or _help_kind(route.kind) in helped:
            continue
        chosen.append(route)
        providers.add(route.provider)
        helped.add(_help_kind(route.kind))
    if referral.risk == "high" and not any(r.kind == "idva" for r in chosen):
        idva = next(
            (r for r in decision.routes if r.kind == "idva" and r.provider not in providers), None
        )
        if idva is not None:
            chosen = (chosen if len(chosen) < limit else chosen[:-1]) + [idva]
    return chosen
