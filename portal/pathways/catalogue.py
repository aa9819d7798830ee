"""The professional pathways: one per situation, saying what to do and which directory
query finds the services that fit. No fact about a service lives here: the services, their
eligibility and how to refer come from the directory (DESIGN.md: one source for each fact).

Words are marked with N_() and translated where shown, so this module needs no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.directory.queries import DirectoryFilter
from portal.vocab import N_


@dataclass(frozen=True)
class Pathway:
    slug: str
    title: str
    when: str  # who it is for, in one sentence
    steps: tuple[str, ...]  # what a professional does, in order
    services: DirectoryFilter  # which services fit (the area is added by the page)
    helplines: tuple[str, ...] = ()  # slugs in helplines.yaml
    # What the pathway finder and the professional referral start with.
    finder: dict = field(default_factory=dict)


MARAC_STEP = N_(
    "If the risk is high (a DASH score of 14 or more, or your professional judgement), refer "
    "to MARAC in the usual way as well."
)
ASK_STEP = N_(
    "Ask the person what they want and how it is safe to contact them. Refer with their "
    "agreement unless there is a risk of serious harm."
)

PATHWAYS: tuple[Pathway, ...] = (
    Pathway(
        "high-risk",
        N_("High risk"),
        N_("For a person at high risk of serious harm or homicide."),
        (
            N_(
                "Complete the DASH risk checklist. A score of 14 or more, or your professional "
                "judgement, means high risk."
            ),
            N_("Refer to MARAC (the multi-agency risk assessment conference) in the usual way."),
            N_("Refer to an independent domestic violence adviser (IDVA) service below."),
            N_("If the person is in immediate danger, call 999."),
        ),
        DirectoryFilter(kinds=("idva",)),
        ("emergency", "uava", "national-domestic-abuse-helpline"),
        {"needs": ["support"], "risk": "high"},
    ),
    Pathway(
        "safe-accommodation",
        N_("Safe accommodation"),
        N_("For a person who needs to leave home: refuges and other safe places to stay."),
        (
            ASK_STEP,
            N_(
                "Check each place's limits on family size, the age of sons, pets, wheelchair "
                "access and no recourse to public funds: they are listed with each service."
            ),
            N_("Refuges take people from anywhere, not only from their own area."),
            MARAC_STEP,
        ),
        DirectoryFilter(need="safe-accommodation"),
        ("uava", "national-domestic-abuse-helpline", "shelter"),
        {"needs": ["safe-accommodation"]},
    ),
    Pathway(
        "male-victims",
        N_("Male victims"),
        N_("For a man experiencing domestic abuse."),
        (ASK_STEP, N_("Specialist services for men are listed first."), MARAC_STEP),
        DirectoryFilter(accepts_men=True),
        ("mens-advice-line", "uava"),
        {"gender": "man", "needs": ["support"]},
    ),
    Pathway(
        "lgbt",
        N_("LGBT+ people"),
        N_("For a lesbian, gay, bisexual or trans person, or anyone LGBT+."),
        (ASK_STEP, MARAC_STEP),
        DirectoryFilter(specialism="lgbt"),
        ("galop", "uava"),
        {"lgbt": "y", "needs": ["support"]},
    ),
    Pathway(
        "bme-honour-forced-marriage",
        N_("Black, Asian and minoritised women; honour-based abuse and forced marriage"),
        N_(
            "For Black, Asian and minoritised women, and anyone facing honour-based abuse or "
            "forced marriage."
        ),
        (
            ASK_STEP,
            N_(
                "Services run by and for these communities are listed. Offer an interpreter who "
                "is not from the person's family or community circle."
            ),
            N_(
                "Honour-based abuse and forced marriage can involve several family members: "
                "treat the risk as high until you know otherwise."
            ),
            MARAC_STEP,
        ),
        DirectoryFilter(specialism="bme"),
        ("karma-nirvana", "forced-marriage-unit", "uava"),
        {"communities": ["bme"], "needs": ["support"]},
    ),
    Pathway(
        "gypsy-roma-traveller",
        N_("Gypsy, Roma and Traveller people"),
        N_("For Gypsy, Roma and Traveller people experiencing domestic abuse."),
        (ASK_STEP, MARAC_STEP),
        DirectoryFilter(specialism="grt"),
        ("uava", "national-domestic-abuse-helpline"),
        {"communities": ["grt"], "needs": ["support"]},
    ),
    Pathway(
        "no-recourse-to-public-funds",
        N_("No recourse to public funds"),
        N_(
            "For a person who cannot claim most benefits because of their immigration status, "
            "or whose status is insecure."
        ),
        (
            ASK_STEP,
            N_(
                "Some refuges take people with no recourse to public funds and some decide case "
                "by case: each service below says which."
            ),
            N_("Specialist immigration advice may be needed as well."),
            MARAC_STEP,
        ),
        DirectoryFilter(accepts_nrpf=True),
        ("southall-black-sisters", "uava"),
        {"nrpf": "y", "needs": ["safe-accommodation"]},
    ),
    Pathway(
        "substance-misuse",
        N_("Drugs or alcohol"),
        N_("For a person experiencing domestic abuse who uses drugs or alcohol."),
        (ASK_STEP, MARAC_STEP),
        DirectoryFilter(need="substance-misuse"),
        ("uava",),
        {"needs": ["substance-misuse"]},
    ),
    Pathway(
        "mental-health",
        N_("Mental health"),
        N_("For a person experiencing domestic abuse whose mental health needs support."),
        (
            ASK_STEP,
            N_("If the person may harm themselves, stay with them and call 999."),
            MARAC_STEP,
        ),
        DirectoryFilter(need="mental-health"),
        ("samaritans", "uava"),
        {"needs": ["mental-health"]},
    ),
    Pathway(
        "children-and-young-people",
        N_("Children and young people"),
        N_("For children and young people who have lived with domestic abuse at home."),
        (
            N_("Follow your safeguarding procedures when a child may be at risk."),
            N_("Services for children are listed by where the family lives."),
        ),
        DirectoryFilter(need="children-support"),
        ("childline", "nspcc"),
        {"needs": ["children-support"]},
    ),
    Pathway(
        "young-people-in-abusive-relationships",
        N_("Young people in abusive relationships"),
        N_("For a young person (13 to 25) abused by a partner or family member."),
        (
            N_("Follow your safeguarding procedures for anyone under 18."),
            N_("Someone under 16 is only referred to services for young people."),
            MARAC_STEP,
        ),
        DirectoryFilter(specialism="young-people"),
        ("childline", "uava"),
        {"age": 16, "needs": ["support"]},
    ),
    Pathway(
        "sexual-violence",
        N_("Rape and sexual violence"),
        N_("For a person who has been raped or sexually assaulted, recently or in the past."),
        (
            ASK_STEP,
            N_(
                "After a recent assault, the sexual assault referral centre can help even if "
                "the person does not want to report it to the police."
            ),
        ),
        DirectoryFilter(need="sexual-violence"),
        ("uava",),
        {"needs": ["sexual-violence"]},
    ),
    Pathway(
        "changing-behaviour",
        N_("People who want to change their behaviour"),
        N_("For a person who is worried about their own abusive behaviour."),
        (
            N_(
                "Keep the safety of the partner and children first: a programme for the person "
                "causing harm does not replace support for the victim."
            ),
        ),
        DirectoryFilter(need="change-behaviour"),
        ("respect-phoneline",),
        {"needs": ["change-behaviour"]},
    ),
)

BY_SLUG = {pathway.slug: pathway for pathway in PATHWAYS}
