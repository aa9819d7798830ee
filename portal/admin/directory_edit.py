"""Creating and changing organisations and services: the rules, the audit log and the stamps.

Plain SQLAlchemy (no Flask), so a command or a test can make the same changes the admin
pages do. Each function takes cleaned values (what directory_forms.py gives), checks them
against the directory's rules (the loader's rules, so the files and the admin agree) and
raises `Invalid` with a message per field if any is broken. A change is recorded in the
audit log with each changed field's old and new values, marks the record as edited by an
administrator (load-directory then leaves it as it is) and, for a service, sets its
last-reviewed date. A save that changes nothing records and stamps nothing.

Free text that changes loses its translations: the other languages no longer say what the
English says, so the public pages show the English (marked lang="en") until the
translations are redone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import vocab
from portal.directory.load import TRANSLATABLE
from portal.models import (
    Organisation,
    Service,
    ServiceArea,
    ServiceKind,
    ServiceSpecialism,
    StaffUser,
    stable_id,
)
from portal.staff import audit

# Messages shared with the forms, so a rule says the same thing wherever it is broken.
NEEDS_AREA = "A service must keep at least one area"
NEEDS_KIND = "Choose at least one kind of service"
NEEDS_WOMEN_OR_MEN = "A service must take women, men or both: tick at least one"
NEEDS_ENDED_REASON = "Say why the service has ended"
AGES_REVERSED = "The lowest age must not be above the highest age"
SON_AGES_BOTH = "Either tick that sons of any age are taken, or give the oldest age, not both"
SON_AGE_IF_AGREED = "The oldest age if agreed must be above the usual oldest age for sons"
PHONE_FORMAT = "Enter a phone number using only digits, spaces and a leading +, like 0116 255 0004"
SLUG_FORMAT = (
    "Use only lower-case letters, digits and single hyphens, starting and ending with a "
    "letter or digit, like wall-brookes-house"
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHONE = re.compile(r"^\+?[0-9 ]+$")
DEMO_DOMAINS = ("example.org", "example.com", "example.net")
DELIVERY_MODES = ("full", "link")
STATUSES = ("operating", "ended")
MAX_AGE = 120

ORGANISATION_FIELDS = ("name", "short_name", "description", "referral_email", "delivery_mode")
SERVICE_FIELDS = (
    "name",
    "summary",
    "description",
    "how_to_refer",
    "status",
    "ended_on",
    "funded_until",
    "status_note",
    "accepts_women",
    "accepts_men",
    "min_age",
    "max_age",
    "eligibility_note",
    "takes_from_anywhere",
    "areas",
    "kinds",
    "specialisms",
    "units",
    "unit_types",
    "wheelchair_units",
    "largest_family",
    "sons_no_age_limit",
    "max_son_age",
    "max_son_age_if_agreed",
    "son_age_note",
    "nrpf",
    "pets",
    "pet_units",
    "overnight_security",
    "phone",
    "text_phone",
    "contact_note",
)
CODE_FIELDS = {
    "areas": (vocab.AREAS, ServiceArea, "area_rows", "area"),
    "kinds": (vocab.KINDS, ServiceKind, "kind_rows", "kind"),
    "specialisms": (vocab.SPECIALISMS, ServiceSpecialism, "specialism_rows", "specialism"),
}
COUNTS = ("units", "wheelchair_units", "largest_family", "pet_units")
AGES = ("min_age", "max_age", "max_son_age", "max_son_age_if_agreed")
LENGTHS = {"name": 200, "short_name": 80, "unit_types": 200, "phone": 40, "text_phone": 40}


class Invalid(ValueError):
    """Values that break the directory's rules: {field: message}, for the form to show."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = problems


# --- checks shared with the forms ------------------------------------------------------


def referral_address(text: str) -> str:
    """The address in its normal form (domain lower-cased), or ValueError saying what is
    wrong. Syntax only: whether anyone reads it is for the administrator to know."""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(
            f"Enter a valid e-mail address, like referrals@provider.org.uk ({exc})"
        ) from exc


