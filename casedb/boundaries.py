"""Kelurahan and kecamatan boundaries: the project's own approximate polygons, and official ones.

Built-in polygons (assets/boundaries/*.geojson) are derived only from facts the project states in
casedb/reference (each kelurahan's centroid and area):

- the city outline is the convex hull of one equal-area disc per kelurahan (a disc of the
  kelurahan's stated area around its centroid), simplified to ~100 m;
- a kelurahan is the Voronoi cell of its centroid, clipped to that outline;
- a kecamatan is the union of its kelurahan.

They need no extra file and are good enough to colour a map; they are not legal boundaries.
`python -m casedb.boundaries` writes them again and prints how far each area is from the stated one.

Official polygons come from a GeoJSON file keyed by Kemendagri code (setting BOUNDARIES_PATH). A bad
or partial file is not used at all (mixing official and approximate polygons would overlap): the
problems found come back as `Problem`s, each a message key with its details, and the built-in
polygons are used instead.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape

from casedb import reference

ASSET_DIR = Path(__file__).resolve().parent.parent / "assets" / "boundaries"
KELURAHAN_FILE = "kelurahan.geojson"
KECAMATAN_FILE = "kecamatan.geojson"
CITY_FILE = "city.geojson"
KELURAHAN_CODE = re.compile(r"^14\.71\.\d{2}\.\d{4}$")
# Pekanbaru lies near the equator: a local equirectangular projection in km is exact enough here.
KM_PER_DEGREE = 111.32
ORIGIN = (101.45, 0.5)  # lon, lat
DECIMALS = 5  # ~1 m
CODE_PROPERTIES = ("code", "kode", "kode_kel", "kd_kel", "KODE", "CODE")
# Where the city may be: lon 101.2-101.8, lat 0.3-0.8 (its bbox is lon 101.32-101.61, lat 0.42-0.69).
CITY_BOX = (101.2, 0.3, 101.8, 0.8)


_SCALE = (KM_PER_DEGREE * math.cos(math.radians(ORIGIN[1])), KM_PER_DEGREE)


def to_km(geometry):
    return shapely.transform(geometry, lambda xy: (xy - ORIGIN) * _SCALE)


def to_degrees(geometry):
    return shapely.transform(geometry, lambda xy: xy / _SCALE + ORIGIN)


def area_km2(geometry) -> float:
    return to_km(geometry).area


def build() -> dict[str, dict]:
    """The built-in polygons as GeoJSON FeatureCollections: {"kelurahan", "kecamatan", "city"}."""
    kel = reference.kelurahan_frame().sort_values("code")
    kec = reference.kecamatan_frame().set_index("code")
    centres = [to_km(Point(lon, lat)) for lat, lon in zip(kel["centroid_lat"], kel["centroid_lon"])]
    discs = [c.buffer(math.sqrt(a / math.pi), 32) for c, a in zip(centres, kel["area_km2"])]
    outline = shapely.union_all(discs).convex_hull.simplify(0.1)
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=outline.buffer(10))
    by_centre = {}
    for cell in cells.geoms:
        for i, centre in enumerate(centres):
            if cell.contains(centre):
                by_centre[i] = cell.intersection(outline)
    kel_features, polygons = [], {}
    for i, row in enumerate(kel.itertuples()):
        polygon = to_degrees(by_centre[i])
        polygons[row.code] = polygon
        kel_features.append(_feature(polygon, code=row.code, name=row.name, parent_code=row.parent_code,
                                     stated_area_km2=row.area_km2))
    kec_features = []
    for code, group in kel.groupby("parent_code"):
        polygon = shapely.union_all([polygons[c] for c in group["code"]])
        kec_features.append(_feature(polygon, code=code, name=kec.at[code, "name"], stated_area_km2=kec.at[code, "area_km2"]))
    city = [_feature(to_degrees(outline), code="14.71", name="Pekanbaru")]
    return {"kelurahan": _collection(kel_features), "kecamatan": _collection(kec_features), "city": _collection(city)}


def _feature(geometry, **properties) -> dict:
    rounded = shapely.set_precision(geometry, 10 ** -DECIMALS)
    return {"type": "Feature", "properties": properties, "geometry": mapping(rounded)}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def write(directory: Path = ASSET_DIR) -> dict[str, dict]:
    built = build()
    directory.mkdir(parents=True, exist_ok=True)
    for level, name in (("kelurahan", KELURAHAN_FILE), ("kecamatan", KECAMATAN_FILE), ("city", CITY_FILE)):
        (directory / name).write_text(json.dumps(built[level], separators=(",", ":"), ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return built


def built_in(directory: Path = ASSET_DIR) -> dict[str, dict]:
    """The shipped polygons, as written by `write`."""
    return {level: json.loads((directory / name).read_text(encoding="utf-8"))
            for level, name in (("kelurahan", KELURAHAN_FILE), ("kecamatan", KECAMATAN_FILE), ("city", CITY_FILE))}


def area_errors(collection: dict) -> dict[str, float]:
    """Relative error of each polygon's area against the stated area (polygon / stated - 1)."""
    return {f["properties"]["code"]: area_km2(shape(f["geometry"])) / f["properties"]["stated_area_km2"] - 1
            for f in collection["features"]}


