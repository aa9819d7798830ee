"""The directory pages: filtering without JavaScript, the htmx fragment, a service's page."""

from __future__ import annotations

import pytest

from tests.conftest import text_of

FRAGMENT = {"HX-Request": "true", "HX-Target": "div#directory"}


def result_names(page) -> list[str]:
    return [text_of(a) for a in page.select("#service-results .card-title a")]


def test_the_directory_lists_every_current_service_with_a_count(get_page):
    page = get_page("/en/services")
    names = result_names(page)
    assert "Brookes House" in names and "Panahghar refuge" in names
    assert "Respite Rooms" not in names  # ended pilot
    assert text_of(page.select_one("#results-count")) == f"{len(names)} services"


def test_filters_work_as_a_plain_get_form(get_page):
    page = get_page("/en/services?area=rutland&need=home-security")
    assert result_names(page) == ["24/7 Locks home security", "Pride Alarms Service"]
    form = page.select_one("form.filters")
    assert form["method"] == "get" and form["action"] == "/en/services"
    assert page.select_one("#area option[selected]")["value"] == "rutland"


def test_the_htmx_request_gets_only_the_fragment_and_the_response_varies_on_it(client):
    response = client.get("/en/services?specialism=grt", headers=FRAGMENT)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="directory"' in body
    assert "GATE domestic abuse support" in body
    assert {"HX-Request", "HX-Target"} <= set(response.vary)


def test_a_history_restore_gets_the_whole_page(client):
    headers = {"HX-Request": "true", "HX-Target": "body", "HX-History-Restore-Request": "true"}
    body = client.get("/en/services?specialism=grt", headers=headers).get_data(as_text=True)
    assert body.lstrip().startswith("<!doctype html>")


def test_the_form_asks_htmx_to_replace_not_push_the_address(get_page):
    form = get_page("/en/services").select_one("form.filters")
    assert form["hx-replace-url"] == "true"
    assert "hx-push-url" not in form.attrs
    assert form["hx-target"] == "#directory"


@pytest.mark.parametrize("headers", [{}, FRAGMENT], ids=["page", "fragment"])
def test_bad_numbers_keep_what_was_typed_with_a_message_next_to_the_field(client, headers):
    from bs4 import BeautifulSoup

    response = client.get("/en/services?family=three&son=40&area=leicester", headers=headers)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("#family")["value"] == "three"
    assert text_of(page.select_one("#family-error")) == (
        "Error: Enter how many people as a number, like 3"
    )
    assert page.select_one("#family")["aria-describedby"] == "family-error"
    assert page.select_one("#son")["value"] == "40"
    assert "from 0 to 25" in text_of(page.select_one("#son-error"))
    summary = [a["href"] for a in page.select(".error-summary a")]
    assert summary == ["#family", "#son"]
    # The valid choice still filters: only services that work in Leicester city.
    assert "Pride Alarms Service" not in text_of(page.select_one("#service-results"))


def test_an_error_puts_error_in_the_page_title(get_page):
    page = get_page("/en/services?family=-1")
    assert page.title.get_text().startswith("Error:")


def test_an_unknown_choice_gets_a_message_not_a_crash(get_page):
    page = get_page("/en/services?area=narnia&need=%00%ff&specialism=<script>")
    errors = [text_of(p) for p in page.select(".field-error")]
    assert "Error: Choose where you live from the list" in errors
    assert "Error: Choose the help you need from the list" in errors
    assert "<script>" not in str(page.select_one("#service-results"))


def test_more_choices_open_when_one_of_them_is_used(get_page):
    assert get_page("/en/services").select_one("details.more-choices").get("open") is None
    assert get_page("/en/services?pets=y").select_one("details.more-choices").has_attr("open")


def test_no_match_suggests_a_helpline(get_page):
    page = get_page("/en/services?specialism=grt&pets=y")
    assert result_names(page) == []
    assert "call a helpline" in text_of(page.select_one("#service-results"))


def test_a_service_page_says_who_it_is_and_is_not_for_in_plain_words(get_page):
    page = get_page("/en/services/wall-leicester-refuge")
    for_ = [text_of(li) for li in page.select(".facts--for li")]
    not_for = [text_of(li) for li in page.select(".facts--not-for li")]
    assert "Takes boys up to 12" in for_
    assert "Families of up to 4 people (counting you)" in for_
    assert "Not for families with a son over 12" in not_for
    assert "Does not take people with no recourse to public funds" in not_for
    assert "Not for men" in not_for


def test_an_uncertain_fact_says_ask(get_page):
    page = get_page("/en/services/wall-juno-house")
    ask = [text_of(li) for li in page.select(".facts--ask li")]
    assert "No blanket policy on no recourse to public funds — ask" in ask
    brookes = get_page("/en/services/wall-brookes-house")
    assert "Boys aged 15 to 16: ask" in [text_of(li) for li in brookes.select(".facts--ask li")]


def test_a_service_page_shows_area_provider_sources_and_review_date(get_page):
    page = get_page("/en/services/wall-adam-project")
    text = text_of(page.main)
    assert "Leicestershire (all seven districts)" in text
    assert "Run by Women's Aid Leicestershire Ltd" in text
    sources = text_of(page.select_one(".sources"))
    assert "Leicestershire Domestic Abuse Local Partnership Board" in sources
    assert "paragraph 11 (table) and paragraph 15" in sources
    assert "Last reviewed: 22 November 2026" in sources


def test_a_contract_whose_term_has_passed_is_not_presented_as_open(get_page):
    page = get_page("/en/services/leicestershire-gate-domestic-abuse-support")
    notice = text_of(page.select_one(".notice--check"))
    assert "Check this service still runs" in notice
    assert "31 July 2024" in notice


def test_an_ended_pilot_says_so_and_is_not_offered_as_a_contact(get_page):
    page = get_page("/en/services/panahghar-respite-rooms")
    assert "This service ended on 30 September 2022." in text_of(page.select_one(".notice--ended"))
    assert "please do not try to contact it" in text_of(page.main)


def test_a_service_with_a_phone_number_shows_it_left_to_right(get_page):
    page = get_page("/en/services/uava-support-and-information")
    link = page.select_one('main a[href="tel:08088020028"]')
    assert link is not None and link["dir"] == "ltr"


def test_an_unknown_service_is_not_found(client):
    assert client.get("/en/services/no-such-service").status_code == 404
