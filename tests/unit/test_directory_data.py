"""The directory data file says what the seeds say, and the loader enforces its rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from portal import vocab
from portal.database import Database
from portal.directory.load import DATA_DIR, DataError, load_directory, read_directory
from portal.migrate import upgrade
from portal.models import Organisation, Service, stable_id

SHARED = Path(__file__).resolve().parents[3] / "shared"
ROUTING_SLUGS = {
    "wall",
    "panahghar",
    "freeva",
    "living-without-abuse",
    "uava",
    "leicestershire-gate",
    "leicester-lgbt-centre",
    "turning-point",
    "new-dawn-new-day",
    "zinthiya-trust",
    "action-homeless",
    "locks-247",
    "leicestershire-partnership-nhs-trust",
    "sarc",
    "leicester-city-council",
    "leicestershire-county-council",
    "rutland-county-council",
    "blaby-district-council",
    "charnwood-borough-council",
    "harborough-district-council",
    "hinckley-and-bosworth-borough-council",
    "melton-borough-council",
    "north-west-leicestershire-district-council",
    "oadby-and-wigston-borough-council",
}


@pytest.fixture(scope="module")
def directory():
    organisations, services = read_directory()
    return {o["slug"]: o for o in organisations}, {s["slug"]: s for s in services}


def test_every_organisation_in_the_routing_contract_has_its_slug(directory):
    organisations, _ = directory
    assert ROUTING_SLUGS <= set(organisations)


def test_the_contract_slug_list_matches_the_shared_readme():
    readme = SHARED / "routing" / "README.md"
    if not readme.exists():
        pytest.fail(f"{readme} is missing; the routing contract must sit beside the project")
    section = readme.read_text().split("## Organisation slugs", 1)[1].split("##", 1)[0]
    assert set(re.findall(r"`([a-z0-9-]+)`", section)) == ROUTING_SLUGS


@pytest.mark.parametrize(
    "slug",
    [
        "wall-brookes-house",
        "wall-leicester-refuge",
        "wall-juno-house",
        "wall-dispersed-units",
        "wall-adam-project",
        "wall-jada-plus",
        "panahghar-refuge",
        "panahghar-respite-rooms",
        "panahghar-second-stage",
        "panahghar-safe-home-service",
        "zinthiya-trust-safe-accommodation",
        "action-homeless-safe-accommodation",
        "uava-support-and-information",
        "freeva-male-helpline",
        "freeva-bame-advisor",
        "freeva-adult-counselling",
        "freeva-young-peoples-counselling",
        "living-without-abuse-outreach",
        "living-without-abuse-county-family-service",
        "living-without-abuse-young-persons-idva",
        "leicestershire-gate-domestic-abuse-support",
        "leicester-lgbt-centre-domestic-abuse-counselling",
        "turning-point-domestic-abuse-substance-misuse",
        "new-dawn-new-day-therapeutic-support",
        "locks-247-target-hardening",
        "rutland-pride-alarms",
        "charnwood-domestic-abuse-outreach",
        "blaby-domestic-abuse-outreach",
        "hinckley-and-bosworth-childrens-recovery-support",
        "harborough-children-of-high-risk-survivors",
        "oadby-and-wigston-children-of-high-risk-survivors",
        "leicester-perpetrator-intervention-service",
        "leicester-children-young-people-and-family-service",
        "leicestershire-domestic-abuse-family-recovery-service",
        "sarc-leicester-leicestershire-rutland",
    ],
)
def test_the_services_the_issue_names_are_in_the_directory(directory, slug):
    _, services = directory
    assert slug in services


# Seed 004, table 5.3, read independently of the data file: units, wheelchair units,
# largest family, upper age of sons (firm, and the upper end that must be asked about),
# NRPF, male victims, pets, overnight security.
TABLE_5_3 = {
    "wall-brookes-house": (19, 5, 4, 14, 16, "yes", False, False, True),
    "wall-leicester-refuge": (11, 0, 4, 12, None, "no", False, False, False),
    "wall-juno-house": (8, 0, 2, 12, None, "ask", False, False, True),
    "wall-dispersed-units": (3, 0, 5, "none", None, "ask", True, True, False),
    "panahghar-refuge": (15, 7, 5, 14, 16, "yes", False, False, False),
    "panahghar-respite-rooms": (5, 1, 3, 16, None, "yes", False, True, True),
    "panahghar-second-stage": (6, 0, 3, 14, None, "yes", False, True, True),
    "action-homeless-safe-accommodation": (7, 1, 4, 11, None, "yes", False, False, False),
    "zinthiya-trust-safe-accommodation": (20, 4, 3, 9, None, "yes", False, False, False),
}


@pytest.mark.parametrize("slug", sorted(TABLE_5_3))
def test_each_table_5_3_fact_is_recorded_as_the_seed_gives_it(directory, slug):
    _, services = directory
    s = services[slug]
    units, wheelchair, family, sons, sons_if_agreed, nrpf, men, pets, security = TABLE_5_3[slug]
    assert s["units"] == units
    assert s["wheelchair_units"] == wheelchair
    assert s["largest_family"] == family
    if sons == "none":
        assert s["sons_no_age_limit"] and s["max_son_age"] is None
    else:
        assert s["max_son_age"] == sons and not s["sons_no_age_limit"]
    assert s["max_son_age_if_agreed"] == sons_if_agreed
    assert s["nrpf"] == nrpf
    assert s["accepts_men"] is men
    assert s["pets"] is pets
    assert s["overnight_security"] is security
    assert any(src["document"] == "004" and "5.3" in src["section"] for src in s["sources"])


def test_quality_standards_follow_table_5_3(directory):
    _, services = directory
    assert "WAFE" in services["wall-brookes-house"]["quality_standards"]
    assert "SafeLives" in services["wall-brookes-house"]["quality_standards"]
    assert services["panahghar-refuge"]["quality_standards"] == "Imkaan accreditation"
    assert services["action-homeless-safe-accommodation"]["quality_standards"] is None


def test_only_walls_dispersed_units_take_male_victims_among_accommodation(directory):
    _, services = directory
    takes_men = {
        slug
        for slug, s in services.items()
        if set(s["kinds"]) & vocab.ACCOMMODATION_KINDS and s["accepts_men"]
    }
    assert takes_men == {"wall-dispersed-units"}


def test_pilots_the_seeds_say_have_ended_are_marked_ended_with_a_reason(directory):
    _, services = directory
    for slug in (
        "panahghar-respite-rooms",
        "panahghar-second-stage",
        "wall-complex-needs-refuge",
        "turning-point-hope-project",
        "new-dawn-new-day-emotional-management-programme",
    ):
        assert services[slug]["status"] == "ended", slug
        assert services[slug]["status_note"], slug


def test_county_contracts_carry_the_end_of_their_recorded_term(directory):
    _, services = directory
    # Seed 003: two-year contracts from mid-2022.
    assert str(services["leicestershire-gate-domestic-abuse-support"]["funded_until"]) == (
        "2024-07-31"
    )
    assert str(services["freeva-young-peoples-counselling"]["funded_until"]) == "2024-03-31"


def test_every_record_cites_a_known_document_and_has_a_review_date(directory):
    organisations, services = directory
    for record in [*organisations.values(), *services.values()]:
        assert record["sources"], record["slug"]
        assert record["reviewed_on"], record["slug"]


def test_referral_addresses_are_demo_addresses_clearly_marked(directory):
    organisations, _ = directory
    for org in organisations.values():
        assert org["referral_email"] == f"{org['slug']}@referrals.example.org"
        assert org["referral_email_is_demo"] is True


def test_no_personal_email_address_or_phone_from_the_seeds_is_in_the_data():
    text = "\n".join(path.read_text() for path in DATA_DIR.glob("*.yaml"))
    assert not re.findall(r"[\w.+-]+@(?!referrals\.example\.org)[\w-]+\.[\w.]+", text)
    # The officers' numbers in the seeds.
    for number in ("0116 305 6056", "0116 3056056", "0116 3050113"):
        assert number not in text


def test_every_phone_number_in_the_data_comes_from_the_helplines_source():
    helplines_md = (SHARED / "helplines.md").read_text()
    data = yaml.safe_load((DATA_DIR / "directory.yaml").read_text())
    lines = yaml.safe_load((DATA_DIR / "helplines.yaml").read_text())["helplines"]
    numbers = [
        s.get(key)
        for o in data["organisations"]
        for s in o["services"]
        for key in ("phone", "text_phone")
    ]
    numbers += [line.get(key) for line in lines for key in ("phone", "text_phone")]
    for number in filter(None, numbers):
        assert number in helplines_md, number


def test_codes_used_by_services_belong_to_the_vocabularies(directory):
    _, services = directory
    for s in services.values():
        assert set(s["kinds"]) <= set(vocab.KINDS)
        assert set(s["areas"]) <= set(vocab.LLR_AREAS)
        assert set(s["specialisms"]) <= set(vocab.SPECIALISMS)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "        kinds: [refuge]\n        areas: [leicester]\n        takes_from",
            "        kinds: [hostel]\n        areas: [leicester]\n        takes_from",
            "organisation wall.services[0].kinds: unknown code 'hostel'",
        ),
        (
            "          units: 19\n",
            "          units: 19\n          rooms: 3\n",
            "organisation wall.services[0].accommodation: unknown field(s) rooms",
        ),
        (
            '          nrpf: "yes"\n          pets: false\n          overnight_security: true',
            "          nrpf: maybe\n          pets: false\n          overnight_security: true",
            "organisation wall.services[0].accommodation.nrpf: must be yes, no or ask",
        ),
        (
            "        started_on: 2022-07-01",
            "        started_on: July 2022",
            "started_on: must be a date",
        ),
        (
            '{document: "004", section: "table 5.3", covers: "units, eligibility, security',
            '{document: "999", section: "table 5.3", covers: "units, eligibility, security',
            "unknown document '999'",
        ),
    ],
)
def test_a_mistake_in_the_data_file_is_reported_with_where_it_is(data_copy, old, new, message):
    _edit(data_copy / "directory.yaml", old, new)
    with pytest.raises(DataError, match=re.escape(message)):
        read_directory(data_copy)


@pytest.fixture
def empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def test_loading_twice_changes_nothing_the_second_time(empty_database):
    with empty_database.session() as session:
        first = load_directory(session)
    with empty_database.session() as session:
        second = load_directory(session)
    assert len(first.created) > 40
    assert not second.changed
    assert second.unchanged == len(first.created)


def test_ids_are_stable_across_installs(empty_database):
    with empty_database.session() as session:
        load_directory(session)
        wall = session.scalars(select(Organisation).where(Organisation.slug == "wall")).one()
        refuge = session.scalars(select(Service).where(Service.slug == "panahghar-refuge")).one()
    assert wall.id == stable_id("organisation", "wall")
    assert refuge.id == stable_id("service", "panahghar-refuge")


def test_a_changed_fact_is_updated_on_reload(empty_database, data_copy):
    with empty_database.session() as session:
        load_directory(session, data_copy)
    _edit(data_copy / "directory.yaml", "          units: 19\n", "          units: 20\n")
    with empty_database.session() as session:
        report = load_directory(session, data_copy)
        brookes = session.scalars(select(Service).where(Service.slug == "wall-brookes-house")).one()
        assert brookes.units == 20
    assert report.updated == ["wall-brookes-house"]