def is_demo_address(address: str | None) -> bool:
    """An address at a domain kept for examples (example.org, referrals.example.org,
    example.co.uk...): referrals sent there reach nobody, and the pages say so."""
    if not address:
        return True
    domain = address.rpartition("@")[2].lower()
    return (
        domain in DEMO_DOMAINS
        or domain.endswith(tuple(f".{name}" for name in DEMO_DOMAINS))
        or domain.split(".")[0] == "example"
    )


def phone_problem(text: str | None) -> str | None:
    if not text:
        return None
    digits = sum(character.isdigit() for character in text)
    if not PHONE.match(text) or not 3 <= digits <= 20:
        return PHONE_FORMAT
    return None


def slug_problem(session: Session, model: type, kind: str, slug: str | None) -> str | None:
    if not slug:
        return "Enter a slug: the name used in the record's web address"
    if len(slug) > model.slug.type.length or not SLUG.match(slug):
        return f"{SLUG_FORMAT} (at most {model.slug.type.length} characters)"
    taken = session.scalar(select(model.id).where(model.slug == slug))
    if taken is not None or session.get(model, stable_id(kind, slug)) is not None:
        return f"The slug {slug} is already used by another {kind}: choose another"
    return None


# --- organisations ---------------------------------------------------------------------


def _organisation_problems(values: dict) -> dict[str, str]:
    problems = {}
    if not values.get("name"):
        problems["name"] = "Enter the organisation's name"
    for name in ("name", "short_name"):
        if values.get(name) and len(values[name]) > LENGTHS[name]:
            problems[name] = f"Use {LENGTHS[name]} characters or fewer"
    if not values.get("referral_email"):
        problems["referral_email"] = "Enter the address referrals are sent to"
    else:
        try:
            referral_address(values["referral_email"])
        except ValueError as exc:
            problems["referral_email"] = str(exc)
    if values.get("delivery_mode") not in DELIVERY_MODES:
        problems["delivery_mode"] = "Choose how referrals are delivered: full or link"
    return problems


def _organisation_values(values: dict) -> dict:
    unknown = set(values) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"not an organisation field: {', '.join(sorted(unknown))}")
    values = dict(values)
    if values.get("referral_email"):
        values["referral_email"] = referral_address(values["referral_email"])
        values["referral_email_is_demo"] = is_demo_address(values["referral_email"])
    return values


def create_organisation(
    session: Session, values: dict, by: StaffUser, now: dt.datetime, today: dt.date
) -> Organisation:
    """A new organisation from the values and its "slug". Referrals to it are delivered as a
    link to the inbox unless the values say "full"."""
    values = dict(values)
    slug = values.pop("slug", None)
    wanted = {"short_name": None, "description": "", "delivery_mode": "link", **values}
    problems = _organisation_problems(wanted)
    slug_trouble = slug_problem(session, Organisation, "organisation", slug)
    if slug_trouble:
        problems["slug"] = slug_trouble
    if problems:
        raise Invalid(problems)
    wanted = _organisation_values(wanted)
    organisation = Organisation(id=stable_id("organisation", slug), sources=[], translations={})
    wanted = {"slug": slug, **wanted}
    changes = audit.differences(organisation, wanted)
    _assign(organisation, wanted)
    organisation.reviewed_on = today
    organisation.admin_edited_at = now
    session.add(organisation)
    audit.record(
        session, "organisation created", by=by, now=now, subject=organisation, changes=changes
    )
    return organisation


def update_organisation(
    session: Session,
    organisation: Organisation,
    values: dict,
    by: StaffUser,
    now: dt.datetime,
    today: dt.date,
) -> dict:
    """Apply the values; returns the changes recorded ({} when nothing changed)."""
    current = {name: getattr(organisation, name) for name in ORGANISATION_FIELDS}
    problems = _organisation_problems({**current, **values})
    if problems:
        raise Invalid(problems)
    values = _organisation_values(values)
    changes = audit.differences(organisation, values)
    if not changes:
        return {}
    _drop_stale_translations(organisation, changes, TRANSLATABLE["organisations"])
    _assign(organisation, values)
    organisation.reviewed_on = today
    organisation.admin_edited_at = now
    audit.record(
        session, "organisation edited", by=by, now=now, subject=organisation, changes=changes
    )
    return changes


