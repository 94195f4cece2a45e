"""Health certificates' check codes and QR codes, the same for the demo city, ingestion and the pages.

A check code is a keyed MAC of the certificate number (HMAC-SHA256 with the secret setting
CERTIFICATE_KEY), its first 40 bits written as 8 characters of Crockford's base32: digits and
capitals without I, L, O and U, so that it can be typed from paper and read aloud. Whoever does not
hold the key cannot make the code of a number, so a forged document fails at the first check and
numbers cannot be enumerated. Codes are read case-insensitively, with Crockford's readings of the
letters people confuse (O as 0, I and L as 1).

A certificate's QR code holds `PKU-CERT:<number>:<check code>` (QR_PREFIX), nothing of the person.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import re

from casedb import settings

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
QR_PREFIX = "PKU-CERT"
DEMO_CERTIFICATE_KEY = "pekanbaru-demo-city-certificate-key"  # not a secret: demo certificates are invented
# The register writes numbers in capitals, digits and separators (SKB-038-250529-0000001).
NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,39}")
_QR_TEXT = re.compile(rf"{QR_PREFIX}:(?P<number>[^:\s]{{1,40}}):(?P<code>[0-9A-Za-z]{{4,12}})")
_READINGS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class NoCertificateKey(RuntimeError):
    """CERTIFICATE_KEY is not set and the database is not the demo city's."""


def normalise_number(text: str) -> str:
    return str(text).strip().upper()


def normalise_code(text: str) -> str:
    """As typed or read: any case, surrounding spaces dropped, O read as 0 and I, L as 1."""
    return str(text).strip().upper().translate(_READINGS)


def check_code(number: str, key: str) -> str:
    """The check code of a certificate number (normalised first) under `key`."""
    digest = hmac.new(key.encode("utf-8"), normalise_number(number).encode("utf-8"), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:5], "big")  # 40 bits = 8 characters of 5 bits
    return "".join(CROCKFORD[(bits >> shift) & 31] for shift in range(35, -1, -5))


def check_codes(numbers, key: str) -> list[str]:
    return [check_code(n, key) for n in numbers]


def resolve_key(database_url: str) -> str:
    """CERTIFICATE_KEY, or the demo city's fixed key on the demo database; refuse otherwise."""
    key = settings.get("CERTIFICATE_KEY")
    if key:
        return key
    if settings.is_demo_url(database_url):
        return DEMO_CERTIFICATE_KEY
    raise NoCertificateKey()


def qr_text(number: str, code: str) -> str:
    return f"{QR_PREFIX}:{normalise_number(number)}:{normalise_code(code)}"


def parse_qr_text(text: str) -> tuple[str, str] | None:
    """(number, check code) from a QR code's text, or None when it is not a certificate's."""
    found = _QR_TEXT.fullmatch(str(text).strip())
    if not found:
        return None
    return normalise_number(found["number"]), normalise_code(found["code"])


def qr_png(number: str, code: str, scale: int = 8) -> bytes:
    """A PNG of the certificate's QR code (error correction level M, a quiet zone of 4 modules)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(qr_text(number, code), error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def decode_qr(image: bytes) -> str | None:
    """The text of the first QR code found in a photo (PNG, JPEG, ...), or None when there is none
    or the bytes are no image."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            picture = opened.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=True,
                                   try_downscale=True)
    return found[0].text if found else None
