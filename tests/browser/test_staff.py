"""The staff side in Chromium on a 360 px phone: a provider signs in with a password and a
code, opens a referral from the inbox and sets its status, with and without JavaScript; an
administrator edits a service and sees it on the public page and in the audit log; every
staff page passes axe and fits the phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.models import Delivery, Service
from tests.browser.conftest import PHONE, _save_screenshot_on_failure
from tests.browser.test_accessibility import AXE, BLOCKING, WCAG_TAGS, describe
from tests.delivery_support import CODE_WORD, PANAHGHAR, REFUGE, submit
from tests.delivery_support import PHONE as PERSON_PHONE
from tests.staff_support import PROVIDER_A, make_account


@pytest.fixture
def referrals(app):
    with app.extensions["portal.database"].session() as session:
        return submit(session, (REFUGE,)), submit(session, (PANAHGHAR,))


def _context_page(browser, request, **options) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, **options)
    page = context.new_page()
    problems: list[str] = []

    def _console(message):
        # A form with wrong answers comes back as 400 and is shown; Chromium logs every 4xx.
        if message.type == "error" and "status of 400" not in message.text:
            problems.append(message.text)

    page.on("console", _console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    _save_screenshot_on_failure(page, request)
    context.close()
    assert not problems, problems


def sign_in(page: Page, live_server: str, account) -> None:
    page.goto(f"{live_server}/staff/sign-in")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your app")
    page.get_by_label("Code from your authenticator app").fill(account.code())
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_provider_signs_in_opens_a_referral_and_sets_its_status(
    browser, live_server, app, referrals, request, javascript
):
    ours, theirs = referrals
    account = make_account(app, "provider", PROVIDER_A)
    for page in _context_page(browser, request, java_script_enabled=javascript):
        sign_in(page, live_server, account)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Referrals for")
        expect(page.get_by_text(theirs.reference)).to_have_count(0)
        page.get_by_role("link", name=ours.reference).click()

        headings = page.locator("main h2")
        expect(headings.first).to_have_text("How to contact them safely: read this first")
        expect(page.locator("main")).to_contain_text(PERSON_PHONE)
        expect(page.locator("main")).to_contain_text(CODE_WORD)

        page.get_by_label("Closed").check()
        page.get_by_role("button", name="Save status").click()
        # No reason: the message is next to the question and in the summary.
        expect(page.locator("#reason-error")).to_contain_text("Choose why the referral was closed")
        expect(page.locator(".error-summary")).to_contain_text("Choose why the referral was closed")
        expect(page.get_by_label("Closed")).to_be_checked()

        page.get_by_label("Contacted").check()
        page.get_by_role("button", name="Save status").click()
        expect(page.locator(".notice[role=status]")).to_contain_text("Status set: Contacted.")
        expect(page.locator("main")).to_contain_text("Contacted:")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the referral page is {width} px wide"

        page.goto(f"{live_server}/staff/account")
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        page.goto(f"{live_server}/staff/referrals")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


STAFF_PAGES = {
    "provider": [
        "/staff/referrals",
        "/staff/referrals/{delivery}",
        "/staff/availability",
        "/staff/account",
    ],
    "admin": [
        "/admin/",
        "/admin/organisations",
        "/admin/staff",
        "/admin/audit",
        "/admin/services/{service}",
    ],
}


@pytest.mark.parametrize("role", ["provider", "admin"])
def test_staff_pages_pass_axe_and_fit_a_phone(browser, live_server, app, referrals, request, role):
    with app.extensions["portal.database"].session() as session:
        delivery = session.scalars(
            select(Delivery.id).where(Delivery.referral_id == referrals[0].id)
        ).one()
        service = session.scalars(select(Service.id).where(Service.slug == REFUGE.service)).one()
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --ignore-scripts`")
    account = make_account(app, role, PROVIDER_A if role == "provider" else None)
    for page in _context_page(browser, request, bypass_csp=True):
        sign_in(page, live_server, account)
        for path in STAFF_PAGES[role]:
            url = live_server + path.format(delivery=delivery, service=service)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width} px wide"
            page.add_script_tag(path=str(AXE))
            results = page.evaluate(
                """tags => axe.run(document, {
                    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
                WCAG_TAGS,
            )
            blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
            assert not blocking, f"{path}:\n{describe(blocking)}"


def test_an_administrator_edits_a_service_and_sees_it_public_and_audited(
    browser, live_server, app, request
):
    account = make_account(app, "admin")
    for page in _context_page(browser, request):
        sign_in(page, live_server, account)
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        page.get_by_role("link", name="Directory").click()
        page.get_by_role("link", name="Juno House", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Juno House")

        # Every area unticked: refused, with the typed name kept.
        page.get_by_label("Name", exact=True).fill("Juno House Refuge")
        for box in page.locator('input[name="areas"]:checked').all():
            box.uncheck()
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#areas-error")).to_contain_text(
            "A service must keep at least one area"
        )
        expect(page.get_by_label("Name", exact=True)).to_have_value("Juno House Refuge")

        page.get_by_label("Leicester city", exact=True).check()
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".notice[role=status]")).to_be_visible()

        page.goto(f"{live_server}/en/services/wall-juno-house")
        expect(page.get_by_role("heading", level=1)).to_have_text("Juno House Refuge")
        expect(page.locator("main")).to_contain_text("22 November 2026")

        page.goto(f"{live_server}/admin/audit")
        first = page.locator("tbody tr").first
        expect(first).to_contain_text("service edited")
        expect(first).to_contain_text("Juno House → Juno House Refuge")
