"""Encryption of referral content at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

PORTAL_DATA_KEY holds one or more Fernet keys separated by commas. The first encrypts; all
decrypt, so a key can be rotated by putting the new key first and re-encrypting later.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from portal.config import ConfigError


class DataCipher:
    def __init__(self, keys: str):
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise ConfigError(
                "PORTAL_DATA_KEY must be set: generate one with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'"
            )
        try:
            self._fernet = MultiFernet([Fernet(part) for part in parts])
        except ValueError as exc:
            raise ConfigError("PORTAL_DATA_KEY holds a key that is not a Fernet key") from exc

    def encrypt(self, value: dict) -> bytes:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def decrypt(self, token: bytes) -> dict:
        try:
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise ValueError("referral content cannot be decrypted with PORTAL_DATA_KEY") from exc

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt with the first key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ValueError("a value cannot be decrypted with any key in PORTAL_DATA_KEY") from exc
