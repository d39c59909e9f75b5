"""Histogram reducers, ImageCollection.reduce with any reducer, and pixel sampling (Image.sample,
sampleRegions, stratifiedSample).

`Reducer.histogram` / `fixedHistogram` / `frequencyHistogram` reduce a region's values as Earth Engine's do
(bucketMeans / bucketMin / bucketWidth / histogram; [[bucket start, count], ...]; {value: count}).
`ImageCollection.reduce` with percentile, minMax, stdDev, variance, combine (shared inputs), ... reduces
every image's unmasked value at each pixel (N evaluations a pixel); the composite reducers it shares with
`median()` / `mean()` keep graph.reduce_collection's gap-filled composite (exact with `exact_composites`).
Sampling takes the pixels whose centre lies in the region, on the scale / projection grid of
reduceRegion; `numPixels` / `factor` pick a seeded random subset.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import geometry as geo
from .alg_kernel import _pixel_reduce, _quiet
from .errors import EEError
from .graph import Arr, Band, Coll, Img, as_image, reduce_collection, rename
from .limits import composites_are_exact
from .reducers import Reducer, as_reducer
from .regions import _bounded, _footprint, region_grid
from .render import sample_grid
from .values import Feature, Geom

Table = dict[str, Callable[..., Any]]
_COMPOSITE = ("median", "mean", "min", "max", "mode", "first", "sum", "count", "mosaic")


def _key(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


@dataclass(frozen=True)
class HistReducer(Reducer):
    """kind: histogram, fixedHistogram or frequencyHistogram; args as the constructor got them."""

    def reduce_values(self, columns: list[list[Any]]) -> dict[str, Any]:
        v = np.asarray([x for x in columns[0] if x is not None and not (isinstance(x, float) and math.isnan(x))],
                       np.float64)
        name = self.outputs[0]
        if self.kind == "frequencyHistogram":
            vals, counts = np.unique(v, return_counts=True)
            return {name: {_key(a): int(c) for a, c in zip(vals, counts, strict=True)}}
        if self.kind == "fixedHistogram":
            lo, hi, n = float(self.args["min"]), float(self.args["max"]), int(self.args["steps"])
            width = (hi - lo) / n
            idx = np.floor((v - lo) / width).astype(np.int64)
            counts = np.bincount(idx[(idx >= 0) & (idx < n)], minlength=n)[:n]
            if self.args.get("cumulative"):
                counts = np.cumsum(counts)
            return {name: [[lo + i * width, int(c)] for i, c in enumerate(counts)]}
        if v.size == 0:
            return {name: None}
        return {name: _auto_histogram(v, self.args)}


def _auto_histogram(v: Arr, args: dict[str, Any]) -> dict[str, Any]:
    """Buckets of a power-of-two width (at least minBucketWidth) so that at most maxBuckets cover the data."""
    nb = int(args.get("maxBuckets") or 255)
    lo, hi = float(v.min()), float(v.max())
    width = max((hi - lo) / nb, float(args.get("minBucketWidth") or 0.0))
    width = 2.0 ** math.ceil(math.log2(width)) if width > 0 else 1.0
    start = math.floor(lo / width) * width
    idx = np.floor((v - start) / width).astype(np.int64)
    counts = np.bincount(idx)
    sums = np.bincount(idx, weights=v)
    means = [float(s / c) if c else start + (i + 0.5) * width for i, (s, c) in enumerate(zip(sums, counts,
                                                                                            strict=True))]
    return {"bucketMeans": means, "bucketMin": start, "bucketWidth": width,
            "histogram": [float(c) for c in counts]}


def histogram(maxBuckets: Any = None, minBucketWidth: Any = None, maxRaw: Any = None) -> HistReducer:  # noqa: N803
    return HistReducer("histogram", ("histogram",), 1, {"maxBuckets": maxBuckets, "minBucketWidth": minBucketWidth})


def fixed_histogram(min: float, max: float, steps: int, cumulative: bool = False) -> HistReducer:  # noqa: A002
    return HistReducer("fixedHistogram", ("histogram",), 1,
                       {"min": min, "max": max, "steps": steps, "cumulative": bool(cumulative)})


def frequency_histogram() -> HistReducer:
    return HistReducer("frequencyHistogram", ("histogram",))


# -- ImageCollection.reduce ----------------------------------------------------------------------------------
def _outputs(red: Reducer, x: Arr, ok: Arr) -> list[tuple[Arr, Arr]]:
    """Per-pixel outputs of `red` over the last axis, in the order of red.outputs."""
    if red.kind == "combine":
        return [o for p in red.parts for o in _outputs(p, x, ok)]
    if red.kind == "minMax":
        return [_pixel_reduce("min", x, ok), _pixel_reduce("max", x, ok)]
    if red.kind == "percentile":
        xs = np.where(ok, x, np.nan)
        has = ok.any(axis=-1)
        with np.errstate(all="ignore"), _quiet():
            return [(np.nan_to_num(np.nanpercentile(xs, float(p), axis=-1)), has)
                    for p in red.args.get("percentiles") or [50]]
    if red.kind in ("sampleStdDev", "sampleVariance"):
        xs = np.where(ok, x, np.nan)
        n = ok.sum(axis=-1)
        with np.errstate(all="ignore"), _quiet():
            var = np.nanvar(xs, axis=-1, ddof=1)
        r = np.sqrt(var) if red.kind == "sampleStdDev" else var
        return [(np.nan_to_num(r), n > 1)]
    if red.kind in ("first", "last", "firstNonNull", "lastNonNull"):
        idx = np.argmax(ok, axis=-1) if "first" in red.kind else ok.shape[-1] - 1 - np.argmax(ok[..., ::-1], axis=-1)
        return [(np.take_along_axis(x, idx[..., None], axis=-1)[..., 0], ok.any(axis=-1))]
    if red.kind == "product":
        return [(np.prod(np.where(ok, x, 1.0), axis=-1), ok.any(axis=-1))]
    if red.kind in ("anyNonZero", "allNonZero"):
        nz = (x != 0) & ok
        r = nz.any(axis=-1) if red.kind == "anyNonZero" else (nz | ~ok).all(axis=-1)
        return [(r.astype(np.float64), ok.any(axis=-1))]
    return [_pixel_reduce(red.kind, x, ok)]


def collection_reduce(collection: Coll, reducer: Any, parallelScale: Any = 1) -> Img:  # noqa: N803
    """ImageCollection.reduce: outputs named `<band>_<output>` as Earth Engine does."""
    red = as_reducer(reducer)
    if red.kind in _COMPOSITE and not composites_are_exact() or red.kind == "mosaic":
        img = reduce_collection(collection, red.kind)
        return rename(img, [f"{n}_{red.outputs[0]}" for n in img.names]) if img.bands else img
    if isinstance(red, HistReducer) or red.kind in ("toList", "repeat") or red.n_inputs != 1:
        raise EEError(f"ImageCollection.reduce: reducer '{red.kind}' is not implemented by the m3leo emulator.")
    imgs = sorted((as_image(i) for i in collection.images), key=lambda i: i.props.get("system:time_start", 0))
    if not imgs:
        return Img([])
    from . import limits

    limits.composited(len(imgs))
    bands = []
    for k, name in enumerate(imgs[0].names):
        stack = _stacker([i.bands[k] for i in imgs if k < len(i.bands)], red)
        for j, out in enumerate(red.outputs):
            def fn(lon: Arr, lat: Arr, stack: Callable[..., Any] = stack, j: int = j) -> tuple[Arr, Arr]:
                return stack(lon, lat)[j]
            bands.append(Band(f"{name}_{out}", fn, "float64"))
    return Img(bands, {})


def _stacker(bands: list[Band], red: Reducer) -> Callable[[Arr, Arr], list[tuple[Arr, Arr]]]:
    cache: dict[int, tuple[Arr, list[tuple[Arr, Arr]]]] = {}

    def stack(lon: Arr, lat: Arr) -> list[tuple[Arr, Arr]]:
        tid = threading.get_ident()
        hit = cache.get(tid)
        if hit is not None and hit[0] is lon:
            return hit[1]
        pairs = [b.eval(lon, lat) for b in bands]
        x = np.stack([np.asarray(v, np.float64) for v, _ in pairs], axis=-1)
        ok = np.stack([np.asarray(m, bool) for _, m in pairs], axis=-1) & np.isfinite(x)
        res = _outputs(red, x, ok)
        cache[tid] = (lon, res)
        return res
    return stack


# -- sampling --------------------------------------------------------------------------------------------------
def _pixels(image: Any, region: Any, scale: Any, projection: Any, what: str) -> tuple[list[Any], Arr, Arr, Arr]:
    img = as_image(image)
    region = region if region is not None else _footprint(img)
    crs, tr = None, None
    if isinstance(projection, dict):
        crs = projection.get("crs")
        tr = projection.get("transform") if scale is None else None
    grid = region_grid(img, region, scale, crs, tr, what=what)
    bands, lon, lat = sample_grid(img, grid)
    inside = geo.contains_points(region, lon, lat) if _bounded(region) else np.ones(lon.shape, bool)
    return [(n, v.reshape(-1), m.reshape(-1), img.band(n).dtype) for n, v, m in bands], lon.reshape(-1), \
        lat.reshape(-1), inside.reshape(-1)


def _value(v: float, dtype: str) -> Any:
    return int(v) if "int" in dtype else float(v)


def _features(bands: list[Any], lon: Arr, lat: Arr, idx: Arr, geometries: bool,
              extra: dict[str, Any] | None = None) -> list[Feature]:
    out = []
    for i in idx:
        props = dict(extra or {})
        props.update({n: _value(v[i], dt) for n, v, m, dt in bands if m[i]})
        g = Geom(type="Point", coordinates=[float(lon[i]), float(lat[i])]) if geometries else None
        out.append(Feature(g, props))
    return out


def sample(image: Any, region: Any = None, scale: Any = None, projection: Any = None, factor: Any = None,
           numPixels: Any = None, seed: int = 0, dropNulls: bool = True, tileScale: Any = None,  # noqa: N803
           geometries: bool = False) -> Coll:
    """Image.sample: one feature per pixel of the region (a seeded random subset with factor / numPixels)."""
    bands, lon, lat, inside = _pixels(image, region, scale, projection, "Image.sample")
    keep = inside & (np.all([m for _, _, m, _ in bands], axis=0) if dropNulls and bands else True)
    idx = np.flatnonzero(keep)
    rng = np.random.default_rng(int(seed or 0))
    if factor is not None:
        idx = idx[rng.random(idx.size) < float(factor)]
    if numPixels is not None and idx.size > int(numPixels):
        idx = np.sort(rng.choice(idx, int(numPixels), replace=False))
    return Coll(_features(bands, lon, lat, idx, bool(geometries)))  # type: ignore[arg-type]


def sample_regions(image: Any, collection: Any, properties: list[str] | None = None, scale: Any = None,
                   projection: Any = None, tileScale: Any = None, geometries: bool = False) -> Coll:
    """Image.sampleRegions: every unmasked pixel of each feature (a point: its pixel), with its properties."""
    feats = collection.images if isinstance(collection, Coll) else list(collection)
    out: list[Feature] = []
    for f in feats:
        f = f if isinstance(f, Feature) else Feature(f, {})
        bands, lon, lat, inside = _pixels(image, f.geometry, scale, projection, "Image.sampleRegions")
        if f.geometry is not None and not _bounded(f.geometry):  # a point: the one pixel it falls in
            inside = np.zeros(inside.shape, bool)
            c = geo.geojson(f.geometry)["coordinates"]
            pts = [c] if isinstance(c[0], (int, float)) else c
            for p in pts:
                inside[int(np.argmin((lon - p[0]) ** 2 + (lat - p[1]) ** 2))] = True
        keep = inside & np.all([m for _, _, m, _ in bands], axis=0)
        extra = {k: v for k, v in f.properties.items() if properties is None or k in properties}
        out += _features(bands, lon, lat, np.flatnonzero(keep), bool(geometries), extra)
    return Coll(out)  # type: ignore[arg-type]


def stratified_sample(image: Any, numPoints: int, classBand: str | None = None, region: Any = None,  # noqa: N803
                      scale: Any = None, projection: Any = None, seed: int = 0, classValues: Any = None,  # noqa: N803
                      classPoints: Any = None, dropNulls: bool = True, tileScale: Any = None,  # noqa: N803
                      geometries: bool = False) -> Coll:
    """Image.stratifiedSample: up to numPoints pixels of each class of classBand (classPoints overrides)."""
    bands, lon, lat, inside = _pixels(image, region, scale, projection, "Image.stratifiedSample")
    names = [b[0] for b in bands]
    cb = bands[names.index(classBand) if classBand else 0]
    keep = inside & (np.all([m for _, _, m, _ in bands], axis=0) if dropNulls else cb[2])
    want = dict(zip(classValues or [], classPoints or [], strict=False))
    rng = np.random.default_rng(int(seed or 0))
    picked = []
    for cls in np.unique(cb[1][keep]):
        idx = np.flatnonzero(keep & (cb[1] == cls))
        n = int(want.get(int(cls) if float(cls).is_integer() else cls, numPoints))
        picked.append(np.sort(rng.choice(idx, n, replace=False)) if idx.size > n else idx)
    idx = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    return Coll(_features(bands, lon, lat, idx, bool(geometries)))  # type: ignore[arg-type]


def alg_reduce_table() -> Table:
    return {"Reducer.histogram": histogram, "Reducer.fixedHistogram": fixed_histogram,
            "Reducer.frequencyHistogram": frequency_histogram, "ImageCollection.reduce": collection_reduce,
            "Image.sample": sample, "Image.sampleRegions": sample_regions,
            "Image.stratifiedSample": stratified_sample}
