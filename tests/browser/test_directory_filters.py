"""The directory filters in a real browser: htmx updates the results in place, and the same
form still works as a plain GET without JavaScript."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.conftest import text_of

NAMES = "#service-results .card-title a"


def expected_results(client, url: str) -> tuple[str, list[str]]:
    """The count heading and service names the server gives for the same address."""
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    names = [text_of(a) for a in page.select(NAMES)]
    return text_of(page.select_one("#results-count")), names


def shown_names(page) -> list[str]:
    return [" ".join(name.split()) for name in page.locator(NAMES).all_inner_texts()]


@pytest.fixture
def directory(page, live_server):
    """The directory page, loaded, with htmx ready and a marker a full page load would lose."""
    page.goto(f"{live_server}/en/services")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.stillTheSamePage = true")
    return page


def choose_rutland_and_home_security(page) -> None:
    page.get_by_label("Where you live").select_option("rutland")
    expect(page).to_have_url(re.compile(r"[?&]area=rutland(&|$)"))
    page.get_by_label("What you need").select_option("home-security")
    expect(page).to_have_url(re.compile(r"[?&]need=home-security(&|$)"))


def test_choosing_an_area_and_a_need_updates_the_results_without_loading_a_new_page(
    directory, client
):
    page = directory
    everything = page.locator("#results-count").inner_text()
    choose_rutland_and_home_security(page)
    count, names = expected_results(client, page.url)
    expect(page.locator("#results-count")).to_have_text(count)
    assert count != everything
    assert shown_names(page) == names
    assert names == ["24/7 Locks home security", "Pride Alarms Service"]
    expect(page.get_by_label("Where you live")).to_have_value("rutland")
    expect(page.get_by_label("What you need")).to_have_value("home-security")
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"


def test_changing_a_filter_replaces_the_address_instead_of_adding_to_the_history(directory):
    page = directory
    length = page.evaluate("history.length")
    choose_rutland_and_home_security(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["area"] == ["rutland"] and query["need"] == ["home-security"]
    assert urlsplit(page.url).path == "/en/services"
    assert page.evaluate("history.length") == length


def test_the_address_left_by_a_filter_reloads_to_the_same_results(directory):
    page = directory
    choose_rutland_and_home_security(page)
    expect(page.locator("#results-count")).to_have_text("2 services")
    shown = shown_names(page)
    page.reload()
    expect(page.get_by_label("Where you live")).to_have_value("rutland")
    expect(page.get_by_label("What you need")).to_have_value("home-security")
    assert shown_names(page) == shown


def test_a_bad_number_of_people_shows_its_message_next_to_the_field_and_keeps_what_was_typed(
    directory,
):
    page = directory
    page.locator("details.more-choices > summary").click()
    family = page.locator("#family")
    family.press_sequentially("abc")
    family.press("Tab")
    error = page.locator("#family-error")
    expect(error).to_have_text("Error: Enter how many people as a number, like 3")
    # Next to the field: inside the same field group, directly above the box.
    group = page.locator(".field--error", has=page.locator("#family"))
    expect(group.locator("#family-error")).to_be_visible()
    expect(family).to_have_value("abc")
    expect(family).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary a")).to_have_text(
        "Enter how many people as a number, like 3"
    )
    # The morph kept the folded choices open and the keyboard where Tab had put it.
    expect(page.locator("details.more-choices")).to_have_attribute("open", "")
    assert page.evaluate("document.activeElement.id") == "son"
    assert page.evaluate("window.stillTheSamePage") is True


def test_typing_in_the_next_box_while_the_results_load_is_not_wiped_out(directory):
    page = directory
    held = []
    # Hold the update's answer until the test lets it through.
    page.route("**/en/services?*", lambda route: held.append(route))
    page.locator("details.more-choices > summary").click()
    page.locator("#family").fill("abc")
    with page.expect_request(lambda request: "family=abc" in request.url):
        page.locator("#family").press("Tab")
    page.keyboard.type("12")  # into "Age of the oldest son", while the update is on its way
    for _ in range(100):
        if held:
            break
        page.evaluate("0")  # let Playwright hand the paused request to the route
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#family-error")).to_be_visible()
    expect(page.locator("#son")).to_have_value("12")
    expect(page.locator("#family")).to_have_value("abc")
    assert page.evaluate("document.activeElement.id") == "son"


def test_without_javascript_show_services_filters_with_a_normal_get_and_keeps_the_choices(
    page_without_js, live_server, client
):
    page = page_without_js
    page.goto(f"{live_server}/en/services")
    page.get_by_label("Where you live").select_option("rutland")
    page.get_by_label("What you need").select_option("home-security")
    # Nothing happens until the form is sent: no script is listening.
    assert page.url == f"{live_server}/en/services"
    with page.expect_navigation():
        page.get_by_role("button", name="Show services").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["area"] == ["rutland"] and query["need"] == ["home-security"]
    count, names = expected_results(client, page.url)
    expect(page.locator("#results-count")).to_have_text(count)
    assert shown_names(page) == names == ["24/7 Locks home security", "Pride Alarms Service"]
    expect(page.get_by_label("Where you live")).to_have_value("rutland")
    expect(page.get_by_label("What you need")).to_have_value("home-security")
    expect(page.locator("#area option:checked")).to_have_text("Rutland")


def test_quick_changes_end_with_results_that_match_every_choice(directory, client):
    page = directory
    held = []
    # Hold every update so three changes are made while the first is still on its way.
    page.route("**/en/services?*", lambda route: held.append(route))
    page.get_by_label("Where you live").select_option("rutland")
    page.get_by_label("What you need").select_option("home-security")
    page.get_by_label("Specialist services for").select_option("men")
    for _ in range(200):
        if any("specialism=men" in route.request.url for route in held):
            break
        page.evaluate("0")  # let Playwright hand the paused requests to the route
    page.unroute("**/en/services?*")
    for route in held:
        # One the page gave up for a newer change is already handled.
        with contextlib.suppress(PlaywrightError):
            route.continue_()
    expect(page).to_have_url(re.compile(r"specialism=men"))
    count, names = expected_results(client, page.url)
    expect(page.locator("#results-count")).to_have_text(count)
    assert shown_names(page) == names
    expect(page.get_by_label("Where you live")).to_have_value("rutland")
    expect(page.get_by_label("What you need")).to_have_value("home-security")
