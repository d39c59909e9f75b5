"""The one test of "is this pixel nodata", NaN-aware, for every module that reads or writes chips.

Pure numpy, no I/O. A float NaN nodata never compares equal to itself, so each caller asking `data == nodata`
on a float collection would see every pixel as valid; these helpers are the only place that knows it.
"""

from __future__ import annotations

import math

import numpy as np


def is_nan(nodata: object) -> bool:
    """True when `nodata` is a float NaN (the nodata of float collections)."""
    return isinstance(nodata, float) and math.isnan(nodata)


def same_nodata(a: object, b: object) -> bool:
    """Two nodata values are the same value (NaN equals NaN here)."""
    return a == b or (is_nan(a) and is_nan(b))


def nodata_mask(arr: np.ndarray, nodata: float | int | None) -> np.ndarray:
    """Boolean array, True where `arr` holds `nodata` (all False when there is none)."""
    if nodata is None:
        return np.zeros(arr.shape, bool)
    if is_nan(nodata):
        return np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)
    return arr == nodata


def valid_fraction(data: np.ndarray, nodata: float | int) -> np.ndarray:
    """Per chip of a (chips, bands, y, x) block: the fraction of pixels where at least one band holds data."""
    return (~nodata_mask(data, nodata)).any(axis=1).mean(axis=(1, 2)).astype(np.float32)
