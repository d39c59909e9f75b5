"""geedim's cloud-masked Sentinel-2 and Landsat 8 composites, unmodified, against the emulator, checked by numpy.

geedim decides what an image is from its collection's `system:id`; for Sentinel-2 it links each granule's
Cloud Score+ image by `system:index` (cloud-score) or reads QA60 and casts cloud shadows along the sun
(qa); for Landsat 8 it reads QA_PIXEL's cloud bits; then it masks and composites. Its median must equal
numpy's median of the pixels its own masks keep, fetched independently through computePixels on the
mask-banded input images. The emulator runs with `exact_composites` (a true per-pixel median, as Earth
Engine computes it).
"""

from __future__ import annotations

import warnings

import ee
import numpy as np
import pytest
from pyproj import Transformer

geedim = pytest.importorskip("geedim")

BOX = (4.800, 45.700, 4.806, 45.704)  # near Lyon, MGRS 31TFL
S2 = "COPERNICUS/S2_SR_HARMONIZED"
L8 = "LANDSAT/LC08/C02/T1_L2"
W, H = 40, 30


def _grid() -> dict:
    x, y = Transformer.from_crs(4326, 32631, always_xy=True).transform(BOX[0], BOX[3])
    return {"dimensions": {"width": W, "height": H}, "crsCode": "EPSG:32631",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": float(x // 10 * 10), "shearY": 0,
                                "scaleY": -10, "translateY": float(y // 10 * 10)}}


def _pixels(image: ee.Image) -> np.ndarray:
    return ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": _grid()})


@pytest.mark.parametrize("asset, method, bands", [(S2, "cloud-score", ("B4", "B8")), (S2, "qa", ("B4", "B8")),
                                                  (L8, None, ("SR_B4", "SR_B5"))])
def test_geedim_cloud_masked_median_equals_numpy_on_its_own_masks(emulator, asset, method, bands):
    region = ee.Geometry.Rectangle(list(BOX), None, False)
    coll = ee.ImageCollection(asset).filterDate("2021-05-01", "2021-09-01").filterBounds(region)
    assert coll.gd.cloudSupport  # recognised as Sentinel-2 from what the emulator returns
    old = emulator.knobs.exact_composites
    emulator.knobs.exact_composites = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # geedim deprecates 'qa' in favour of 'cloud-score'
            banded = coll.gd.addMaskBands(**({"mask_method": method} if method else {}))
            comp = banded.gd.maskClouds().gd.composite("median")
        got = _pixels(comp.select(list(bands)).toDouble())
        n = coll.size().getInfo()
        images = banded.toList(n)
        stacks: dict[str, list] = {b: [] for b in bands}
        keep = []
        for i in range(n):
            raw = _pixels(ee.Image(images.get(i)).select([*bands, "CLOUDLESS_MASK"]))
            keep.append(raw["CLOUDLESS_MASK"] == 1)
            for b in stacks:
                stacks[b].append(raw[b].astype(np.float64))
    finally:
        emulator.knobs.exact_composites = old
    keep_a = np.stack(keep)
    assert n >= 4 and keep_a.any(axis=0).all()
    assert (~keep_a).any(axis=0).mean() > 0.05  # clouds masked at a good share of pixels: the masks matter
    for b, values in stacks.items():
        v = np.stack(values)
        want = np.nanmedian(np.where(keep_a, v, np.nan), axis=0)
        np.testing.assert_allclose(got[b], want, rtol=0, atol=1e-6, err_msg=b)
        # what the masks removed is cloud: brighter than anything they kept, and absent from the composite
        assert np.nanmax(np.where(~keep_a, v, np.nan)) > np.nanmax(np.where(keep_a, v, np.nan)) >= got[b].max()
