"""More everyday image algorithms: normalizedDifference, the short cast names (int, float, byte, ...), bit
shifts, unitScale, interpolate, polynomial, remap, metadata, hypot, signum, qualityMosaic and the terrain
products (hillshade, Terrain.products).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Arr, Band, Coll, Img, _terrain, as_image, binary, cast, computed_props, constant_band, select
from .images import unary

Table = dict[str, Callable[..., Any]]

_SHORT_CASTS = {"int": "int32", "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
                "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "byte": "uint8", "short": "int16",
                "long": "int64", "float": "float32", "double": "float64"}


def normalized_difference(input: Any, bandNames: list[str] | None = None) -> Img:  # noqa: A002, N803
    """(first - second) / (first + second), one band named `nd`; masked where either input is."""
    img = as_image(input)
    pair = select(img, list(bandNames)) if bandNames else Img(img.bands[:2], img.props)
    if len(pair.bands) != 2:
        raise EEError(f"Image.normalizedDifference: Need 2 bands, got {len(pair.bands)}.")
    a, b = pair.bands

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        (va, ma), (vb, mb) = a.eval(lon, lat), b.eval(lon, lat)
        va, vb = np.asarray(va, np.float64), np.asarray(vb, np.float64)
        with np.errstate(all="ignore"):
            v = (va - vb) / (va + vb)
        return np.nan_to_num(v), ma & mb & np.isfinite(v)
    return Img([Band("nd", fn, "float32", a.grid)], computed_props(img.props))


def unit_scale(input: Any, low: float, high: float) -> Img:  # noqa: A002
    lo, hi = float(low), float(high)
    return unary(lambda v: (v - lo) / ((hi - lo) or 1.0), "float32")(input)


def interpolate(image: Any, x: list[float], y: list[float], behavior: str = "extrapolate") -> Img:
    """Piecewise-linear interpolation from x to y; outside the range: extrapolate, clamp, mask or input."""
    xs, ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    img = as_image(image)

    def wrap(b: Band) -> Band:
        def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
            v, m = b.eval(lon, lat)
            v = np.asarray(v, np.float64)
            r = np.interp(v, xs, ys)
            lo, hi = v < xs[0], v > xs[-1]
            if behavior == "extrapolate" and xs.size > 1:
                r = np.where(lo, ys[0] + (v - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0]), r)
                r = np.where(hi, ys[-1] + (v - xs[-1]) * (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]), r)
            elif behavior == "input":
                r = np.where(lo | hi, v, r)
            elif behavior == "mask":
                m = m & ~lo & ~hi
            return r, m
        return Band(b.name, fn, "float64", b.grid)
    return Img([wrap(b) for b in img.bands], computed_props(img.props))


def polynomial(image: Any, coefficients: list[float]) -> Img:
    """sum(c[i] * x**i), coefficients in increasing order of degree as Earth Engine takes them."""
    cs = [float(c) for c in coefficients]
    return unary(lambda v: np.polynomial.polynomial.polyval(v, cs), "float64")(image)


def remap(image: Any, from_: list[Any] | None = None, to: list[Any] | None = None, defaultValue: Any = None,  # noqa: N803
          bandName: str | None = None, **kw: Any) -> Img:  # noqa: N803
    """Values in `from` become the matching `to`; others become defaultValue, or masked without one."""
    src = kw.pop("from", from_)
    if src is None or to is None or len(src) != len(to):
        raise EEError("Image.remap: 'from' and 'to' must be lists of the same length.")
    img = as_image(image)
    band = img.band(bandName) if bandName else img.bands[0]
    keys, vals = np.asarray(src, np.float64), np.asarray(to, np.float64)

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        v, m = band.eval(lon, lat)
        v = np.asarray(v, np.float64)
        hit = v[..., None] == keys
        found = hit.any(axis=-1)
        out = np.where(found, vals[np.argmax(hit, axis=-1)], 0.0 if defaultValue is None else float(defaultValue))
        return out, m & (found if defaultValue is None else True)
    is_int = all(float(t).is_integer() for t in to) and (defaultValue is None or float(defaultValue).is_integer())
    return Img([Band("remapped", fn, "int32" if is_int else "float64", band.grid)], computed_props(img.props))


def metadata(image: Any, property: str, name: str | None = None) -> Img:  # noqa: A002
    """A constant band holding one of the image's properties."""
    img = as_image(image)
    v = img.props.get(property)
    if not isinstance(v, (int, float)):
        raise EEError(f"Image.metadata: Property '{property}' of the image is not a number.")
    return Img([constant_band(float(v), name or property)], computed_props(img.props))


