"""Signed, expiring tokens for links sent by mail (email verification, password reset).

A reset token carries a fingerprint of the current password hash, so it stops working once the
password changes (it can be used once). A verification token carries the email it verifies.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeTimedSerializer

VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"hackcity.{purpose}")


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_token(secret_key: str, purpose: str, payload: dict) -> str:
    return _serializer(secret_key, purpose).dumps(payload)


def read_token(secret_key: str, purpose: str, token: str, max_age: int) -> dict | None:
    try:
        payload = _serializer(secret_key, purpose).loads(token[:2000], max_age=max_age)
    except BadSignature:
        return None
    return payload if isinstance(payload, dict) else None
