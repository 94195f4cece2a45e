"""H3 cells of a case's approximate home location, stored on the case at write time.

The map shows new cases as hexagons. Only `health` may read a case's coordinates, and H3 is not
SQL: so every writer of cases stores the case's cells at resolutions 7, 8 and 9 beside its
coordinates, and the `daily_case_cells` rollup counts new cases per day and resolution-9 cell (with
its two parents). Map queries read counts per cell from the rollup and never a coordinate.

Sizes in Pekanbaru (about 1,850 people per km2 on average, 4 per household): a resolution-8 cell
(0.74 km2) holds about 1,400 people, several hundred households: the mayor's hexagons; a
resolution-9 cell (0.105 km2) about 50 households: health's finer view; resolution 7 (5.2 km2) is
the parent small resolution-8 cells are merged into.

A case's resolution-8 and -7 cells are the parents of its resolution-9 cell, not the cells its
point falls in at those resolutions (H3 cells do not nest exactly; near an edge the two differ), so
that the counts of the children of a cell always add up to the cell's count.
"""
from __future__ import annotations

import math

import h3
import numpy as np
import pandas as pd

RESOLUTIONS = (7, 8, 9)
COLUMNS = tuple(f"h3_r{r}" for r in RESOLUTIONS)


def cell_columns(lat, lon) -> pd.DataFrame:
    """Columns h3_r7, h3_r8, h3_r9 (None where the location is unknown) for arrays of lat and lon."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    out = {column: np.full(len(lat), None, dtype=object) for column in COLUMNS}
    for i, (y, x) in enumerate(zip(lat, lon)):
        if math.isnan(y) or math.isnan(x):
            continue
        fine = h3.latlng_to_cell(y, x, RESOLUTIONS[-1])
        out["h3_r9"][i] = fine
        out["h3_r8"][i] = h3.cell_to_parent(fine, 8)
        out["h3_r7"][i] = h3.cell_to_parent(fine, 7)
    return pd.DataFrame(out)
