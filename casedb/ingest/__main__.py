"""Command line: `python -m casedb.ingest FILE --source SOURCE [--database-url URL] [--lang id|en]`.

Prints a progress bar while loading and a summary (rows in = accepted + rejected + duplicates).
Exit status: 0 loaded, 2 refused (bad file or configuration), 1 the database failed.
`--templates DIR` writes every source's template and data dictionary instead.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from casedb.engine import DatabaseUnavailable, check, get_engine
from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.pipeline import SOURCE_CHOICES, load
from casedb.ingest.templates import write_templates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="CSV, XLSX or FHIR JSON file to load")
    parser.add_argument("--source", choices=SOURCE_CHOICES)
    parser.add_argument("--database-url", help="default: the DATABASE_URL setting")
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="language of the summary")
    parser.add_argument("--created-by", default="cli", help="who loads the file, recorded with the batch")
    parser.add_argument("--templates", metavar="DIR", help="write the templates and data dictionaries to DIR")
    args = parser.parse_args(argv)
    if args.templates:
        for path in write_templates(Path(args.templates)):
            print(path)
        return 0
    if not args.file or not args.source:
        parser.error("FILE and --source are required")
    if not Path(args.file).is_file():
        return _fail(Message("ingest.file.not_found", {"path": args.file}), args.lang, 2)
    try:
        engine = get_engine(args.database_url)
        check(engine)
        bars: list[tqdm] = []

        def progress(done: int, total: int) -> None:
            # Made on the first chunk, so that a refused file prints its message alone.
            if not bars:
                bars.append(tqdm(total=total, unit="B", unit_scale=True, desc=Path(args.file).name, file=sys.stderr))
            bars[0].update(done - bars[0].n)

        try:
            summary = load(engine, args.source, args.file, created_by=args.created_by, progress=progress)
        finally:
            for bar in bars:
                bar.close()
    except IngestRefused as e:
        return _fail(e.message, args.lang, 2)
    except DatabaseUnavailable as e:
        return _fail(Message(e.reason), args.lang, 1)
    except SQLAlchemyError as e:
        return _fail(Message("ingest.failed", {"detail": str(e).splitlines()[0]}), args.lang, 1)
    for line in summary.render(args.lang):
        print(line)
    return 0


def _fail(message: Message, lang: str, status: int) -> int:
    print(message.render(lang), file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
