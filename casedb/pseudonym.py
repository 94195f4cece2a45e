"""Pseudonymous person keys: no NIK is ever stored, only its keyed hash.

A keyed hash (HMAC-SHA256 with a secret pepper) rather than a plain hash, because the NIK space is
small and structured enough to be enumerated: without the pepper a key cannot be reversed by trying
every NIK.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable


def _key(pepper: str | bytes) -> bytes:
    if not pepper:
        raise ValueError("a pepper is required to pseudonymise a NIK")
    return pepper.encode() if isinstance(pepper, str) else pepper


def pseudonymise(nik: str, pepper: str | bytes) -> str:
    """The person key of one NIK: HMAC-SHA256(pepper, NIK) as 64 lowercase hex digits."""
    return hmac.new(_key(pepper), nik.strip().encode(), hashlib.sha256).hexdigest()


def pseudonymise_many(niks: Iterable[str], pepper: str | bytes) -> list[str]:
    """`pseudonymise` over many NIKs; the keyed state is prepared once and copied per NIK."""
    prepared = hmac.new(_key(pepper), digestmod=hashlib.sha256)
    keys = []
    for nik in niks:
        mac = prepared.copy()
        mac.update(nik.strip().encode())
        keys.append(mac.hexdigest())
    return keys
