"""Press releases: numbered, frozen snapshots of the figures press may publish and of their files.

A release stores its figures (the long table of `figures.briefing.release_figures`, computed as
press sees them), its files with their bytes and SHA-256, who published it and when. Nothing
changes a release afterwards: there is no update path here, and the triggers of migration 0014
refuse an UPDATE or a DELETE on the four tables, so that a later load, a correction or a script
cannot touch what was published. Files are read back as stored, byte for byte.

A correction is a new release naming the one it corrects, with a change log (figure, old value, new
value, and why, in Bahasa Indonesia and English). A release of a week that already has one must be
a correction of the latest release of that week: two uncorrelated releases of one week would be two
tables of the same days whose differences nobody explained.

The checksum printed in a release's PDF and infographic is the SHA-256 of its CSV data file (a
file cannot hold its own hash): a reader checks it with `sha256sum` on the CSV, which holds every
figure. Each file's own SHA-256 is stored beside it and listed on the page.

English files are made when first asked for, from the release's stored figures (never from the
data as it is then), and stored: a later download gives the same bytes.

Publishing is for `health`, and for `press` only when the setting PRESS_MAY_PUBLISH is on; it is
written to the audit log in the release's transaction (`release_publish`).

Releases are read here, not through the named queries of `queries/`: what is read back is the
published artifact as stored, whose figures went through the runner as `press` when it was made.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from casedb import audit, settings
from casedb.schema import release_changes, release_figures, release_files, releases
from casedb.wib import now_utc


class ReleaseRefused(ValueError):
    """A release cannot be published as asked; `key` is the catalog key of the reader's message."""

    def __init__(self, key: str, **detail):
        super().__init__(key)
        self.key = key
        self.detail = detail


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    kind: str  # pdf, png, csv, xlsx
    language: str | None
    mime: str
    content: bytes

    @property
    def sha256(self) -> str:
        return sha256(self.content)


@dataclass(frozen=True)
class Release:
    id: int
    number: int
    day: date
    period_start: date
    period_end: date
    corrects_number: int | None
    published_at: datetime  # naive UTC
    published_by: str
    published_role: str
    data_version: int
    data_sha256: str


@dataclass(frozen=True)
class Change:
    section: str
    item: str
    measure: str
    old_value: str | None
    new_value: str | None
    reason_id: str
    reason_en: str


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def may_publish(role: str | None) -> bool:
    return role == "health" or (role == "press" and settings.get("PRESS_MAY_PUBLISH"))


# (number, published_at, figures, changes, corrects) -> the release's files; the data file first.
MakeFiles = Callable[[int, datetime, pd.DataFrame, Sequence[Change], "Release | None"], list[ReleaseFile]]


def _release(row) -> Release:
    return Release(id=row.id, number=row.number, day=_day(row.day), period_start=_day(row.period_start),
                   period_end=_day(row.period_end), corrects_number=row.corrects_number,
                   published_at=row.published_at, published_by=row.published_by,
                   published_role=row.published_role, data_version=row.data_version, data_sha256=row.data_sha256)


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _select_releases():
    corrected = releases.alias("corrected")
    return (select(*releases.c, corrected.c.number.label("corrects_number"))
            .select_from(releases.outerjoin(corrected, releases.c.corrects_id == corrected.c.id)))


def list_releases(engine_or_conn: Engine | Connection) -> list[Release]:
    """Every release, the newest first."""
    with _connection(engine_or_conn) as conn:
        rows = conn.execute(_select_releases().order_by(releases.c.number.desc())).all()
    return [_release(row) for row in rows]


def get(engine_or_conn: Engine | Connection, number: int) -> Release | None:
    with _connection(engine_or_conn) as conn:
        row = conn.execute(_select_releases().where(releases.c.number == number)).first()
    return _release(row) if row else None


def latest_of_period(conn: Connection, period_start: date) -> Release | None:
    row = conn.execute(_select_releases().where(releases.c.period_start == period_start)
                       .order_by(releases.c.number.desc()).limit(1)).first()
    return _release(row) if row else None


def figures(engine_or_conn: Engine | Connection, release_id: int) -> pd.DataFrame:
    """The release's figures as stored, in their order (the columns of figures.briefing.COLUMNS)."""
    columns = [release_figures.c[c] for c in ("section", "item", "label", "measure", "period_start",
                                              "period_end", "value")]
    with _connection(engine_or_conn) as conn:
        rows = conn.execute(select(*columns).where(release_figures.c.release_id == release_id)
                            .order_by(release_figures.c.position)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in columns])
    for column in ("period_start", "period_end"):
        frame[column] = frame[column].map(_day)
    return frame.astype(object).where(frame.notna(), None)


def changes(engine_or_conn: Engine | Connection, release_id: int) -> list[Change]:
    with _connection(engine_or_conn) as conn:
        rows = conn.execute(select(release_changes).where(release_changes.c.release_id == release_id)
                            .order_by(release_changes.c.position)).all()
    return [Change(r.section, r.item, r.measure, r.old_value, r.new_value, r.reason_id, r.reason_en) for r in rows]


