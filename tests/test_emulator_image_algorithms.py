"""The everyday image idioms of Earth Engine's Python guides (issue 27), through the unmodified client.

Every expected value is computed independently: numpy / scipy on the pixels the emulator itself serves
through ee.data.computePixels (the raw input bands on a grid aligned with the bands' native 10 m UTM grid),
never by a second copy of the algorithm.
"""

from __future__ import annotations

import ee
import numpy as np
import pytest
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import Point, box

BOX = (4.800, 45.700, 4.806, 45.704)  # near Lyon, MGRS 31TFL
S2 = "COPERNICUS/S2_SR_HARMONIZED"
W, H = 48, 40
PAD = 4  # pixels of context fetched around the compared window for neighbourhood operations
_T = Transformer.from_crs(4326, 32631, always_xy=True)
X0, Y0 = (float(v // 10 * 10) for v in _T.transform(BOX[0], BOX[3]))


def _grid(w: int = W, h: int = H, x0: float = X0, y0: float = Y0) -> dict:
    return {"dimensions": {"width": w, "height": h}, "crsCode": "EPSG:32631",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": x0, "shearY": 0, "scaleY": -10,
                                "translateY": y0}}


def _px(image: ee.Image, grid: dict | None = None) -> np.ndarray:
    return ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": grid or _grid()})


def _band(image: ee.Image, name: str, grid: dict | None = None) -> np.ndarray:
    return _px(image.select([name]).toDouble(), grid)[name].astype(np.float64)


@pytest.fixture(scope="module")
def s2(emulator):
    region = ee.Geometry.Rectangle(list(BOX), None, False)
    return ee.ImageCollection(S2).filterDate("2021-05-01", "2021-07-01").filterBounds(region)


@pytest.fixture(scope="module")
def img(s2):
    return ee.Image(s2.first())


@pytest.fixture(scope="module")
def raw(img):
    out = _px(img.select(["B2", "B4", "B8", "SCL", "QA60"]).toDouble())
    mask = _px(img.select(["B4"]).mask().toDouble())["B4"]
    assert (mask == 1).all()  # the first granule is unmasked here: the comparisons need no mask handling
    return {k: out[k].astype(np.float64) for k in out.dtype.names}


def test_normalized_difference_and_expression_equal_numpy(img, raw):
    b4, b8, b2 = raw["B4"], raw["B8"], raw["B2"]
    nd = (b8 - b4) / (b8 + b4)
    got = _px(img.normalizedDifference(["B8", "B4"]))
    assert got.dtype.names == ("nd",)
    np.testing.assert_allclose(got["nd"], nd, rtol=1e-6)
    e = img.expression("(N - R) / (N + R)", {"N": img.select("B8"), "R": img.select("B4")})
    np.testing.assert_allclose(_px(e.toDouble())["B8"], nd, rtol=1e-12)
    evi = img.expression("2.5 * ((b('B8') - RED) / (b('B8') + 6 * RED - 7.5 * BLUE + 1))",
                         {"RED": img.select("B4"), "BLUE": img.select("B2")})
    np.testing.assert_allclose(_px(evi.rename("evi").toDouble())["evi"],
                               2.5 * ((b8 - b4) / (b8 + 6 * b4 - 7.5 * b2 + 1)), rtol=1e-12)
    tern = img.expression("b('B4') > 7000 && !(b('B8') < 100) ? sqrt(b('B4')) ** 2 : -1", {})
    np.testing.assert_allclose(_px(tern.rename("t").toDouble())["t"],
                               np.where((b4 > 7000) & ~(b8 < 100), b4, -1.0), rtol=1e-9)


@pytest.mark.parametrize("build, expect", [
    (lambda i: i.select("B4").divide(3).int(), lambda r: np.trunc(r["B4"] / 3)),
    (lambda i: i.select("B4").byte(), lambda r: np.clip(r["B4"], 0, 255)),
    (lambda i: i.select("B4").divide(7).float(), lambda r: (r["B4"] / 7).astype(np.float32)),
    (lambda i: i.select("B4").divide(7).double(), lambda r: r["B4"] / 7),
    (lambda i: i.select("QA60").rightShift(10), lambda r: np.right_shift(r["QA60"].astype(int), 10)),
    (lambda i: i.select("B4").leftShift(2), lambda r: np.left_shift(r["B4"].astype(int), 2)),
    (lambda i: i.select("B4").bitwiseXor(255), lambda r: np.bitwise_xor(r["B4"].astype(int), 255)),
    (lambda i: i.select("B4").unitScale(1000, 8000), lambda r: (r["B4"] - 1000) / 7000),
    (lambda i: i.select("B4").hypot(i.select("B8")), lambda r: np.hypot(r["B4"], r["B8"])),
    (lambda i: i.select("B4").subtract(7050).signum(), lambda r: np.sign(r["B4"] - 7050)),
    (lambda i: i.select("SCL").remap([4, 5], [10, 20], 0), lambda r: np.select([r["SCL"] == 4, r["SCL"] == 5],
                                                                               [10, 20], 0)),
    (lambda i: i.select("B4").interpolate([6000, 8000], [0, 1]), lambda r: (r["B4"] - 6000) / 2000),
    (lambda i: i.select("B4").polynomial([1, 0.5, 0.001]), lambda r: 1 + 0.5 * r["B4"] + 0.001 * r["B4"] ** 2),
])
def test_pixel_maths_equal_numpy(img, raw, build, expect):
    got = _px(build(img).toDouble())
    np.testing.assert_allclose(got[got.dtype.names[0]], expect(raw), rtol=1e-6)


def _padded(img: ee.Image, name: str) -> np.ndarray:
    g = _grid(W + 2 * PAD, H + 2 * PAD, X0 - 10 * PAD, Y0 + 10 * PAD)
    return _band(img, name, g)


def _inner(a: np.ndarray) -> np.ndarray:
    return a[PAD:-PAD, PAD:-PAD]


def _disk(r: float) -> np.ndarray:
    n = int(r)
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    return xx * xx + yy * yy <= r * r


def _mode(a: np.ndarray) -> float:
    vals, counts = np.unique(a, return_counts=True)
    return float(vals[np.argmax(counts)])


@pytest.mark.parametrize("kind, fn", [("mean", np.mean), ("median", np.median), ("max", np.max),
                                      ("min", np.min), ("mode", _mode)])
@pytest.mark.parametrize("shape", ["circle", "square"])
def test_focal_reducers_equal_scipy(img, kind, fn, shape):
    band = "B4"
    image = img.select(band).divide(50).int() if kind == "mode" else img.select(band)  # 10 m, few values
    src = _padded(image, band)
    fp = _disk(2) if shape == "circle" else np.ones((5, 5), bool)
    want = ndimage.generic_filter(src, fn, footprint=fp, mode="nearest")
    got = _band(getattr(image, f"focal_{kind}")(2, shape), band)
    np.testing.assert_allclose(got, _inner(want), rtol=1e-9)
    with_kernel = getattr(image, f"focal_{kind}")(kernel=ee.Kernel.circle(2) if shape == "circle"
                                                             else ee.Kernel.square(2))
    np.testing.assert_allclose(_band(with_kernel, band), _inner(want), rtol=1e-9)


def test_convolve_and_reduce_neighborhood_equal_scipy(img):
    src = _padded(img, "B4")
    box3 = ndimage.correlate(src, np.ones((3, 3)) / 9.0)
    np.testing.assert_allclose(_band(img.select("B4").convolve(ee.Kernel.square(1)), "B4"), _inner(box3),
                               rtol=1e-9)
    yy, xx = np.mgrid[-2:3, -2:3]
    g = np.exp(-(xx ** 2 + yy ** 2) / (2 * 1.5 ** 2))
    gauss = ndimage.correlate(src, g / g.sum())
    np.testing.assert_allclose(_band(img.select("B4").convolve(ee.Kernel.gaussian(2, 1.5)), "B4"), _inner(gauss),
                               rtol=1e-9)
    lap = ndimage.correlate(src, np.array([[1, 1, 1], [1, -8, 1], [1, 1, 1]], float))
    np.testing.assert_allclose(_band(img.select("B4").convolve(ee.Kernel.laplacian8()), "B4"), _inner(lap),
                               atol=1e-6)
    red = ee.Reducer.mean().combine(ee.Reducer.stdDev(), None, True)
    got = _px(img.select("B4").reduceNeighborhood(red, ee.Kernel.square(1)))
    assert got.dtype.names == ("B4_mean", "B4_stdDev")
    np.testing.assert_allclose(got["B4_mean"], _inner(box3), rtol=1e-9)
    sd = ndimage.generic_filter(src, np.std, size=3)
    np.testing.assert_allclose(got["B4_stdDev"], _inner(sd), rtol=1e-6, atol=1e-6)


def _region_pixels(img: ee.Image, band: str, geom_box: tuple) -> np.ndarray:
    """The band's pixels whose centre lies in the lon/lat box (shapely on the pixel centres' lon/lat)."""
    n = 70  # 700 m: covers the box with a margin
    vals = _band(img, band, _grid(n, n, X0 - 100, Y0 + 100))
    cols, rows = np.meshgrid(np.arange(n), np.arange(n))
    xs, ys = X0 - 100 + 10 * cols + 5, Y0 + 100 - 10 * rows - 5
    lon, lat = Transformer.from_crs(32631, 4326, always_xy=True).transform(xs, ys)
    poly = box(*geom_box)
    inside = np.array([poly.contains(Point(a, b)) for a, b in zip(lon.ravel(), lat.ravel(), strict=True)])
    return vals.ravel()[inside]


def _reduce(img: ee.Image, band: str, reducer: ee.Reducer, geom_box: tuple) -> dict:
    return img.select(band).reduceRegion(reducer, ee.Geometry.Rectangle(list(geom_box), None, False),
                                         crs="EPSG:32631", crsTransform=[10, 0, X0, 0, -10, Y0]).getInfo()


SUB = (4.8005, 45.7005, 4.8045, 45.7032)


def test_region_reducers_equal_numpy(img):
    b4, scl = _region_pixels(img, "B4", SUB), _region_pixels(img, "SCL", SUB)
    assert b4.size > 300
    got = _reduce(img, "SCL", ee.Reducer.frequencyHistogram(), SUB)["SCL"]
    vals, counts = np.unique(scl, return_counts=True)
    assert got == {str(int(v)): int(c) for v, c in zip(vals, counts, strict=True)}
    fixed = _reduce(img, "B4", ee.Reducer.fixedHistogram(6800, 7200, 8), SUB)["B4"]
    want, _ = np.histogram(b4, bins=8, range=(6800, 7200))
    assert [c for _, c in fixed] == want.tolist() and fixed[0][0] == 6800
    hist = _reduce(img, "B4", ee.Reducer.histogram(20), SUB)["B4"]
    assert sum(hist["histogram"]) == b4.size and len(hist["histogram"]) <= 20
    edges = hist["bucketMin"] + hist["bucketWidth"] * np.arange(len(hist["histogram"]) + 1)
    assert np.histogram(b4, bins=edges)[0].tolist() == hist["histogram"]
    pct = _reduce(img, "B4", ee.Reducer.percentile([10, 50, 90]), SUB)
    np.testing.assert_allclose([pct["B4_p10"], pct["B4_p50"], pct["B4_p90"]], np.percentile(b4, [10, 50, 90]))
    comb = _reduce(img, "B4", ee.Reducer.mean().combine(ee.Reducer.minMax(), None, True), SUB)
    np.testing.assert_allclose([comb["B4_mean"], comb["B4_min"], comb["B4_max"]], [b4.mean(), b4.min(), b4.max()])


def _stack(coll: ee.ImageCollection, band: str) -> tuple[np.ndarray, np.ndarray]:
    n = coll.size().getInfo()
    lst = coll.toList(n)
    vals, masks = [], []
    for i in range(n):
        im = ee.Image(lst.get(i)).select(band)
        vals.append(_band(im, band))
        masks.append(_band(im.mask(), band) > 0)
    return np.stack(vals), np.stack(masks)


def test_collection_reduce_with_any_reducer_equals_numpy(s2):
    v, m = _stack(s2, "B4")
    x = np.where(m, v, np.nan)
    got = _px(s2.select("B4").reduce(ee.Reducer.percentile([25, 75])))
    np.testing.assert_allclose(got["B4_p25"], np.nanpercentile(x, 25, axis=0), rtol=1e-9)
    np.testing.assert_allclose(got["B4_p75"], np.nanpercentile(x, 75, axis=0), rtol=1e-9)
    got = _px(s2.select("B4").reduce(ee.Reducer.minMax().combine(ee.Reducer.stdDev(), None, True)))
    np.testing.assert_allclose(got["B4_min"], np.nanmin(x, axis=0))
    np.testing.assert_allclose(got["B4_max"], np.nanmax(x, axis=0))
    np.testing.assert_allclose(got["B4_stdDev"], np.nanstd(x, axis=0), rtol=1e-9)
    nd = s2.map(lambda i: i.addBands(i.normalizedDifference(["B8", "B4"]).rename("nd")))
    q, qm = _stack(nd, "nd")
    best = np.argmax(np.where(qm, q, -np.inf), axis=0)
    got = _band(nd.qualityMosaic("nd"), "B4")
    np.testing.assert_allclose(got, np.take_along_axis(v, best[None], axis=0)[0])


def test_sample_sample_regions_and_stratified_sample_take_the_region_pixels(img):
    region = ee.Geometry.Rectangle(list(SUB), None, False)
    proj = ee.Projection("EPSG:32631", [10, 0, X0, 0, -10, Y0])
    b4 = _region_pixels(img, "B4", SUB)
    feats = img.select("B4").sample(region, None, proj).getInfo()["features"]
    assert sorted(f["properties"]["B4"] for f in feats) == sorted(b4.astype(int).tolist())
    few = img.select("B4").sample(region, None, proj, None, 25, 7, True, None, True).getInfo()["features"]
    assert len(few) == 25 and all(f["geometry"]["type"] == "Point" for f in few)
    assert {f["properties"]["B4"] for f in few} <= set(b4.astype(int).tolist())
    grid_vals = _band(img, "B4")
    pts = [(X0 + 10 * c + 5, Y0 - 10 * r - 5) for c, r in ((3, 4), (20, 17), (40, 30))]
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Point(list(Transformer.from_crs(
        32631, 4326, always_xy=True).transform(*p))), {"k": i}) for i, p in enumerate(pts)])
    got = img.select("B4").sampleRegions(fc, ["k"], None, proj).getInfo()["features"]
    want = [grid_vals[r, c] for c, r in ((3, 4), (20, 17), (40, 30))]
    assert [(f["properties"]["k"], f["properties"]["B4"]) for f in got] == list(enumerate(want))
    scl = _region_pixels(img, "SCL", SUB)
    strat = img.select("SCL").stratifiedSample(5, "SCL", region, None, proj).getInfo()["features"]
    classes, counts = np.unique(scl, return_counts=True)
    got_counts = {int(c): sum(f["properties"]["SCL"] == c for f in strat) for c in classes}
    assert got_counts == {int(c): min(5, int(n)) for c, n in zip(classes, counts, strict=True)}