# --- services --------------------------------------------------------------------------


def _service_problems(values: dict) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not values.get("name"):
        problems["name"] = "Enter the service's name"
    if not values.get("summary"):
        problems["summary"] = "Enter a one-sentence summary of the service"
    for name in ("name", "unit_types", "phone", "text_phone"):
        if values.get(name) and len(values[name]) > LENGTHS[name]:
            problems[name] = f"Use {LENGTHS[name]} characters or fewer"
    if values.get("status") not in STATUSES:
        problems["status"] = "Choose whether the service is operating or has ended"
    elif values["status"] == "ended" and not values.get("status_note"):
        problems["status_note"] = NEEDS_ENDED_REASON
    for name in ("ended_on", "funded_until"):
        if values.get(name) is not None and not isinstance(values[name], dt.date):
            problems[name] = "Enter the date as YYYY-MM-DD, like 2027-03-31"
    if not (values.get("accepts_women") or values.get("accepts_men")):
        problems["accepts_women"] = NEEDS_WOMEN_OR_MEN
    for name in (*AGES, *COUNTS):
        value = values.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            problems[name] = "Enter a whole number, 0 or more"
        elif name in AGES and value is not None and value > MAX_AGE:
            problems[name] = f"Enter an age from 0 to {MAX_AGE}"
    low, high = values.get("min_age"), values.get("max_age")
    ages_read = "min_age" not in problems and "max_age" not in problems
    if ages_read and low is not None and high is not None and low > high:
        problems["min_age"] = AGES_REVERSED
    for name, (terms, *_rest) in CODE_FIELDS.items():
        codes = values.get(name) or []
        if any(code not in terms for code in codes) or len(set(codes)) != len(codes):
            problems[name] = "Choose from the list"
    if "areas" not in problems and not values.get("areas"):
        problems["areas"] = NEEDS_AREA
    if "kinds" not in problems and not values.get("kinds"):
        problems["kinds"] = NEEDS_KIND
    if values.get("nrpf") is not None and values["nrpf"] not in vocab.NRPF_ANSWERS:
        problems["nrpf"] = "Choose from the list"
    for name in ("pets", "overnight_security"):
        if values.get(name) not in (True, False, None):
            problems[name] = "Choose yes, no or not known"
    if values.get("sons_no_age_limit") and values.get("max_son_age") is not None:
        problems.setdefault("max_son_age", SON_AGES_BOTH)
    agreed, usual = values.get("max_son_age_if_agreed"), values.get("max_son_age")
    if agreed is not None and (usual is None or agreed <= usual):
        problems.setdefault("max_son_age_if_agreed", SON_AGE_IF_AGREED)
    for name in ("phone", "text_phone"):
        trouble = phone_problem(values.get(name))
        if trouble:
            problems.setdefault(name, trouble)
    return problems


def _service_values(values: dict, current: dict | None = None) -> dict:
    """The values with codes in a steady order: a list holding the same codes as now keeps
    its order (so re-saving a form changes nothing), new codes follow in the vocabulary's."""
    unknown = set(values) - set(SERVICE_FIELDS)
    if unknown:
        raise ValueError(f"not a service field: {', '.join(sorted(unknown))}")
    values = dict(values)
    for name, (terms, *_rest) in CODE_FIELDS.items():
        if name not in values:
            continue
        wanted = set(values[name] or [])
        kept = [code for code in (current or {}).get(name, []) if code in wanted]
        values[name] = kept + [code for code in terms if code in wanted and code not in kept]
    return values


def _set_codes(service: Service, values: dict) -> None:
    for name, (_terms, row_class, relation, attribute) in CODE_FIELDS.items():
        if name not in values or getattr(service, name) == values[name]:
            continue
        rows = getattr(service, relation)
        rows.clear()
        rows.extend(
            row_class(**{attribute: code, "position": position})
            for position, code in enumerate(values[name])
        )


