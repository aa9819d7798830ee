"""A synthetic directory of N services, for benchmarks: realistic in shape, invented in content.

Organisations run one to eight services each. Each service has kinds, areas and (sometimes)
specialisms drawn from portal/vocab.py with weights like the real directory's: many outreach
and counselling services, fewer refuges, most services for the whole of LLR or one district,
a few specialist "by and for" services. Eligibility (women, men, ages), statuses (a few ended,
some whose funding term has passed), accommodation facts for refuges and other places to stay
(units, family size, sons' ages, NRPF, pets, wheelchair units), phone numbers and, for some
services, summaries in other languages. The same seed gives the same directory, byte for byte.

It is written straight into a database (after `portal.migrate.upgrade`) with bulk inserts, not
through load-directory: 10,000 services take a few seconds. Nothing here needs Flask (importing
any portal module runs portal/__init__.py, which imports it; nothing here uses it).

From another benchmark or a test:

    from bench.synthetic_directory import write_directory
    write_directory("sqlite:////tmp/directory.sqlite3", services=10_000, seed=1)

From the shell, at the repository root:

    .venv/bin/python bench/synthetic_directory.py --services 10000 --database-url URL
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from portal import vocab  # noqa: E402
from portal.config import ConfigError  # noqa: E402
from portal.database import make_engine  # noqa: E402
from portal.migrate import upgrade  # noqa: E402
from portal.models import (  # noqa: E402
    Organisation,
    Service,
    ServiceArea,
    ServiceKind,
    ServiceSpecialism,
    stable_id,
)

DEFAULT_SEED = 1
# The day the synthetic facts are written around (funding terms, reviews): the tests' TODAY.
REFERENCE_DAY = dt.date(2026, 11, 22)
# Every synthetic slug starts with this, so a synthetic record is never mistaken for a real one.
SLUG_PREFIX = "synthetic-"

# Weights of a service's main kind, roughly as in the real directory and the sources.
KIND_WEIGHTS = {
    "outreach": 20,
    "counselling": 10,
    "refuge": 10,
    "idva": 8,
    "children-young-people": 8,
    "dispersed-accommodation": 5,
    "group-programme": 5,
    "housing-advice": 5,
    "helpline": 4,
    "substance-misuse": 4,
    "mental-health": 4,
    "home-security": 4,
    "sexual-violence": 4,
    "perpetrator-programme": 3,
    "respite-accommodation": 1,
    "second-stage-accommodation": 1,
}
SPECIALISM_WEIGHTS = {
    "bme": 6,
    "young-people": 5,
    "men": 3,
    "lgbt": 3,
    "substance-misuse": 3,
    "mental-health": 3,
    "nrpf": 2,
    "grt": 1,
}
SERVICES_PER_ORGANISATION = {1: 3, 2: 5, 3: 5, 4: 4, 5: 2, 6: 1, 7: 1, 8: 1}

ORGANISATION_WORDS = (
    "Harbour",
    "Beacon",
    "Haven",
    "Bridge",
    "Compass",
    "Lantern",
    "Willow",
    "Oak",
    "Soar Valley",
    "Wreake",
    "Charnwood Forest",
    "Welland",
    "Sence",
    "Bradgate",
    "Foxton",
    "Rutland Water",
)
ORGANISATION_KINDS = (
    "Women's Aid",
    "Trust",
    "Project",
    "Community Support",
    "Family Service",
    "Advice Centre",
    "Housing Association",
)
UNIT_TYPES = ("Self-contained", "Shared", "Self-contained and dispersed", "Shared and dispersed")
TRANSLATED_LANGUAGES = tuple(code for code in vocab.LANGUAGE_CODES if code != "en")
# A source document every synthetic record cites (sources.yaml must know it).
SOURCE = {"document": "004", "section": "synthetic benchmark data", "covers": ""}


@dataclass(frozen=True)
class SyntheticDirectory:
    """What was written: rows ready for the tables, in insertion order."""

    organisations: list[dict]
    services: list[dict]
    areas: list[dict]
    kinds: list[dict]
    specialisms: list[dict]

    @property
    def service_slugs(self) -> list[str]:
        return [service["slug"] for service in self.services]


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _areas(rng: random.Random, accommodation: bool) -> list[str]:
    if accommodation:
        # A place to stay is somewhere; it takes people from anywhere.
        return [rng.choice(("leicester",) * 4 + vocab.COUNTY_DISTRICTS + ("rutland",))]
    roll = rng.random()
    if roll < 0.20:
        return list(vocab.LLR_AREAS)
    if roll < 0.35:
        return list(vocab.COUNTY_DISTRICTS)
    if roll < 0.60:
        return ["leicester"]
    if roll < 0.90:
        return [rng.choice(vocab.COUNTY_DISTRICTS + ("rutland",))]
    return rng.sample(vocab.LLR_AREAS, rng.randint(2, 3))


def _date(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randrange((high - low).days + 1))


def _accommodation(rng: random.Random) -> dict:
    units = rng.randint(3, 30)
    sons: dict = {"sons_no_age_limit": False, "max_son_age": None, "max_son_age_if_agreed": None}
    roll = rng.random()
    if roll < 0.2:
        sons["sons_no_age_limit"] = True
    elif roll < 0.9:
        sons["max_son_age"] = rng.randint(10, 16)
        if rng.random() < 0.3:
            sons["max_son_age_if_agreed"] = sons["max_son_age"] + rng.randint(1, 3)
    pets = rng.random() < 0.2
    return {
        "units": units,
        "unit_types": rng.choice(UNIT_TYPES),
        "wheelchair_units": rng.choice((0, 0, 0, 1, 1, 2, 3)),
        "largest_family": rng.randint(2, 7),
        "nrpf": rng.choice(("yes", "no", "ask", None)),
        "pets": pets if rng.random() < 0.9 else None,
        "pet_units": rng.randint(1, max(1, units // 4)) if pets and rng.random() < 0.6 else None,
        "overnight_security": rng.choice((True, False, None)),
        "son_age_note": "",
        **sons,
    }


NO_ACCOMMODATION = {
    "units": None,
    "unit_types": None,
    "wheelchair_units": None,
    "largest_family": None,
    "nrpf": None,
    "pets": None,
    "pet_units": None,
    "overnight_security": None,
    "son_age_note": "",
    "sons_no_age_limit": False,
    "max_son_age": None,
    "max_son_age_if_agreed": None,
}


def _service(rng: random.Random, number: int, organisation: dict) -> tuple[dict, list, list, list]:
    kind = _weighted(rng, KIND_WEIGHTS)
    accommodation = kind in vocab.ACCOMMODATION_KINDS
    kinds = [kind]
    if not accommodation and rng.random() < 0.25:
        extra = _weighted(rng, KIND_WEIGHTS)
        if extra not in kinds and extra not in vocab.ACCOMMODATION_KINDS:
            kinds.append(extra)
    areas = _areas(rng, accommodation)
    specialisms: list[str] = []
    if rng.random() < 0.3:
        specialisms.append(_weighted(rng, SPECIALISM_WEIGHTS))
        if rng.random() < 0.1:
            second = _weighted(rng, SPECIALISM_WEIGHTS)
            if second not in specialisms:
                specialisms.append(second)

    accepts_men = "men" in specialisms or rng.random() < 0.3
    accepts_women = not ("men" in specialisms and rng.random() < 0.5)
    min_age = max_age = None
    if "young-people" in specialisms or kind == "children-young-people":
        min_age, max_age = rng.choice(((13, 25), (5, 18), (11, 19), (None, 18)))
    elif rng.random() < 0.5:
        min_age = rng.choice((16, 18))

    status, ended_on, status_note = "operating", None, ""
    funded_until = None
    if rng.random() < 0.04:
        status = "ended"
        ended_on = _date(rng, dt.date(2019, 1, 1), dt.date(2024, 12, 31))
        status_note = "The pilot's funding ended and the sources record no replacement."
    elif rng.random() < 0.3:
        funded_until = _date(rng, dt.date(2022, 1, 1), dt.date(2029, 12, 31))

    label = vocab.KINDS[kind].label
    where = vocab.AREAS[areas[0]].label if len(areas) == 1 else "Leicester and Leicestershire"
    slug = f"{SLUG_PREFIX}{number:05d}-{kind}"
    summary = f"{label} for people experiencing domestic abuse in {where}."
    translations = {}
    if rng.random() < 0.2:
        for language in rng.sample(TRANSLATED_LANGUAGES, rng.randint(1, 3)):
            translations[language] = {"summary": f"[{language}] {summary}"}
    service = {
        "id": stable_id("service", slug),
        "slug": slug,
        "organisation_id": organisation["id"],
        "name": f"{organisation['short_name']} {label.lower()} {number}",
        "summary": summary,
        "description": (
            f"{organisation['name']} runs this service. {summary} "
            "Call or ask a professional to refer you; the service will agree a safe way to "
            "contact you."
        ),
        "how_to_refer": "Call, or ask a professional to refer you." if rng.random() < 0.6 else "",
        "commissioner": rng.choice(
            (None, "Leicester City Council", "Leicestershire County Council", "Rutland Council")
        ),
        "status": status,
        "started_on": _date(rng, dt.date(2012, 1, 1), dt.date(2023, 1, 1)),
        "ended_on": ended_on,
        "funded_until": funded_until,
        "status_note": status_note,
        "accepts_women": accepts_women,
        "accepts_men": accepts_men,
        "min_age": min_age,
        "max_age": max_age,
        "eligibility_note": "Ask about age limits." if rng.random() < 0.1 else "",
        "takes_from_anywhere": accommodation,
        "quality_standards": "Women's Aid Federation of England standards"
        if accommodation and rng.random() < 0.5
        else None,
        "phone": f"0116 {rng.randint(200, 499)} {rng.randint(1000, 9999)}"
        if rng.random() < 0.7
        else None,
        "text_phone": None,
        "contact_note": "",
        "sources": [SOURCE],
        "source_note": "",
        "reviewed_on": _date(rng, dt.date(2025, 1, 1), REFERENCE_DAY),
        "translations": translations,
        **(_accommodation(rng) if accommodation else NO_ACCOMMODATION),
    }
    rows = (
        [{"service_id": service["id"], "area": a, "position": i} for i, a in enumerate(areas)],
        [{"service_id": service["id"], "kind": k, "position": i} for i, k in enumerate(kinds)],
        [
            {"service_id": service["id"], "specialism": s, "position": i}
            for i, s in enumerate(specialisms)
        ],
    )
    return (service, *rows)


def generate(services: int, seed: int = DEFAULT_SEED) -> SyntheticDirectory:
    """The rows of a directory of exactly `services` services; the same seed, the same rows."""
    if services < 1:
        raise ValueError("a directory needs at least one service")
    rng = random.Random(seed)
    directory = SyntheticDirectory([], [], [], [], [])
    while len(directory.services) < services:
        number = len(directory.organisations) + 1
        words = f"{rng.choice(ORGANISATION_WORDS)} {rng.choice(ORGANISATION_KINDS)}"
        slug = f"{SLUG_PREFIX}org-{number:05d}"
        organisation = {
            "id": stable_id("organisation", slug),
            "slug": slug,
            "name": f"{words} {number}",
            "short_name": "".join(word[0] for word in words.split() if word[0].isupper())
            + str(number),
            "description": f"An invented organisation ({words}) for benchmarks.",
            "referral_email": f"{slug}@referrals.example.org",
            "referral_email_is_demo": True,
            "sources": [SOURCE],
            "reviewed_on": REFERENCE_DAY,
            "translations": {},
        }
        directory.organisations.append(organisation)
        count = int(_weighted(rng, SERVICES_PER_ORGANISATION))
        for _ in range(min(count, services - len(directory.services))):
            service, areas, kinds, specialisms = _service(
                rng, len(directory.services) + 1, organisation
            )
            directory.services.append(service)
            directory.areas.extend(areas)
            directory.kinds.extend(kinds)
            directory.specialisms.extend(specialisms)
    return directory


class DirectoryNotEmpty(RuntimeError):
    """The database already holds services (pass replace=True to delete the directory)."""


def write_directory(
    database_url: str, services: int, seed: int = DEFAULT_SEED, *, replace: bool = False
) -> SyntheticDirectory:
    """Migrate the database to the head and write a synthetic directory into it.

    A database that already holds services is refused unless `replace`, which deletes every
    organisation and service first (only for a benchmark's own database: referrals that point
    at an organisation would stop it)."""
    upgrade(database_url)
    directory = generate(services, seed)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            existing = connection.scalar(select(func.count()).select_from(Service))
            if existing and not replace:
                raise DirectoryNotEmpty(
                    f"the database already holds {existing} services; use an empty database "
                    "(or replace=True / --replace)"
                )
            for model in (ServiceSpecialism, ServiceKind, ServiceArea, Service, Organisation):
                connection.execute(delete(model))
            for model, rows in (
                (Organisation, directory.organisations),
                (Service, directory.services),
                (ServiceArea, directory.areas),
                (ServiceKind, directory.kinds),
                (ServiceSpecialism, directory.specialisms),
            ):
                for start in range(0, len(rows), 2000):
                    connection.execute(insert(model), rows[start : start + 2000])
        # What autovacuum (PostgreSQL) does soon after a bulk load: statistics for the planner
        # and the visibility map for index-only scans. SQLite gathers no statistics by itself,
        # so it gets none here: the app must not depend on them.
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, required=True, help="how many services")
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql URL")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--replace", action="store_true", help="delete the directory already in the database"
    )
    args = parser.parse_args(argv)
    try:
        directory = write_directory(
            args.database_url, args.services, args.seed, replace=args.replace
        )
    except (DirectoryNotEmpty, ConfigError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{len(directory.services)} services of {len(directory.organisations)} organisations "
        f"written (seed {args.seed})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
