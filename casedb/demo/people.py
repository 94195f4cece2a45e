"""Persons of the demo city: residents spread over the kelurahan by population, and travellers who
live elsewhere. Each has a synthetic NIK that exists only here, pseudonymised like real ingestion does."""
from __future__ import annotations

import numpy as np
import pandas as pd

from casedb.pseudonym import pseudonymise_many

DEMO_PEPPER = "pekanbaru-demo-city-pepper"  # not a secret: demo persons are invented
RESIDENT_SHARE = 0.85
AGE_DECAY_YEARS = 32  # a young population: the share at each age falls off like exp(-age / 32)


def home_region_weights(external: pd.DataFrame) -> np.ndarray:
    """Where non-residents live: Riau's regencies first, then West and North Sumatra, then anywhere."""
    province = external["province_code"].to_numpy()
    regency = (external["level"] == "regency").to_numpy()
    has_regencies = np.isin(province, province[regency])
    base = np.where(regency, 1.0, np.where(has_regencies, 0.2, 0.6))
    return base * np.select([province == "14", province == "13", province == "12"], [6.0, 3.0, 1.5], 1.0)


def persons(rng: np.random.Generator, n: int, kelurahan: pd.DataFrame, external: pd.DataFrame,
            end_year: int) -> pd.DataFrame:
    n_residents = int(n * RESIDENT_SHARE)
    population = kelurahan["population"].to_numpy(dtype=float)
    # One resident in every kelurahan, the rest in proportion to population.
    kel = np.concatenate([np.arange(len(kelurahan)),
                          rng.choice(len(kelurahan), n_residents - len(kelurahan), p=population / population.sum())])
    region = rng.choice(len(external), n - n_residents, p=_normalised(home_region_weights(external)))

    ages = np.arange(90)
    age = rng.choice(ages, n, p=_normalised(np.exp(-ages / AGE_DECAY_YEARS)))
    sex = np.where(rng.random(n) < 0.5, "M", "F")
    spread = 0.3 * np.sqrt(kelurahan["area_km2"].to_numpy()) / 111  # degrees, a fraction of its size
    lat = kelurahan["centroid_lat"].to_numpy()[kel] + rng.normal(0, 1, n_residents) * spread[kel]
    lon = kelurahan["centroid_lon"].to_numpy()[kel] + rng.normal(0, 1, n_residents) * spread[kel]

    kel_codes = kelurahan["code"].to_numpy()[kel]
    region_codes = external["code"].to_numpy()[region]
    nik_region = np.concatenate([
        pd.Series(kel_codes).str.slice(0, 8).str.replace(".", "", regex=False).to_numpy(),
        _nik_region_of(region_codes, rng),
    ])
    niks = _niks(rng, nik_region, sex, end_year - age)
    return pd.DataFrame({
        "person_key": pseudonymise_many(niks, DEMO_PEPPER),
        "sex": sex,
        "birth_year": end_year - age,
        "is_resident": np.arange(n) < n_residents,
        "home_kelurahan_code": np.concatenate([kel_codes, np.full(n - n_residents, None)]),
        "home_region_code": np.concatenate([np.full(n_residents, None), region_codes]),
        "approx_lat": np.concatenate([np.round(lat, 5), np.full(n - n_residents, np.nan)]),
        "approx_lon": np.concatenate([np.round(lon, 5), np.full(n - n_residents, np.nan)]),
    })


def _nik_region_of(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The six-digit place part of a NIK (province, regency, kecamatan) for an external region."""
    digits = pd.Series(codes).str.replace(".", "", regex=False)
    regency = np.where(digits.str.len() >= 4, digits, digits + "71")
    kecamatan = pd.Series(rng.integers(1, 20, len(codes))).astype(str).str.zfill(2)
    return (pd.Series(regency) + kecamatan).to_numpy()


def _niks(rng: np.random.Generator, region6: np.ndarray, sex: np.ndarray, birth_year: np.ndarray) -> list[str]:
    """Synthetic 16-digit NIKs: place, birth date (day + 40 for women), serial; unique by construction."""
    day = rng.integers(1, 29, len(sex)) + np.where(sex == "F", 40, 0)
    month = rng.integers(1, 13, len(sex))
    born = pd.Series(day.astype(str)).str.zfill(2) + pd.Series(month.astype(str)).str.zfill(2) + \
        pd.Series((birth_year % 100).astype(str)).str.zfill(2)
    stem = pd.Series(region6) + born
    serial = stem.groupby(stem, sort=False).cumcount() + 1
    return (stem + serial.astype(str).str.zfill(4)).tolist()


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()
