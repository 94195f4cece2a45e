"""The fraud signals page's query set for `bench/pages.py`.

`figures(run)` is what pages/fraud.py computes on its first run: the data's span, the default period
(the last 28 complete days) and `figures.fraud.signals` for it. `naive(engine)` finds the same flagged
items with pandas over the raw `certificates`, `test_results`, `movements` and `authorizations` rows,
WIB days from the timestamps, without the rollups, the query files or their indexes' help.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine

from casedb.wib import today_wib
from bench.page_sets import figure
from figures import fraud
from figures.common import data_span

WIB = pd.Timedelta(hours=7)
ROLE = "health"
KEY = {"certificate": "certificate_id", "movement": "movement_id", "facility": "facility_id"}


def figures(run) -> fraud.Signals:
    span = figure(run, data_span)
    start, end = fraud.default_period(today_wib(), span[1] if span else None)
    return figure(run, fraud.signals, start, end, fraud.Thresholds.from_settings())


@dataclass
class Naive:
    start: date
    end: date
    flagged: dict[int, set]  # rule -> ids of its entity


def _wib_day(moments: pd.Series) -> pd.Series:
    return (pd.to_datetime(moments) + WIB).dt.normalize()


def naive(engine: Engine) -> Naive:
    th = fraud.Thresholds.from_settings()
    with engine.connect() as conn:
        last = conn.execute(text("SELECT MAX(result_at) FROM test_results")).scalar_one()
    start, end = fraud.default_period(today_wib(), (pd.Timestamp(last) + WIB).date())
    first, stop = pd.Timestamp(start), pd.Timestamp(end)
    certs = pd.read_sql(text("SELECT id, number, facility_id, test_result_id, person_key, test_type, certified_result, "
                             "issued_at, valid_until FROM certificates"), engine)
    certs["d"] = _wib_day(certs["issued_at"])
    period = certs[(certs["d"] >= first) & (certs["d"] <= stop)]
    tests = pd.read_sql(text("SELECT id, facility_id, person_key, test_type, result, result_at FROM test_results"), engine)
    auth = pd.read_sql(text("SELECT a.facility_id, t.test_type, a.valid_from, a.valid_until, a.revoked_at "
                            "FROM authorizations a JOIN authorization_test_types t ON t.authorization_id = a.id"), engine)
    flagged: dict[int, set] = {}

    pairs = period[["id", "facility_id", "test_type", "d", "issued_at"]].merge(auth, on=["facility_id", "test_type"])
    ok = (pd.to_datetime(pairs["valid_from"]) <= pairs["d"]) & (pairs["d"] <= pd.to_datetime(pairs["valid_until"])) & \
        (pairs["revoked_at"].isna() | (pairs["revoked_at"] > pairs["issued_at"]))
    flagged[1] = set(period["id"]) - set(pairs.loc[ok, "id"])

    behind = period.merge(tests, left_on="test_result_id", right_on="id", how="left", suffixes=("", "_t"))
    flagged[2] = set(behind.loc[behind["id_t"].isna() | (behind["person_key_t"] != behind["person_key"]), "id"])
    linked = behind[behind["id_t"].notna()]
    flagged[3] = set(linked.loc[(linked["issued_at"] < linked["result_at"]) | (
        (linked["certified_result"] == "negative") & (linked["result"] == "positive")), "id"])

    moves = pd.read_sql(text("SELECT id, person_key, at, certificate_number FROM movements "
                             "WHERE certificate_number IS NOT NULL AND at >= :a AND at < :b"), engine,
                        params={"a": first - pd.Timedelta(days=1), "b": stop + pd.Timedelta(days=2)})
    moves["d"] = _wib_day(moves["at"])
    moves = moves[(moves["d"] >= first) & (moves["d"] <= stop)]
    shown = moves.merge(certs[["id", "number", "person_key", "valid_until"]], left_on="certificate_number",
                        right_on="number", how="left", suffixes=("", "_c"))
    persons = shown.groupby("certificate_number")["person_key"].nunique()
    others = (shown["id_c"].notna() & (shown["person_key"] != shown["person_key_c"])).groupby(
        shown["certificate_number"]).sum()
    numbers = set(persons[persons > 1].index) | set(others[others > 0].index)
    flagged[4] = set(certs.loc[certs["number"].isin(numbers), "id"]) | {n for n in numbers if n not in set(certs["number"])}
    flagged[7] = set(shown.loc[shown["id_c"].notna() & (shown["at"] > shown["valid_until"]), "id"])

    positives = tests[(tests["result"] == "positive") & tests["test_type"].isin(["pcr", "antigen"])]
    negative = period[period["certified_result"] == "negative"]
    after = negative.merge(positives, on="person_key", suffixes=("", "_p"))
    hit = (after["facility_id_p"] != after["facility_id"]) & (after["result_at"] <= after["issued_at"]) & \
        (after["issued_at"] - after["result_at"] <= pd.Timedelta(days=th.elsewhere_days))
    flagged[5] = set(after.loc[hit, "id"])

    antigen = tests[(tests["test_type"] == "antigen") & (_wib_day(tests["result_at"]).between(first, stop))]
    counts = antigen.groupby("facility_id").agg(tests=("id", "size"),
                                                positives=("result", lambda r: int((r == "positive").sum())))
    counts = counts.reset_index().assign(facility_code="", facility_name="")
    low = set(fraud.implausibly_low(counts, end, th)["facility_id"])
    daily = certs.groupby(["facility_id", "d"]).size().rename("certificates").reset_index().rename(columns={"d": "day"})
    daily = daily[(daily["day"] >= first - pd.Timedelta(days=th.volume_days)) & (daily["day"] <= stop)]
    jumps = set(fraud.volume_jumps(daily.assign(facility_code="", facility_name=""), start, end, th)["facility_id"])
    flagged[6] = low | jumps
    return Naive(start, end, flagged)


def check(page: fraud.Signals, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every rule."""
    out = [("period", (page.start, page.end), (raw.start, raw.end))]
    for rule in fraud.RULES:
        items = page.of_rule(rule)
        ids = set(items[KEY[fraud.ENTITY[rule]]].dropna().astype(int))
        if rule == 4:  # an unregistered number has no certificate id: its number stands for it
            ids |= set(items.loc[items["certificate_id"].isna(), "certificate_number"])
        out.append((f"rule {rule} flagged", sorted(map(str, ids)), sorted(map(str, raw.flagged[rule]))))
    return out


def headline(page: fraud.Signals) -> str:
    counts = page.counts()
    return f"{page.start}..{page.end}: " + ", ".join(f"rule {r} {counts[r]}" for r in fraud.RULES)
