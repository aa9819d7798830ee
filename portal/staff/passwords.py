"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile) and the rules a
new password must meet (NCSC: length over complexity, no forced expiry)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 200

_hasher = PasswordHasher()
# Checked when the e-mail address matches nobody, so that a wrong address takes as long as
# a wrong password and the answer's timing does not say which addresses have accounts.
_DUMMY_HASH = _hasher.hash("not a password anyone has: timing equaliser")

# The most common choices that pass the length rule (from breach lists); refused outright.
COMMON = {
    "password1234",
    "123456789012",
    "qwertyuiopas",
    "passwordpassword",
    "letmeinletmein",
    "iloveyou1234",
    "welcome12345",
    "administrator",
    "changemechangeme",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True if the password matches. With no hash (no such account) it still does the work."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def problem_with(password: str, email: str = "") -> str | None:
    """What is wrong with a new password, in words for the person, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters (three random words work well)"
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4:
        return "This password is too easy to guess: three random words work well"
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return "Do not use your e-mail address in your password"
    return None
