"""Daily rollups per kelurahan, per H3 cell of new cases, per facility and test type (counts; and
results, certificates and latency histograms for reporting compliance), per facility report, per
entry point, for the whole city (with running totals), active cases per kelurahan (running totals)
and per 7-day positivity window.

Every writer calls `refresh` for the WIB days it touched, inside its own transaction, so that pages
read small tables whose size does not grow with the raw history. A refresh recomputes whole days
from the raw rows (delete, then insert-select), which keeps it idempotent and obviously correct.
Three rollups reach beyond the days touched, and no further than they must: `daily_city` and
`daily_area_active` shift the running totals of the later days by what the refresh changed, and
`daily_positivity` recomputes the windows that hold a touched day (it and the
POSITIVITY_WINDOW_DAYS - 1 days after).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from casedb.schema import (LATENCY_BUCKETS, LATENCY_EDGES_HOURS, POSITIVITY_WINDOW_DAYS, TRACING_BUCKETS,
                           TRACING_EDGES_HOURS)

# Hours between two naive-UTC timestamps: the one expression the two engines write differently.
_HOURS = {
    "sqlite": "((julianday({later}) - julianday({earlier})) * 24.0)",
    "postgresql": "(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)",
}


def _bucket(hours: str) -> str:
    """The LATENCY_EDGES_HOURS bucket (0 .. LATENCY_BUCKETS - 1) of an hours expression."""
    whens = " ".join(f"WHEN {hours} < {edge} THEN {k}" for k, edge in enumerate(LATENCY_EDGES_HOURS))
    return f"CASE {whens} ELSE {LATENCY_BUCKETS - 1} END"


def _facility_compliance(dialect: str) -> str:
    """Results, certificates and the latency histograms per WIB day, facility and test type. The
    SQL is built from the constant bucket edges only; days are bound parameters."""
    hours = _HOURS[dialect]
    specimen_to_result = _bucket(hours.format(later="result_at", earlier="specimen_at"))
    result_to_report = _bucket(hours.format(later="reported_at", earlier="result_at"))
    columns = [f"sr_{k}" for k in range(LATENCY_BUCKETS)] + [f"rr_{k}" for k in range(LATENCY_BUCKETS)]
    sums = [f"SUM(CASE WHEN sr = {k} THEN 1 ELSE 0 END)" for k in range(LATENCY_BUCKETS)] \
        + [f"SUM(CASE WHEN rr = {k} THEN 1 ELSE 0 END)" for k in range(LATENCY_BUCKETS)]
    return f"""
        INSERT INTO daily_facility_compliance (day, facility_id, test_type, results, positives, certificates, {", ".join(columns)})
        SELECT day, facility_id, test_type, SUM(is_result), SUM(is_positive), SUM(is_certificate), {", ".join(sums)}
        FROM (
            SELECT result_day AS day, facility_id, test_type, 1 AS is_result,
                   CASE WHEN result = 'positive' THEN 1 ELSE 0 END AS is_positive, 0 AS is_certificate,
                   {specimen_to_result} AS sr, {result_to_report} AS rr
            FROM test_results WHERE result_day BETWEEN :start AND :end
            UNION ALL
            SELECT issued_day, facility_id, test_type, 0, 0, 1, -1, -1
            FROM certificates WHERE issued_day BETWEEN :start AND :end
        ) AS events
        GROUP BY day, facility_id, test_type
    """

# Whole seconds from one naive-UTC timestamp to another: exact, so that a contact traced exactly
# TRACING_HOURS after the confirmation counts as traced in time on both engines.
_SECONDS = {
    "sqlite": "(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER))",
    "postgresql": "FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})))",
}
# The Monday of a date's ISO week.
_WEEK = {
    "sqlite": "date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')",
    "postgresql": "CAST({day} - (CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) - 1) AS DATE)",
}


def _tracing(dialect: str) -> str:
    """Contact tracing per WIB day of the index case's confirmation and its kelurahan (DESIGN
    section 3, "Contact tracing"): the day's cases and how many had been listed as a contact before
    their confirmation, and their contacts, traced (bucketed by delay, casedb.schema
    TRACING_EDGES_HOURS), tested and become cases. Built from the constant edges only."""
    delay = _SECONDS[dialect].format(later="k.traced_at", earlier="c.confirmed_at")
    whens = " ".join(f"WHEN {delay} <= {edge * 3600} THEN {k}" for k, edge in enumerate(TRACING_EDGES_HOURS))
    bucket = f"CASE WHEN k.traced_at IS NULL THEN -1 {whens} ELSE {TRACING_BUCKETS - 1} END"
    columns = ", ".join(f"traced_{k}" for k in range(TRACING_BUCKETS))
    sums = ", ".join(f"SUM(CASE WHEN bucket = {k} THEN 1 ELSE 0 END)" for k in range(TRACING_BUCKETS))
    week = _WEEK[dialect].format(day="day")
    return f"""
        INSERT INTO daily_tracing (day, kelurahan_code, week, cases, cases_listed, contacts, traced, {columns},
                                   tested, became_cases)
        SELECT day, kelurahan_code, {week}, SUM(is_case), SUM(is_listed), SUM(is_contact),
               SUM(CASE WHEN bucket >= 0 THEN 1 ELSE 0 END), {sums}, SUM(is_tested), SUM(is_became)
        FROM (
            SELECT c.confirmed_day AS day, c.kelurahan_code, 1 AS is_case,
                   CASE WHEN EXISTS (SELECT 1 FROM contacts l WHERE l.contact_person_key = c.person_key
                                     AND l.listed_at <= c.confirmed_at) THEN 1 ELSE 0 END AS is_listed,
                   0 AS is_contact, -1 AS bucket, 0 AS is_tested, 0 AS is_became
            FROM cases c WHERE c.confirmed_day BETWEEN :start AND :end
            UNION ALL
            SELECT c.confirmed_day, c.kelurahan_code, 0, 0, 1, {bucket},
                   CASE WHEN k.tested_at IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN k.became_case_id IS NULL THEN 0 ELSE 1 END
            FROM contacts k JOIN cases c ON c.id = k.index_case_id
            WHERE c.confirmed_day BETWEEN :start AND :end
        ) AS events
        GROUP BY day, kelurahan_code
    """


_REFRESH = {
    "daily_area": """
        INSERT INTO daily_area (day, kelurahan_code, new_cases, imported_cases, recovered, died)
        SELECT day, kelurahan_code, SUM(new_cases), SUM(imported_cases), SUM(recovered), SUM(died)
        FROM (
            SELECT confirmed_day AS day, kelurahan_code, 1 AS new_cases,
                   CASE WHEN is_imported THEN 1 ELSE 0 END AS imported_cases, 0 AS recovered, 0 AS died
            FROM cases WHERE confirmed_day BETWEEN :start AND :end
            UNION ALL
            SELECT recovered_day, kelurahan_code, 0, 0, 1, 0
            FROM cases WHERE recovered_day BETWEEN :start AND :end
            UNION ALL
            SELECT died_day, kelurahan_code, 0, 0, 0, 1
            FROM cases WHERE died_day BETWEEN :start AND :end
        ) AS events
        GROUP BY day, kelurahan_code
    """,
    "daily_case_cells": """
        INSERT INTO daily_case_cells (day, h3_r9, h3_r8, h3_r7, new_cases)
        SELECT confirmed_day, h3_r9, MIN(h3_r8), MIN(h3_r7), COUNT(*)
        FROM cases
        WHERE confirmed_day BETWEEN :start AND :end AND h3_r9 IS NOT NULL
        GROUP BY confirmed_day, h3_r9
    """,
    "daily_facility_tests": """
        INSERT INTO daily_facility_tests (day, facility_id, test_type, tests, positives, negatives)
        SELECT result_day, facility_id, test_type, COUNT(*),
               SUM(CASE WHEN result = 'positive' THEN 1 ELSE 0 END),
               SUM(CASE WHEN result = 'negative' THEN 1 ELSE 0 END)
        FROM test_results
        WHERE result_day BETWEEN :start AND :end
        GROUP BY result_day, facility_id, test_type
    """,
    "daily_entry_point": """
        INSERT INTO daily_entry_point (day, entry_point_id, direction, movements, doc_valid, doc_expired,
            doc_not_found, doc_issuer_unauthorized, doc_mismatch, doc_none, screened, screened_positive)
        SELECT day, entry_point_id, direction, COUNT(*),
               SUM(CASE WHEN document_status = 'valid' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'expired' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'not_found' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'issuer_unauthorized' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'mismatch' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'none' THEN 1 ELSE 0 END),
               SUM(CASE WHEN screening_result IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN screening_result = 'positive' THEN 1 ELSE 0 END)
        FROM movements
        WHERE day BETWEEN :start AND :end
        GROUP BY day, entry_point_id, direction
    """,
    "daily_movement": """
        INSERT INTO daily_movement (day, entry_point_id, direction, mode, document_status, movements)
        SELECT day, entry_point_id, direction, mode, document_status, COUNT(*)
        FROM movements
        WHERE day BETWEEN :start AND :end
        GROUP BY day, entry_point_id, direction, mode, document_status
    """,
    # {hour}: the UTC hour of `at`, per engine (_HOUR); WIB is seven hours ahead.
    "daily_movement_hour": """
        INSERT INTO daily_movement_hour (day, hour, direction, movements)
        SELECT day, wib_hour, direction, COUNT(*)
        FROM (SELECT day, direction, ({hour} + 7) % 24 AS wib_hour
              FROM movements WHERE day BETWEEN :start AND :end) AS m
        GROUP BY day, wib_hour, direction
    """,
    "daily_movement_region": """
        INSERT INTO daily_movement_region (day, region_code, direction, movements)
        SELECT day, COALESCE(region_code, ''), direction, COUNT(*)
        FROM movements
        WHERE day BETWEEN :start AND :end
        GROUP BY day, COALESCE(region_code, ''), direction
    """,
    "daily_screening": """
        INSERT INTO daily_screening (day, entry_point_id, test_type, result, screened)
        SELECT day, entry_point_id, COALESCE(screening_test_type, ''), screening_result, COUNT(*)
        FROM movements
        WHERE day BETWEEN :start AND :end AND screening_result IS NOT NULL
        GROUP BY day, entry_point_id, COALESCE(screening_test_type, ''), screening_result
    """,
    "daily_imported_origin": """
        INSERT INTO daily_imported_origin (day, region_code, imported_cases)
        SELECT confirmed_day, COALESCE(import_region_code, ''), COUNT(*)
        FROM cases
        WHERE confirmed_day BETWEEN :start AND :end AND is_imported
        GROUP BY confirmed_day, COALESCE(import_region_code, '')
    """,
}
_HOUR = {"sqlite": "CAST(strftime('%H', at) AS INTEGER)", "postgresql": "CAST(EXTRACT(HOUR FROM at) AS INTEGER)"}

# Whole seconds from {earlier} to {later} (naive UTC), rounded up, so that a report a fraction of a
# second after a deadline is after it on both engines (SQLite keeps milliseconds in '%f').
_SECONDS_AFTER = {
    "sqlite": "(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER)"
              " + CASE WHEN CAST(strftime('%f', {later}) AS REAL) > CAST(strftime('%S', {later}) AS INTEGER)"
              " THEN 1 ELSE 0 END)",
    "postgresql": "CAST(CEIL(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS INTEGER)",
}


def _facility_report(dialect: str) -> str:
    """Each facility's report of a WIB day (when it arrived after the end of the day: the calendar's
    ends_at), the results it sent with that result day and the certificates it issued that day (from
    daily_facility_compliance, refreshed before it). A writer of reports, test results or
    certificates refreshes it for the days it touched."""
    seconds = _SECONDS_AFTER[dialect].format(later="r.submitted_at", earlier="c.ends_at")
    return f"""
        INSERT INTO daily_facility_report (day, facility_id, submitted_at, seconds_after_day, declared_tests, sent_tests,
                                           certificates)
        SELECT day, facility_id, MAX(submitted_at), MAX(seconds_after_day), MAX(declared_tests), SUM(sent_tests),
               SUM(certificates)
        FROM (
            SELECT r.report_day AS day, r.facility_id, r.submitted_at, {seconds} AS seconds_after_day,
                   r.tests_done AS declared_tests, 0 AS sent_tests, 0 AS certificates
            FROM facility_reports r JOIN calendar c ON c.day = r.report_day
            WHERE r.report_day BETWEEN :start AND :end
            UNION ALL
            SELECT day, facility_id, NULL, NULL, NULL, SUM(results), SUM(certificates)
            FROM daily_facility_compliance WHERE day BETWEEN :start AND :end
            GROUP BY day, facility_id
        ) AS events
        GROUP BY day, facility_id
    """


# A date plus a whole number of days: the other expression the two engines write differently.
_PLUS_DAYS = {"sqlite": "date({day}, '+' || {days} || ' days')", "postgresql": "({day} + {days})"}


def _refresh_positivity(conn: Connection, start: date, end: date) -> None:
    """Results of the days start..end sit in the windows ending start..end + (window - 1): recompute
    those windows (each from the raw results of its own days), and only those."""
    last = POSITIVITY_WINDOW_DAYS - 1
    window_end = end + timedelta(days=last) if end <= date.max - timedelta(days=last) else date.max
    params = {"start": start, "end": window_end,
              "from": start - timedelta(days=last) if start >= date.min + timedelta(days=last) else date.min}
    offsets = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(POSITIVITY_WINDOW_DAYS))
    window_day = _PLUS_DAYS[conn.dialect.name].format(day="t.result_day", days="o.k")
    conn.execute(text("DELETE FROM daily_positivity WHERE day BETWEEN :start AND :end"), params)
    # Each result counted in the POSITIVITY_WINDOW_DAYS windows that hold its day.
    conn.execute(text(f"""
        INSERT INTO daily_positivity (day, test_type, people_tested, people_positive)
        SELECT day, test_type, COUNT(DISTINCT person_key),
               COUNT(DISTINCT CASE WHEN result = 'positive' THEN person_key END)
        FROM (
            SELECT {window_day} AS day, t.test_type, t.person_key, t.result
            FROM test_results t CROSS JOIN ({offsets}) AS o
            WHERE t.result_day BETWEEN :from AND :end AND t.result IN ('positive', 'negative')
        ) AS w
        WHERE day BETWEEN :start AND :end
        GROUP BY day, test_type
    """), params)


_CITY_SUMS = "SELECT COALESCE(SUM(new_cases), 0), COALESCE(SUM(recovered), 0), COALESCE(SUM(died), 0) " \
             "FROM daily_city WHERE day BETWEEN :start AND :end"


def _refresh_city(conn: Connection, start: date, end: date) -> None:
    """City-wide counts of the days start..end from daily_area (refreshed before it), their running
    totals from the last day before start, and the totals of every later day shifted by what the
    refresh changed: the cost follows the days touched and the days after them, not the history."""
    params = {"start": start, "end": end}
    before = conn.execute(text(_CITY_SUMS), params).one()
    base = conn.execute(text(
        "SELECT confirmed_total, recovered_total, died_total FROM daily_city "
        "WHERE day = (SELECT MAX(day) FROM daily_city WHERE day < :start)"), params).one_or_none() or (0, 0, 0)
    conn.execute(text("DELETE FROM daily_city WHERE day BETWEEN :start AND :end"), params)
    conn.execute(text("""
        INSERT INTO daily_city (day, new_cases, recovered, died, confirmed_total, recovered_total, died_total)
        SELECT day, new_cases, recovered, died,
               :confirmed + SUM(new_cases) OVER (ORDER BY day),
               :recovered_base + SUM(recovered) OVER (ORDER BY day),
               :died_base + SUM(died) OVER (ORDER BY day)
        FROM (SELECT day, SUM(new_cases) AS new_cases, SUM(recovered) AS recovered, SUM(died) AS died
              FROM daily_area WHERE day BETWEEN :start AND :end GROUP BY day) AS days
    """), {**params, "confirmed": base[0], "recovered_base": base[1], "died_base": base[2]})
    after = conn.execute(text(_CITY_SUMS), params).one()
    shift = {f"d{k}": int(after[k]) - int(before[k]) for k in range(3)}
    if any(shift.values()):
        conn.execute(text("UPDATE daily_city SET confirmed_total = confirmed_total + :d0, "
                          "recovered_total = recovered_total + :d1, died_total = died_total + :d2 "
                          "WHERE day > :end"), {**shift, "end": end})


# Each kelurahan's active cases at the end of `day`: its last running total on or before it, one
# index seek per kelurahan (0 for a kelurahan without a row yet).
_AREA_ACTIVE_ON = """
    SELECT kel.code, (SELECT a.active FROM daily_area_active AS a
                      WHERE a.kelurahan_code = kel.code AND a.day <= :day ORDER BY a.day DESC LIMIT 1)
    FROM regions AS kel WHERE kel.level = 'kelurahan'