def test_hillshade_and_terrain_products_follow_the_slope_and_aspect_served(emulator):
    dem = ee.ImageCollection("COPERNICUS/DEM/GLO30").mosaic()
    t = ee.Terrain.products(dem)
    px = _px(t.select(["slope", "aspect", "hillshade"]).toDouble())
    sl, asp = np.radians(px["slope"]), np.radians(px["aspect"])
    zen, az = np.radians(45.0), np.radians(270.0)
    want = np.clip(255 * (np.cos(zen) * np.cos(sl) + np.sin(zen) * np.sin(sl) * np.cos(az - asp)), 0, 255)
    np.testing.assert_allclose(px["hillshade"], want, atol=1e-6)
    assert _px(ee.Terrain.hillshade(dem).toDouble())["hillshade"].tolist() == px["hillshade"].tolist()
    names = t.bandNames().getInfo()
    assert names[-3:] == ["slope", "aspect", "hillshade"]


def test_kernel_get_info_is_the_weights_matrix_and_add_takes_any_kernel(emulator):
    r = 3
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disk = (xx**2 + yy**2 <= r * r).astype(float)
    k = ee.Kernel.circle(radius=r).getInfo()
    assert (k["width"], k["height"], k["x"], k["y"]) == (7, 7, 3, 3)
    np.testing.assert_allclose(k["weights"], disk / disk.sum())
    both = ee.Kernel.square(1, "pixels", False).add(ee.Kernel.plus(2, "pixels", False)).getInfo()
    plus = ((xx[1:-1, 1:-1] == 0) | (yy[1:-1, 1:-1] == 0)).astype(float)
    expect = plus.copy()
    expect[1:4, 1:4] += 1
    np.testing.assert_allclose(both["weights"], expect)


