"""The live map: its figures against a pandas computation over the raw cases, the deck specification
each role receives (layers, no case coordinate for mayor, hexagons of 1-4 merged or dropped), and
the boundaries (built-in and official, good and bad files), on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from pathlib import Path
import re
from datetime import date, timedelta

import h3
import pandas as pd
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import insert

import queries
from casedb import boundaries, reference, schema
from casedb.data_version import bump
from figures import common, map as map_figures
from figures import overview as overview_figures
from tests.conftest import DEMO_END, require_shared_reference
from ui import maps

THRESHOLDS = (20.0, 50.0, 150.0)
LAST = (DEMO_END + timedelta(hours=7)).date()


def reference_kelurahan() -> Path:
    """The shared real boundaries: skipped on a bare clone, required in CI."""
    return require_shared_reference() / "pekanbaru_kelurahan.geojson"


def runner(engine, role="health"):
    def run(name, **params):
        return queries.run(name, role, engine=engine, **params)
    return run


def shown(engine, role, start, end, level="kelurahan", hexagons="safe", origins=True):
    return map_figures.map_figures(runner(engine, role), start, end, level, THRESHOLDS, 12, LAST + timedelta(days=1),
                                   hexagons, with_origins=origins)


@pytest.fixture(scope="module")
def raw(small_city):
    """Cases as stored, with WIB days computed here from the moments (not the *_day columns)."""
    with small_city.connect() as conn:
        cases = pd.read_sql("SELECT kelurahan_code, confirmed_at, recovered_at, died_at, approx_lat, approx_lon "
                            "FROM cases", conn)
        regions = pd.read_sql("SELECT code, parent_code, population FROM regions", conn)
    for column in ("confirmed_at", "recovered_at", "died_at"):
        cases[column.replace("_at", "_wib")] = (pd.to_datetime(cases[column], format="mixed") + pd.Timedelta(hours=7)).dt.date
    cases["kecamatan_code"] = cases["kelurahan_code"].str.slice(0, 8)
    return cases, regions


def expected_areas(raw, start: date, end: date, level: str) -> pd.DataFrame:
    cases, regions = raw
    key = "kelurahan_code" if level == "kelurahan" else "kecamatan_code"
    confirmed = cases["confirmed_wib"]
    ended = lambda column: cases[column].notna() & (cases[column].map(lambda d: d is not None and not pd.isna(d) and d <= end))
    frame = pd.DataFrame({
        "code": cases[key],
        "new_cases": ((confirmed >= start) & (confirmed <= end)).astype(int),
        "active": ((confirmed <= end) & ~ended("recovered_wib") & ~ended("died_wib")).astype(int),
        "cases_7d": ((confirmed >= end - timedelta(days=6)) & (confirmed <= end)).astype(int),
    }).groupby("code").sum()
    codes = regions.loc[regions["code"].str.len() == (13 if level == "kelurahan" else 8)].set_index("code")
    frame = frame.reindex(codes.index, fill_value=0)
    frame["incidence"] = frame["cases_7d"] * 100_000 / codes["population"]
    return frame.sort_index()


WINDOWS = [("today", LAST), ("7d", LAST), ("14d", LAST), ("7d", LAST - timedelta(days=40))]


@pytest.mark.parametrize("level", ["kelurahan", "kecamatan"])
@pytest.mark.parametrize("choice,day", WINDOWS)
def test_area_figures_equal_pandas_over_raw_cases(small_city, raw, level, choice, day):
    start, end = map_figures.window_bounds(choice, day)
    areas = shown(small_city, "mayor", start, end, level, origins=False).areas.set_index("code").sort_index()
    expected = expected_areas(raw, start, end, level)
    assert list(areas.index) == list(expected.index)
    for column in ("new_cases", "active", "cases_7d"):
        assert areas[column].tolist() == expected[column].tolist(), column
    assert areas["incidence"].round(9).tolist() == expected["incidence"].round(9).tolist()
    assert areas["zone"].tolist() == [common.zone(x, THRESHOLDS) for x in expected["incidence"]]
    assert expected["new_cases"].sum() > 0 or choice == "today"


@pytest.mark.parametrize("choice", ["7d", "14d"])
def test_city_totals_equal_the_overview(small_city, choice):
    start, end = map_figures.window_bounds(choice, LAST)
    run = runner(small_city, "mayor")
    for level in map_figures.LEVELS:
        areas = shown(small_city, "mayor", start, end, level, origins=False).areas
        assert areas["new_cases"].sum() == pd.to_numeric(run("kecamatan_cases", start=start, end=end)["new_cases"]).sum()
        assert areas["active"].sum() == int(run("city_cases_totals", day=end).iloc[0]["active"])
    overview = overview_figures.kecamatan_table(run, LAST, THRESHOLDS).set_index("code")
    kecamatan = shown(small_city, "mayor", *common.window(LAST), "kecamatan", origins=False).areas.set_index("code")
    assert kecamatan["incidence"].round(9).tolist() == overview["incidence"].round(9).tolist()
    assert kecamatan["zone"].tolist() == overview["zone"].tolist()


# --- Hexagons ------------------------------------------------------------------------------------

def expected_safe_hexagons(raw, start, end) -> dict[str, int]:
    """The press rule over raw coordinates: res-8 cells of 5+, the rest merged into res-7 parents of 5+."""
    cases, _ = raw
    window = cases[(cases["confirmed_wib"] >= start) & (cases["confirmed_wib"] <= end) & cases["approx_lat"].notna()]
    # A case's coarser cells are the parents of its resolution-9 cell (H3 cells do not nest exactly:
    # near an edge the resolution-8 cell of a point can differ from its resolution-9 cell's parent).
    r8 = pd.Series([h3.cell_to_parent(h3.latlng_to_cell(y, x, 9), 8)
                    for y, x in zip(window["approx_lat"], window["approx_lon"])]).value_counts()
    shown = {cell: int(n) for cell, n in r8.items() if n >= 5}
    small = r8[r8 < 5]
    parents = small.groupby([h3.cell_to_parent(c, 7) for c in small.index]).sum()
    shown.update({cell: int(n) for cell, n in parents.items() if n >= 5})
    return shown


# The small city has ~1,000 cases in 18 months: long windows give hexagons of both resolutions.
LONG = (LAST - timedelta(days=120), LAST)
LONGER = (LAST - timedelta(days=400), LAST)


@pytest.mark.parametrize("window", [map_figures.window_bounds("14d", LAST), LONG, LONGER])
def test_mayor_hexagons_follow_the_press_rule_over_raw_coordinates(small_city, raw, window):
    start, end = window
    hexagons = shown(small_city, "mayor", start, end).hexagons
    assert dict(zip(hexagons["cell"], hexagons["new_cases"])) == expected_safe_hexagons(raw, start, end)
    assert (hexagons["new_cases"] >= 5).all() and set(hexagons["resolution"]) <= {7, 8}
    if window == LONGER:
        assert set(hexagons["resolution"]) == {7, 8}
    assert set(map(h3.get_resolution, hexagons["cell"])) == set(hexagons["resolution"])


def test_health_may_see_every_fine_cell_and_mayor_may_not(small_city, raw):
    start, end = LONG
    fine = shown(small_city, "health", start, end, hexagons="9").hexagons
    cases, _ = raw
    window = cases[(cases["confirmed_wib"] >= start) & (cases["confirmed_wib"] <= end) & cases["approx_lat"].notna()]
    expected = pd.Series([h3.latlng_to_cell(y, x, 9) for y, x in zip(window["approx_lat"], window["approx_lon"])]).value_counts()
    assert dict(zip(fine["cell"], fine["new_cases"])) == {c: int(n) for c, n in expected.items()}
    assert (fine["new_cases"] < 5).any()  # small cells exist, and health sees them
    with pytest.raises(queries.QueryNotAllowed):
        queries.run("map_case_cells_fine", "mayor", engine=small_city, start=start, end=end)


def test_hexagon_merging_by_hand(empty_db):
    """Over 9-10 Aug: a 6-case cell (4 + 2 on two days) stays; a 3 and a 2 under its parent merge
    into the parent (5); a lone 1 is dropped."""
    base = h3.latlng_to_cell(0.5, 101.45, 8)
    siblings = [c for c in h3.cell_to_children(h3.cell_to_parent(base, 7), 8) if c != base][:2]
    lonely = h3.latlng_to_cell(0.62, 101.40, 8)
    rows = []
    for cell, counts in ((base, (4, 2)), (siblings[0], (3,)), (siblings[1], (2,)), (lonely, (1,))):
        for offset, n in enumerate(counts):
            child = h3.cell_to_center_child(cell, 9)
            rows.append({"day": date(2026, 8, 10 - offset), "h3_r9": child, "h3_r8": cell,
                         "h3_r7": h3.cell_to_parent(cell, 7), "new_cases": n})
    with empty_db.begin() as conn:
        conn.execute(insert(schema.daily_case_cells), rows)
        bump(conn)
    cells = map_figures.hexagons(runner(empty_db, "mayor"), date(2026, 8, 1), date(2026, 8, 10))
    assert cells.to_dict("records") == [
        {"cell": base, "resolution": 8, "new_cases": 6},
        {"cell": h3.cell_to_parent(base, 7), "resolution": 7, "new_cases": 5},
    ]
    one_day = map_figures.hexagons(runner(empty_db, "mayor"), date(2026, 8, 10), date(2026, 8, 10))
    # On 10 Aug alone: 4, 3 and 2 under one parent merge into it (9); the lone 1 is still dropped.
    assert one_day.to_dict("records") == [{"cell": h3.cell_to_parent(base, 7), "resolution": 7, "new_cases": 9}]


# --- The deck each role receives -------------------------------------------------------------------

def _pairs(text: str) -> set[tuple[float, float]]:
    return {(float(x), float(y)) for x, y in re.findall(r"\[\s*(-?\d+\.\d+),\s*(-?\d+\.\d+)\s*\]", text)}


def _numbers(spec_json: str) -> set[float]:
    return {float(x) for x in re.findall(r"-?\d+\.\d+", spec_json)}


@pytest.mark.parametrize("role", ["mayor", "health"])
def test_deck_layers_and_no_case_coordinates_for_mayor(small_city, raw, role):
    start, end = LONGER
    figures_ = shown(small_city, role, start, end, hexagons="safe" if role == "mayor" else "9")
    spec, legends = maps.map_deck(figures_, boundaries.load(None), maps.LAYERS, "zone", "en")
    text = maps.deck_json(spec)
    layers = [layer["id"] for layer in json.loads(text)["layers"]]
    assert layers == ["city", "areas", "hexagons", "facilities", "entry_points", "origins"]
    assert set(legends) == set(maps.LAYERS)
    assert "approx_l" not in text and "person_key" not in text
    cases, _ = raw
    located = cases.dropna(subset=["approx_lat", "approx_lon"])
    coordinates = set(located["approx_lat"]) | set(located["approx_lon"])
    spec_layers = json.loads(text)["layers"]
    # No case's (lon, lat) pair anywhere; outside the boundary polygons (whose 5-decimal vertices
    # may meet a case's latitude or longitude by chance) no case coordinate of 4 or more decimals.
    pairs = set(zip(located["approx_lon"], located["approx_lat"]))
    assert not (_pairs(text) & pairs)
    others = json.dumps([layer for layer in spec_layers if layer["id"] not in ("city", "areas")])
    precise = {x for x in _numbers(others) if round(x, 3) != x}
    assert not (precise & coordinates), sorted(precise & coordinates)
    polygons = json.dumps([layer for layer in spec_layers if layer["id"] in ("city", "areas")])
    assert _pairs(polygons) <= _pairs(json.dumps(boundaries.built_in()))
    hexagon_data = json.loads(text)["layers"][2]["data"]
    if role == "mayor":
        counts = [int(re.search(r"<b>(\d+)</b>", row["tooltip"]).group(1)) for row in hexagon_data]
        assert min(counts) >= 5
    assert "http" not in text.replace("http://www.w3.org", "")  # no basemap to fetch
    # No provider, and pydeck's "no style given" marker, which Streamlit reads as no basemap.
    assert json.loads(text).get("mapProvider") is None and json.loads(text)["mapStyle"] == "__MAP_STYLE__"


def test_tooltips_in_the_readers_language_and_locale(small_city):
    start, end = LONG
    figures_ = shown(small_city, "mayor", start, end)
    busiest = figures_.entry_points.sort_values("entries").iloc[-1]
    assert busiest["entries"] >= 1000
    for lang, label, number in (("id", "Masuk", f"{busiest['entries']:,}".replace(",", ".")),
                                ("en", "Entries", f"{busiest['entries']:,}")):
        spec, _ = maps.map_deck(figures_, boundaries.load(None), ["entry_points"], "zone", lang)
        tooltips = [row["tooltip"] for row in json.loads(maps.deck_json(spec))["layers"][1]["data"]]
        assert any(f"{label}: {number}" in tip for tip in tooltips), tooltips


def test_layer_toggles_and_the_basemap_setting(small_city):
    start, end = map_figures.window_bounds("7d", LAST)
    figures_ = shown(small_city, "mayor", start, end, origins=False)
    spec, legends = maps.map_deck(figures_, boundaries.load(None), ["facilities"], "active", "id")
    assert [layer["id"] for layer in json.loads(maps.deck_json(spec))["layers"]] == ["city", "facilities"]
    assert set(legends) == {"facilities"}
    spec, _ = maps.map_deck(figures_, boundaries.load(None), ["areas"], "active", "id", basemap="light")
    assert json.loads(maps.deck_json(spec))["mapProvider"] == "carto"
    assert maps.sent_bytes(spec) < 2_000_000


def test_facility_status_by_hand():
    assert map_figures.expected_days(date(2026, 8, 1), None, "7", date(2026, 8, 3), date(2026, 8, 16)) == 12
    assert map_figures.expected_days(date(2026, 8, 10), date(2026, 8, 14), "", date(2026, 8, 3), date(2026, 8, 16)) == 4
    assert map_figures.expected_days(date(2026, 9, 1), None, "", date(2026, 8, 3), date(2026, 8, 16)) == 0


def test_expected_days_of_every_facility_at_once_against_a_day_by_day_count():
    """The vectorised count (one per weekday for all facilities) equals walking the calendar."""
    start, end = date(2026, 8, 3), date(2026, 8, 30)
    opened = [date(2026, 7, 1), date(2026, 8, 10), date(2026, 9, 1), date(2026, 8, 3), date(2026, 8, 5), date(2026, 8, 1)]
    closed = [None, date(2026, 8, 14), None, date(2026, 8, 3), date(2026, 8, 29), None]
    weekdays = ["7", "", None, "67", "135", "1234567"]
    def walked(o, c, w):
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        return sum(1 for d in days if d >= o and (c is None or d < c) and str(d.isoweekday()) not in (w or ""))
    expected = [walked(o, c, w) for o, c, w in zip(opened, closed, weekdays)]
    assert expected == [24, 4, 0, 0, 13, 0]  # by hand: 5-28 Aug less Mondays, Wednesdays, Fridays = 13
    assert map_figures.expected_days_each(opened, closed, weekdays, start, end).tolist() == expected


def test_facility_statuses_on_the_small_city(small_city):
    start, end = map_figures.window_bounds("14d", LAST)
    facilities = shown(small_city, "mayor", start, end).facilities
    assert set(facilities["status"]) <= set(map_figures.STATUSES)
    assert len(set(facilities["status"])) >= 2
    with small_city.connect() as conn:
        tests = pd.read_sql("SELECT facility_id, result_at FROM test_results", conn)
    days = (pd.to_datetime(tests["result_at"], format="mixed") + pd.Timedelta(hours=7)).dt.date
    counted = tests[(days >= start) & (days <= end)].groupby("facility_id").size()
    assert dict(zip(facilities["id"], facilities["tests"])) == {i: int(counted.get(i, 0)) for i in facilities["id"]}


@pytest.mark.parametrize("window", [("14d", LAST), ("7d", LAST - timedelta(days=40))])
def test_origin_arcs_equal_pandas_over_raw_movements(small_city, window):
    """The origin arcs read the daily rollup; here the entries come from the raw movements, their
    WIB days from the moment `at`, only regions the register knows (the arcs need a centroid)."""
    start, end = map_figures.window_bounds(*window)
    with small_city.connect() as conn:
        moves = pd.read_sql("SELECT region_code, at FROM movements WHERE direction = 'in'", conn)
        known = set(pd.read_sql("SELECT code FROM external_regions", conn)["code"])
    wib = (pd.to_datetime(moves["at"], format="mixed") + pd.Timedelta(hours=7)).dt.date
    inside = moves[(wib >= start) & (wib <= end) & moves["region_code"].isin(known)]
    counted = inside.groupby("region_code").size()
    expected = sorted(((-int(n), code) for code, n in counted.items()))[:map_figures.TOP_ORIGINS]
    origins = map_figures.origins(runner(small_city, "mayor"), start, end)
    assert len(expected) == map_figures.TOP_ORIGINS  # the small city has more origins than arcs shown
    assert list(zip(-origins["entries"], origins["code"])) == expected
    assert origins["centroid_lat"].notna().all()


def test_area_panel(small_city):
    start, end = map_figures.window_bounds("14d", LAST)
    figures_ = shown(small_city, "mayor", start, end, "kecamatan")
    code = figures_.areas.sort_values("active").iloc[-1]["code"]
    panel = map_figures.area_panel(runner(small_city, "mayor"), figures_, code, LAST - timedelta(days=60))
    assert panel.curve["new_cases"].iloc[-14:].sum() == figures_.areas.set_index("code").at[code, "new_cases"]
    assert (panel.facilities["kelurahan_code"].str.slice(0, 8) == code).all()


def test_the_area_panels_curve_covers_a_fixed_window_of_days(small_city):
    assert map_figures.curve_first(date(2025, 6, 1), date(2026, 12, 31), 365) == date(2026, 1, 1)
    assert map_figures.curve_first(date(2025, 6, 1), date(2026, 12, 31), 30) == date(2026, 12, 2)
    assert map_figures.curve_first(date(2026, 12, 20), date(2026, 12, 31), 30) == date(2026, 12, 20)
    start, end = map_figures.window_bounds("14d", LAST)
    figures_ = shown(small_city, "mayor", start, end, "kelurahan")
    code = figures_.areas.sort_values("active").iloc[-1]["code"]
    panel = map_figures.area_panel(runner(small_city, "mayor"), figures_, code,
                                   map_figures.curve_first(date(2000, 1, 1), end, 30))
    assert len(panel.curve) == 30 and panel.curve["day"].iloc[-1].date() == end
    assert panel.curve["new_cases"].iloc[-14:].sum() == figures_.areas.set_index("code").at[code, "new_cases"]


# --- Boundaries -----------------------------------------------------------------------------------

def test_built_in_polygons_contain_their_centroids_and_are_what_the_script_writes():
    built = boundaries.built_in()
    kel = reference.kelurahan_frame().set_index("code")
    kec = reference.kecamatan_frame().set_index("code")
    assert len(built["kelurahan"]["features"]) == 83 and len(built["kecamatan"]["features"]) == 15
    for feature in built["kelurahan"]["features"]:
        row = kel.loc[feature["properties"]["code"]]
        assert shape(feature["geometry"]).contains(Point(row["centroid_lon"], row["centroid_lat"]))
    for feature in built["kecamatan"]["features"]:
        row = kec.loc[feature["properties"]["code"]]
        assert shape(feature["geometry"]).contains(Point(row["centroid_lon"], row["centroid_lat"]))
    assert json.loads(json.dumps(boundaries.build())) == built


def test_built_in_areas_against_the_stated_areas():
    """Voronoi cells ignore areas: the error is large for single kelurahan (recorded here and in
    the module's docstring), small for the city."""
    built = boundaries.built_in()
    errors = pd.Series(boundaries.area_errors(built["kelurahan"])).abs()
    assert errors.median() < 0.25
    total = sum(boundaries.area_km2(shape(f["geometry"])) for f in built["city"]["features"])
    assert abs(total / reference.kelurahan_frame()["area_km2"].sum() - 1) < 0.12


def test_official_reference_boundaries_draw_all_83_kelurahan_keyed_right(small_city):
    loaded = boundaries.load(reference_kelurahan())
    assert loaded.source == "official" and loaded.problems == ()
    kel = reference.kelurahan_frame().set_index("code")
    assert {f["properties"]["code"] for f in loaded.kelurahan["features"]} == set(kel.index)
    for feature in loaded.kelurahan["features"]:
        row = kel.loc[feature["properties"]["code"]]
        assert feature["properties"]["name"] == row["name"]
        polygon = shape(feature["geometry"])
        assert polygon.distance(Point(row["centroid_lon"], row["centroid_lat"])) < 0.002  # ~200 m
    start, end = map_figures.window_bounds("7d", LAST)
    spec, _ = maps.map_deck(shown(small_city, "mayor", start, end, origins=False), loaded, ["areas"], "zone", "en")
    areas = json.loads(maps.deck_json(spec))["layers"][1]["data"]
    assert {row["code"] for row in areas} == set(kel.index)
    names = {row["code"]: row["tooltip"] for row in areas}
    assert all(f"<b>{kel.at[code, 'name']}</b>" in tip for code, tip in names.items())


def _write(tmp_path, content) -> str:
    path = tmp_path / "boundaries.geojson"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def _reference():
    return json.loads(reference_kelurahan().read_text(encoding="utf-8"))


def _swap(coordinates):
    if isinstance(coordinates[0], (int, float)):
        return [coordinates[1], coordinates[0]]
    return [_swap(c) for c in coordinates]


def _bad_files():
    partial = _reference()
    partial["features"] = partial["features"][:80]
    wrong_code = _reference()
    wrong_code["features"][0]["properties"]["kode"] = "1471011002"
    swapped = _reference()
    for feature in swapped["features"][:3]:
        feature["geometry"]["coordinates"] = _swap(feature["geometry"]["coordinates"])
    return {
        "not_json": ("{not json", ["not JSON"]),
        "not_geojson": ({"type": "Topology", "objects": {}}, ["not GeoJSON"]),
        "missing_codes": (partial, ["3 kelurahan have no polygon"]),
        "code_format": (wrong_code, ["1471011002", "14.71.xx.xxxx", "1 kelurahan have no polygon: 14.71.01.1002"]),
        "swapped": (swapped, ["Latitude and longitude are swapped", swapped["features"][0]["properties"]["kode"]]),
    }


@pytest.mark.parametrize("case", ["not_json", "not_geojson", "missing_codes", "code_format", "swapped"])
def test_a_bad_boundary_file_says_what_is_wrong_and_the_built_in_polygons_are_used(tmp_path, case):
    content, phrases = _bad_files()[case]
    loaded = boundaries.load(_write(tmp_path, content))
    assert loaded.source == "built_in" and len(loaded.kelurahan["features"]) == 83
    assert case in [p.key for p in loaded.problems]
    english = " ".join(maps.boundary_problem_text(p, "en") for p in loaded.problems)
    indonesian = " ".join(maps.boundary_problem_text(p, "id") for p in loaded.problems)
    for phrase in phrases:
        assert phrase in english, english
    assert "map.boundaries" not in english + indonesian and indonesian != english


def test_a_missing_boundary_file_is_reported(tmp_path):
    loaded = boundaries.load(tmp_path / "nowhere.geojson")
    assert [p.key for p in loaded.problems] == ["unreadable"] and loaded.source == "built_in"
