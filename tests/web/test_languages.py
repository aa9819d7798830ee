"""The portal in ten languages: the language in the address only, every page with lang and
dir, a switcher to the same page in each language, vocabulary and messages translated,
free text marked when it is only in English, and provider e-mails in English."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from portal.i18n import LANGUAGES
from portal.vocab import LANGUAGE_CODES
from tests.conftest import parse_page, text_of
from tests.web.referral_journey import SELF_ANSWERS, Journey

OTHER_LANGUAGES = [code for code in LANGUAGE_CODES if code != "en"]
RTL = {"ur", "ar"}

PAGES = [
    "/{lang}/",
    "/{lang}/services",
    "/{lang}/services?area=rutland&need=home-security",
    "/{lang}/services/wall-brookes-house",
    "/{lang}/services/panahghar-respite-rooms",
    "/{lang}/refer",
    "/{lang}/refer/professional",
    "/{lang}/refer/about-you",
    "/{lang}/refer/young-people",
    "/{lang}/staying-safe-online",
    "/{lang}/privacy",
    "/{lang}/accessibility",
]


def translated(app, lang: str, message: str, **variables) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(LANGUAGES[lang].locale):
        return gettext(message, **variables)


def test_all_ten_languages_are_served_by_default(app):
    assert app.config["PORTAL_LANGUAGES"] == list(LANGUAGE_CODES)
    assert len(LANGUAGE_CODES) == 10


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_in_every_language_with_lang_dir_and_alternates(client, lang, path):
    url = path.format(lang=lang)
    response = client.get(url)
    assert response.status_code == 200, url
    page = parse_page(response)
    html = page.find("html")
    assert html["lang"] == lang
    assert html["dir"] == ("rtl" if lang in RTL else "ltr")
    alternates = {link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"]')}
    assert set(alternates) == set(LANGUAGE_CODES)
    # Each alternate is this same page (and its filters) in that language.
    for code, href in alternates.items():
        assert href == url.replace(f"/{lang}/", f"/{code}/", 1)
    # No cookie while browsing in any language: the language is in the address only.
    assert "Set-Cookie" not in response.headers or path.startswith("/{lang}/refer/")


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_the_switcher_names_each_language_in_its_own_script_and_keeps_the_page(client, lang):
    page = parse_page(client.get(f"/{lang}/services?area=melton"))
    links = page.select("#languages .languages a")
    assert [a["hreflang"] for a in links] == list(LANGUAGE_CODES)
    names = {a["lang"]: text_of(a) for a in links}
    assert names["gu"] == "ગુજરાતી" and names["ur"] == "اردو" and names["pl"] == "Polski"
    current = page.select_one('#languages a[aria-current="true"]')
    assert current["hreflang"] == lang
    english = page.select_one('#languages a[hreflang="en"]')
    assert english["href"] == "/en/services?area=melton"
    # A way to the switcher from the top of the page, also in English.
    assert page.select_one('.site-nav a[href="#languages"] span[lang="en"]') is not None


def test_the_root_always_leads_to_english_whatever_the_browser_asks_for(client):
    plain = client.get("/")
    urdu_browser = client.get("/", headers={"Accept-Language": "ur-PK,ur;q=0.9"})
    assert plain.status_code == urdu_browser.status_code
    assert plain.headers.get("Location") == urdu_browser.headers.get("Location")
    assert plain.get_data() == urdu_browser.get_data()
    assert "Set-Cookie" not in urdu_browser.headers


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_pages_in_an_unchecked_translation_say_so_in_that_language(app, client, lang):
    page = parse_page(client.get(f"/{lang}/"))
    note = page.select_one(".translation-note")
    assert LANGUAGES[lang].needs_review
    assert note is not None
    expected = translated(
        app,
        lang,
        "This translation was made by machine and has not yet been checked by a fluent speaker.",
    )
    assert expected in text_of(note)
    assert expected != (
        "This translation was made by machine and has not yet been checked by a fluent speaker."
    )
    assert note.select_one('a[href^="mailto:"]') is not None


def test_english_pages_have_no_translation_note(client):
    assert parse_page(client.get("/en/")).select_one(".translation-note") is None


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_the_danger_banner_and_quick_exit_are_translated(app, client, lang):
    page = parse_page(client.get(f"/{lang}/services"))
    exit_link = page.select_one("#quick-exit")
    assert text_of(exit_link) == translated(app, lang, "Leave this site")
    assert text_of(exit_link) != "Leave this site"
    status = page.select_one("#quick-exit-status")
    assert status["data-leaving"] == translated(app, lang, "Leaving this site.")
    # 999 and 55 stay readable left-to-right inside right-to-left text.
    banner = page.select_one(".danger-banner")
    assert banner.select_one('a[href="tel:999"][dir="ltr"]') is not None
    for number in page.select('a[href^="tel:"]'):
        assert number.get("dir") == "ltr", number


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_a_service_page_reads_in_the_language_with_english_free_text_marked(app, client, lang):
    page = parse_page(client.get(f"/{lang}/services/wall-brookes-house"))
    main = page.main
    # Vocabulary and facts come from the catalog.
    refuge = translated(app, lang, "Refuge")
    assert refuge != "Refuge" and refuge in text_of(main.select_one(".tags"))
    # The summary is written in the language in the data; the longer description is not,
    # so it is marked as English and the page says so.
    lead = main.select_one("p.lead")
    assert lead.get("lang") is None, "the summary should be in the page's language"
    english = main.select('[lang="en"]')
    assert english, "the English description should be marked lang=en"
    assert all(element.get("dir") == "ltr" for element in english)
    notice = main.select_one(".notice--language")
    assert notice is not None
    assert text_of(notice) == translated(
        app,
        lang,
        "Some descriptions on this page are only in English so far. Everything else is translated.",
    )


def test_in_english_nothing_is_marked_as_english(client):
    main = parse_page(client.get("/en/services/wall-brookes-house")).main
    assert main.select('[lang="en"]') == []
    assert main.select_one(".notice--language") is None


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_a_wrong_answer_is_explained_in_the_persons_language_and_kept(app, client, lang):
    journey = Journey(client, lang=lang)
    response = journey.post("about-you", {"age": "twenty", "name": "Asha"})
    assert response.status_code == 422
    page = parse_page(response)
    message = translated(app, lang, "Enter the age as a number, like 34")
    assert message != "Enter the age as a number, like 34"
    assert message in text_of(page.select_one(".error-summary"))
    assert page.select_one("#age")["value"] == "twenty"
    assert page.select_one("#name")["value"] == "Asha"


@pytest.mark.parametrize("lang", ["ur", "pl"])
def test_a_referral_made_in_another_language_reaches_the_provider_in_english(app, client, lang):
    from tests.delivery_support import Mailbox, mail_server, run_worker

    journey = Journey(client, lang=lang)
    journey.answer_all(SELF_ANSWERS)
    response, _key, offered = journey.send()
    assert response.status_code == 303
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        run_worker(app, f"smtp://127.0.0.1:{port}?tls=none")
    assert len(mailbox.received) == len(offered) > 0
    text = mailbox.received[0].text
    assert "== How to contact them safely: read this first ==" in text
    assert re.search(r"Language to use\n  Gujarati", text)
    assert re.search(r"Is an interpreter needed\?\n  Yes", text)
    assert "Somewhere safe to stay" in text


@pytest.mark.parametrize("lang", ["ur", "hi"])
def test_a_missing_page_is_explained_in_the_language_of_its_address(app, client, lang):
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    page = parse_page(response)
    assert page.find("html")["lang"] == lang
    assert text_of(page.select_one("#quick-exit")) == translated(app, lang, "Leave this site")


def test_the_check_page_shows_the_signposted_helplines_in_the_language(app, client):
    journey = Journey(client, lang="pl")
    journey.answer_all(SELF_ANSWERS)
    check = journey.check_page()
    cards = check.select(".helplines .helpline")
    assert cards, "the check page lists helplines"
    national = translated(app, "pl", "24 hours")
    assert national != "24 hours"
    assert any(national in text_of(card) for card in cards)
