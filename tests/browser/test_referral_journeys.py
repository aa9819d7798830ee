"""Referring in a real browser on a 360 px phone, with and without JavaScript: every step,
check and send, the mail that reaches the provider, wrong answers, and leaving mid-form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.delivery_support import Mailbox, mail_server, run_worker

SAFE_PHONE = "07700 900123"
NAME = "Asha"
CODE_WORD = "sunflower"


class Steps:
    """Answers the referral steps as a person would, by the labels they read."""

    def __init__(self, page: Page, with_js: bool):
        self.page = page
        self.with_js = with_js
        self.headings: list[str] = []

    def group(self, legend: str):
        return self.page.get_by_role("group", name=legend, exact=True)

    def pick(self, legend: str, choice: str) -> None:
        self.group(legend).get_by_label(choice, exact=True).check()

    def next(self, button: str = "Continue") -> None:
        heading = self.page.locator("h1").inner_text()
        self.page.get_by_role("button", name=button).click()
        expect(self.page.locator("h1")).not_to_have_text(heading)
        self.headings.append(self.page.locator("h1").inner_text())
        assert_fits_the_phone(self.page)

    def about_you(self, age: str = "29") -> None:
        page = self.page
        page.get_by_label("What name should the service use? (optional)").fill(NAME)
        page.get_by_label("Age", exact=True).fill(age)
        self.pick("Gender", "Woman")
        self.pick("Language to use", "Gujarati")
        self.pick("Is an interpreter needed?", "Yes")

    def where(self, area: str = "Leicester city") -> None:
        self.pick("Where do you live now?", area)

    def needs(self) -> None:
        self.group("What help do you need? (choose all that apply)").get_by_label(
            "Somewhere safe to stay"
        ).check()

    def contact(self) -> None:
        page = self.page
        self.group("How is it safe to contact you? (choose all that are safe)").get_by_label(
            "Text message"
        ).check()
        page.get_by_label("A safe phone number", exact=True).fill(SAFE_PHONE)
        self.pick("Can the person who calls say which service they are from?", "No")
        page.get_by_label("A code word the caller should use (optional)").fill(CODE_WORD)

    def share_with_everyone_offered(self) -> list[str]:
        boxes = self.group("Who to send it to").get_by_role("checkbox")
        names = []
        for index in range(boxes.count()):
            boxes.nth(index).check()
            names.append(boxes.nth(index).get_attribute("value"))
        assert names, "no service was offered"
        return names


def assert_fits_the_phone(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px"


def assert_nothing_kept_in_the_browser(page: Page) -> None:
    stored = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert stored == [0, 0]


def start(page: Page, base: str, path: str = "/en/refer") -> None:
    page.goto(f"{base}{path}")
    page.get_by_role("link", name="Start").click()
    expect(page.locator("h1")).to_have_text(re.compile("About"))


def test_with_javascript_each_step_swaps_in_place_and_the_referral_reaches_the_provider(
    page, live_server, app
):
    start(page, live_server)
    page.evaluate("window.stillTheSamePage = true")
    history = page.evaluate("history.length")
    steps = Steps(page, with_js=True)

    steps.about_you()
    steps.next()
    # htmx swapped the step: same document, no new history entry, the address follows,
    # and focus is on the new heading for a screen reader.
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("history.length") == history
    expect(page).to_have_url(re.compile(r"/en/refer/where$"))
    assert page.evaluate("document.activeElement.tagName") == "H1"

    steps.where()
    steps.next()
    steps.needs()
    steps.next()
    steps.next()  # who is coming: nobody
    steps.contact()
    steps.next()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("history.length") == history
    expect(page).to_have_url(re.compile(r"/en/refer/check$"))
    assert_nothing_kept_in_the_browser(page)

    # Check and send shows the answers before anything is sent.
    summary = page.locator(".summary")
    expect(summary).to_contain_text(NAME)
    expect(summary).to_contain_text(SAFE_PHONE)
    expect(summary).to_contain_text("Somewhere safe to stay")
    services = steps.share_with_everyone_offered()

    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        page.get_by_role("button", name="Send").click()
        expect(page.locator("h1")).to_have_text("Your request has been sent")
        reference = page.locator("p.reference").inner_text()
        tally = run_worker(app, f"smtp://127.0.0.1:{port}?tls=none")

    # The confirmation is a whole page of its own with the reference and nothing personal.
    assert re.fullmatch(r"LLR-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert page.locator("#referral-step").count() == 0
    body = page.locator("body").inner_text()
    for personal in (NAME, SAFE_PHONE, CODE_WORD):
        assert personal not in body and personal not in page.url
    assert_fits_the_phone(page)
    assert_nothing_kept_in_the_browser(page)

    assert tally.sent == len(services) == len(mailbox.received)
    for received in mailbox.received:
        assert received.message["Subject"] == f"Referral {reference}"
        text = received.text
        assert text.index(SAFE_PHONE) < text.index(CODE_WORD) < text.index("== The person ==")
        assert "Gujarati" in text


def test_without_javascript_the_same_steps_are_plain_pages_and_the_referral_is_sent(
    page_without_js, live_server, app
):
    page = page_without_js
    start(page, live_server)
    steps = Steps(page, with_js=False)
    for answer in (steps.about_you, steps.where, steps.needs, lambda: None, steps.contact):
        answer()
        with page.expect_navigation():
            steps.next()
    expect(page).to_have_url(re.compile(r"/en/refer/check$"))
    expect(page.locator(".summary")).to_contain_text(SAFE_PHONE)

    # Change an answer from the check page: it comes back to check, changed.
    page.get_by_role("link", name=re.compile(r"^Change\s+Where do you live")).click()
    steps.where("Melton (including Melton Mowbray)")
    page.get_by_role("button", name="Save and check").click()
    expect(page).to_have_url(re.compile(r"/en/refer/check$"))
    expect(page.locator(".summary")).to_contain_text("Melton")

    services = steps.share_with_everyone_offered()
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        page.get_by_role("button", name="Send").click()
        expect(page.locator("h1")).to_have_text("Your request has been sent")
        tally = run_worker(app, f"smtp://127.0.0.1:{port}?tls=none")
    assert tally.sent == len(services) == len(mailbox.received)
    assert all("Melton" in received.text for received in mailbox.received)
    assert_fits_the_phone(page)


@pytest.mark.parametrize("with_js", [True, False], ids=["with-js", "without-js"])
def test_a_professional_referral_at_high_risk_shows_the_reasons_and_reaches_the_idva(
    browser_page, live_server, app, with_js
):
    page = browser_page(with_js)
    start(page, live_server, "/en/refer/professional")
    expect(page.locator("h1")).to_have_text(re.compile("About you"))
    steps = Steps(page, with_js)
    page.get_by_label("Your name").fill("Sam Jones")
    page.get_by_label("Your organisation").fill("Melton Housing")
    page.get_by_label("Your role").fill("Housing officer")
    page.get_by_label("Your work e-mail address").fill("sam.jones@housing.example.org")
    page.get_by_label("Your work phone number").fill("0116 496 0000")
    steps.pick("Has the person agreed to this referral?", "Yes")
    steps.pick("Risk level", "High (MARAC)")
    page.get_by_label("DASH risk checklist score, if known").fill("16")
    steps.next()
    page.get_by_label("Age", exact=True).fill("41")
    steps.pick("Gender", "Man")
    steps.pick("Language to use", "English")
    steps.pick("Is an interpreter needed?", "No")
    steps.next()
    steps.pick("Where does the person live now?", "Melton (including Melton Mowbray)")
    steps.next()
    steps.group("What help does the person need? (choose all that apply)").get_by_label(
        "Someone to support me"
    ).check()
    steps.next()
    steps.next()
    steps.group("How is it safe to contact the person? (choose all that are safe)").get_by_label(
        "Phone call"
    ).check()
    page.get_by_label("A safe phone number for the person").fill("07700 900456")
    steps.pick("Can the person who calls say which service they are from?", "Yes")
    steps.next()

    # A professional sees why each service was chosen: the specialist service for men
    # first, and at high risk an IDVA service with the reminder to refer to MARAC.
    expect(page.locator(".reasons").first).to_be_visible()
    expect(page.locator(".choice--service").first).to_contain_text("male victims")
    expect(page.locator(".choice--service", has_text="refer to MARAC")).to_have_count(1)
    services = steps.share_with_everyone_offered()
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        page.get_by_role("button", name="Send").click()
        expect(page.locator("h1")).to_have_text("Your request has been sent")
        run_worker(app, f"smtp://127.0.0.1:{port}?tls=none")
    assert len(mailbox.received) == len(services)
    for received in mailbox.received:
        text = received.text
        assert "Sam Jones" in text and "Melton Housing" in text
        assert "High (MARAC)" in text and "16" in text
    assert sum("refer to MARAC" in received.text for received in mailbox.received) == 1
    assert_fits_the_phone(page)


@pytest.fixture
def browser_page(page, page_without_js):
    return lambda with_js: page if with_js else page_without_js


@pytest.mark.parametrize("with_js", [True, False], ids=["with-js", "without-js"])
def test_wrong_answers_show_messages_next_to_the_fields_and_keep_what_was_typed(
    browser_page, live_server, with_js
):
    page = browser_page(with_js)
    start(page, live_server)
    page.get_by_label("What name should the service use? (optional)").fill(NAME)
    page.get_by_label("Age", exact=True).fill("twenty")
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    for message in ("Enter the age as a number, like 34", "Choose a gender, or prefer not to say"):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    age = page.get_by_label("Age", exact=True)
    expect(age).to_have_value("twenty")
    expect(age).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field--error", has=age)).to_contain_text(
        "Enter the age as a number, like 34"
    )
    expect(page.get_by_label("What name should the service use? (optional)")).to_have_value(NAME)
    expect(page).to_have_url(re.compile(r"/en/refer/about-you$"))
    if with_js:
        # The summary takes focus so a screen reader hears what went wrong.
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert_fits_the_phone(page)

    # The message's link takes the person to the field.
    summary.get_by_role("link", name="Enter the age as a number, like 34").click()
    expect(age).to_be_focused()


def test_a_child_under_13_is_shown_young_peoples_options_and_childline_as_a_whole_page(
    page, live_server
):
    start(page, live_server)
    steps = Steps(page, with_js=True)
    steps.about_you(age="11")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("0800 1111")
    expect(page).to_have_url(re.compile(r"/en/refer/young-people$"))
    # A page of its own, not a whole page squeezed into the form's place.
    assert page.locator("h1").count() == 1
    assert page.locator("#referral-step").count() == 0
    assert_fits_the_phone(page)


def test_someone_aged_13_to_15_is_offered_only_services_that_take_young_people(page, live_server):
    start(page, live_server)
    steps = Steps(page, with_js=True)
    steps.about_you(age="14")
    steps.next()
    steps.where()
    steps.next()
    steps.group("What help do you need? (choose all that apply)").get_by_label(
        "Someone to support me"
    ).check()
    steps.next()
    steps.next()
    steps.contact()
    steps.next()
    notice = page.locator(".notice--check")
    expect(notice).to_contain_text("Because you are under 16")
    expect(notice.get_by_role("link", name="0800 1111")).to_be_visible()
    offered = page.locator(".choice--service")
    expect(offered).to_have_count(1)
    expect(offered).to_contain_text("UAVA")


@pytest.mark.parametrize("with_js", [True, False], ids=["with-js", "without-js"])
def test_leaving_mid_form_clears_the_answers_and_the_session(
    browser_page, live_server, neutral_site, with_js
):
    page = browser_page(with_js)
    start(page, live_server)
    steps = Steps(page, with_js)
    steps.about_you()
    steps.next()
    steps.where()
    steps.next()
    assert page.context.cookies(live_server), "the form keeps a session cookie while in use"

    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_url(neutral_site)
    assert page.context.cookies(live_server) == []

    # Coming back, the form has forgotten everything.
    page.goto(f"{live_server}/en/refer/about-you")
    expect(page.get_by_label("What name should the service use? (optional)")).to_have_value("")
    expect(page.get_by_label("Age", exact=True)).to_have_value("")
    page.goto(f"{live_server}/en/refer/check")
    expect(page.locator("body")).not_to_contain_text(NAME)
