"""Evaluating Earth Engine expression graphs (the Cloud API's serialised form) against the synthetic world.

An image is a set of named bands; a band is a pure function of ground position (lon, lat arrays in degrees)
returning (values, mask). Nothing is rasterised until computePixels asks for a grid, so the same ground gives
the same value whatever CRS or grid the request uses. A collection is a list of images with properties;
reducers (median, mean, mosaic, ...) composite per pixel with gap filling (see `reduce_collection`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import world
from .errors import EEError
from .world import M_PER_DEG

Arr = np.ndarray
BandFn = Callable[[Arr, Arr], tuple[Arr, Arr]]


@dataclass
class Band:
    name: str
    fn: BandFn
    dtype: str = "float64"
    grid: Any = None  # the band's own native grid (Proj, [w, h]) where it differs from its image's
    _memo: dict[int, tuple[Arr, Arr, tuple[Arr, Arr]]] = field(default_factory=dict, repr=False)

    def eval(self, lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        # A band used twice on the same points (a mask and an output) is computed once. The memo is per
        # thread (strips render in parallel) and holds the coordinate arrays themselves, so a recycled id()
        # can never alias another evaluation.
        tid = threading.get_ident()
        memo = self._memo.get(tid)
        if memo is not None and memo[0] is lon and memo[1] is lat:
            return memo[2]
        out = self.fn(lon, lat)
        self._memo[tid] = (lon, lat, out)
        return out

    def renamed(self, name: str) -> Band:
        return Band(name, self.eval, self.dtype, self.grid)


@dataclass
class Img:
    bands: list[Band]
    props: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.bands]

    def band(self, name: str) -> Band:
        for b in self.bands:
            if b.name == name:
                return b
        raise EEError(f"Image.select: Band pattern '{name}' did not match any bands. "
                      f"Available bands: [{', '.join(self.names)}]")


@dataclass
class Coll:
    images: list[Img]
    asset: str = ""
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Func:
    arg_names: list[str]
    body: Any
    values: dict[str, Any]
    env: dict[str, Any] = field(default_factory=dict)  # the enclosing function's arguments (closures)


def constant_band(value: float, name: str = "constant") -> Band:
    v = float(value)
    dtype = "int32" if float(v).is_integer() else "float64"
    return Band(name, lambda lon, lat: (np.full(lon.shape, v), np.ones(lon.shape, bool)), dtype)


def as_image(x: Any) -> Img:
    if isinstance(x, Img):
        return x
    if isinstance(x, (int, float)):
        return Img([constant_band(x)])
    if isinstance(x, list) and all(isinstance(v, (int, float)) for v in x):
        return Img([constant_band(v, f"constant_{i}") for i, v in enumerate(x)])
    raise EEError(f"Expected an Image, got {type(x).__name__}.")


def to_millis(x: Any) -> float:
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, dict) and "value" in x:
        return to_millis(x["value"])
    if isinstance(x, str):
        try:
            d = dt.datetime.fromisoformat(x.replace("Z", "+00:00"))
        except ValueError:
            raise EEError(f"Date: Unable to parse date '{x}'.") from None
        if d.tzinfo is None:
            d = d.replace(tzinfo=dt.timezone.utc)
        return d.timestamp() * 1000.0
    raise EEError(f"Date: Invalid date value {x!r}.")


# -- band algebra -------------------------------------------------------------------------------------------
def _pairs(a: Img, b: Img) -> list[tuple[Band, Band, str]]:
    if len(a.bands) == len(b.bands):
        return [(x, y, x.name) for x, y in zip(a.bands, b.bands, strict=True)]
    if len(b.bands) == 1:
        return [(x, b.bands[0], x.name) for x in a.bands]
    if len(a.bands) == 1:
        return [(a.bands[0], y, y.name) for y in b.bands]
    raise EEError(f"Image.binary: Images must contain the same number of bands or only 1 band. "
                  f"Got {len(a.bands)} and {len(b.bands)}.")


Combine = Callable[[Arr, Arr, Arr, Arr], tuple[Arr, Arr]]  # (values a, mask a, values b, mask b) -> (v, m)


def pairwise(a: Img, b: Img, combine: Combine, dtype: Callable[[Band, Band], str],
             keep_names: bool = False) -> list[Band]:
    """Bands combining a's and b's band by band (`_pairs`: equal counts, or one band against each)."""
    out = []
    for x, y, name in _pairs(a, b):
        def fn(lon: Arr, lat: Arr, x: Band = x, y: Band = y) -> tuple[Arr, Arr]:
            (va, ma), (vb, mb) = x.eval(lon, lat), y.eval(lon, lat)
            return combine(va, ma, vb, mb)
        out.append(Band(x.name if keep_names else name, fn, dtype(x, y), x.grid))
    return out


def binary(op: Callable[[Arr, Arr], Arr], out_dtype: str | None = None) -> Callable[..., Img]:
    def combine(va: Arr, ma: Arr, vb: Arr, mb: Arr) -> tuple[Arr, Arr]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            v = op(va, vb)
        return v, ma & mb & np.isfinite(v)

    def dtype(x: Band, y: Band) -> str:
        return out_dtype or ("float64" if "float" in x.dtype + y.dtype else x.dtype)

    def f(image1: Any, image2: Any) -> Img:
        a, b = as_image(image1), as_image(image2)
        return Img(pairwise(a, b, combine, dtype), computed_props(a.props))
    return f


def computed_props(props: dict[str, Any]) -> dict[str, Any]:
    """Properties of an image computed from another: not the asset any more (no id / version)."""
    return {k: v for k, v in props.items() if k not in ("system:id", "system:version")}


_CAST_RANGE = {"uint8": (0, 255), "uint16": (0, 65535), "int16": (-32768, 32767), "int32": (-2**31, 2**31 - 1),
               "float32": None, "float64": None}


def cast(dtype: str) -> Callable[..., Img]:
    def f(value: Any) -> Img:
        img = as_image(value)
        rng = _CAST_RANGE[dtype]

        def wrap(b: Band) -> Band:
            def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
                v, m = b.eval(lon, lat)
                if rng is not None:  # Earth Engine clamps out-of-range values and truncates fractions
                    v = np.trunc(np.clip(np.nan_to_num(v), *rng))
                return v, m
            return Band(b.name, fn, dtype, b.grid)
        return Img([wrap(b) for b in img.bands], computed_props(img.props))
    return f


def _masked_by(v: Arr, m: Arr, mv: Arr, mm: Arr) -> tuple[Arr, Arr]:
    return v, m & mm & (mv != 0)


def update_mask(image: Any, mask: Any) -> Img:
    img, msk = as_image(image), as_image(mask)
    return Img(pairwise(img, msk, _masked_by, lambda x, y: x.dtype, keep_names=True), dict(img.props))


def unmask(input: Any, value: Any = 0, sameFootprint: bool = True) -> Img:  # noqa: A002 - EE's argument name
    img = as_image(input)
    fill = as_image(value if value is not None else 0)

    out = []
    for x, y, _ in _pairs(img, fill):
        def fn(lon: Arr, lat: Arr, x: Band = x, y: Band = y) -> tuple[Arr, Arr]:
            v, m = x.eval(lon, lat)
            return np.where(m, v, y.eval(lon, lat)[0]), np.ones(v.shape, bool)
        out.append(Band(x.name, fn, x.dtype))
    return Img(out, dict(img.props))


def select(input: Any, bandSelectors: list[Any], newNames: list[str] | None = None) -> Img:  # noqa: A002
    img = as_image(input)
    chosen: list[Band] = []
    for sel in bandSelectors:
        if isinstance(sel, int):
            if not 0 <= sel < len(img.bands):
                raise EEError(f"Image.select: Band index {sel} out of range. Image has {len(img.bands)} bands.")
            chosen.append(img.bands[sel])
            continue
        hits = [b for b in img.bands if re.fullmatch(str(sel), b.name)]
        if not hits:
            raise EEError(f"Image.select: Band pattern '{sel}' did not match any bands. "
                          f"Available bands: [{', '.join(img.names)}]")
        chosen.extend(hits)
    if newNames is not None:
        if len(newNames) != len(chosen):
            raise EEError(f"Image.select: Selected {len(chosen)} bands but provided {len(newNames)} names.")
        chosen = [b.renamed(n) for b, n in zip(chosen, newNames, strict=True)]
    return Img(chosen, dict(img.props))


def rename(input: Any, names: list[str]) -> Img:  # noqa: A002
    img = as_image(input)
    if isinstance(names, str):
        names = [names]
    if len(names) != len(img.bands):
        raise EEError(f"Image.rename: The number of names ({len(names)}) must match the number of bands "
                      f"({len(img.bands)}).")
    return Img([b.renamed(n) for b, n in zip(img.bands, names, strict=True)], dict(img.props))


def add_bands(dstImg: Any, srcImg: Any, names: list[str] | None = None, overwrite: bool = False) -> Img:  # noqa: N803
    """Image.addBands: a name already in dstImg is replaced (overwrite) or made unique (`B4_1`, `B4_2`, ...)."""
    dst, src = as_image(dstImg), as_image(srcImg)
    add = src.bands if names is None else [b for b in src.bands if b.name in names]
    if overwrite:
        kept = [b for b in dst.bands if b.name not in {a.name for a in add}]
        return Img(kept + add, dict(dst.props))
    have = {b.name for b in dst.bands}
    out = list(dst.bands)
    for b in add:
        name, k = b.name, 0
        while name in have:
            k += 1
            name = f"{b.name}_{k}"
        have.add(name)
        out.append(b if name == b.name else b.renamed(name))
    return Img(out, dict(dst.props))


def _terrain(input: Any, kind: str) -> Img:  # noqa: A002
    elev = as_image(input).bands[0]
    step = 30.0  # metres, the GLO-30 spacing

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        dlat = step / M_PER_DEG
        dlon = dlat / np.maximum(np.cos(np.radians(lat)), 1e-6)
        e_ = elev.fn(lon + dlon, lat)[0]
        w_ = elev.fn(lon - dlon, lat)[0]
        n_ = elev.fn(lon, lat + dlat)[0]
        s_ = elev.fn(lon, lat - dlat)[0]
        dzdx = (e_ - w_) / (2 * step)
        dzdy = (n_ - s_) / (2 * step)
        if kind == "slope":
            v = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
        else:  # aspect: azimuth of the downhill direction, degrees clockwise from north
            v = np.mod(np.degrees(np.arctan2(-dzdx, -dzdy)), 360.0)
        return v, np.ones(v.shape, bool)
    return Img([Band(kind, fn, "float32")])


def reduce_collection(collection: Coll, how: str) -> Img:
    """Composite a collection pixel by pixel: the reducer's preferred image first, gaps filled from the next.

    Scenes of the synthetic world differ only by season and clouds, so a true median over every image would
    cost N evaluations a pixel for little difference. The composite takes the middle image in time (median,
    mean, min, max, ...), the latest (mosaic) or the earliest (first) and, where that one is masked (clouds,
    edges), the nearest unmasked image, as a median's gap filling would. It stays a function of position.
    """
    if not collection.images:
        return Img([])
    from . import limits

    limits.composited(len(collection.images))  # the request's work: pixels x images composited
    imgs = sorted(collection.images, key=lambda i: i.props.get("system:time_start", 0))
    n = len(imgs)
    if how in _EXACT and limits.composites_are_exact():
        return Img([Band(b.name, _exact(how, [img.bands[k] for img in imgs if k < len(img.bands)]),
                         "float64" if how == "mean" else b.dtype) for k, b in enumerate(imgs[0].bands)], {})
    if how == "first":
        order = list(range(n))
    elif how == "mosaic":
        order = list(range(n - 1, -1, -1))
    else:
        mid = (n - 1) // 2
        order = sorted(range(n), key=lambda i: (abs(i - mid), i))
    ranked = [imgs[i] for i in order]
    shared: dict[tuple[int, int], tuple[Arr, Arr, Arr, Arr]] = {}
    bands = []
    for k, top in enumerate(ranked[0].bands):
        chain = [top] + [img.bands[k] for img in ranked[1:] if k < len(img.bands)]
        bands.append(Band(top.name, _filled(chain, shared), top.dtype))
    out = Img(bands, {})
    if how == "first":
        out.props = dict(ranked[0].props)
    return out


_EXACT = ("median", "mean", "min", "max", "sum")


def _exact(how: str, bands: list[Band]) -> BandFn:
    """Earth Engine's composite: the reducer over every image's unmasked value at each pixel (the knob
    `exact_composites`; N evaluations a pixel, so off by default)."""
    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        vals = np.full((len(bands), *np.shape(lon)), np.nan)
        for i, b in enumerate(bands):
            v, m = b.eval(lon, lat)
            vals[i] = np.where(np.asarray(m, bool), np.asarray(v, dtype=np.float64), np.nan)
        ok = ~np.isnan(vals).all(axis=0)
        out = np.zeros(np.shape(lon))
        if ok.any():
            col = vals[:, ok]
            with np.errstate(all="ignore"):
                out[ok] = {"median": np.nanmedian, "mean": np.nanmean, "min": np.nanmin, "max": np.nanmax,
                           "sum": np.nansum}[how](col, axis=0)
        return out, ok
    return fn


def _filled(chain: list[Band], shared: dict[tuple[int, int], tuple[Arr, Arr, Arr, Arr]]) -> BandFn:
    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        v, m = chain[0].eval(lon, lat)
        if len(chain) == 1 or m.all():
            return v, m
        vf = np.array(v, dtype=np.float64).reshape(-1)
        mf = np.array(m, dtype=bool).reshape(-1)
        flon, flat = lon.reshape(-1), lat.reshape(-1)
        for pos, band in enumerate(chain[1:]):
            miss = np.flatnonzero(~mf)
            if miss.size == 0:
                break
            # Bands masked alike (one cloud mask for all) share the gap's coordinate arrays, so the
            # next image's mask band is evaluated once for all of them (Band memo).
            key = (threading.get_ident(), pos)
            hit = shared.get(key)
            if hit is not None and hit[0] is lon and np.array_equal(hit[1], miss):
                sl, sa = hit[2], hit[3]
            else:
                sl, sa = flon[miss], flat[miss]
                shared[key] = (lon, miss, sl, sa)
                world.register_subset(sl, sa, lon, lat, miss)
            v2, m2 = band.eval(sl, sa)
            ok = np.asarray(m2, dtype=bool)
            vf[miss[ok]] = np.asarray(v2)[ok]
            mf[miss[ok]] = True
        return vf.reshape(lon.shape), mf.reshape(lon.shape)
    return fn


# -- filters ------------------------------------------------------------------------------------------------
Filter = Callable[[dict[str, Any]], bool]


def f_equals(leftField: str | None = None, rightValue: Any = None, **kw: Any) -> Filter:
    def f(p: dict[str, Any]) -> bool:
        return p.get(leftField) == rightValue
    f.equals = (leftField, rightValue)  # type: ignore[attr-defined]  # lazy collections find system:index
    return f


def f_list_contains(leftField: str | None = None, rightValue: Any = None, **kw: Any) -> Filter:
    return lambda p: rightValue in (p.get(leftField) or [])


def f_date_range(leftValue: Any = None, rightField: str = "system:time_start", **kw: Any) -> Filter:
    start, end = leftValue

    def f(p: dict[str, Any]) -> bool:
        return start <= p.get(rightField, -math.inf) < end
    if rightField == "system:time_start":
        f.dates = (start, end)  # type: ignore[attr-defined]  # lazy collections narrow on it (assets.py)
    return f


def f_intersects(leftField: str | None = None, rightValue: Any = None, **kw: Any) -> Filter:
    """filterBounds: the image's footprint box meets the geometry's box (images without one cover the world)."""
    from .footprints import _box_overlap, footprint_box, region_box

    box = region_box(rightValue)

    def f(p: dict[str, Any]) -> bool:
        fb = footprint_box(p)
        return box is None or fb is None or _box_overlap(fb, box)
    f.region = box  # type: ignore[attr-defined]  # lazy collections generate scenes for this box only
    return f


def f_and(filters: list[Filter]) -> Filter:
    return lambda p: all(f(p) for f in filters)


def f_or(filters: list[Filter]) -> Filter:
    return lambda p: any(f(p) for f in filters)


def f_not(filter: Filter) -> Filter:  # noqa: A002
    return lambda p: not filter(p)