def files(engine_or_conn: Engine | Connection, release_id: int) -> list[ReleaseFile]:
    """The release's files, bytes as stored (checked against their stored SHA-256)."""
    with _connection(engine_or_conn) as conn:
        rows = conn.execute(select(release_files).where(release_files.c.release_id == release_id)
                            .order_by(release_files.c.name)).all()
    out = []
    for row in rows:
        content = bytes(row.content)
        if sha256(content) != row.sha256:
            raise RuntimeError(f"release file {row.name} does not match its stored SHA-256")
        out.append(ReleaseFile(row.name, row.kind, row.language, row.mime, content))
    return out


def add_files(engine: Engine, release_id: int, made: Sequence[ReleaseFile]) -> None:
    """Store files made later for a release (its English files, made from its stored figures); a
    file already stored under the name is kept as it is (a second asker gets the first's bytes)."""
    with engine.begin() as conn:
        have = set(conn.execute(select(release_files.c.name).where(release_files.c.release_id == release_id)).scalars())
        _insert_files(conn, release_id, [f for f in made if f.name not in have])


def _insert_files(conn: Connection, release_id: int, made: Sequence[ReleaseFile]) -> None:
    if made:
        conn.execute(insert(release_files), [
            {"release_id": release_id, "name": f.name, "kind": f.kind, "language": f.language, "mime": f.mime,
             "content": f.content, "sha256": f.sha256, "size": len(f.content)} for f in made])


def publish(engine: Engine, *, day: date, figures_table: pd.DataFrame, data_version: int, username: str,
            role: str, make_files: MakeFiles, corrects: int | None = None,
            changes_of: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None,
            reason_id: str = "", reason_en: str = "", at: datetime | None = None) -> Release:
    """Publish `figures_table` (press's figures of `day`'s week) as the next numbered release, with
    the files `make_files` makes for it. `corrects`: the number of the release this one corrects
    (the latest of the same week), with the reason in both languages; `changes_of(old, new)` lists
    what changed (figures.briefing.changes). Refused (ReleaseRefused) for a role that may not
    publish, a second release of a week that is not a correction, a correction without a reason
    or with nothing changed. Audited in the same transaction."""
    if not may_publish(role):
        raise ReleaseRefused("briefing.publish.not_allowed")
    week = figures_table[(figures_table["section"] == "headline") & (figures_table["measure"] == "new_cases")]
    period_start, period_end = week["period_start"].iloc[0], week["period_end"].iloc[0]
    at = at or now_utc().replace(microsecond=0)
    try:
        with engine.begin() as conn:
            previous = latest_of_period(conn, period_start)
            log: list[Change] = []
            corrected = None
            if corrects is None and previous is not None:
                raise ReleaseRefused("briefing.publish.week_has_release", number=previous.number)
            if corrects is not None:
                corrected = get(conn, corrects)
                if corrected is None or previous is None or corrected.number != previous.number:
                    raise ReleaseRefused("briefing.publish.correct_latest",
                                         number=previous.number if previous else corrects)
                if not reason_id.strip() or not reason_en.strip():
                    raise ReleaseRefused("briefing.publish.reason_needed")
                diff = changes_of(figures(conn, corrected.id), figures_table)
                if diff.empty:
                    raise ReleaseRefused("briefing.publish.nothing_changed", number=corrected.number)
                log = [Change(r.section, r.item, r.measure, r.old_value, r.new_value, reason_id.strip(),
                              reason_en.strip()) for r in diff.itertuples(index=False)]
            number = (conn.execute(select(func.max(releases.c.number))).scalar() or 0) + 1
            made = make_files(number, at, figures_table, log, corrected)
            data_sha256 = made[0].sha256
            release_id = conn.execute(insert(releases).values(
                number=number, day=day, period_start=period_start, period_end=period_end,
                corrects_id=corrected.id if corrected else None, published_at=at, published_by=username,
                published_role=role, data_version=data_version, data_sha256=data_sha256)
                .returning(releases.c.id)).scalar_one()
            conn.execute(insert(release_figures), [
                {"release_id": release_id, "position": i, **{k: row[k] for k in figures_table.columns}}
                for i, row in enumerate(figures_table.to_dict("records"))])
            if log:
                conn.execute(insert(release_changes), [
                    {"release_id": release_id, "position": i, **change.__dict__} for i, change in enumerate(log)])
            _insert_files(conn, release_id, made)
            audit.record(conn, username, role, "release_publish", "success",
                         {"number": number, "week": f"{period_start}..{period_end}",
                          "corrects": corrected.number if corrected else None, "data_sha256": data_sha256,
                          "files": [f.name for f in made]}, at=at)
    except IntegrityError as e:  # another release took the number first
        raise ReleaseRefused("briefing.publish.concurrent") from e
    return get(engine, number)


class _connection:
    """A connection from an Engine (closed afterwards), or the caller's Connection as it is."""

    def __init__(self, engine_or_conn: Engine | Connection):
        self.given = engine_or_conn
        self.conn = None

    def __enter__(self) -> Connection:
        if isinstance(self.given, Connection):
            return self.given
        self.conn = self.given.connect()
        return self.conn

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            self.conn.close()
