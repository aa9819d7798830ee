"""Read the directory data files, check them strictly, and upsert them into the database.

Loading is idempotent: each record is keyed by its slug (ids derive from slugs), fields are
only written when they differ, so a second run reports no changes. A record that is in the
database but no longer in the files is reported, not deleted: referrals may point at it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import vocab
from portal.models import (
    Organisation,
    Service,
    ServiceArea,
    ServiceKind,
    ServiceSpecialism,
    stable_id,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_EMAIL_DOMAIN = "referrals.example.org"


class DataError(ValueError):
    """The data files break a rule; the message names the file, the record and the field."""


ORGANISATION_KEYS = {
    "slug",
    "name",
    "short_name",
    "description",
    "sources",
    "services",
    "referral_email",
    "reviewed_on",
}
SERVICE_KEYS = {
    "slug",
    "name",
    "summary",
    "description",
    "how_to_refer",
    "commissioner",
    "status",
    "started_on",
    "ended_on",
    "funded_until",
    "status_note",
    "accepts_women",
    "accepts_men",
    "min_age",
    "max_age",
    "eligibility_note",
    "takes_from_anywhere",
    "kinds",
    "specialisms",
    "areas",
    "accommodation",
    "quality_standards",
    "phone",
    "text_phone",
    "contact_note",
    "sources",
    "source_note",
    "reviewed_on",
}
ACCOMMODATION_KEYS = {
    "units",
    "unit_types",
    "wheelchair_units",
    "largest_family",
    "sons",
    "nrpf",
    "pets",
    "pet_units",
    "overnight_security",
}
SONS_KEYS = {"no_limit", "max", "max_if_agreed", "note"}
SOURCE_KEYS = {"document", "section", "covers"}
HELPLINE_KEYS = {
    "slug",
    "name",
    "phone",
    "text_phone",
    "hours",
    "text_hours",
    "audience",
    "always",
    "for_needs",
    "for_specialisms",
    "source",
}


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_files: list[str] = field(default_factory=list)
    # Changed by an administrator since: the database is the truth for these now.
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        lines = [
            f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"
        ]
        lines += [f"  created {slug}" for slug in self.created]
        lines += [f"  updated {slug}" for slug in self.updated]
        lines += [
            f"  edited by an administrator, so left as the administrator made it: {slug}"
            for slug in self.kept
        ]
        lines += [
            f"  in the database but not in the files (left as is): {slug}"
            for slug in self.not_in_files
        ]
        return "\n".join(lines)


# --- reading and checking -------------------------------------------------------------


class _Reader:
    """Checks one file's records, producing messages that say exactly where a problem is."""

    def __init__(self, filename: str, documents: set[str]):
        self.filename = filename
        self.documents = documents

    def fail(self, where: str, message: str) -> DataError:
        return DataError(f"{self.filename}: {where}: {message}")

    def keys(self, where: str, record: Any, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(record, dict):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(record) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(unknown)}")
        missing = sorted(required - set(record))
        if missing:
            raise self.fail(where, f"missing field(s) {', '.join(missing)}")
        return record

    def text(self, where: str, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(where, "is required")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(where, "must be text")
        return " ".join(value.split())

    def integer(self, where: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(where, "must be a whole number, 0 or more")
        return value

    def boolean(self, where: str, value: Any, default: bool | None = None) -> bool | None:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def date(self, where: str, value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        raise self.fail(where, "must be a date written YYYY-MM-DD")

    def codes(self, where: str, value: Any, terms: dict, extra: tuple[str, ...] = ()) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        for code in value:
            if code not in terms and code not in extra:
                raise self.fail(where, f"unknown code {code!r}")
        if len(set(value)) != len(value):
            raise self.fail(where, "lists a code twice")
        return list(value)

    def sources(self, where: str, value: Any) -> list[dict]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must list at least one source")
        result = []
        for index, source in enumerate(value):
            here = f"{where}[{index}]"
            self.keys(here, source, SOURCE_KEYS, {"document", "section"})
            if source["document"] not in self.documents:
                raise self.fail(here, f"unknown document {source['document']!r}")
            result.append(
                {
                    "document": source["document"],
                    "section": self.text(f"{here}.section", source["section"], required=True),
                    "covers": self.text(f"{here}.covers", source.get("covers")) or "",
                }
            )
        return result


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path.name}: cannot be read: {exc}") from exc


def read_documents(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    documents = _read_yaml(data_dir / "sources.yaml")
    if not isinstance(documents, dict) or not documents:
        raise DataError("sources.yaml: must map document keys to their descriptions")
    for key, document in documents.items():
        missing = {"file", "title", "publisher", "dated"} - set(document or {})
        if missing:
            raise DataError(f"sources.yaml: {key}: missing field(s) {', '.join(sorted(missing))}")
    return {str(key): value for key, value in documents.items()}


def _service_values(reader: _Reader, where: str, raw: dict, reviewed_on: dt.date) -> dict:
    reader.keys(where, raw, SERVICE_KEYS, {"slug", "name", "summary", "kinds", "areas", "sources"})
    values: dict[str, Any] = {
        "slug": reader.text(f"{where}.slug", raw["slug"], required=True),
        "name": reader.text(f"{where}.name", raw["name"], required=True),
        "summary": reader.text(f"{where}.summary", raw["summary"], required=True),
        "description": reader.text(f"{where}.description", raw.get("description")) or "",
        "how_to_refer": reader.text(f"{where}.how_to_refer", raw.get("how_to_refer")) or "",
        "commissioner": reader.text(f"{where}.commissioner", raw.get("commissioner")),
        "status": raw.get("status", "operating"),
        "started_on": reader.date(f"{where}.started_on", raw.get("started_on")),
        "ended_on": reader.date(f"{where}.ended_on", raw.get("ended_on")),
        "funded_until": reader.date(f"{where}.funded_until", raw.get("funded_until")),
        "status_note": reader.text(f"{where}.status_note", raw.get("status_note")) or "",
        "accepts_women": reader.boolean(f"{where}.accepts_women", raw.get("accepts_women"), True),
        "accepts_men": reader.boolean(f"{where}.accepts_men", raw.get("accepts_men"), False),
        "min_age": reader.integer(f"{where}.min_age", raw.get("min_age")),
        "max_age": reader.integer(f"{where}.max_age", raw.get("max_age")),
        "eligibility_note": reader.text(f"{where}.eligibility_note", raw.get("eligibility_note"))
        or "",
        "takes_from_anywhere": reader.boolean(
            f"{where}.takes_from_anywhere", raw.get("takes_from_anywhere"), False
        ),
        "quality_standards": reader.text(
            f"{where}.quality_standards", raw.get("quality_standards")
        ),
        "phone": reader.text(f"{where}.phone", raw.get("phone")),
        "text_phone": reader.text(f"{where}.text_phone", raw.get("text_phone")),
        "contact_note": reader.text(f"{where}.contact_note", raw.get("contact_note")) or "",
        "sources": reader.sources(f"{where}.sources", raw["sources"]),
        "source_note": reader.text(f"{where}.source_note", raw.get("source_note")) or "",
        "reviewed_on": reader.date(f"{where}.reviewed_on", raw.get("reviewed_on")) or reviewed_on,
    }
    if values["status"] not in {"operating", "ended"}:
        raise reader.fail(f"{where}.status", "must be operating or ended")
    if values["status"] == "ended" and not values["status_note"]:
        raise reader.fail(f"{where}.status_note", "an ended service must say why it is ended")
    if not (values["accepts_women"] or values["accepts_men"]):
        raise reader.fail(where, "a service must accept women, men or both")
    low, high = values["min_age"], values["max_age"]
    if low is not None and high is not None and low > high:
        raise reader.fail(f"{where}.min_age", "is above max_age")

    kinds = reader.codes(f"{where}.kinds", raw["kinds"], vocab.KINDS)
    if not kinds:
        raise reader.fail(f"{where}.kinds", "must list at least one kind")
    areas = vocab.expand_areas(
        reader.codes(f"{where}.areas", raw["areas"], vocab.AREAS, tuple(vocab.AREA_GROUPS))
    )
    if not areas:
        raise reader.fail(f"{where}.areas", "must list at least one area")
    values["kinds"] = kinds
    values["areas"] = areas
    values["specialisms"] = reader.codes(
        f"{where}.specialisms", raw.get("specialisms"), vocab.SPECIALISMS
    )
    values.update(_accommodation_values(reader, f"{where}.accommodation", raw.get("accommodation")))
    return values


def _accommodation_values(reader: _Reader, where: str, raw: Any) -> dict:
    raw = reader.keys(where, raw or {}, ACCOMMODATION_KEYS, set())
    sons = reader.keys(f"{where}.sons", raw.get("sons") or {}, SONS_KEYS, set())
    nrpf = raw.get("nrpf")
    if nrpf is not None and nrpf not in vocab.NRPF_ANSWERS:
        raise reader.fail(f"{where}.nrpf", 'must be yes, no or ask (quote "yes" and "no")')
    values = {
        "units": reader.integer(f"{where}.units", raw.get("units")),
        "unit_types": reader.text(f"{where}.unit_types", raw.get("unit_types")),
        "wheelchair_units": reader.integer(
            f"{where}.wheelchair_units", raw.get("wheelchair_units")
        ),
        "largest_family": reader.integer(f"{where}.largest_family", raw.get("largest_family")),
        "nrpf": nrpf,
        "pets": reader.boolean(f"{where}.pets", raw.get("pets")),
        "pet_units": reader.integer(f"{where}.pet_units", raw.get("pet_units")),
        "overnight_security": reader.boolean(
            f"{where}.overnight_security", raw.get("overnight_security")
        ),
        "sons_no_age_limit": bool(
            reader.boolean(f"{where}.sons.no_limit", sons.get("no_limit"), False)
        ),
        "max_son_age": reader.integer(f"{where}.sons.max", sons.get("max")),
        "max_son_age_if_agreed": reader.integer(
            f"{where}.sons.max_if_agreed", sons.get("max_if_agreed")
        ),
        "son_age_note": reader.text(f"{where}.sons.note", sons.get("note")) or "",
    }
    if values["sons_no_age_limit"] and values["max_son_age"] is not None:
        raise reader.fail(f"{where}.sons", "cannot have both no_limit and max")
    if values["max_son_age_if_agreed"] is not None and (
        values["max_son_age"] is None or values["max_son_age_if_agreed"] <= values["max_son_age"]
    ):
        raise reader.fail(f"{where}.sons.max_if_agreed", "must be above sons.max")
    return values


def read_directory(data_dir: Path = DATA_DIR) -> tuple[list[dict], list[dict]]:
    """Return (organisations, services) as checked plain dicts, or raise DataError."""
    documents = read_documents(data_dir)
    reader = _Reader("directory.yaml", set(documents))
    data = _read_yaml(data_dir / "directory.yaml")
    reader.keys(
        "top level", data, {"reviewed_on", "organisations"}, {"reviewed_on", "organisations"}
    )
    reviewed_on = reader.date("reviewed_on", data["reviewed_on"])
    organisations, services = [], []
    seen_slugs: set[str] = set()
    for index, raw in enumerate(data["organisations"] or []):
        where = f"organisations[{index}]"
        reader.keys(where, raw, ORGANISATION_KEYS, {"slug", "name", "sources", "services"})
        slug = reader.text(f"{where}.slug", raw["slug"], required=True)
        where = f"organisation {slug}"
        if slug in seen_slugs:
            raise reader.fail(where, "slug used twice")
        seen_slugs.add(slug)
        email = reader.text(f"{where}.referral_email", raw.get("referral_email"))
        organisations.append(
            {
                "slug": slug,
                "name": reader.text(f"{where}.name", raw["name"], required=True),
                "short_name": reader.text(f"{where}.short_name", raw.get("short_name")),
                "description": reader.text(f"{where}.description", raw.get("description")) or "",
                "sources": reader.sources(f"{where}.sources", raw["sources"]),
                "reviewed_on": reader.date(f"{where}.reviewed_on", raw.get("reviewed_on"))
                or reviewed_on,
                # Demo addresses until an administrator sets a real one (issue: routing).
                "referral_email": email or f"{slug}@{DEMO_EMAIL_DOMAIN}",
                "referral_email_is_demo": email is None or email.endswith(f"@{DEMO_EMAIL_DOMAIN}"),
            }
        )
        if not isinstance(raw["services"], list):
            raise reader.fail(f"{where}.services", "must be a list (use [] for none)")
        for service_index, raw_service in enumerate(raw["services"]):
            service_where = f"{where}.services[{service_index}]"
            values = _service_values(reader, service_where, raw_service, reviewed_on)
            if values["slug"] in seen_slugs:
                raise reader.fail(service_where, f"slug {values['slug']!r} used twice")
            seen_slugs.add(values["slug"])
            values["organisation"] = slug
            services.append(values)
    return organisations, services


# Free text that may be written in other languages (everything else is vocabulary, which
# the catalogs translate, or a name, which stays as the organisation writes it).
TRANSLATABLE = {
    "organisations": {"description"},
    "services": {
        "summary",
        "description",
        "how_to_refer",
        "status_note",
        "eligibility_note",
        "contact_note",
    },
}


def read_translations(
    organisations: list[dict], services: list[dict], data_dir: Path = DATA_DIR
) -> dict[str, dict[str, dict]]:
    """Read translations/<lang>.yaml: {"organisations"|"services": {slug: {lang: {field: text}}}}.

    A translation of a field the English record leaves empty, or of a record that does not
    exist, is an error: it would be shown for a fact we do not hold.
    """
    english = {
        "organisations": {o["slug"]: o for o in organisations},
        "services": {s["slug"]: s for s in services},
    }
    found: dict[str, dict[str, dict]] = {"organisations": {}, "services": {}}
    for path in sorted((data_dir / "translations").glob("*.yaml")):
        reader = _Reader(f"translations/{path.name}", set())
        data = _read_yaml(path)
        reader.keys("top level", data, {"language", "organisations", "services"}, {"language"})
        language = reader.text("language", data["language"], required=True)
        if language not in vocab.LANGUAGE_CODES or language == "en" or path.stem != language:
            raise reader.fail("language", f"{language!r}: a known language, named as the file")
        for group in ("organisations", "services"):
            for slug, fields in (data.get(group) or {}).items():
                where = f"{group}.{slug}"
                if slug not in english[group]:
                    raise reader.fail(where, "no such record in directory.yaml")
                reader.keys(where, fields, TRANSLATABLE[group], set())
                texts = {}
                for name, value in fields.items():
                    text = reader.text(f"{where}.{name}", value, required=True)
                    if not english[group][slug].get(name):
                        raise reader.fail(f"{where}.{name}", "the English record has no such text")
                    texts[name] = text
                found[group].setdefault(slug, {})[language] = texts
    return found


def read_helplines(data_dir: Path = DATA_DIR) -> list[dict]:
    """Helplines are read from their file, not the database, so that pages which must show
    them (errors, the danger banner) work even when the database does not."""
    reader = _Reader("helplines.yaml", set())
    data = _read_yaml(data_dir / "helplines.yaml")
    reader.keys("top level", data, {"recorded_on", "helplines"}, {"recorded_on", "helplines"})
    recorded_on = reader.date("recorded_on", data["recorded_on"])
    helplines = []
    for position, raw in enumerate(data["helplines"]):
        where = f"helplines[{position}]"
        reader.keys(where, raw, HELPLINE_KEYS, {"slug", "name", "phone", "source"})
        helplines.append(
            {
                "slug": reader.text(f"{where}.slug", raw["slug"], required=True),
                "name": reader.text(f"{where}.name", raw["name"], required=True),
                "phone": reader.text(f"{where}.phone", raw["phone"], required=True),
                "text_phone": reader.text(f"{where}.text_phone", raw.get("text_phone")),
                "hours": reader.text(f"{where}.hours", raw.get("hours")) or "",
                "text_hours": reader.text(f"{where}.text_hours", raw.get("text_hours")) or "",
                "audience": reader.text(f"{where}.audience", raw.get("audience")) or "",
                "always": bool(reader.boolean(f"{where}.always", raw.get("always"), False)),
                "for_needs": reader.codes(f"{where}.for_needs", raw.get("for_needs"), vocab.NEEDS),
                "for_specialisms": reader.codes(
                    f"{where}.for_specialisms", raw.get("for_specialisms"), vocab.SPECIALISMS
                ),
                "source": reader.text(f"{where}.source", raw["source"], required=True),
                "position": position,
                "recorded_on": recorded_on,
            }
        )
    return helplines


# --- writing ------------------------------------------------------------------------


def _assign(record: Any, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _sync_rows(rows: list, wanted: list[str], attribute: str, factory) -> bool:
    """Make a service's area/kind/specialism rows equal `wanted`, in order."""
    current = [getattr(row, attribute) for row in rows]
    if current == wanted:
        return False
    rows.clear()
    rows.extend(factory(**{attribute: code, "position": i}) for i, code in enumerate(wanted))
    return True


def load_directory(session: Session, data_dir: Path = DATA_DIR) -> LoadReport:
    """Upsert every organisation and service from the data files (helplines are checked)."""
    organisations, services = read_directory(data_dir)
    translations = read_translations(organisations, services, data_dir)
    for group, records in (("organisations", organisations), ("services", services)):
        for values in records:
            values["translations"] = translations[group].get(values["slug"], {})
    read_helplines(data_dir)
    report = LoadReport()

    existing_orgs = {org.slug: org for org in session.scalars(select(Organisation))}
    org_ids = {}
    for values in organisations:
        org = existing_orgs.get(values["slug"])
        if org is None:
            # Providers in the files keep the referral in the e-mail, as before the inbox;
            # an administrator can move each to "link" (organisations made in the admin
            # start there).
            org = Organisation(id=stable_id("organisation", values["slug"]), delivery_mode="full")
            session.add(org)
            _assign(org, values)
            report.created.append(values["slug"])
        elif org.admin_edited_at is not None:
            report.kept.append(values["slug"])
        elif _assign(org, values):
            report.updated.append(values["slug"])
        else:
            report.unchanged += 1
        org_ids[values["slug"]] = org.id

    existing_services = {s.slug: s for s in session.scalars(select(Service))}
    for values in services:
        values = dict(values)
        areas = values.pop("areas")
        kinds = values.pop("kinds")
        specialisms = values.pop("specialisms")
        values["organisation_id"] = org_ids[values.pop("organisation")]
        service = existing_services.get(values["slug"])
        if service is not None and service.admin_edited_at is not None:
            report.kept.append(values["slug"])
            continue
        created = service is None
        if created:
            service = Service(id=stable_id("service", values["slug"]))
            session.add(service)
        changed = _assign(service, values)
        changed |= _sync_rows(service.area_rows, areas, "area", ServiceArea)
        changed |= _sync_rows(service.kind_rows, kinds, "kind", ServiceKind)
        changed |= _sync_rows(service.specialism_rows, specialisms, "specialism", ServiceSpecialism)
        if created:
            report.created.append(values["slug"])
        elif changed:
            report.updated.append(values["slug"])
        else:
            report.unchanged += 1

    in_files = {o["slug"] for o in organisations} | {s["slug"] for s in services}
    in_db = set(existing_orgs) | set(existing_services)
    report.not_in_files = sorted(in_db - in_files)
    session.flush()
    return report
