"""The ORUK serialiser, its SQL filters and its query string, without Flask."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from portal import vocab
from portal.api import oruk, params, queries
from portal.directory.queries import DirectoryFilter, find_services
from portal.models import Service, ServiceKind, ServiceSpecialism
from tests.conftest import TODAY


def every_service(db) -> list[Service]:
    return list(db.scalars(select(Service).order_by(Service.slug)))


def test_each_term_filters_exactly_the_services_that_carry_it(db):
    services = every_service(db)
    disagreements = {}
    for term in oruk.TERMS:
        selection = queries.ServiceSelection(term=term)
        _, found = queries.find_services(db, selection, TODAY, 1, 1000)
        carrying = {s.slug for s in services if term in oruk.service_terms(s)}
        if {s.slug for s in found} != carrying:
            disagreements[f"{term.taxonomy}/{term.code}"] = {s.slug for s in found} ^ carrying
    assert disagreements == {}


def test_need_terms_follow_the_directory_need_filter(db):
    services = every_service(db)
    for need in vocab.NEEDS:
        directory = find_services(db, DirectoryFilter(need=need, include_ended=True), TODAY)
        carrying = {s.slug for s in services if oruk.meets_need(s, need)}
        assert carrying == {s.slug for s in directory}, need


def test_ids_are_unique_and_every_term_has_a_name_and_a_description():
    ids = [t.id for t in oruk.TAXONOMIES] + [t.id for t in oruk.TERMS]
    assert len(ids) == len(set(ids))
    for term in oruk.TERMS:
        assert term.name and term.description.endswith(".")


def test_every_llr_area_has_an_ons_uri_and_outside_llr_has_none():
    for code in vocab.LLR_AREAS:
        assert oruk.TERM_BY_KEY[("areas", code)].term_uri.startswith("http://statistics.data")
    assert oruk.TERM_BY_KEY[("areas", "outside-llr")].term_uri is None


def refuge(**facts) -> Service:
    values = {
        "id": uuid.UUID(int=7),
        "slug": "a-refuge",
        "name": "A refuge",
        "summary": "Somewhere safe.",
        "description": "",
        "how_to_refer": "",
        "contact_note": "",
        "status": "operating",
        "status_note": "",
        "accepts_women": True,
        "accepts_men": False,
        "eligibility_note": "",
        "takes_from_anywhere": True,
        "sons_no_age_limit": False,
        "son_age_note": "",
        "reviewed_on": dt.date(2026, 1, 1),
    }
    service = Service(**(values | facts))
    service.kind_rows = [ServiceKind(kind="refuge")]
    service.specialism_rows = [ServiceSpecialism(specialism="bme")]
    return service


def test_eligibility_is_written_in_plain_sentences():
    service = refuge(
        largest_family=1,
        max_son_age=14,
        max_son_age_if_agreed=16,
        nrpf="ask",
        pets=True,
        pet_units=1,
        wheelchair_units=0,
        min_age=18,
        eligibility_note="Ask about older sons",
    )
    assert oruk.eligibility_lines(service) == [
        "For women; not for men.",
        "Aged 18 or over.",
        "Specialist service for: Black, Asian and minoritised ethnic women.",
        "Ask about older sons.",
        "Takes people from anywhere, not only from the areas it serves.",
        "Room for 1 person (counting the person referred).",
        "Takes boys up to 14.",
        "Boys aged 15 to 16: ask.",
        "Not for families with a son over 16.",
        "No blanket policy on no recourse to public funds — ask.",
        "Takes pets in 1 unit.",
        "No wheelchair-accessible units.",
    ]
    terms = {(t.taxonomy, t.code) for t in oruk.service_terms(service)}
    assert {("eligibility", "nrpf-ask"), ("eligibility", "pets")} <= terms
    assert {("eligibility", "no-wheelchair"), ("needs", "safe-accommodation")} <= terms
    assert ("eligibility", "men") not in terms and ("eligibility", "no-pets") not in terms


def test_facts_the_data_does_not_state_are_left_out():
    service = refuge(accepts_men=True, takes_from_anywhere=False)
    service.specialism_rows = []
    assert oruk.eligibility_lines(service) == ["For women and men."]
    codes = {t.code for t in oruk.service_terms(service) if t.taxonomy == "eligibility"}
    assert codes == {"women", "men"}


def test_an_ended_service_says_so_and_publishes_no_phone():
    service = refuge(status="ended", ended_on=dt.date(2020, 3, 31), phone="0800 000 000")
    assert oruk.state_text(service, TODAY).startswith("This service ended on 31 March 2020.")
    assert oruk.phone_records(service, TODAY) == []
    undated = refuge(status="ended", status_note="The pilot stopped")
    assert oruk.state_text(undated, TODAY) == (
        "This service has ended. Do not refer anyone to it or try to contact it. The pilot stopped."
    )


def test_a_service_past_its_funding_term_must_be_checked():
    service = refuge(funded_until=dt.date(2024, 5, 30))
    assert oruk.state_text(service, TODAY) == (
        "Check that this service still runs before referring anyone to it: its recorded "
        "funding ended on 30 May 2024."
    )
    assert oruk.state_text(service, dt.date(2024, 5, 30)) == ""


def test_a_text_number_is_published_only_beside_a_phone_number():
    assert oruk.phone_records(refuge(text_phone="07000 000000"), TODAY) == []
    both = oruk.phone_records(refuge(phone="0800 1", text_phone="07000 2"), TODAY)
    assert [(p["type"], p["number"]) for p in both] == [("voice", "0800 1"), ("text", "07000 2")]


@pytest.mark.parametrize(
    ("total", "page", "per_page", "expected"),
    [
        (0, 1, 50, {"total_pages": 1, "first_page": True, "last_page": True, "empty": True}),
        (101, 1, 50, {"total_pages": 3, "first_page": True, "last_page": False, "empty": False}),
        (101, 3, 50, {"total_pages": 3, "first_page": False, "last_page": True, "empty": False}),
        (10, 4, 5, {"total_pages": 2, "first_page": False, "last_page": True, "empty": True}),
    ],
)
def test_the_page_envelope(total, page, per_page, expected):
    items = list(range(total))
    contents = oruk.page_of(items, page, per_page)
    envelope = oruk.page_record(contents, total, page, per_page)
    assert envelope | expected == envelope
    assert envelope["size"] == len(contents) and envelope["total_items"] == total


def test_the_query_string_gives_defaults_and_bounds():
    assert params.page_request({}) == params.PageRequest(1, params.DEFAULT_PER_PAGE)
    assert params.page_request({"page": ["3"], "per_page": ["100"]}) == params.PageRequest(3, 100)
    assert params.page_request({"page": [""]}) == params.PageRequest()
    with pytest.raises(params.BadParameter, match="^per_page:"):
        params.page_request({"per_page": ["101"]})
    refuge_term = oruk.TERM_BY_KEY[("kinds", "refuge")]
    selection = params.service_selection(
        {
            "taxonomy_term_id": [str(refuge_term.id).upper()],
            "search": ["  house "],
            "minimum_age": ["16.5"],
        }
    )
    assert selection == queries.ServiceSelection(search="house", term=refuge_term, minimum_age=16.5)
