"""A referral's answers: the steps that ask for them, and what routing makes of them.

Answers are a plain dict of step name -> that step's fields, so the draft and the sent
referral store the same thing (encrypted) and the e-mail shows what the person said.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal import routing

SELF = "self"
PROFESSIONAL = "professional"
YOUNGEST_SELF_REFERRAL = 13  # younger children are shown Childline instead


@dataclass(frozen=True)
class Step:
    name: str
    form: str  # the form class's name in referrals.forms


STEPS = {
    SELF: (
        Step("about-you", "AboutYouForm"),
        Step("where", "WhereForm"),
        Step("needs", "NeedsForm"),
        Step("who-with", "WhoWithForm"),
        Step("contact", "ContactForm"),
    ),
    PROFESSIONAL: (
        Step("referrer", "ReferrerForm"),
        Step("about-you", "AboutYouForm"),
        Step("where", "WhereForm"),
        Step("needs", "NeedsForm"),
        Step("who-with", "WhoWithForm"),
        Step("contact", "ContactForm"),
    ),
}
CHECK = "check"


def step_names(referrer: str) -> list[str]:
    return [step.name for step in STEPS[referrer]]


def first_missing_step(referrer: str, answers: dict) -> str | None:
    for step in STEPS[referrer]:
        if step.name not in answers:
            return step.name
    return None


def next_step(referrer: str, current: str, answers: dict) -> str:
    """The step after this one: the next unanswered one, else check and send."""
    names = step_names(referrer)
    for name in names[names.index(current) + 1 :]:
        if name not in answers:
            return name
    return first_missing_step(referrer, answers) or CHECK


def _yes(value) -> bool:
    return value == "yes"


def routing_referral(referrer: str, answers: dict) -> routing.Referral:
    """The answers as the routing contract's referral (validated by routing itself)."""
    about = answers["about-you"]
    needs = answers["needs"]
    who = answers["who-with"]
    gender = about["gender"]
    language = about.get("language")
    return routing.parse_referral(
        {
            "referrer": referrer,
            "age": about["age"],
            # Routing must not guess: "prefer not to say" is routed with reasons to check.
            "gender": "other" if gender == "prefer-not" else gender,
            "trans": _yes(about.get("trans")),
            "lgbt": _yes(about.get("lgbt")),
            "communities": list(about.get("communities") or []),
            "area": answers["where"]["area"],
            "needs": list(needs["needs"]),
            # "Not sure" is routed as NRPF so no option that needs public funds is offered
            # as certain; the provider sees "not sure" in the e-mail.
            "nrpf": needs.get("nrpf") in ("yes", "not-sure"),
            "children": [
                {"age": child["age"], "sex": child["sex"]} for child in who.get("children", [])
            ],
            "pets": _yes(who.get("pets")),
            "wheelchair": _yes(who.get("wheelchair")),
            "language": language if language not in (None, "other") else None,
            "interpreter": _yes(about.get("interpreter")),
            "risk": answers.get("referrer", {}).get("risk") or "unknown",
        }
    )


def wants_no_contact(answers: dict) -> bool:
    return bool(answers.get("contact", {}).get("do_not_contact"))
