"""The consolidated case database, defined once for SQLite and PostgreSQL.

Conventions:
- Every DateTime column holds a naive UTC timestamp (SQLite has no time zones; PostgreSQL uses
  `timestamp without time zone` so both store the same value).
- Every column named `*_day` or `day` is a WIB calendar day (UTC+7), derived from its timestamp at
  write time by `casedb.wib.wib_day`, so that portable SQL can group by day without time-zone
  arithmetic that differs between the two engines.
- No names or NIK: a person is `person_key`, a keyed hash of the NIK made at ingestion.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Deterministic constraint names keep Alembic migrations identical on both engines.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger primary keys autoincrement on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

FACILITY_TYPES = ("hospital", "puskesmas", "clinic", "lab", "practice")
TEST_TYPES = ("pcr", "antigen", "antibody")
CONFIRMING_TEST_TYPES = ("pcr", "antigen")
TEST_PURPOSES = ("diagnostic", "screening", "travel", "contact_tracing")
TEST_RESULTS = ("positive", "negative", "invalid")
ENTRY_POINT_TYPES = ("airport", "bus_terminal", "river_port", "road_post")
DIRECTIONS = ("in", "out")
TRAVEL_MODES = ("air", "bus", "car", "motorcycle", "boat")
DOCUMENT_STATUSES = ("valid", "expired", "not_found", "issuer_unauthorized", "mismatch", "none")
CONTACT_RELATIONS = ("household", "workplace", "social", "travel", "healthcare")
ROLES = ("mayor", "health", "press", "admin", "checkpoint")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_valid")


# --- Reference tables -------------------------------------------------------------------------

regions = Table(
    "regions",
    metadata,
    Column("code", String(13), primary_key=True, comment="Kemendagri code, 14.71.xx or 14.71.xx.xxxx"),
    Column("name", String(80), nullable=False),
    Column("level", String(10), nullable=False),
    Column("parent_code", String(13), ForeignKey("regions.code"), nullable=True),
    Column("population", Integer, nullable=False),
    Column("population_is_estimate", Boolean, nullable=False),
    Column("population_source", Text, nullable=False),
    Column("centroid_lat", Float, nullable=False),
    Column("centroid_lon", Float, nullable=False),
    Column("area_km2", Float, nullable=False),
    Column("source", Text, nullable=False),
    _one_of("level", ("kecamatan", "kelurahan")),
    Index(None, "parent_code"),
)

external_regions = Table(
    "external_regions",
    metadata,
    Column("code", String(13), primary_key=True, comment="Kemendagri province (xx) or regency (xx.xx) code"),
    Column("name", String(80), nullable=False),
    Column("level", String(10), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("centroid_lat", Float, nullable=False),
    Column("centroid_lon", Float, nullable=False),
    _one_of("level", ("province", "regency")),
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("registry_code", String(20), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("type", String(10), nullable=False),
    Column("kelurahan_code", String(13), ForeignKey("regions.code"), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    # ISO weekdays (1=Monday .. 7=Sunday) on which the facility is closed, e.g. "7" or "67".
    Column("closed_weekdays", String(7), nullable=False, server_default=""),
    Column("reports_daily", Boolean, nullable=False),
    Column("is_synthetic", Boolean, nullable=False),
    Column("beds", Integer, nullable=True),
    Column("source", Text, nullable=False),
    _one_of("type", FACILITY_TYPES),
    Index(None, "kelurahan_code"),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id"), nullable=False),
    Column("number", String(60), nullable=False, unique=True, comment="Dinkes recommendation number"),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Column("revoked_reason", Text, nullable=True),
    Column("granted_by", String(80), nullable=False),
    Index(None, "facility_id", "valid_from"),
)

authorization_test_types = Table(
    "authorization_test_types",
    metadata,
    Column("authorization_id", Integer, ForeignKey("authorizations.id"), primary_key=True),
    Column("test_type", String(10), primary_key=True),
    _one_of("test_type", TEST_TYPES),
)

entry_points = Table(
    "entry_points",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("type", String(12), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("coord_is_approximate", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    _one_of("type", ENTRY_POINT_TYPES),
)

# --- Event tables ------------------------------------------------------------------------------

persons = Table(
    "persons",
    metadata,
    Column("person_key", String(64), primary_key=True, comment="HMAC-SHA256 of the NIK, hex"),
    Column("sex", String(1), nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("is_resident", Boolean, nullable=False),
    # No declared foreign keys: see the comment above test_results.
    Column("home_kelurahan_code", String(13), nullable=True),  # a regions.code (kelurahan)
    Column("home_region_code", String(13), nullable=True),  # an external_regions.code
    # Jittered by a few hundred metres at ingestion; never an address.
    Column("approx_lat", Float, nullable=True),
    Column("approx_lon", Float, nullable=True),
    CheckConstraint("sex IN ('M', 'F') OR sex IS NULL", name="sex_valid"),
)

ingest_batches = Table(
    "ingest_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(30), nullable=False),
    Column("file_name", String(255), nullable=True),
    Column("file_sha256", String(64), nullable=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("rows_in", Integer, nullable=False, server_default="0"),
    Column("rows_accepted", Integer, nullable=False, server_default="0"),
    Column("rows_rejected", Integer, nullable=False, server_default="0"),
    Column("rows_duplicate", Integer, nullable=False, server_default="0"),
    Column("status", String(12), nullable=False),
    Column("created_by", String(80), nullable=True),
    _one_of("status", ("running", "done", "failed")),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("batch_id", Integer, ForeignKey("ingest_batches.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("raw", Text, nullable=False, comment="the row exactly as it arrived"),
    Column("reason", Text, nullable=False),
    Index(None, "batch_id", "row_number"),
)

# The high-volume tables declare no foreign keys (migrations 0002 and 0003): test_results'
# person_key, batch_id and facility_id, movements' person_key, entry_point_id and region_code, and
# persons' two region codes. PostgreSQL checks a foreign key row by row, a lookup and a row lock in
# the referred table for every inserted row: with them, half of the server's work loading a million
# test results (BENCHMARKS.md, Ingestion). The writers keep the references by construction:
# ingestion resolves every facility, entry point and region code against the reference tables in
# the batch's own transaction, inserts each chunk's persons from the same staging rows just before
# their results, and writes its own batch id; the demo city generates only what its rows name.
# Nothing deletes a person, batch, facility (one is closed, never removed), region or entry point.
# tests/test_ingest.py checks that no reference is left dangling. The low-volume tables (cases,
# certificates, contacts, reports, authorisations) keep theirs.
test_results = Table(
    "test_results",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("facility_id", Integer, nullable=False),  # a facilities.id
    Column("person_key", String(64), nullable=False),  # a persons.person_key
    Column("test_type", String(10), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("specimen_at", DateTime, nullable=False),
    Column("result_at", DateTime, nullable=False),
    Column("reported_at", DateTime, nullable=False),
    Column("result_day", Date, nullable=False),
    Column("result", String(10), nullable=False),
    # The sender's own identifier of the test: re-sending it adds nothing.
    Column("source_ref", String(80), nullable=False),
    Column("batch_id", Integer, nullable=True),  # an ingest_batches.id
    _one_of("test_type", TEST_TYPES),
    _one_of("purpose", TEST_PURPOSES),
    _one_of("result", TEST_RESULTS),
    UniqueConstraint("facility_id", "source_ref"),
    Index(None, "result_day", "test_type"),
    Index(None, "person_key", "result_at"),
    Index(None, "facility_id", "result_day"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("check_code", String(12), nullable=False),
    Column("facility_id", Integer, ForeignKey("facilities.id"), nullable=False),
    Column("test_result_id", BigInteger, ForeignKey("test_results.id"), nullable=True),
    Column("person_key", String(64), ForeignKey("persons.person_key"), nullable=False),
    Column("test_type", String(10), nullable=False),
    Column("certified_result", String(10), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("issued_day", Date, nullable=False),
    Column("valid_until", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    # The sample number the issuer named (ingestion), by which the certificate is linked to the test
    # the same facility sends under it, whichever of the two arrives first (migration 0016).
    Column("test_ref", String(80), nullable=True),
    _one_of("test_type", TEST_TYPES),
    CheckConstraint("certified_result IN ('positive', 'negative')", name="certified_result_valid"),
    Index(None, "facility_id", "issued_day"),
    Index(None, "facility_id", "test_ref"),
    Index(None, "issued_day"),
    Index(None, "person_key"),
    Index(None, "test_result_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("person_key", String(64), ForeignKey("persons.person_key"), nullable=False),
    Column("test_result_id", BigInteger, ForeignKey("test_results.id"), nullable=False, unique=True),
    Column("confirmed_at", DateTime, nullable=False),
    Column("confirmed_day", Date, nullable=False),
    # Cases are counted where the person lives in the city; travellers found positive who live
    # elsewhere are notified to their home region, not counted here.
    Column("kelurahan_code", String(13), ForeignKey("regions.code"), nullable=False),
    Column("approx_lat", Float, nullable=True),
    Column("approx_lon", Float, nullable=True),
    # H3 cells of the approximate location (casedb.cells), so that maps count cases per cell
    # without reading coordinates.
    Column("h3_r7", String(15), nullable=True),
    Column("h3_r8", String(15), nullable=True),
    Column("h3_r9", String(15), nullable=True),
    Column("age_group", String(8), nullable=True),
    Column("sex", String(1), nullable=True),
    Column("cluster", String(40), nullable=True),
    Column("hospitalised_at", DateTime, nullable=True),
    Column("discharged_at", DateTime, nullable=True),
    Column("recovered_at", DateTime, nullable=True),
    Column("recovered_day", Date, nullable=True),
    Column("died_at", DateTime, nullable=True),
    Column("died_day", Date, nullable=True),
    Column("is_imported", Boolean, nullable=False),
    # Origin (movements.region_code) of the person's last entry in the 14 days before confirmation;
    # empty when not imported or when that entry named no origin.
    Column("import_region_code", String(13), nullable=True),
    CheckConstraint("recovered_at IS NULL OR died_at IS NULL", name="one_outcome"),
    Index(None, "confirmed_day", "kelurahan_code"),
    Index(None, "recovered_day"),
    Index(None, "died_day"),
    # One case per person (a positive result of a person with a case confirms nothing new): unique,
    # so that two loads at once cannot make two (casedb.ingest.pipeline._after_rows).
    Index(None, "person_key", unique=True),
    Index(None, "cluster"),
)

OUTCOME_KINDS = ("admission", "discharge", "recovery", "death")

# Every outcome a hospital or puskesmas sent for a case (casedb.ingest.outcomes), kept as it came:
# the case's own columns (hospitalised_at, discharged_at, recovered_at, died_at) hold what follows
# from them, and a death that replaced a recovery leaves both rows here and an audit row.
case_outcomes = Table(
    "case_outcomes",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("case_id", BigInteger, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("facility_id", Integer, ForeignKey("facilities.id"), nullable=True),
    Column("batch_id", Integer, ForeignKey("ingest_batches.id"), nullable=True),
    _one_of("kind", OUTCOME_KINDS),
    # The same outcome sent again (same case, kind and moment) is a duplicate.
    UniqueConstraint("case_id", "kind", "at"),
    Index(None, "day"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("index_case_id", BigInteger, ForeignKey("cases.id"), nullable=False),
    Column("contact_person_key", String(64), ForeignKey("persons.person_key"), nullable=False),
    Column("relation", String(12), nullable=False),
    Column("listed_at", DateTime, nullable=False),
    Column("traced_at", DateTime, nullable=True),
    Column("tested_at", DateTime, nullable=True),
    Column("test_result", String(10), nullable=True),
    Column("quarantine_until", Date, nullable=True),
    Column("last_followup_at", DateTime, nullable=True),
    Column("became_case_id", BigInteger, ForeignKey("cases.id"), nullable=True),
    _one_of("relation", CONTACT_RELATIONS),
    UniqueConstraint("index_case_id", "contact_person_key"),
    Index(None, "contact_person_key"),
    Index(None, "listed_at"),
    # Chains of transmission are walked from the case a contact became (migration 0015), and the
    # contacts still in quarantine are found by its end.
    Index(None, "became_case_id"),
    Index(None, "quarantine_until"),
)

movements = Table(
    "movements",
    metadata,
    Column("id", BigId, primary_key=True),
    # No declared foreign keys: see the comment above test_results.
    Column("person_key", String(64), nullable=False),  # a persons.person_key
    Column("entry_point_id", Integer, nullable=False),  # an entry_points.id
    Column("direction", String(3), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("region_code", String(13), nullable=True,  # an external_regions.code
           comment="origin of an entry, destination of an exit"),
    Column("mode", String(10), nullable=False),
    Column("certificate_number", String(40), nullable=True),
    Column("document_status", String(20), nullable=False),
    Column("screening_result", String(10), nullable=True),
    # The test done on the spot (pcr or antigen); empty when not stated or not screened.
    Column("screening_test_type", String(10), nullable=True),
    Column("source_ref", String(80), nullable=False),
    _one_of("direction", DIRECTIONS),
    _one_of("screening_test_type", TEST_TYPES),
    _one_of("mode", TRAVEL_MODES),
    _one_of("document_status", DOCUMENT_STATUSES),
    UniqueConstraint("entry_point_id", "source_ref"),
    Index(None, "day", "entry_point_id"),
    Index(None, "person_key", "at"),
    Index(None, "certificate_number"),
    # The period's movements with a certificate number, for fraud rules 4 and 7 (migration 0016).
    Index("ix_movements_day_certificate_number", "day", "certificate_number",
          postgresql_where=text("certificate_number IS NOT NULL"), sqlite_where=text("certificate_number IS NOT NULL"),
          postgresql_include=["person_key", "at", "entry_point_id", "id"]),
)

facility_reports = Table(
    "facility_reports",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id"), nullable=False),
    Column("report_day", Date, nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("tests_done", Integer, nullable=False),
    Column("positives", Integer, nullable=False),
    UniqueConstraint("facility_id", "report_day"),
    Index(None, "report_day"),
)

# --- Daily rollups: what pages read, kept current by every write (casedb.rollups) --------------

daily_area = Table(
    "daily_area",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kelurahan_code", String(13), ForeignKey("regions.code"), primary_key=True),
    Column("new_cases", Integer, nullable=False),
    Column("imported_cases", Integer, nullable=False),
    Column("recovered", Integer, nullable=False),
    Column("died", Integer, nullable=False),
)

# New cases per WIB day and resolution-9 H3 cell (with its parents), for the map's hexagons.
daily_case_cells = Table(
    "daily_case_cells",
    metadata,
    Column("day", Date, primary_key=True),
    Column("h3_r9", String(15), primary_key=True),
    Column("h3_r8", String(15), nullable=False),
    Column("h3_r7", String(15), nullable=False),
    Column("new_cases", Integer, nullable=False),
)

daily_facility_tests = Table(
    "daily_facility_tests",
    metadata,
    Column("day", Date, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id"), primary_key=True),
    Column("test_type", String(10), primary_key=True),
    Column("tests", Integer, nullable=False),
    Column("positives", Integer, nullable=False),
    Column("negatives", Integer, nullable=False),
)

daily_entry_point = Table(
    "daily_entry_point",
    metadata,
    Column("day", Date, primary_key=True),
    Column("entry_point_id", Integer, ForeignKey("entry_points.id"), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("movements", Integer, nullable=False),
    Column("doc_valid", Integer, nullable=False),
    Column("doc_expired", Integer, nullable=False),
    Column("doc_not_found", Integer, nullable=False),
    Column("doc_issuer_unauthorized", Integer, nullable=False),
    Column("doc_mismatch", Integer, nullable=False),
    Column("doc_none", Integer, nullable=False),
    Column("screened", Integer, nullable=False),
    Column("screened_positive", Integer, nullable=False),
)

# Latency of each test result in hours, bucketed: specimen to result (sr_*) and result to reported
# (rr_*). Bucket k holds [EDGES[k-1], EDGES[k]) hours (bucket 0 from minus infinity, the last one to
# infinity), so medians are read from the histogram at the resolution of its bucket (1 h below 2 h,
# 2 h to 6 h, 6 h to 24 h, 12-24 h to 72 h).
LATENCY_EDGES_HOURS = (1, 2, 4, 6, 12, 18, 24, 36, 48, 72)
LATENCY_BUCKETS = len(LATENCY_EDGES_HOURS) + 1
WITHIN_24H_BUCKETS = LATENCY_EDGES_HOURS.index(24) + 1  # buckets 0..6 are below 24 h

daily_facility_compliance = Table(
    "daily_facility_compliance",
    metadata,
    Column("day", Date, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id"), primary_key=True),
    Column("test_type", String(10), primary_key=True),
    Column("results", Integer, nullable=False),
    Column("positives", Integer, nullable=False),
    Column("certificates", Integer, nullable=False),
    *[Column(f"sr_{k}", Integer, nullable=False) for k in range(LATENCY_BUCKETS)],
    *[Column(f"rr_{k}", Integer, nullable=False) for k in range(LATENCY_BUCKETS)],
)

# Contact tracing per WIB day of the index case's confirmation and its kelurahan (casedb.rollups,
# migration 0015): the tracing page sums these. Tracing delay (traced_at minus the index case's
# confirmed_at) is bucketed: bucket k holds delays up to and including TRACING_EDGES_HOURS[k] hours
# (bucket 0 also holds contacts traced before the confirmation; the last, delays beyond the last
# edge), so that TRACING_HOURS may be any edge without rebuilding the table.
TRACING_EDGES_HOURS = (24, 48, 72, 96, 120, 168)
TRACING_BUCKETS = len(TRACING_EDGES_HOURS) + 1

daily_tracing = Table(
    "daily_tracing",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kelurahan_code", String(13), ForeignKey("regions.code"), primary_key=True),
    Column("week", Date, nullable=False, comment="the Monday of day's ISO week"),
    Column("cases", Integer, nullable=False, comment="cases confirmed on day"),
    Column("cases_listed", Integer, nullable=False,
           comment="of those, listed as someone's contact at or before their confirmation"),
    Column("contacts", Integer, nullable=False, comment="contacts listed of the cases confirmed on day"),
    Column("traced", Integer, nullable=False),
    *[Column(f"traced_{k}", Integer, nullable=False) for k in range(TRACING_BUCKETS)],
    Column("tested", Integer, nullable=False),
    Column("became_cases", Integer, nullable=False),
    Index(None, "week"),
)

# Every case in a chain of transmission (index case -> the case its contact became) and its cluster,
# the connected set of such chains, named by its earliest case: kept by casedb.rollups.refresh_chains
# whenever a contact is linked to the case it became, so that pages need not walk the chains.
chain_members = Table(
    "chain_members",
    metadata,
    Column("case_id", BigInteger, ForeignKey("cases.id"), primary_key=True),
    Column("cluster_id", BigInteger, nullable=False, comment="the cluster's earliest case (cases.id)"),
    # The case's cases.confirmed_day, so that cluster sizes are counted without reading the cases.
    Column("confirmed_day", Date, nullable=False),
    Index(None, "cluster_id"),
    Index(None, "confirmed_day"),
)

# Each cluster of chain_members as a whole, rewritten with it by refresh_chains: the tracing page's
# clusters list reads the few it can show (the largest by rank, those with a case in the last 14
# days, those that grew after the day shown) instead of counting every member of the history.
chain_clusters = Table(
    "chain_clusters",
    metadata,
    Column("cluster_id", BigInteger, primary_key=True, comment="the cluster's earliest case (cases.id)"),
    Column("size", Integer, nullable=False, comment="its cases"),
    Column("first_day", Date, nullable=False, comment="confirmed_day of its first case"),
    Column("formed_day", Date, nullable=False,
           comment="confirmed_day of its second case: from then on a cluster of two or more"),
    Column("last_day", Date, nullable=False, comment="confirmed_day of its last case"),
    Column("size_rank", Integer, nullable=False, comment="1 for the largest, then by size descending and cluster_id"),
    Index(None, "size_rank", unique=True),
    Index(None, "last_day"),
)

# How many clusters had formed (reached two cases) by the end of each WIB day on which one formed.
chain_days = Table(
    "chain_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("clusters", Integer, nullable=False),
)


# The fraud rules' checks of each certificate and each presentation of a certificate number at a
# checkpoint, kept by the writers (casedb.document_checks, migration 0018): only documents a rule
# flags (and rule 5's candidates) have rows, so a period's fraud signals read a few hundred rows.
certificate_checks = Table(
    "certificate_checks",
    metadata,
    Column("certificate_id", BigInteger, ForeignKey("certificates.id"), primary_key=True),
    Column("rule", Integer, primary_key=True),  # 1, 2, 3 or 5
    Column("day", Date, nullable=False, comment="the certificate's issued_day"),
    Column("reason", String(30), nullable=False),
    # Rule 1: the latest revocation; rule 3: the result's time; rule 5: the latest positive elsewhere.
    Column("other_at", DateTime, nullable=True),
    Column("seconds", BigInteger, nullable=True, comment="rule 5: whole seconds from other_at to issue, rounded up"),
    Index(None, "rule", "day"),
)

presentation_checks = Table(
    "presentation_checks",
    metadata,
    Column("movement_id", BigInteger, ForeignKey("movements.id"), primary_key=True),
    Column("rule", Integer, primary_key=True),  # 4 or 7
    Column("day", Date, nullable=False, comment="the movement's day"),
    Column("certificate_number", String(40), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("reason", String(30), nullable=False),
    Index(None, "rule", "day"),
)
# One row per calendar day 2019-2040 (casedb.migrations 0011): what expected reporting days are
# counted over, without date arithmetic that differs between the two engines.
CALENDAR_RANGE = ("2019-01-01", "2040-12-31")
calendar = Table(
    "calendar",
    metadata,
    Column("day", Date, primary_key=True),
    Column("iso_weekday", String(1), nullable=False, comment="1=Monday .. 7=Sunday"),
    Column("day_number", Integer, nullable=False, comment="days since 2000-01-01"),
    Column("ends_at", DateTime, nullable=False, comment="naive UTC moment the WIB day ends (17:00 UTC)"),
)

# Movement rollups (casedb.rollups): what the movement page reads. A region or test type that a
# record did not state is '' (a primary key cannot be empty), shown as "not stated".
daily_movement = Table(
    "daily_movement",
    metadata,
    Column("day", Date, primary_key=True),
    Column("entry_point_id", Integer, ForeignKey("entry_points.id"), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("mode", String(10), primary_key=True),
    Column("document_status", String(20), primary_key=True),
    Column("movements", Integer, nullable=False),
)

daily_movement_hour = Table(
    "daily_movement_hour",
    metadata,
    Column("day", Date, primary_key=True),
    Column("hour", Integer, primary_key=True, comment="WIB hour of the day, 0-23"),
    Column("direction", String(3), primary_key=True),
    Column("movements", Integer, nullable=False),
)

daily_movement_region = Table(
    "daily_movement_region",
    metadata,
    Column("day", Date, primary_key=True),
    Column("region_code", String(13), primary_key=True, comment="origin of entries, destination of exits; '' not stated"),
    Column("direction", String(3), primary_key=True),
    Column("movements", Integer, nullable=False),
)

daily_screening = Table(
    "daily_screening",
    metadata,
    Column("day", Date, primary_key=True),
    Column("entry_point_id", Integer, ForeignKey("entry_points.id"), primary_key=True),
    Column("test_type", String(10), primary_key=True, comment="'' when the record did not say"),
    Column("result", String(10), primary_key=True),
    Column("screened", Integer, nullable=False),
)

daily_imported_origin = Table(
    "daily_imported_origin",
    metadata,
    Column("day", Date, primary_key=True, comment="WIB day of confirmation"),
    Column("region_code", String(13), primary_key=True, comment="cases.import_region_code; '' not stated"),
    Column("imported_cases", Integer, nullable=False),
)

# Active cases per kelurahan at the end of each WIB day with a row in daily_area (the days on which
# its count changed), a running total kept like daily_city's (casedb.rollups): the map's active cases
# on any day are the last row on or before it, one per kelurahan, whatever the history's length.
daily_area_active = Table(
    "daily_area_active",
    metadata,
    Column("kelurahan_code", String(13), ForeignKey("regions.code"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("active", Integer, nullable=False,
           comment="cases confirmed by the end of day, neither recovered nor died by then"),
)

# City-wide case events per WIB day with their running totals (casedb.rollups): the overview's
# curve and its active / recovered / died tiles read one row per day, whatever the history's length.
# A write shifts the totals of the days after the ones it touched, never recomputes them all.
daily_city = Table(
    "daily_city",
    metadata,
    Column("day", Date, primary_key=True),
    Column("new_cases", Integer, nullable=False),
    Column("recovered", Integer, nullable=False),
    Column("died", Integer, nullable=False),
    Column("confirmed_total", Integer, nullable=False, comment="new cases up to and including day"),
    Column("recovered_total", Integer, nullable=False),
    Column("died_total", Integer, nullable=False),
)

# Test positivity over the POSITIVITY_WINDOW_DAYS WIB days ending on `day`, per test type: people
# with a positive or negative result in the window, and of them people with a positive one (each
# person once). Distinct people do not add up over days, so the rollup holds whole windows; a write
# recomputes the windows that hold the days it touched (casedb.rollups).
POSITIVITY_WINDOW_DAYS = 7
daily_positivity = Table(
    "daily_positivity",
    metadata,
    Column("day", Date, primary_key=True, comment="last WIB day of the window"),
    Column("test_type", String(10), primary_key=True),
    Column("people_tested", Integer, nullable=False),
    Column("people_positive", Integer, nullable=False),
)

# Per WIB day and facility: its report for the day (when it arrived, in whole seconds after the end
# of the day, so that the on-time rule is one comparison of integers on both engines) and the test
# results it sent with that result day (casedb.rollups). A row when either exists.
daily_facility_report = Table(
    "daily_facility_report",
    metadata,
    Column("day", Date, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id"), primary_key=True),
    Column("submitted_at", DateTime, nullable=True, comment="naive UTC; NULL: no report for the day"),
    Column("seconds_after_day", Integer, nullable=True,
           comment="submitted_at minus the end of the WIB day, whole seconds rounded up"),
    Column("declared_tests", Integer, nullable=True, comment="facility_reports.tests_done"),
    Column("sent_tests", Integer, nullable=False, comment="test results of the facility with that result day"),
    Column("certificates", Integer, nullable=False, server_default="0",
           comment="certificates the facility issued that day (every test type): fraud rule 6's volume"),
)

# --- Operations ----------------------------------------------------------------------------------

data_version = Table(
    "data_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# Which NIK pepper the database was loaded with: a keyed hash of a fixed label with the pepper
# (casedb.pseudonym.fingerprint), written by the first load and compared by every later one.
pepper_fingerprint = Table(
    "pepper_fingerprint",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("email", String(200), nullable=True),
    Column("role", String(12), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("is_demo", Boolean, nullable=False),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime, nullable=True),
    # The single sign-on identity (ID token `iss`, `sub`) the account was linked to when first
    # matched by its verified e-mail; afterwards it is matched by these (ui.auth.user_for_claims).
    Column("sso_issuer", String(200), nullable=True),
    Column("sso_subject", String(200), nullable=True),
    # Sessions started before this moment (naive UTC) are ended at their next run: set by a password
    # reset, a disable and a role change (casedb.users), checked by ui.auth on every run.
    Column("sessions_valid_after", DateTime, nullable=True),
    _one_of("role", ROLES),
    Index(None, "sso_issuer", "sso_subject", unique=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(80), nullable=True),
    Column("role", String(12), nullable=True),
    Column("action", String(40), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("detail", Text, nullable=True),
    Index(None, "at"),
    Index(None, "action", "at"),
)

# The demo city's injected frauds and anomalies, so that detectors can be scored against them.
demo_ground_truth = Table(
    "demo_ground_truth",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("entity", String(20), nullable=False),
    Column("entity_id", String(80), nullable=False),
    Column("detail", Text, nullable=True),
    Index(None, "kind"),
    Index(None, "entity", "entity_id"),
)

# --- Press releases ------------------------------------------------------------------------------
# A release is a frozen, numbered snapshot of the figures press may publish (casedb.releases): its
# figures, its files (bytes and SHA-256) and who published it when. Rows are never changed or
# deleted (triggers of migration 0014 refuse it); a correction is a new release naming the one it
# corrects, with its change log.

releases = Table(
    "releases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("day", Date, nullable=False),  # the day chosen on the briefing page
    Column("period_start", Date, nullable=False),  # the ISO week its counts are of
    Column("period_end", Date, nullable=False),
    Column("corrects_id", Integer, ForeignKey("releases.id"), nullable=True),
    Column("published_at", DateTime, nullable=False),
    Column("published_by", String(80), nullable=False),
    Column("published_role", String(12), nullable=False),
    Column("data_version", BigInteger, nullable=False),
    Column("data_sha256", String(64), nullable=False),  # of the CSV data file: see casedb.releases
    Index(None, "period_start"),
)

release_figures = Table(
    "release_figures",
    metadata,
    Column("release_id", Integer, ForeignKey("releases.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("section", String(20), nullable=False),
    Column("item", String(40), nullable=False),
    Column("label", String(120), nullable=True),
    Column("measure", String(40), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", String(40), nullable=True),
)

release_files = Table(
    "release_files",
    metadata,
    Column("release_id", Integer, ForeignKey("releases.id"), primary_key=True),
    Column("name", String(120), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("language", String(2), nullable=True),
    Column("mime", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

release_changes = Table(
    "release_changes",
    metadata,
    Column("release_id", Integer, ForeignKey("releases.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("section", String(20), nullable=False),
    Column("item", String(40), nullable=False),
    Column("measure", String(40), nullable=False),
    Column("old_value", String(40), nullable=True),
    Column("new_value", String(40), nullable=True),
    Column("reason_id", Text, nullable=False),
    Column("reason_en", Text, nullable=False),
)

RELEASE_TABLES = (releases, release_figures, release_files, release_changes)

ROLLUP_TABLES = (daily_area, daily_case_cells, daily_facility_tests, daily_entry_point, daily_facility_compliance,
                 daily_movement, daily_movement_hour, daily_movement_region, daily_screening, daily_imported_origin)
