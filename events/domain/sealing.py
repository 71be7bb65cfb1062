"""Secrets the app must read back (a portal's API key), kept sealed with a key derived from SECRET_KEY.

docs/SECURITY.md, "Reuses on open-data portals". Fernet (AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package) seals the value; its key is derived from the app's SECRET_KEY by HKDF-SHA256
with a purpose label, so each use of the secret key gets its own key and a sealed value of one purpose
cannot be opened as another. A changed SECRET_KEY (or a tampered value) makes `unseal` answer None:
the caller asks the person to enter the secret again.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PORTAL_KEYS = "portal-api-keys/1"  # the purpose label of the portals' API keys


@lru_cache(maxsize=8)
def _fernet(secret_key: str, purpose: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"hackcity/{purpose}".encode()
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(value: str, *, secret_key: str, purpose: str) -> str:
    """The value, encrypted and authenticated, as ASCII text to store."""
    return _fernet(secret_key, purpose).encrypt(value.encode()).decode("ascii")


def unseal(sealed: str, *, secret_key: str, purpose: str) -> str | None:
    """The value back, or None when it cannot be read: sealed with another SECRET_KEY, or altered."""
    try:
        return _fernet(secret_key, purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None