# --- Official boundaries from a file -------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    key: str  # catalog key under map.boundaries.*
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Boundaries:
    kelurahan: dict  # FeatureCollection, properties code, name, parent_code
    kecamatan: dict
    city: dict
    source: str  # "built_in" or "official"
    problems: tuple[Problem, ...] = ()


def _short(codes, limit: int = 8) -> str:
    codes = sorted(codes)
    return ", ".join(codes[:limit]) + (f" (+{len(codes) - limit})" if len(codes) > limit else "")


def read_official(path: Path, expected: dict[str, str]) -> tuple[dict[str, object], list[Problem]]:
    """Polygons by kelurahan code from the GeoJSON file at `path`, and what is wrong with it.
    `expected` maps every kelurahan code to its kecamatan code. The polygons are usable only when
    the problem list is empty."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        return {}, [Problem("unreadable", {"path": str(path), "error": e.strerror or str(e)})]
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}, [Problem("not_json", {"path": str(path)})]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        return {}, [Problem("not_geojson", {"path": str(path)})]
    polygons, problems = {}, []
    no_code, bad_format, bad_geometry, swapped, outside, unknown = 0, [], [], [], [], []
    for feature in data["features"]:
        properties = (feature or {}).get("properties") or {}
        code = next((str(properties[k]).strip() for k in CODE_PROPERTIES if properties.get(k) not in (None, "")), None)
        if code is None:
            no_code += 1
            continue
        if not KELURAHAN_CODE.match(code):
            bad_format.append(code)
            continue
        if code not in expected:
            unknown.append(code)
            continue
        try:
            geometry = shape(feature.get("geometry"))
            if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
                raise ValueError(geometry.geom_type)
        except Exception:  # noqa: BLE001 - any malformed geometry is reported by its code
            bad_geometry.append(code)
            continue
        minx, miny, maxx, maxy = geometry.bounds
        lon_lo, lat_lo, lon_hi, lat_hi = CITY_BOX
        if lat_lo <= minx and maxx <= lat_hi and lon_lo <= miny and maxy <= lon_hi:
            swapped.append(code)
            continue
        if not (lon_lo <= minx and maxx <= lon_hi and lat_lo <= miny and maxy <= lat_hi):
            outside.append(code)
            continue
        polygons[code] = geometry.buffer(0) if not geometry.is_valid else geometry
    if no_code:
        problems.append(Problem("no_code", {"count": no_code, "properties": ", ".join(CODE_PROPERTIES)}))
    if bad_format:
        problems.append(Problem("code_format", {"codes": _short(bad_format)}))
    if unknown:
        problems.append(Problem("unknown_codes", {"codes": _short(unknown)}))
    if bad_geometry:
        problems.append(Problem("bad_geometry", {"codes": _short(bad_geometry)}))
    if swapped:
        problems.append(Problem("swapped", {"codes": _short(swapped)}))
    if outside:
        problems.append(Problem("outside", {"codes": _short(outside)}))
    missing = set(expected) - set(polygons) - set(swapped) - set(bad_geometry) - set(outside)
    if missing:
        problems.append(Problem("missing_codes", {"count": len(missing), "codes": _short(missing)}))
    return polygons, problems


def load(path: str | Path | None, directory: Path = ASSET_DIR) -> Boundaries:
    """Official polygons from `path` when it is set and sound, else the built-in ones (with the
    problems that made the file unusable)."""
    shipped = built_in(directory)
    if not path:
        return Boundaries(shipped["kelurahan"], shipped["kecamatan"], shipped["city"], "built_in")
    kel = reference.kelurahan_frame()
    kec = reference.kecamatan_frame().set_index("code")
    expected = dict(zip(kel["code"], kel["parent_code"]))
    polygons, problems = read_official(Path(path), expected)
    if problems:
        return Boundaries(shipped["kelurahan"], shipped["kecamatan"], shipped["city"], "built_in", tuple(problems))
    names = dict(zip(kel["code"], kel["name"]))
    kel_features = [_feature(polygons[code], code=code, name=names[code], parent_code=expected[code])
                    for code in sorted(polygons)]
    kec_features = [_feature(shapely.union_all([polygons[c] for c in codes]), code=parent, name=kec.at[parent, "name"])
                    for parent, codes in sorted(_children(expected).items())]
    city = [_feature(shapely.union_all(list(polygons.values())), code="14.71", name="Pekanbaru")]
    return Boundaries(_collection(kel_features), _collection(kec_features), _collection(city), "official")


def _children(parent_of: dict[str, str]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code, parent in parent_of.items():
        children.setdefault(parent, []).append(code)
    return children


def main() -> None:
    built = write()
    for level in ("kelurahan", "kecamatan"):
        errors = area_errors(built[level])
        values = sorted(abs(e) for e in errors.values())
        total = sum(area_km2(shape(f["geometry"])) for f in built[level]["features"])
        stated = sum(f["properties"]["stated_area_km2"] for f in built[level]["features"])
        print(f"{level}: {len(errors)} polygons, total {total:.1f} km2 (stated {stated:.1f}); |area error| "
              f"median {values[len(values) // 2]:.0%}, 90th percentile {values[int(len(values) * 0.9)]:.0%}, "
              f"max {values[-1]:.0%}")
    print(f"written to {ASSET_DIR}")


if __name__ == "__main__":
    main()
