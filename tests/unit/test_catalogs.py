"""Every shipped catalog is complete, with its placeholders intact, and every language has
the directory's summaries written in it."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from portal.directory.load import read_directory, read_translations
from portal.vocab import LANGUAGE_CODES
from scripts.check_catalogs import TRANSLATIONS, catalog_problems

OTHER_LANGUAGES = [code for code in LANGUAGE_CODES if code != "en"]


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_the_catalog_translates_every_message_with_its_placeholders(lang):
    assert catalog_problems(lang) == []


def test_the_check_finds_a_lost_placeholder_a_fuzzy_and_a_missing_message(tmp_path):
    shutil.copytree(TRANSLATIONS, tmp_path / "translations")
    po_path = tmp_path / "translations" / "pl" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    catalog["Last reviewed: %(date)s"].string = "Ostatnio sprawdzono"
    catalog["Leave this site"].flags.add("fuzzy")
    catalog["Privacy"].string = ""
    with po_path.open("wb") as handle:
        write_po(handle, catalog)
    problems = catalog_problems("pl", tmp_path / "translations")
    assert len(problems) == 3
    assert any("placeholders [] instead of ['date']" in p for p in problems)
    assert any(p.startswith("pl: fuzzy: 'Leave this site'") for p in problems)
    assert any(p == "pl: untranslated: 'Privacy'" for p in problems)


@pytest.fixture(scope="module")
def directory_translations():
    organisations, services = read_directory()
    return services, read_translations(organisations, services)["services"]


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_service_summary_and_status_note_is_written_in_the_language(
    directory_translations, lang
):
    services, translations = directory_translations
    for service in services:
        written = translations.get(service["slug"], {}).get(lang, {})
        assert written.get("summary"), f"{service['slug']}: no {lang} summary"
        if service.get("status_note"):
            assert written.get("status_note"), f"{service['slug']}: no {lang} status note"
