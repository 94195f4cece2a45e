"""Command line: `python -m casedb.certificates qr NUMBER --out FILE.png [--database-url URL]`.

Writes the QR code of a certificate in the register (its number and the register's check code) as a
PNG for the issuing facility to print, and prints the number and check code. Exit status: 0 written,
2 no such certificate (or an unreadable number), 1 the database failed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from casedb.certificates import NUMBER, normalise_number, qr_png
from casedb.engine import DatabaseUnavailable, check, get_engine
from casedb.schema import certificates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.certificates", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    qr = commands.add_parser("qr", help="write a certificate's QR code as a PNG")
    qr.add_argument("number", help="the certificate's number")
    qr.add_argument("--out", required=True, type=Path, help="the PNG file to write")
    qr.add_argument("--scale", type=int, default=8, help="pixels per QR module (default 8)")
    parser.add_argument("--database-url", help="default: the DATABASE_URL setting")
    args = parser.parse_args(argv)
    number = normalise_number(args.number)
    if not NUMBER.fullmatch(number):
        print(f"not a certificate number: {args.number!r}", file=sys.stderr)
        return 2
    try:
        engine = get_engine(args.database_url)
        check(engine)
        with engine.connect() as conn:
            code = conn.execute(select(certificates.c.check_code).where(certificates.c.number == number)).scalar()
    except DatabaseUnavailable as e:
        print(f"database unavailable: {e.reason}", file=sys.stderr)
        return 1
    if code is None:
        print(f"no certificate {number} in the register", file=sys.stderr)
        return 2
    args.out.write_bytes(qr_png(number, code, scale=args.scale))
    print(f"{number} {code} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
