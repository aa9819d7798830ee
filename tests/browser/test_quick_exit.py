"""Quick exit in a real browser: click, Shift three times, without JavaScript, and Back."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_clicking_leave_lands_on_the_neutral_site_and_back_does_not_return(page, live_server):
    page.goto(f"{live_server}/en/")
    page.goto(f"{live_server}/en/services/wall-brookes-house")
    page.get_by_role("link", name="Leave this site").click()
    expect(page).to_have_url(re.compile(r"/weather$"))
    expect(page.get_by_role("heading", name="Weather forecast")).to_be_visible()
    page.go_back()
    # The service page was replaced in the history: Back goes to the page before it.
    expect(page).to_have_url(f"{live_server}/en/")


def test_the_page_is_hidden_and_the_title_blanked_the_moment_the_exit_starts(page, live_server):
    page.goto(f"{live_server}/en/services/panahghar-refuge")
    # Answer the exit with 204 No Content: the browser then stays on this document, so the
    # state the script left it in can be seen.
    page.route("**/exit", lambda route: route.fulfill(status=204))
    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_function("() => document.documentElement.classList.contains('is-leaving')")
    assert page.title() == ""
    assert page.evaluate("getComputedStyle(document.body).visibility") == "hidden"


def test_pressing_shift_three_times_leaves_and_is_announced(page, live_server):
    page.goto(f"{live_server}/en/services")
    status = page.locator("#quick-exit-status")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to leave this site.")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to leave this site.")
    page.keyboard.press("Shift")
    expect(page).to_have_url(re.compile(r"/weather$"))


def test_shift_used_for_capital_letters_does_not_leave(page, live_server):
    page.goto(f"{live_server}/en/services?more=1")
    page.locator("summary").click()
    page.locator("#family").click()
    page.keyboard.type("ABC")
    page.keyboard.press("Shift")
    expect(page).to_have_url(re.compile(r"/en/services"))


def test_the_exit_is_the_first_thing_the_tab_key_reaches(page, live_server):
    page.goto(f"{live_server}/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"


def test_without_javascript_the_exit_is_a_link_that_still_leaves(page_without_js, live_server):
    page = page_without_js
    page.goto(f"{live_server}/en/services")
    page.get_by_role("link", name="Leave this site").click()
    expect(page).to_have_url(re.compile(r"/weather$"))


def test_the_exit_stays_in_view_when_the_page_is_scrolled(page, live_server):
    page.goto(f"{live_server}/en/services")
    page.mouse.wheel(0, 4000)
    page.wait_for_function("() => window.scrollY > 1000")
    expect(page.get_by_role("link", name="Leave this site")).to_be_in_viewport()