SERVICE_DEFAULTS: dict[str, Any] = {
    "description": "",
    "how_to_refer": "",
    "status": "operating",
    "status_note": "",
    "accepts_women": True,
    "accepts_men": False,
    "eligibility_note": "",
    "takes_from_anywhere": False,
    "sons_no_age_limit": False,
    "son_age_note": "",
    "contact_note": "",
    "specialisms": [],
}


def create_service(
    session: Session,
    organisation: Organisation,
    values: dict,
    by: StaffUser,
    now: dt.datetime,
    today: dt.date,
) -> Service:
    """A new service of the organisation, from the values and its "slug"."""
    values = dict(values)
    slug = values.pop("slug", None)
    wanted = {**SERVICE_DEFAULTS, **values}
    problems = _service_problems(wanted)
    slug_trouble = slug_problem(session, Service, "service", slug)
    if slug_trouble:
        problems["slug"] = slug_trouble
    if problems:
        raise Invalid(problems)
    wanted = _service_values(wanted)
    service = Service(
        id=stable_id("service", slug),
        organisation_id=organisation.id,
        sources=[],
        source_note="",
        translations={},
    )
    wanted = {"slug": slug, **wanted}
    changes = {"organisation": [None, organisation.slug], **audit.differences(service, wanted)}
    _assign(service, wanted)
    service.reviewed_on = today
    service.admin_edited_at = now
    session.add(service)
    audit.record(session, "service created", by=by, now=now, subject=service, changes=changes)
    return service


def update_service(
    session: Session,
    service: Service,
    values: dict,
    by: StaffUser,
    now: dt.datetime,
    today: dt.date,
) -> dict:
    """Apply the values; returns the changes recorded ({} when nothing changed)."""
    current = {name: getattr(service, name) for name in SERVICE_FIELDS}
    problems = _service_problems({**current, **values})
    if problems:
        raise Invalid(problems)
    values = _service_values(values, current)
    changes = audit.differences(service, values)
    if not changes:
        return {}
    _drop_stale_translations(service, changes, TRANSLATABLE["services"])
    _assign(service, values)
    service.reviewed_on = today
    service.admin_edited_at = now
    audit.record(session, "service edited", by=by, now=now, subject=service, changes=changes)
    return changes


def mark_reviewed(
    session: Session, service: Service, by: StaffUser, now: dt.datetime, today: dt.date
) -> None:
    """The facts were checked and nothing has changed: only the last-reviewed date moves.
    Recorded even when it was already today's: the check itself is worth knowing about.
    Marked as an administrator's, so that load-directory does not put back the older date
    from the files."""
    changes = audit.differences(service, {"reviewed_on": today})
    service.reviewed_on = today
    service.admin_edited_at = now
    audit.record(session, "service reviewed", by=by, now=now, subject=service, changes=changes)


# --- shared ----------------------------------------------------------------------------


def _assign(record: Organisation | Service, values: dict) -> None:
    for name, value in values.items():
        if name in CODE_FIELDS:
            continue
        setattr(record, name, value)
    if isinstance(record, Service):
        _set_codes(record, values)


def _drop_stale_translations(
    record: Organisation | Service, changes: dict, translatable: set[str]
) -> None:
    """Remove the other languages' text of each free-text field whose English changed, and
    say so in the audit record (`changes`)."""
    stale = set(changes) & translatable
    translations = record.translations or {}
    dropped: dict[str, list[str]] = {}
    kept: dict[str, dict] = {}
    for language, fields in translations.items():
        remaining = {name: text for name, text in fields.items() if name not in stale}
        for name in sorted(set(fields) - set(remaining)):
            dropped.setdefault(name, []).append(language)
        if remaining:
            kept[language] = remaining
    if dropped:
        # A new dict: the JSON column notices a new value, not a change inside the old one.
        record.translations = kept
        changes["translations removed"] = "; ".join(
            f"{name} ({', '.join(sorted(languages))})" for name, languages in dropped.items()
        )