def _metre_disk(radius_m: float, px_m: float) -> np.ndarray:
    """Earth Engine's circle footprint in metres: the pixels whose centre is within radius_m of the focus's."""
    n = int(radius_m // px_m)
    dy, dx = np.mgrid[-n:n + 1, -n:n + 1] * px_m
    return np.hypot(dx, dy) <= radius_m


def test_a_kernel_in_meters_is_sized_by_the_pixels_it_meets(img):
    b4 = img.select("B4")  # 10 m
    src = _padded(b4, "B4")
    fp = _metre_disk(30, 10)
    assert fp.shape == (7, 7) and fp.sum() == 29  # circle(30 m) on 10 m pixels is circle(3 px)
    want_max = _inner(ndimage.maximum_filter(src, footprint=fp, mode="nearest"))
    circle_m = ee.Kernel.circle(30, "meters")
    np.testing.assert_allclose(_band(b4.focal_max(kernel=circle_m), "B4"), want_max)
    np.testing.assert_allclose(_band(b4.focal_max(30, "circle", "meters"), "B4"), want_max)
    np.testing.assert_allclose(_band(b4.focal_max(kernel=ee.Kernel.circle(3)), "B4"), want_max)  # pixels: as before
    want_mean = _inner(ndimage.correlate(src, fp / fp.sum()))
    np.testing.assert_allclose(_band(b4.convolve(circle_m), "B4"), want_mean, rtol=1e-9)
    got = _px(b4.reduceNeighborhood(ee.Reducer.mean(), circle_m))["B4_mean"]
    np.testing.assert_allclose(got, want_mean, rtol=1e-9)
    yy, xx = np.mgrid[-3:4, -3:4]
    g = np.exp(-(xx**2 + yy**2) / (2 * 1.5**2))  # sigma in the radius's units: 15 m = 1.5 px
    np.testing.assert_allclose(_band(b4.convolve(ee.Kernel.gaussian(30, 15, "meters")), "B4"),
                               _inner(ndimage.correlate(src, g / g.sum())), rtol=1e-9)
    pixels_too = circle_m.add(ee.Kernel.square(1, "pixels", False))  # combined where it meets the grid
    w = fp / fp.sum()
    w[2:5, 2:5] += 1
    np.testing.assert_allclose(_band(b4.convolve(pixels_too), "B4"), _inner(ndimage.correlate(src, w)), rtol=1e-9)
    tall = ee.Kernel.rectangle(20, 10, "meters", False).rotate(1)  # 5 x 3 pixels, turned: 3 wide, 5 high
    np.testing.assert_allclose(_band(b4.focal_min(kernel=tall), "B4"),
                               _inner(ndimage.minimum_filter(src, footprint=np.ones((5, 3)), mode="nearest")))
    info = circle_m.getInfo()
    assert info["units"] == "meters" and info["radius"] == 30 and "weights" not in info


def test_a_kernel_in_meters_on_30_m_pixels(img):
    x0, y0 = X0 // 30 * 30, Y0 // 30 * 30
    b4 = img.select("B4").reproject(crs="EPSG:32631", crsTransform=[30, 0, x0, 0, -30, y0])
    g = {"dimensions": {"width": 20, "height": 16}, "crsCode": "EPSG:32631",
         "affineTransform": {"scaleX": 30, "shearX": 0, "translateX": x0 - 60, "shearY": 0, "scaleY": -30,
                             "translateY": y0 + 60}}
    src = _band(b4, "B4", g)
    fp = _metre_disk(30, 30)
    assert fp.astype(int).tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]  # 3 px wide
    got = _band(b4.focal_max(kernel=ee.Kernel.circle(30, "meters")), "B4", g)
    want = ndimage.maximum_filter(src, footprint=fp, mode="nearest")
    np.testing.assert_allclose(got[2:-2, 2:-2], want[2:-2, 2:-2])


