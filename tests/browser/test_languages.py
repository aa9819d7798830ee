"""Urdu (right-to-left) and Gujarati on a 360 px phone: the layout mirrors, numbers stay
readable left-to-right, nothing scrolls sideways, axe finds nothing serious, and the
referral form works. Screenshots of each page are kept in test-artifacts/languages/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from portal.i18n import LANGUAGES
from tests.browser.test_accessibility import AXE, BLOCKING, WCAG_TAGS, describe
from tests.browser.test_referral_journeys import assert_fits_the_phone

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAGES = {
    "home": "/{lang}/",
    "directory": "/{lang}/services?area=leicester",
    "service": "/{lang}/services/wall-brookes-house",
    "form step": "/{lang}/refer/about-you",
    "staying safe": "/{lang}/staying-safe-online",
}


def words(app, lang: str, message: str) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(LANGUAGES[lang].locale):
        return gettext(message)


def screenshot(page: Page, lang: str, name: str) -> None:
    folder = SCREENSHOTS / "languages"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(folder / f"{lang}-{name.replace(' ', '-')}.png"),
        full_page=True,
        caret="initial",  # hiding the caret injects a <style>, which the CSP refuses
    )


@pytest.mark.parametrize("lang", ["ur", "gu"])
@pytest.mark.parametrize("name", PAGES)
def test_each_page_reads_in_its_direction_and_fits_the_phone(page, live_server, lang, name):
    page.goto(live_server + PAGES[name].format(lang=lang))
    screenshot(page, lang, name)
    direction = "rtl" if lang == "ur" else "ltr"
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    assert_fits_the_phone(page)

    # The site's name starts at the reading edge: the right in Urdu, the left in Gujarati.
    box = page.locator(".site-name").bounding_box()
    width = page.viewport_size["width"]
    if lang == "ur":
        assert width - (box["x"] + box["width"]) < 40 < box["x"], box
    else:
        assert box["x"] < 40 < width - (box["x"] + box["width"]), box

    # Phone numbers stay left-to-right, in Western digits, whatever the page direction.
    for number in page.locator('a[href^="tel:"]').all():
        assert number.evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert re.fullmatch(r"[0-9 ]+", number.inner_text().strip())


@pytest.mark.parametrize("lang", ["ur", "gu"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_problem_in_urdu_or_gujarati(browser, live_server, lang, name):
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + PAGES[name].format(lang=lang))
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})""",
        WCAG_TAGS,
    )
    context.close()
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_the_urdu_form_explains_a_mistake_in_urdu_and_goes_on_once_fixed(page, live_server, app):
    lang = "ur"
    page.goto(f"{live_server}/{lang}/refer/about-you")
    page.locator("#age").fill("بیس")  # "twenty", in Urdu letters
    page.locator("#gender").check()
    page.locator('input[name="language"][value="ur"]').check()
    page.locator('input[name="interpreter"][value="no"]').check()
    page.locator("form.referral-form button[type=submit]").click()
    message = words(app, lang, "Enter the age as a number, like 34")
    expect(page.locator(".error-summary")).to_contain_text(message)
    expect(page.locator("#age")).to_have_value("بیس")
    screenshot(page, lang, "form error")
    assert_fits_the_phone(page)

    page.locator("#age").fill("34")
    page.locator("form.referral-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/refer/where$"))
    expect(page.locator("h1")).to_have_text(words(app, lang, "Where you live"))
    screenshot(page, lang, "form where")


@pytest.mark.parametrize("lang", ["ur", "gu"])
def test_the_quick_exit_leaves_from_a_page_in_the_language(page, live_server, neutral_site, lang):
    page.goto(f"{live_server}/{lang}/services")
    exit_link = page.locator("#quick-exit")
    assert exit_link.inner_text() != "Leave this site"
    # Visible at the top of the phone's screen in either direction.
    box = exit_link.bounding_box()
    assert box["y"] < 80 and 0 <= box["x"] and box["x"] + box["width"] <= 360
    exit_link.click()
    page.wait_for_url(neutral_site)
