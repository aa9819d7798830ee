"""Every PORTAL_* setting, its default and its meaning, in one place.

Settings come from the environment so that one build runs anywhere. The defaults are safe
for production: secure cookies, no debug. `make run` opts into the development conveniences
explicitly (PORTAL_ENV=development) rather than production having to opt out of them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from portal.vocab import LANGUAGE_CODES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def development_key(instance_dir: Path) -> str:
    """A data key kept under instance/ so the web app and the worker share it in development."""
    path = instance_dir / "data.key"
    if not path.exists():
        instance_dir.mkdir(exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


DEFAULT_RETRY_SCHEDULE = (
    60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 86400, 86400, 86400,
)  # fmt: skip


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _schedule(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = os.environ.get(name, "")
    if not value:
        return default
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isdigit() for part in parts):
        raise ConfigError(f"{name} must be seconds separated by commas, like 60,300,900")
    return tuple(int(part) for part in parts)


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
        code.strip()
        for code in os.environ.get("PORTAL_LANGUAGES", ",".join(LANGUAGE_CODES)).split(",")
        if code.strip()
    ]
    return {
        "PORTAL_ENV": "development" if development else "production",
        # PORTAL_DATABASE_URL: SQLAlchemy URL. SQLite file under instance/ by default;
        # postgresql+psycopg://user:pass@host/db for production.
        "PORTAL_DATABASE_URL": database_url,
        # PORTAL_SMTP_URL: where provider mail goes. smtp://host:port requires STARTTLS;
        # smtps://host:port is TLS from the start; ?tls=none (loopback only) sends in clear
        # to a local sink. Development uses the sink `make run` starts.
        "PORTAL_SMTP_URL": os.environ.get(
            "PORTAL_SMTP_URL", "smtp://127.0.0.1:8025?tls=none" if development else ""
        ),
        # PORTAL_MAIL_FROM: the sender of referral e-mail.
        "PORTAL_MAIL_FROM": os.environ.get("PORTAL_MAIL_FROM", "referrals@portal.example.org"),
        # PORTAL_DATA_KEY: Fernet key(s), comma-separated, newest first, that encrypt referral
        # content at rest. Required in production; development keeps one in instance/.
        "PORTAL_DATA_KEY": os.environ.get("PORTAL_DATA_KEY", "")
        or (development_key(INSTANCE_DIR) if development else ""),
        # PORTAL_RETENTION_DAYS: days referral content is kept after every copy was delivered
        # and acknowledged (or closed) by its provider.
        "PORTAL_RETENTION_DAYS": _integer("PORTAL_RETENTION_DAYS", 7),
        # PORTAL_RETENTION_MAX_DAYS: the longest referral content is ever kept, even when a
        # provider never acknowledges it.
        "PORTAL_RETENTION_MAX_DAYS": _integer("PORTAL_RETENTION_MAX_DAYS", 90),
        # PORTAL_CHASE_HOURS: a delivered referral nobody has acknowledged after this long is
        # chased with a reminder e-mail (reference and link only).
        "PORTAL_CHASE_HOURS": _integer("PORTAL_CHASE_HOURS", 24),
        # PORTAL_ESCALATE_HOURS: after this long unacknowledged, the admin dashboard flags the
        # referral and offers the fallback route.
        "PORTAL_ESCALATE_HOURS": _integer("PORTAL_ESCALATE_HOURS", 72),
        # PORTAL_BASE_URL: the portal's public address, for links in e-mails (the inbox link,
        # invitations). Required in production.
        "PORTAL_BASE_URL": os.environ.get(
            "PORTAL_BASE_URL", "http://127.0.0.1:5000" if development else ""
        ).rstrip("/"),
        # PORTAL_STAFF_IDLE_MINUTES: a signed-in member of staff idle this long is signed out.
        "PORTAL_STAFF_IDLE_MINUTES": _integer("PORTAL_STAFF_IDLE_MINUTES", 30),
        # PORTAL_SIGN_IN_LIMIT: sign-in and code attempts one address may make (Flask-Limiter
        # syntax). Each account is also locked for PORTAL_LOCKOUT_MINUTES after
        # PORTAL_LOCKOUT_ATTEMPTS wrong passwords or codes in a row.
        "PORTAL_SIGN_IN_LIMIT": os.environ.get("PORTAL_SIGN_IN_LIMIT", "20 per 10 minutes"),
        "PORTAL_LOCKOUT_ATTEMPTS": _integer("PORTAL_LOCKOUT_ATTEMPTS", 5),
        "PORTAL_LOCKOUT_MINUTES": _integer("PORTAL_LOCKOUT_MINUTES", 15),
        # PORTAL_STAFF_POST_LIMIT: other posts a signed-in browser's address may make.
        "PORTAL_STAFF_POST_LIMIT": os.environ.get("PORTAL_STAFF_POST_LIMIT", "300 per hour"),
        # PORTAL_DRAFT_MINUTES: a form left this long without a step is deleted.
        "PORTAL_DRAFT_MINUTES": _integer("PORTAL_DRAFT_MINUTES", 120),
        # PORTAL_RETRY_SCHEDULE: seconds before each retry of a failed delivery; after the
        # last one the delivery is parked. Default: fast at first, then hours, for ~5 days
        # (RFC 5321 section 4.5.4.1: give up after 4-5 days).
        "PORTAL_RETRY_SCHEDULE": _schedule("PORTAL_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE),
        # PORTAL_SUBMIT_LIMIT: referrals one address may send (Flask-Limiter syntax).
        "PORTAL_SUBMIT_LIMIT": os.environ.get("PORTAL_SUBMIT_LIMIT", "10 per hour"),
        # PORTAL_STEP_LIMIT: form steps one address may post.
        "PORTAL_STEP_LIMIT": os.environ.get("PORTAL_STEP_LIMIT", "120 per minute"),
        # PORTAL_RATELIMIT_STORAGE: where rate-limit counters live (memory:// per process;
        # redis://... to share them between several app servers).
        "RATELIMIT_STORAGE_URI": os.environ.get("PORTAL_RATELIMIT_STORAGE", "memory://"),
        # PORTAL_SECRET_KEY: signs the form session cookie. Required in production.
        "SECRET_KEY": _secret_key(development),
        # PORTAL_FEEDBACK_EMAIL: where people report a wrong translation or an accessibility
        # problem. The default is a demo address, shown as such.
        "PORTAL_FEEDBACK_EMAIL": os.environ.get(
            "PORTAL_FEEDBACK_EMAIL", "feedback@portal.example.org"
        ),
        # PORTAL_EXIT_URL: the neutral site the quick exit lands on.
        "PORTAL_EXIT_URL": os.environ.get("PORTAL_EXIT_URL", "https://www.bbc.co.uk/weather"),
        # PORTAL_EXIT_CLEAR_CACHE: include "cache" in Clear-Site-Data on exit. Browsers may
        # take a while to empty a large cache; bench/exit_speed.py measures it.
        "PORTAL_EXIT_CLEAR_CACHE": _flag("PORTAL_EXIT_CLEAR_CACHE", True),
        # PORTAL_LANGUAGES: comma-separated codes of the languages served under /<lang>/
        # (default: all ten). English must be one of them.
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
        # PORTAL_PAGE_CACHE_SECONDS: how long each app process keeps a rendered public
        # directory page (portal/page_cache.py); 0 turns the cache off.
        "PORTAL_PAGE_CACHE_SECONDS": _count("PORTAL_PAGE_CACHE_SECONDS", 60),
        # PORTAL_PROXIES: how many reverse proxies (nginx, a load balancer) stand in front of
        # the app server and add X-Forwarded-For and X-Forwarded-Proto. Behind one, set 1:
        # otherwise every visitor has the proxy's address, and the per-address limits above
        # count the whole site as one visitor. 0 (the default) ignores those headers, since
        # without a proxy anyone could send them to dodge the limits. Applied by
        # portal/wsgi.py, the production entry point.
        "PORTAL_PROXIES": _count("PORTAL_PROXIES", 0),
        # Flask-WTF's extra check, on HTTPS, that a form post's Referer names this site. The
        # portal sends Referrer-Policy: no-referrer, so browsers send no Referer (and
        # Origin: null) with its own forms, and that check would refuse every referral
        # behind HTTPS. The CSRF token still guards each post; it is kept in a __Host-,
        # SameSite=Strict session cookie that another site or subdomain can neither set nor
        # send, which is the attack the Referer check is there for.
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