def _shift(left: bool) -> Callable[..., Img]:
    def op(a: Arr, b: Arr) -> Arr:
        x, n = a.astype(np.int64), b.astype(np.int64)
        return np.left_shift(x, n) if left else np.right_shift(x, n)
    f = binary(op)

    def wrap(image1: Any, image2: Any) -> Img:
        return f(image1, image2)
    return wrap


def quality_mosaic(collection: Coll, qualityBand: str) -> Img:  # noqa: N803
    """Per pixel, every band of the image whose `qualityBand` is highest (unmasked ones only)."""
    imgs = [as_image(i) for i in collection.images]
    if not imgs:
        return Img([])
    names = imgs[0].names
    q = [i.band(qualityBand) for i in imgs]
    cache: dict[int, tuple[Arr, Arr, Arr, Arr]] = {}

    def best(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        hit = cache.get(id(lon))
        if hit is not None and hit[0] is lon:
            return hit[2], hit[3]
        qs = np.stack([np.where(m, np.asarray(v, np.float64), -np.inf) for v, m in (b.eval(lon, lat) for b in q)])
        idx, ok = np.argmax(qs, axis=0), np.isfinite(qs).any(axis=0)
        cache.clear()
        cache[id(lon)] = (lon, lat, idx, ok)
        return idx, ok

    def band(k: int) -> Band:
        def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
            idx, ok = best(lon, lat)
            vals = np.stack([np.asarray(i.bands[k].eval(lon, lat)[0], np.float64) for i in imgs])
            return np.take_along_axis(vals, idx[None], axis=0)[0], ok
        return Band(names[k], fn, imgs[0].bands[k].dtype)
    return Img([band(k) for k in range(len(names))], {})


def hillshade(input: Any, azimuth: float = 270.0, elevation: float = 45.0) -> Img:  # noqa: A002
    """Illumination 0..255 of the slope / aspect surface by a sun at azimuth / elevation (degrees)."""
    s = _terrain(input, "slope").bands[0]
    a = _terrain(input, "aspect").bands[0]
    zen, az = np.radians(90.0 - float(elevation)), np.radians(float(azimuth))

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        sl, asp = np.radians(s.eval(lon, lat)[0]), np.radians(a.eval(lon, lat)[0])
        v = 255.0 * (np.cos(zen) * np.cos(sl) + np.sin(zen) * np.sin(sl) * np.cos(az - asp))
        return np.clip(v, 0, 255), np.ones(np.shape(lon), bool)
    return Img([Band("hillshade", fn, "uint8")])


def terrain_products(input: Any) -> Img:  # noqa: A002
    """The input bands plus slope, aspect and hillshade, as Terrain.products gives them."""
    img = as_image(input)
    extra = [_terrain(img, "slope").bands[0], _terrain(img, "aspect").bands[0], hillshade(img).bands[0]]
    return Img(list(img.bands) + extra, dict(img.props))


def alg_image_table() -> Table:
    t: Table = {f"Image.{k}": cast(v) for k, v in _SHORT_CASTS.items()}
    t.update({
        "Image.normalizedDifference": normalized_difference,
        "Image.unitScale": unit_scale,
        "Image.interpolate": interpolate,
        "Image.polynomial": polynomial,
        "Image.remap": remap,
        "Image.metadata": metadata,
        "Image.rightShift": _shift(False), "Image.leftShift": _shift(True),
        "Image.bitwiseXor": binary(lambda a, b: np.bitwise_xor(a.astype(np.int64), b.astype(np.int64))),
        "Image.bitwiseNot": unary(lambda v: np.invert(v.astype(np.int64)).astype(np.float64), None),
        "Image.hypot": binary(np.hypot, "float64"),
        "Image.signum": unary(np.sign, None),
        "Image.first": binary(lambda a, b: a),
        "ImageCollection.qualityMosaic": quality_mosaic,
        "Terrain.hillshade": hillshade,
        "Terrain.products": terrain_products,
    })
    return t
