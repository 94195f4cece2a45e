"""The project's reference tables against the shared public facts, and their load on both backends."""
from __future__ import annotations

import csv
import math

import pytest
from sqlalchemy import func, select

from casedb import reference, schema
from casedb.reference import populations
from tests.conftest import require_shared_reference

CITY_BBOX = {"lon": (101.323, 101.605), "lat": (0.420, 0.691)}
PUBLISHED_KECAMATAN = {"Binawidya": 116_248, "Tuahmadani": 178_437, "Payung Sekaki": 88_436}


def shared(name: str) -> list[dict]:
    with open(require_shared_reference() / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def in_city_bbox(lat: float, lon: float) -> bool:
    return CITY_BBOX["lat"][0] <= lat <= CITY_BBOX["lat"][1] and CITY_BBOX["lon"][0] <= lon <= CITY_BBOX["lon"][1]


def test_codes_names_and_parents_are_the_shared_reference():
    kec, kel = reference.kecamatan_frame(), reference.kelurahan_frame()
    assert (len(kec), len(kel)) == (15, 83)
    assert dict(zip(kec.code, kec.name)) == {r["kode_kemendagri"]: r["nama"] for r in shared("pekanbaru_kecamatan.csv")}
    expected = {r["kode_kemendagri"]: (r["nama"], r["kode_kecamatan"]) for r in shared("pekanbaru_kelurahan.csv")}
    assert dict(zip(kel.code, zip(kel.name, kel.parent_code))) == expected


def test_populations_sum_to_the_city_and_each_kecamatan():
    kec, kel = reference.kecamatan_frame(), reference.kelurahan_frame()
    assert int(kec.population.sum()) == 1_167_599 == reference.CITY_POPULATION
    by_parent = kel.groupby("parent_code").population.sum().to_dict()
    assert by_parent == dict(zip(kec.code, kec.population))
    assert (kel.population > 0).all()


def test_published_populations_are_kept_and_everything_else_is_a_labelled_estimate():
    kec, kel = reference.kecamatan_frame(), reference.kelurahan_frame()
    published = kec[~kec.population_is_estimate]
    assert dict(zip(published.name, published.population)) == PUBLISHED_KECAMATAN
    assert kec[kec.population_is_estimate].population_source.str.startswith("estimate").all()
    assert not published.population_source.str.contains("estimate").any()

    expected = {r["kode_kemendagri"]: int(r["population_dec2020_pemko"])
                for r in shared("pekanbaru_kelurahan.csv") if r["population_dec2020_pemko"]}
    known = kel[~kel.population_is_estimate]
    assert dict(zip(known.code, known.population)) == expected
    assert kel[kel.population_is_estimate].population_source.str.startswith("estimate").all()


def test_csv_estimates_are_what_the_documented_method_gives():
    kec_rows, kel_rows = populations.read_csv("kecamatan.csv"), populations.read_csv("kelurahan.csv")
    kec_again, kel_again = populations.estimate(kec_rows, kel_rows)
    assert [str(r["population"]) for r in kec_again] == [r["population"] for r in kec_rows]
    assert [str(r["population"]) for r in kel_again] == [r["population"] for r in kel_rows]


def test_estimated_kecamatan_share_the_remainder_by_sqrt_area_of_their_kelurahan():
    # An independent recomputation: shares by hand from the areas, to within the rounding of one person.
    kec, kel = reference.kecamatan_frame(), reference.kelurahan_frame()
    weight = kel.assign(w=kel.area_km2.map(math.sqrt)).groupby("parent_code").w.sum()
    estimated = kec[kec.population_is_estimate].set_index("code")
    remainder = 1_167_599 - sum(PUBLISHED_KECAMATAN.values())
    exact = weight[estimated.index] / weight[estimated.index].sum() * remainder
    assert (abs(estimated.population - exact) < 1).all()
    # The centre is denser than the periphery, as the method intends.
    density = kec.set_index("name").eval("population / area_km2")
    assert density["Pekanbaru Kota"] > density["Bukit Raya"] > density["Rumbai Timur"]


@pytest.mark.parametrize(("total", "weights", "expected"), [
    (10, [1, 1, 1], [4, 3, 3]),
    (7, [0.5, 0.25, 0.25], [3, 2, 2]),  # quotas 3.5, 1.75, 1.75
    (100, [2, 3, 5], [20, 30, 50]),
    (5, [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]),
])
def test_largest_remainder_sums_exactly(total, weights, expected):
    assert populations.largest_remainder(total, weights) == expected


def test_facilities_lie_in_known_kelurahan_inside_the_city():
    fac, kel = reference.facility_frame(), reference.kelurahan_frame()
    assert set(fac.kelurahan_code) <= set(kel.code)
    assert all(in_city_bbox(lat, lon) for lat, lon in zip(fac.lat, fac.lon))
    assert fac.registry_code.is_unique
    assert set(fac.type) == {"hospital", "puskesmas", "lab"}
    assert not fac.is_synthetic.any() and fac.reports_daily.all()
    assert (fac[fac.type == "puskesmas"].closed_weekdays == "7").all()
    assert (fac[fac.type != "puskesmas"].closed_weekdays == "").all()


def test_facilities_are_the_shared_ones_with_coordinates():
    placed = [r for r in shared("facilities.csv") if r["lat"]]
    fac = reference.facility_frame()
    assert list(fac.name) == [r["name"] for r in placed]
    assert list(fac.kelurahan_code) == [r["pip_kode_kel"] for r in placed]
    hospitals = [r for r in placed if r["facility_type"] == "hospital"]
    fac_hospitals = fac[fac.type == "hospital"]
    assert dict(zip(fac_hospitals.registry_code, fac_hospitals.beds)) == {
        r["kode_rs_or_faskes"]: int(r["beds"]) for r in hospitals}


def test_entry_points():
    ep = reference.entry_point_frame()
    assert ep.code.is_unique
    assert set(ep.type) == set(schema.ENTRY_POINT_TYPES)
    assert (ep.type == "road_post").sum() == 5
    assert (ep.type == "river_port").sum() == 2
    assert all(in_city_bbox(lat, lon) for lat, lon in zip(ep.lat, ep.lon))
    approximate = ep[ep.coord_is_approximate]
    assert approximate.source.str.contains("placed by the project|low confidence").all()


def test_external_regions():
    ext = reference.external_region_frame()
    provinces, regencies = ext[ext.level == "province"], ext[ext.level == "regency"]
    assert len(provinces) == 38 and provinces.code.str.fullmatch(r"\d\d").all()
    assert regencies.code.str.fullmatch(r"\d\d\.\d\d").all()
    assert (ext.province_code == ext.code.str[:2]).all()
    assert set(regencies.province_code) <= set(provinces.code)
    riau = set(regencies[regencies.province_code == "14"].code)
    assert len(riau) == 11 and "14.71" not in riau
    assert {"13", "12", "15", "21", "31"} <= set(regencies.province_code)
    assert ext.code.is_unique


def test_load_writes_every_row(empty_db):
    with empty_db.begin() as conn:
        reference.load(conn)
    expected = {
        schema.regions: len(reference.kecamatan_frame()) + len(reference.kelurahan_frame()),
        schema.external_regions: len(reference.external_region_frame()),
        schema.entry_points: len(reference.entry_point_frame()),
        schema.facilities: len(reference.facility_frame()),
    }
    with empty_db.connect() as conn:
        for table, rows in expected.items():
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == rows, table.name
        assert conn.execute(select(func.sum(schema.regions.c.population))
                            .where(schema.regions.c.level == "kecamatan")).scalar_one() == 1_167_599
        facility_ids = conn.execute(select(schema.facilities.c.id, schema.facilities.c.registry_code)
                                    .order_by(schema.facilities.c.id)).all()
        assert [tuple(r) for r in facility_ids] == list(enumerate(reference.facility_frame().registry_code, start=1))
        puskesmas = conn.execute(select(schema.facilities.c.closed_weekdays, schema.facilities.c.beds)
                                 .where(schema.facilities.c.type == "puskesmas")).all()
        assert set(puskesmas) == {("7", None)}
