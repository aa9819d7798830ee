"""Every PORTAL_* setting, its default and its meaning, in one place.

Settings come from the environment so that one build runs anywhere. The defaults are safe
for production: secure cookies, no debug. `make run` opts into the development conveniences
explicitly (PORTAL_ENV=development) rather than production having to opt out of them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _secret_key(development: bool) -> str:
    key = os.environ.get("PORTAL_SECRET_KEY", "")
    if key:
        return key
    if development:
        # A throwaway key per process: it only signs the form session, which may be lost.
        return secrets.token_hex(32)
    raise ConfigError("PORTAL_SECRET_KEY must be set (a long random string) outside development")


def from_environment() -> dict:
    """Read the PORTAL_* environment into Flask config keys."""
    development = os.environ.get("PORTAL_ENV", "production") == "development"
    INSTANCE_DIR.mkdir(exist_ok=True)
    database_url = os.environ.get(
        "PORTAL_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    secure_cookies = _flag("PORTAL_SECURE_COOKIES", not development)
    languages = [
        code.strip() for code in os.environ.get("PORTAL_LANGUAGES", "en").split(",") if code
    ]
    return {
        "PORTAL_ENV": "development" if development else "production",
        # PORTAL_DATABASE_URL: SQLAlchemy URL. SQLite file under instance/ by default;
        # postgresql+psycopg://user:pass@host/db for production.
        "PORTAL_DATABASE_URL": database_url,
        # PORTAL_SMTP_URL: where provider mail goes (smtp://, smtps://). Used by delivery.
        "PORTAL_SMTP_URL": os.environ.get("PORTAL_SMTP_URL", "smtp://127.0.0.1:8025"),
        # PORTAL_DATA_KEY: key(s) that encrypt referral content at rest. Used by referrals.
        "PORTAL_DATA_KEY": os.environ.get("PORTAL_DATA_KEY", ""),
        # PORTAL_SECRET_KEY: signs the form session cookie. Required in production.
        "SECRET_KEY": _secret_key(development),
        # PORTAL_EXIT_URL: the neutral site the quick exit lands on.
        "PORTAL_EXIT_URL": os.environ.get("PORTAL_EXIT_URL", "https://www.bbc.co.uk/weather"),
        # PORTAL_EXIT_CLEAR_CACHE: include "cache" in Clear-Site-Data on exit. Browsers may
        # take a while to empty a large cache; bench/exit_speed.py measures it.
        "PORTAL_EXIT_CLEAR_CACHE": _flag("PORTAL_EXIT_CLEAR_CACHE", True),
        # PORTAL_LANGUAGES: comma-separated locale codes served under /<lang>/.
        "PORTAL_LANGUAGES": languages,
        # PORTAL_SECURE_COOKIES: Secure + __Host- prefix on the session cookie (HTTPS only).
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_NAME": "__Host-portal-session" if secure_cookies else "portal-session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        # Never a persistent cookie: the session ends with the browser.
        "SESSION_PERMANENT": False,
        # PORTAL_HSTS: send Strict-Transport-Security on HTTPS responses.
        "PORTAL_HSTS": _flag("PORTAL_HSTS", not development),
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