"""


def _area_active_on(conn: Connection, day: date) -> dict[str, int]:
    return {code: int(active or 0) for code, active in conn.execute(text(_AREA_ACTIVE_ON), {"day": day})}


def _refresh_area_active(conn: Connection, start: date, end: date) -> None:
    """Running active cases per kelurahan for the days start..end from daily_area (refreshed before
    it), each from the kelurahan's total on its last day before start, and the totals of its later
    days shifted by what the refresh changed there: as daily_city, per kelurahan."""
    params = {"start": start, "end": end}
    before = _area_active_on(conn, end)
    conn.execute(text("DELETE FROM daily_area_active WHERE day BETWEEN :start AND :end"), params)
    conn.execute(text("""
        INSERT INTO daily_area_active (kelurahan_code, day, active)
        SELECT kelurahan_code, day,
               COALESCE((SELECT earlier.active FROM daily_area_active AS earlier
                         WHERE earlier.kelurahan_code = area.kelurahan_code AND earlier.day < :start
                         ORDER BY earlier.day DESC LIMIT 1), 0)
               + SUM(new_cases - recovered - died) OVER (PARTITION BY kelurahan_code ORDER BY day)
        FROM daily_area AS area WHERE day BETWEEN :start AND :end
    """), params)
    after = _area_active_on(conn, end)
    shifts = [{"code": code, "shift": total - before.get(code, 0), "end": end}
              for code, total in after.items() if total != before.get(code, 0)]
    if shifts:
        conn.execute(text("UPDATE daily_area_active SET active = active + :shift "
                          "WHERE kelurahan_code = :code AND day > :end"), shifts)


# The rollups each writer refreshes: movement loads, and case changes (new cases, outcomes, imports).
# daily_city and daily_area_active follow daily_area, daily_facility_report follows daily_facility_compliance.
MOVEMENT_ROLLUPS = ("daily_entry_point", "daily_movement", "daily_movement_hour", "daily_movement_region",
                    "daily_screening", "presentation_checks")
CASE_ROLLUPS = ("daily_area", "daily_area_active", "daily_city", "daily_case_cells", "daily_imported_origin")
TEST_ROLLUPS = ("daily_facility_tests", "daily_facility_compliance", "daily_facility_report", "daily_positivity")
REPORT_ROLLUPS = ("daily_facility_report",)

TRACING_ROLLUPS = ("daily_tracing",)

_BUILT = {"daily_facility_compliance": _facility_compliance, "daily_facility_report": _facility_report,
          "daily_tracing": _tracing}


def _certificate_checks(conn: Connection, start: date, end: date) -> None:
    from casedb import document_checks  # it builds on this module's expressions

    document_checks.refresh_certificates(conn, document_checks.CERTIFICATES_ISSUED, {"start": start, "end": end})


def _presentation_checks(conn: Connection, start: date, end: date) -> None:
    from casedb import document_checks

    document_checks.refresh_presentations(conn, document_checks.PRESENTATIONS_ON, {"start": start, "end": end})


# The fraud rules' document checks are kept by the days of their documents only in a full rebuild:
# writers re-judge exactly the documents they can change (casedb.document_checks).
DOCUMENT_CHECKS = ("certificate_checks", "presentation_checks")
_PROCEDURES = {"daily_city": _refresh_city, "daily_area_active": _refresh_area_active,
               "daily_positivity": _refresh_positivity, "certificate_checks": _certificate_checks,
               "presentation_checks": _presentation_checks}
ALL_DAYS = (date(1900, 1, 1), date(9999, 12, 31))
# In dependency order: daily_city and daily_area_active after daily_area, daily_facility_report after
# daily_facility_compliance.
TABLES = ("daily_area", "daily_area_active", "daily_city", *(t for t in _REFRESH if t != "daily_area"),
          "daily_facility_compliance", "daily_facility_report", "daily_positivity", "daily_tracing",
          *DOCUMENT_CHECKS)


def refresh(conn: Connection, start: date, end: date, tables: tuple[str, ...] = TABLES) -> None:
    """Recompute the named rollups for WIB days start..end inclusive."""
    params = {"start": start, "end": end}
    for table in tables:
        if table not in _REFRESH and not inspect(conn).has_table(table):
            continue  # a database before the migration that creates (and fills) the table
        if table in _PROCEDURES:
            _PROCEDURES[table](conn, start, end)
            continue
        sql = _REFRESH[table] if table in _REFRESH else _BUILT[table](conn.dialect.name)
        conn.execute(text(f"DELETE FROM {table} WHERE day BETWEEN :start AND :end"), params)
        sql = sql.replace("{hour}", _HOUR.get(conn.dialect.name, _HOUR["postgresql"]))
        conn.execute(text(sql), params)


def refresh_all(conn: Connection) -> None:
    refresh(conn, *ALL_DAYS)
    refresh_chains(conn)


_CHAIN_EDGES = text("""
    SELECT k.index_case_id, k.became_case_id, i.confirmed_at AS index_at, b.confirmed_at AS case_at,
           i.confirmed_day AS index_day, b.confirmed_day AS case_day
    FROM contacts k JOIN cases i ON i.id = k.index_case_id JOIN cases b ON b.id = k.became_case_id
    WHERE k.became_case_id IS NOT NULL
