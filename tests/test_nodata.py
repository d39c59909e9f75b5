"""The one nodata test: NaN-aware masks and valid fractions on seeded blocks."""

import math

import numpy as np

from m3leo_extract.nodata import is_nan, nodata_mask, same_nodata, valid_fraction


def test_masks_agree_with_a_direct_computation() -> None:
    rng = np.random.default_rng(7)
    f = rng.normal(size=(3, 2, 8, 8)).astype(np.float32)
    f[f > 1.0] = np.nan
    assert np.array_equal(nodata_mask(f, math.nan), np.isnan(f))
    u = rng.integers(0, 4, size=(3, 2, 8, 8)).astype(np.uint8)
    assert np.array_equal(nodata_mask(u, 0), u == 0)
    assert not nodata_mask(u, math.nan).any() and not nodata_mask(u, None).any()


def test_valid_fraction_counts_pixels_with_any_band() -> None:
    d = np.zeros((2, 2, 4, 4), np.uint16)
    d[0, 0, :2] = 5  # half of chip 0 valid in band 0
    d[1, 1, 0, 0] = 1  # one pixel of chip 1 valid in band 1
    assert valid_fraction(d, 0).tolist() == [0.5, 1 / 16]


def test_nan_identity() -> None:
    assert is_nan(math.nan) and not is_nan(0) and not is_nan(1.5)
    assert same_nodata(math.nan, float("nan")) and same_nodata(0, 0) and not same_nodata(0, math.nan)
