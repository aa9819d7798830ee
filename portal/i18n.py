"""Languages: the locale lives in the URL (/<lang>/...), never in a cookie or a header guess.

Asking the browser (Accept-Language) would reveal nothing useful and could surprise someone
sharing a device, so / always leads to English, with every language one link away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import read_mo
from flask import Blueprint, Flask, abort, current_app, g, request, url_for

from portal import vocab
from portal.config import ConfigError

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in its own script, as the switcher shows it
    english_name: str
    direction: str = "ltr"
    # The Babel locale for dates and numbers: British English, not American.
    babel_locale: str = ""
    # How far its words can be trusted: "source" (written in it), "machine-drafted" (drafted
    # by machine, not yet checked), "reviewed" (checked by a fluent speaker). Pages in a
    # language that is not "source" or "reviewed" say so, in that language.
    translation: str = "machine-drafted"

    @property
    def needs_review(self) -> bool:
        return self.translation == "machine-drafted"

    @property
    def locale(self) -> str:
        return self.babel_locale or self.code


LANGUAGES = {
    language.code: language
    for language in (
        Language("en", "English", "English", babel_locale="en_GB", translation="source"),
        Language("gu", "ગુજરાતી", "Gujarati"),
        Language("pa", "ਪੰਜਾਬੀ", "Punjabi (Gurmukhi)"),
        Language("pl", "Polski", "Polish"),
        Language("hi", "हिन्दी", "Hindi"),
        Language("ur", "اردو", "Urdu", "rtl"),
        Language("ar", "العربية", "Arabic", "rtl"),
        Language("so", "Soomaali", "Somali"),
        Language("bn", "বাংলা", "Bengali"),
        Language("ro", "Română", "Romanian"),
    )
}
DEFAULT_LANGUAGE = "en"
assert tuple(LANGUAGES) == vocab.LANGUAGE_CODES, "portal/vocab.py and portal/i18n.py disagree"


def enabled_languages() -> list[Language]:
    return [LANGUAGES[code] for code in current_app.config["PORTAL_LANGUAGES"]]


def current_language() -> Language:
    return LANGUAGES.get(g.get("lang", DEFAULT_LANGUAGE), LANGUAGES[DEFAULT_LANGUAGE])


def select_locale() -> str:
    return current_language().locale


def check_catalogs(app: Flask) -> None:
    """Fail at start-up if a configured language cannot be served (SecureDrop's rule)."""
    if DEFAULT_LANGUAGE not in app.config["PORTAL_LANGUAGES"]:
        raise ConfigError("PORTAL_LANGUAGES must include en: / and the provider e-mails use it")
    for code in app.config["PORTAL_LANGUAGES"]:
        if code not in LANGUAGES:
            raise ConfigError(f"PORTAL_LANGUAGES: {code!r} is not a language the portal knows")
        if code == DEFAULT_LANGUAGE:
            continue
        mo_path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.mo"
        try:
            with mo_path.open("rb") as handle:
                read_mo(handle)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"PORTAL_LANGUAGES lists {code!r} but its catalog {mo_path} cannot be loaded "
                f"({exc}); run `make translations`"
            ) from exc


def localised_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose routes all live under /<lang>/."""
    blueprint = Blueprint(name, import_name, url_prefix=f"/<lang>{url_prefix}")

    @blueprint.url_value_preprocessor
    def _take_language(_endpoint, values):
        code = (values or {}).pop("lang", None)
        if code not in current_app.config["PORTAL_LANGUAGES"]:
            abort(404)
        g.lang = code

    @blueprint.url_defaults
    def _add_language(endpoint, values):
        if "lang" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.get("lang", DEFAULT_LANGUAGE)

    return blueprint


def url_in_language(code: str) -> str:
    """This page in another language, keeping its query (directory filters, say)."""
    endpoint = request.endpoint
    view_args = dict(request.view_args or {})
    if endpoint is None or not current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        return url_for("pages.home", lang=code)
    query = request.args.to_dict(flat=False)
    return url_for(endpoint, **view_args, **query, lang=code)
