"""Pseudonymous person keys: no NIK is ever stored, only its keyed hash.

A keyed hash (HMAC-SHA256 with a secret pepper) rather than a plain hash, because the NIK space is
small and structured enough to be enumerated: without the pepper a key cannot be reversed by trying
every NIK.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable

MIN_PEPPER_LENGTH = 32
# What the fingerprint of a pepper is the keyed hash of: a fixed text, never a NIK, so that the stored
# fingerprint tells whether two peppers are the same without helping anyone compute a person key.
FINGERPRINT_LABEL = b"pekanbaru-dashboard/nik-pepper-fingerprint/v1"


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


def fingerprint(pepper: str | bytes) -> str:
    """HMAC-SHA256(pepper, FINGERPRINT_LABEL) as hex: stored in the database (pepper_fingerprint)
    to recognise the pepper it was loaded with. Not the pepper, and no help in finding it."""
    return hmac.new(_key(pepper), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def is_strong(pepper: str) -> bool:
    """At least MIN_PEPPER_LENGTH characters, of at least two kinds (lower-case letters, upper-case
    letters, digits, other characters), at least 10 of them distinct: what `openssl rand -hex 32`
    or `-base64 32` give, and not a word repeated or a run of one key."""
    kinds = sum(any(test(c) for c in pepper) for test in (str.islower, str.isupper, str.isdigit,
                                                          lambda c: not c.isalnum()))
    return len(pepper) >= MIN_PEPPER_LENGTH and kinds >= 2 and len(set(pepper)) >= 10