""")


def refresh_chains(conn: Connection) -> None:
    """chain_members from every contact linked to the case it became: each connected set of cases
    (union-find over the links) named by its earliest case (the lower id on a tie). Rewritten whole:
    a new link may join two clusters, and there are far fewer links than contacts."""
    if not inspect(conn).has_table("chain_members"):
        return  # a database before migration 0015, which fills the table when it creates it
    parent: dict[int, int] = {}
    confirmed: dict[int, object] = {}
    day: dict[int, object] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, a_at, b_at, a_day, b_day in conn.execute(_CHAIN_EDGES):
        for node, at, on in ((a, a_at, a_day), (b, b_at, b_day)):
            parent.setdefault(node, node)
            confirmed[node], day[node] = at, on
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    earliest: dict[int, int] = {}
    for node in sorted(parent, key=lambda n: (confirmed[n], n)):
        earliest.setdefault(find(node), node)
    cluster_of = {n: earliest[find(n)] for n in sorted(parent)}
    conn.execute(text("DELETE FROM chain_members"))
    if parent:
        conn.execute(text("INSERT INTO chain_members (case_id, cluster_id, confirmed_day) "
                          "VALUES (:case_id, :cluster_id, :day)"),
                     [{"case_id": n, "cluster_id": cluster, "day": day[n]} for n, cluster in cluster_of.items()])
    if inspect(conn).has_table("chain_clusters"):  # from migration 0021, which fills it when it creates it
        _rewrite_clusters(conn, cluster_of, day)


def _rewrite_clusters(conn: Connection, cluster_of: dict[int, int], day: dict[int, object]) -> None:
    """chain_clusters (each cluster's size, first, second and last day, and its rank by size) and
    chain_days (how many clusters had formed by each day one formed) from the members just written."""
    days: dict[int, list] = defaultdict(list)
    for node, cluster in cluster_of.items():
        days[cluster].append(day[node])
    clusters = sorted(((cluster, sorted(on)) for cluster, on in days.items() if len(on) >= 2),
                      key=lambda c: (-len(c[1]), c[0]))
    conn.execute(text("DELETE FROM chain_clusters"))
    conn.execute(text("DELETE FROM chain_days"))
    if not clusters:
        return
    conn.execute(text("INSERT INTO chain_clusters (cluster_id, size, first_day, formed_day, last_day, size_rank) "
                      "VALUES (:cluster, :size, :first, :formed, :last, :rank)"),
                 [{"cluster": cluster, "size": len(on), "first": on[0], "formed": on[1], "last": on[-1], "rank": rank}
                  for rank, (cluster, on) in enumerate(clusters, start=1)])
    formed = Counter(on[1] for _, on in clusters)
    formed_days = sorted(formed)
    conn.execute(text("INSERT INTO chain_days (day, clusters) VALUES (:day, :clusters)"),
                 [{"day": d, "clusters": total}
                  for d, total in zip(formed_days, accumulate(formed[d] for d in formed_days))])
