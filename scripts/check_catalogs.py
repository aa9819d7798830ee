"""Check the translation catalogs: complete, nothing fuzzy, placeholders intact.

    .venv/bin/python scripts/check_catalogs.py [LANG ...]

A catalog passes when every message of translations/messages.pot is translated (every
plural form the language has), none is marked fuzzy, and each translation keeps exactly the
placeholders of its English (%(name)s, %(number)d) and escapes a literal percent as %%.
Prints one line per problem and exits 1 if there is any. tests/unit/test_catalogs.py runs
the same checks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# A percent sign that is neither "%%" nor the start of a placeholder.
LONE_PERCENT = re.compile(r"%(?!%|\(\w+\)[sd])")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _lone_percent(text: str) -> bool:
    return bool(LONE_PERCENT.search(text.replace("%%", "")))


def catalog_problems(lang: str, translations: Path = TRANSLATIONS) -> list[str]:
    """Everything wrong with translations/<lang>/LC_MESSAGES/messages.po."""
    po_path = translations / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return [f"{lang}: {po_path} is missing"]
    with (translations / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang.replace("-", "_"))
    plurals = catalog.num_plurals
    problems = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = catalog.get(message.id)
        if translated is None or not translated.string:
            problems.append(f"{lang}: untranslated: {key!r}")
            continue
        if translated.fuzzy:
            problems.append(f"{lang}: fuzzy: {key!r}")
        strings = translated.string
        if not isinstance(strings, tuple):
            strings = (strings,)
        if isinstance(message.id, tuple) and len(strings) != plurals:
            problems.append(f"{lang}: needs {plurals} plural forms: {key!r}")
        wanted = _placeholders(english[-1])
        for string in strings:
            if not string:
                problems.append(f"{lang}: a plural form is empty: {key!r}")
            elif _placeholders(string) != wanted and not (
                # A singular form may say "one" in words instead of %(num)d.
                isinstance(message.id, tuple) and set(_placeholders(string)) < set(wanted)
            ):
                problems.append(
                    f"{lang}: placeholders {_placeholders(string)} instead of {wanted}: {key!r}"
                )
            if "%%" in english[0] and _lone_percent(string):
                problems.append(f"{lang}: a literal % must be written %%: {key!r}")
    return problems


def main(languages: list[str]) -> int:
    languages = languages or sorted(
        path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")
    )
    problems = [problem for lang in languages for problem in catalog_problems(lang)]
    for problem in problems:
        print(problem)
    print(f"{len(languages)} catalogs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
