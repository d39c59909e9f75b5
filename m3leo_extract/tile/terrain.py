"""Slope and aspect from elevation, as the catalog's `dem` recipe stores them (Earth Engine's `ee.Terrain`).

`m3leo tile` of a one-band DEM into a collection whose bands are elevation, slope and aspect (the `dem`
recipe) derives the other two on each chip's own grid (UTM metres, the chip's resolution), after the elevation
has been warped there. Pure numpy, no I/O.

  slope   degrees from horizontal: atan(|grad z|)
  aspect  degrees clockwise from north of the downhill direction (0 north, 90 east; 0 where flat)

The gradient takes central differences over the 4-connected neighbours, as `ee.Terrain` does; at a chip's
edge, where the next pixel lies in another chip, one-sided differences. A pixel next to nodata is nodata (NaN).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TERRAIN_BANDS = ("elevation", "slope", "aspect")  # the dem recipe's bands, in its order


def derives_terrain(bands: Sequence[str], input_bands: int) -> bool:
    """A collection with these bands, fed a raster of `input_bands` bands, derives slope and aspect from it."""
    return tuple(bands) == TERRAIN_BANDS and input_bands == 1


def slope_aspect(elevation: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """(slope, aspect) in degrees of `elevation` (..., rows, cols; rows run north to south) on a square grid of
    `spacing` metres. NaN elevation gives NaN around it."""
    z = np.asarray(elevation, dtype="float64")
    d_row, d_col = np.gradient(z, spacing, axis=(-2, -1))
    dzdx, dzdy = d_col, -d_row  # east and north components (row index grows southward)
    slope = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    aspect = np.mod(np.degrees(np.arctan2(-dzdx, -dzdy)), 360.0)
    hole = np.isnan(z)  # central differences skip the pixel itself: a nodata pixel stays nodata
    slope[hole] = np.nan
    aspect[hole | np.isnan(slope)] = np.nan
    return slope, aspect


def add_slope_aspect(data: np.ndarray, spacing: float) -> np.ndarray:
    """(n, 1, px, px) elevation chips -> (n, 3, px, px): elevation, slope, aspect, in the input's float dtype."""
    elev = data[:, 0].astype("float64")
    slope, aspect = slope_aspect(elev, spacing)
    dtype = data.dtype if data.dtype.kind == "f" else np.dtype("float32")
    return np.stack([elev, slope, aspect], axis=1).astype(dtype)
