"""Accessibility in a real browser: axe-core on every kind of page, no sideways scrolling on a
360 px phone, and a keyboard focus that can be seen on the way out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, _save_screenshot_on_failure

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

# One page of every kind, with the status the server must answer it with.
PAGES = {
    "home": ("/en/", 200),
    "directory": ("/en/services", 200),
    "directory with errors": ("/en/services?family=abc", 200),
    "accommodation": ("/en/services/wall-brookes-house", 200),
    "ended service": ("/en/services/panahghar-respite-rooms", 200),
    "service to check": ("/en/services/leicestershire-gate-domestic-abuse-support", 200),
    "staying safe online": ("/en/staying-safe-online", 200),
    "privacy": ("/en/privacy", 200),
    "accessibility statement": ("/en/accessibility", 200),
    "pathways": ("/en/pathways", 200),
    "a pathway": ("/en/pathways/safe-accommodation?area=leicester", 200),
    "pathway finder with an answer": (
        "/en/pathways/finder?age=41&gender=man&area=melton&needs=support&risk=high",
        200,
    ),
    "pathway finder with a mistake": ("/en/pathways/finder?age=x&needs=support", 200),
    "professional referral from the finder": (
        "/en/refer/professional?age=41&gender=man&area=melton&needs=support&risk=high",
        200,
    ),
    "page not found": ("/en/no-such-page", 404),
}


class Watched:
    """Opens the pages of one test and gathers what goes wrong on them: console errors, CSP
    violations (unless bypassed), requests to other hosts. A page that is meant to be a 404
    may report its own status; nothing else is let off."""

    def __init__(self, page: Page, live_server: str):
        self.page, self.live_server = page, live_server
        self.problems: list[str] = []
        self.expected_missing: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if message.location.get("url") in self.expected_missing and "404" in message.text:
            return
        self.problems.append(f"{message.text} ({message.location.get('url')})")

    def _request(self, request) -> None:
        if not request.url.startswith((self.live_server, "data:", "about:")):
            self.problems.append(f"request to another host: {request.url}")

    def open(self, name: str) -> Page:
        path, status = PAGES[name]
        url = f"{self.live_server}{path}"
        if status == 404:
            self.expected_missing.add(url)
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{path}: {response}"
        return self.page


def _watched(browser, live_server, request, **options) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, **options)
    watched = Watched(context.new_page(), live_server)
    yield watched
    _save_screenshot_on_failure(watched.page, request)
    context.close()
    assert not watched.problems, watched.problems


@pytest.fixture
def phone(browser, live_server, request) -> Iterator[Watched]:
    """A 360 px page with JavaScript and the site's own CSP."""
    yield from _watched(browser, live_server, request)


@pytest.fixture
def axe_phone(browser, live_server, request) -> Iterator[Watched]:
    """The same, but the CSP is bypassed so that axe-core can be injected (axe only)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --ignore-scripts`")
    yield from _watched(browser, live_server, request, bypass_csp=True)


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {' '.join(node['target'])}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_problem(axe_phone, name):
    page = axe_phone.open(name)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_TAGS,
    )
    assert results["testEngine"]["name"] == "axe-core"
    assert results["passes"] or results["violations"], "axe checked nothing"
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{PAGES[name][0]}:\n{describe(blocking)}"


@pytest.mark.parametrize("name", PAGES)
def test_the_page_fits_a_360_pixel_phone_without_scrolling_sideways(phone, name):
    page = phone.open(name)
    assert page.viewport_size["width"] == 360
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{PAGES[name][0]} is {width} px wide"


def test_keyboard_focus_on_the_exit_link_is_clearly_visible(page, live_server):
    page.goto(f"{live_server}/en/")
    exit_link = page.get_by_role("link", name="Leave this site")
    look = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    before = exit_link.evaluate(look)
    page.keyboard.press("Tab")
    expect(exit_link).to_be_focused()
    after = exit_link.evaluate(look)
    assert after != before
    background, text = after
    # GOV.UK's focus style: black text on yellow, instead of white on red.
    assert background == "rgb(255, 221, 0)"
    assert text == "rgb(11, 12, 12)"