def test_convolve_honours_the_focus_and_renormalises_over_masked_pixels(img):
    b4 = img.select("B4")
    src = _padded(b4, "B4")
    right2 = ee.Kernel.fixed(3, 1, [[0, 0, 1]], 0, 0)  # the focus on the left cell: the value two pixels east
    np.testing.assert_allclose(_band(b4.convolve(right2), "B4"), src[PAD:-PAD, PAD + 2:-PAD + 2])
    np.testing.assert_allclose(_band(b4.convolve(ee.Kernel.fixed(3, 1, [[0, 0, 1]])), "B4"),
                               src[PAD:-PAD, PAD + 1:-PAD + 1])  # default focus: the centre
    cut = float(np.median(src))
    ok = src > cut
    masked = b4.updateMask(b4.gt(cut))
    got = _band(masked.convolve(ee.Kernel.square(1)), "B4")
    mask = _band(masked.convolve(ee.Kernel.square(1)).mask(), "B4") > 0
    n = ndimage.correlate(ok.astype(float), np.ones((3, 3)), mode="constant")
    s = ndimage.correlate(np.where(ok, src, 0.0), np.ones((3, 3)), mode="constant")
    assert (mask == _inner(n > 0)).all()
    np.testing.assert_allclose(got[mask], _inner(np.where(n > 0, s / np.maximum(n, 1), 0))[mask], rtol=1e-9)
