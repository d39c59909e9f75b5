"""Major-TOM's global grid (Francis & Czerkawski 2024, github.com/ESA-PhiLab/Major-TOM `MajorTOM/grid.py`):
the cell of a lon/lat point, so chips made here join with Major-TOM's datasets by cell name.

Major-TOM divides the sphere (radius 6378.137 km) into rows of equal latitude height, `ceil(pi R / D)` rows
from pole to pole for a cell size of D km (10 km for Major-TOM Core), each row into `ceil(2 pi R cos(lat) / D)`
columns of equal longitude width at the row's bottom latitude. Rows are named from the equator: `0U`, `1U`, ...
north (the row whose bottom edge is at 0 degrees is `0U`), `1D`, `2D`, ... south; columns from the Greenwich
meridian: `0R`, `1R`, ... east, `1L`, `2L`, ... west. A cell is named `{row}_{col}` (e.g. `462U_49R`) and
identified by its bottom-left corner. A point belongs to the cell whose bottom-left corner is the nearest
grid point below and to the left of it, exactly as `Grid.latlon2rowcol` decides (same float arithmetic:
numpy linspace / mod / sort / searchsorted).

This is a re-implementation (Major-TOM's class builds a GeoDataFrame of every grid point of the globe, minutes
and gigabytes for 10 km cells); tests/test_publish_index.py checks it against values Major-TOM's own code
computed.
"""

from __future__ import annotations

import functools
import math

import numpy as np

RADIUS_EQUATOR_KM = 6378.137  # Major-TOM's Grid.RADIUS_EQUATOR
CELL_KM = 10  # Major-TOM Core's grid distance


@functools.lru_cache(maxsize=8)
def _row_lats(dist_km: float) -> tuple[np.ndarray, int]:
    """Bottom latitudes of every row, south to north, and the index of row 0U."""
    n = math.ceil(math.pi * RADIUS_EQUATOR_KM / dist_km)
    lats = np.sort(np.mod(np.linspace(-90, 90, n + 1)[:-1], 180) - 90)
    return lats, int(np.searchsorted(lats, 0))


@functools.lru_cache(maxsize=4096)
def _row_lons(lat: float, dist_km: float) -> tuple[np.ndarray, int]:
    """Left longitudes of the row's cells, west to east, and the index of column 0R."""
    circumference = 2 * math.pi * RADIUS_EQUATOR_KM * math.cos(lat * math.pi / 180)
    n = math.ceil(circumference / dist_km)
    lons = np.sort(np.mod(np.linspace(-180, 180, n + 1)[:-1], 360) - 180)
    return lons, int(np.where(lons == 0)[0][0])


def _name(i: int, zero: int, up: str, down: str) -> str:
    return f"{i - zero}{up}" if i >= zero else f"{zero - i}{down}"


def cell_names(lon: np.ndarray, lat: np.ndarray, dist_km: float = CELL_KM) -> list[str]:
    """Major-TOM cell names (`462U_49R`) of lon/lat points (degrees)."""
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    lats, zero_row = _row_lats(float(dist_km))
    rows = np.searchsorted(lats, lat) - 1
    out = []
    for r, x in zip(rows.tolist(), lon.tolist(), strict=True):
        lons, zero_col = _row_lons(float(lats[r]), float(dist_km))
        c = (int(np.searchsorted(lons, x)) - 1) % len(lons)  # iloc[-1] west of the first cell, as theirs
        out.append(f"{_name(r, zero_row, 'U', 'D')}_{_name(c, zero_col, 'R', 'L')}")
    return out
