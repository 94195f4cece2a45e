"""Population estimates for the kecamatan and kelurahan whose population is not published.

Known figures (kept as they are, `population_is_estimate` false):
- Binawidya 116,248 and Tuahmadani 178,437, with their ten kelurahan (Pemko Pekanbaru, Dec 2020);
- Payung Sekaki 88,436 (BPS 2021).

Everything else is an estimate. Method:
1. The city total is Kemendagri's 1,167,599 (mid-2024). The remainder after the three known
   kecamatan, 784,478, is shared among the other twelve. (The known figures are of 2020-2021, so
   the remainder also absorbs their growth since; this is a limit of the sources, stated here.)
2. Weight of a kelurahan = sqrt(area km2), i.e. density taken as proportional to 1/sqrt(area):
   Pekanbaru's kelurahan are split as they fill up, so small kelurahan (the centre: Sukajadi,
   Pekanbaru Kota, Senapelan, Sail, Limapuluh) are dense and large ones (Rumbai Timur, Tenayan
   Raya, Kulim: plantations, forest, industry) sparse. A monocentric (Clark) density model was
   rejected because the western suburbs (Panam), whose populations are known, are as dense as the
   centre.
3. A kecamatan's estimate is the remainder split by the summed weights of its kelurahan; a
   kelurahan's estimate is its kecamatan's population (known or estimated) split by the weights.
   Every split uses largest-remainder rounding, so the kecamatan sum exactly to the city and the
   kelurahan exactly to their kecamatan.

Run `python -m casedb.reference.populations` to rewrite the estimated rows of kecamatan.csv and
kelurahan.csv from their areas; rows not marked as estimates are left as they are.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from casedb.reference import CITY_POPULATION, CITY_POPULATION_SOURCE

DENSITY_METHOD = "density taken as proportional to 1/sqrt(area)"
HERE = Path(__file__).resolve().parent


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that sum exactly to `total` (Hamilton's method)."""
    scale = total / sum(weights)
    quotas = [w * scale for w in weights]
    floors = [math.floor(q) for q in quotas]
    short = total - sum(floors)
    # Ties go to the earlier row, so the result does not depend on float noise between runs.
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


def kelurahan_weight(area_km2: float) -> float:
    return math.sqrt(area_km2)


def estimate(kecamatan: list[dict], kelurahan: list[dict]) -> tuple[list[dict], list[dict]]:
    """Rows of both tables with the population columns of every estimated row (re)computed."""
    kecamatan = [dict(r) for r in kecamatan]
    kelurahan = [dict(r) for r in kelurahan]
    weight_of_kec: dict[str, float] = {}
    for kel in kelurahan:
        weight_of_kec[kel["parent_code"]] = weight_of_kec.get(kel["parent_code"], 0.0) + kelurahan_weight(
            float(kel["area_km2"]))

    estimated = [k for k in kecamatan if _is_estimate(k)]
    known_total = sum(int(k["population"]) for k in kecamatan if not _is_estimate(k))
    remainder = CITY_POPULATION - known_total
    published = len(kecamatan) - len(estimated)
    shares = largest_remainder(remainder, [weight_of_kec[k["code"]] for k in estimated])
    for kec, population in zip(estimated, shares):
        kec["population"] = population
        kec["population_source"] = (
            f"estimate: city {CITY_POPULATION:,} ({CITY_POPULATION_SOURCE}) minus the {published} kecamatan with "
            f"published figures = {remainder:,}, split by the sum over its kelurahan of sqrt(area km2) "
            f"({DENSITY_METHOD}), largest-remainder rounding")

    for kec in kecamatan:
        children = [k for k in kelurahan if k["parent_code"] == kec["code"]]
        flags = {_is_estimate(k) for k in children}
        if flags == {False}:
            continue
        if flags != {True}:
            raise ValueError(f"kecamatan {kec['name']}: kelurahan populations must be all published or all estimated")
        counts = largest_remainder(int(kec["population"]), [kelurahan_weight(float(k["area_km2"])) for k in children])
        for kel, population in zip(children, counts):
            kel["population"] = population
            kel["population_source"] = (
                f"estimate: kecamatan {kec['name']} {int(kec['population']):,} "
                f"({'estimate' if _is_estimate(kec) else 'published'}) split by sqrt(area km2) "
                f"({DENSITY_METHOD}), largest-remainder rounding")
    return kecamatan, kelurahan


def _is_estimate(row: dict) -> bool:
    return str(row["population_is_estimate"]).lower() == "true"


def read_csv(name: str) -> list[dict]:
    with open(HERE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(name: str, rows: list[dict]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    kecamatan, kelurahan = estimate(read_csv("kecamatan.csv"), read_csv("kelurahan.csv"))
    write_csv("kecamatan.csv", kecamatan)
    write_csv("kelurahan.csv", kelurahan)


if __name__ == "__main__":
    main()
