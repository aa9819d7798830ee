"""Directory filters return the services a person would expect, on the real data."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.directory.queries import DirectoryFilter, find_services, get_service
from tests.conftest import TODAY


def slugs(db, **criteria) -> set[str]:
    return {s.slug for s in find_services(db, DirectoryFilter(**criteria), TODAY)}


def test_without_choices_every_service_that_has_not_ended_is_listed(db):
    listed = slugs(db)
    assert "wall-brookes-house" in listed
    assert "leicestershire-gate-domestic-abuse-support" in listed  # to check, still listed
    assert "panahghar-respite-rooms" not in listed  # ended pilot
    assert "panahghar-respite-rooms" in slugs(db, include_ended=True)


def test_an_area_lists_its_local_services_and_refuges_that_take_people_from_anywhere(db):
    melton = slugs(db, area="melton")
    assert "wall-adam-project" in melton  # county contract
    assert "wall-brookes-house" in melton  # refuge: from anywhere
    assert "charnwood-domestic-abuse-outreach" not in melton
    assert "rutland-pride-alarms" not in melton
    assert "rutland-pride-alarms" in slugs(db, area="rutland")


def test_a_need_lists_services_of_the_kinds_that_meet_it(db):
    accommodation = slugs(db, need="safe-accommodation")
    assert {"wall-brookes-house", "wall-dispersed-units", "panahghar-refuge"} <= accommodation
    assert "freeva-adult-counselling" not in accommodation
    assert "turning-point-domestic-abuse-substance-misuse" in slugs(db, need="substance-misuse")
    assert "leicester-perpetrator-intervention-service" in slugs(db, need="change-behaviour")


def test_immigration_need_finds_services_for_people_with_no_recourse_to_public_funds(db):
    assert "panahghar-refuge" in slugs(db, need="immigration")


def test_specialist_filters_list_by_and_for_services(db):
    assert slugs(db, specialism="grt") == {"leicestershire-gate-domestic-abuse-support"}
    assert "panahghar-refuge" in slugs(db, specialism="bme")
    assert "wall-brookes-house" not in slugs(db, specialism="bme")


def test_accepts_men_leaves_out_women_only_services(db):
    men = slugs(db, accepts_men=True)
    assert "wall-dispersed-units" in men
    assert "wall-adam-project" in men
    assert "wall-brookes-house" not in men
    assert "panahghar-refuge" not in men


def test_nrpf_keeps_yes_and_ask_and_drops_no(db):
    nrpf = slugs(db, accepts_nrpf=True)
    assert "panahghar-refuge" in nrpf  # yes
    assert "wall-juno-house" in nrpf  # no blanket policy: ask
    assert "wall-leicester-refuge" not in nrpf  # no
    assert "uava-support-and-information" in nrpf  # support, not housing: not excluded


def test_pets_and_wheelchair_select_accommodation_that_has_them(db):
    assert slugs(db, pets=True) == {"wall-dispersed-units"}
    wheelchair = slugs(db, wheelchair=True)
    assert {"wall-brookes-house", "panahghar-refuge", "zinthiya-trust-safe-accommodation"} <= (
        wheelchair
    )
    assert "wall-leicester-refuge" not in wheelchair


def test_family_size_counts_everyone_moving_in(db):
    five = slugs(db, family_size=5)
    assert five == {"wall-dispersed-units", "panahghar-refuge"}


def test_a_sons_age_in_a_range_the_source_leaves_open_is_not_excluded(db):
    assert "wall-brookes-house" in slugs(db, son_age=15)  # 14-16: ask
    assert "wall-leicester-refuge" not in slugs(db, son_age=13)  # up to 12
    assert slugs(db, son_age=17) == {"wall-dispersed-units"}  # no limit


def test_open_services_come_before_those_to_check(db):
    listed = find_services(db, DirectoryFilter(area="blaby"), TODAY)
    names = [s.slug for s in listed]
    assert names.index("blaby-domestic-abuse-outreach") < names.index("wall-adam-project")


def test_a_later_day_turns_a_running_contract_into_one_to_check(db):
    before = find_services(db, DirectoryFilter(specialism="grt"), dt.date(2023, 1, 1))
    assert [s.slug for s in before] == ["leicestershire-gate-domestic-abuse-support"]


@pytest.mark.parametrize("slug", ["wall-brookes-house", "sarc-leicester-leicestershire-rutland"])
def test_a_service_is_found_by_its_slug_with_its_provider(db, slug):
    service = get_service(db, slug)
    assert service is not None and service.organisation.name


def test_an_unknown_slug_finds_nothing(db):
    assert get_service(db, "no-such-service") is None
