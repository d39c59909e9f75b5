"""Image algorithms beyond graph.py's core algebra: unary math, logic, band metadata, slicing, masks as
images, the pixel lon/lat/area images, visualize, and per-pixel Image.reduce over bands."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Arr, Band, Img, as_image, binary, computed_props
from .metadata import pixel_type
from .reducers import as_reducer
from .values import EEDate, Geom
from .world import M_PER_DEG

Table = dict[str, Callable[..., Any]]


def unary(op: Callable[[Arr], Arr], out_dtype: str | None = "float64") -> Callable[..., Img]:
    def f(value: Any) -> Img:
        img = as_image(value)

        def wrap(b: Band) -> Band:
            def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
                v, m = b.eval(lon, lat)
                with np.errstate(all="ignore"):
                    r = op(np.asarray(v, dtype=np.float64))
                return r, m & np.isfinite(r)
            return Band(b.name, fn, out_dtype or b.dtype, b.grid)
        return Img([wrap(b) for b in img.bands], computed_props(img.props))
    return f


def mask_image(image: Any, mask: Any = None) -> Img:
    """Image.mask: with a mask, update it (as updateMask); without, the mask itself as 0/1 bands."""
    from .graph import update_mask

    img = as_image(image)
    if mask is not None:
        return update_mask(img, mask)

    def wrap(b: Band) -> Band:
        def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
            _, m = b.eval(lon, lat)
            return np.asarray(m, dtype=np.float64), np.ones(np.shape(lon), bool)
        return Band(b.name, fn, "float32", b.grid)
    return Img([wrap(b) for b in img.bands], dict(img.props))


def image_date(image: Any) -> EEDate:
    """Image.date: its acquisition time (`system:time_start`)."""
    t = as_image(image).props.get("system:time_start")
    if t is None:
        raise EEError("Image.date: Image has no 'system:time_start' property.")
    return EEDate(float(t))


def self_mask(image: Any) -> Img:
    from .graph import update_mask

    return update_mask(image, image)


def slice_bands(image: Any, start: Any, end: Any = None) -> Img:
    img = as_image(image)
    return Img(img.bands[int(start):None if end is None else int(end)], dict(img.props))


def band_types(image: Any) -> dict[str, Any]:
    return {b.name: pixel_type(b.dtype) for b in as_image(image).bands}


def geometry_of(feature: Any, maxError: Any = None, proj: Any = None, geodesics: Any = None) -> Geom:  # noqa: N803
    from .geometry import world
    from .regions import _footprint

    img = as_image(feature)
    return _footprint(img) or world()


def pixel_lonlat() -> Img:
    return Img([Band("longitude", lambda lon, lat: (np.asarray(lon, np.float64), np.ones(np.shape(lon), bool))),
                Band("latitude", lambda lon, lat: (np.asarray(lat, np.float64), np.ones(np.shape(lon), bool)))])


def pixel_area() -> Img:
    """Area of a pixel in m2; the emulator takes the 10 m lattice cell's area at that latitude."""
    cell = 10.0 / M_PER_DEG

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        a = (cell * M_PER_DEG) ** 2 * np.cos(np.radians(lat))
        return a, np.ones(np.shape(lon), bool)
    return Img([Band("area", fn)])


def clamp(input: Any, low: float, high: float) -> Img:  # noqa: A002
    return unary(lambda v: np.clip(v, low, high), None)(input)


def where(input: Any, test: Any, value: Any) -> Img:  # noqa: A002
    img, t, val = as_image(input), as_image(test), as_image(value)
    out = []
    for i, b in enumerate(img.bands):
        tb = t.bands[min(i, len(t.bands) - 1)]
        vb = val.bands[min(i, len(val.bands) - 1)]

        def fn(lon: Arr, lat: Arr, b: Band = b, tb: Band = tb, vb: Band = vb) -> tuple[Arr, Arr]:
            v, m = b.eval(lon, lat)
            tv, tm = tb.eval(lon, lat)
            w, wm = vb.eval(lon, lat)
            hit = tm & (tv != 0)
            return np.where(hit, w, v), np.where(hit, wm, m)
        out.append(Band(b.name, fn, b.dtype))
    return Img(out, dict(img.props))


def reduce_bands(image: Any, reducer: Any) -> Img:
    """Image.reduce: a per-pixel reduction across the bands (e.g. allNonZero of mask bands)."""
    img, red = as_image(image), as_reducer(reducer)
    kind = red.kind
    fns = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "sum": np.sum,
           "count": lambda a, axis: np.sum(np.ones_like(a), axis=axis), "anyNonZero": np.any, "allNonZero": np.all,
           "product": np.prod}
    if kind not in fns:
        raise EEError(f"Image.reduce: reducer '{kind}' is not implemented by the m3leo emulator.")

    def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
        vals, masks = zip(*(b.eval(lon, lat) for b in img.bands), strict=True)
        v = np.stack([np.asarray(x, dtype=np.float64) for x in vals])
        m = np.stack(masks)
        vm = np.where(m, v, np.nan)
        with np.errstate(all="ignore"):
            if kind in ("anyNonZero", "allNonZero"):
                r = fns[kind](np.where(m, v != 0, kind == "allNonZero"), axis=0).astype(np.float64)
            elif kind == "count":
                r = m.sum(axis=0).astype(np.float64)
            else:
                r = getattr(np, "nan" + kind if kind in ("mean", "median", "min", "max", "sum") else kind)(vm, axis=0)
        return r, m.any(axis=0)
    dtype = "uint8" if kind in ("anyNonZero", "allNonZero") else "float64"
    return Img([Band(red.outputs[0], fn, dtype)], dict(img.props))


def visualize(image: Any, bands: Any = None, gain: Any = None, bias: Any = None, min: Any = None,  # noqa: A002
              max: Any = None, gamma: Any = None, opacity: Any = None, palette: Any = None,  # noqa: A002
              forceRgbOutput: bool = False) -> Img:  # noqa: N803
    """Image.visualize: 8-bit vis-red / vis-green / vis-blue, as Earth Engine renders for display."""
    from .graph import select

    img = as_image(image)
    if bands is not None:
        img = select(img, [bands] if isinstance(bands, str) else list(bands))
    if len(img.bands) not in (1, 3):
        raise EEError(f"Image.visualize: Expected 1 or 3 bands, got {len(img.bands)}.")
    if palette is not None and len(img.bands) != 1:
        raise EEError("Image.visualize: Can't provide a palette when visualizing more than one band.")
    n = len(img.bands)

    def per_band(v: Any, i: int, default: float | None) -> float | None:
        if v is None:
            return default
        if isinstance(v, (list, tuple)):
            return float(v[builtins.min(i, len(v) - 1)])
        return float(v)

    colours = _palette(palette) if palette is not None else None

    def channel(k: int) -> Band:
        src = img.bands[0 if n == 1 else k]

        def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
            v, m = src.eval(lon, lat)
            v = np.asarray(v, dtype=np.float64)
            i = 0 if n == 1 else k
            if gain is not None or bias is not None:
                x = v * per_band(gain, i, 1.0) + per_band(bias, i, 0.0)
            else:
                lo, hi = per_band(min, i, 0.0), per_band(max, i, 1.0)
                x = (v - lo) / ((hi - lo) or 1.0) * 255.0
            if gamma is not None:
                x = 255.0 * np.clip(x / 255.0, 0, 1) ** (1.0 / per_band(gamma, i, 1.0))
            x = np.clip(x, 0, 255)
            if colours is not None:  # colours interpolated linearly between the palette's entries
                pos = x / 255.0 * (len(colours) - 1)
                i0 = np.clip(np.floor(pos), 0, builtins.max(0, len(colours) - 2)).astype(int)
                i1 = np.minimum(i0 + 1, len(colours) - 1)
                frac = pos - i0
                x = colours[i0, k] * (1 - frac) + colours[i1, k] * frac
            return np.rint(x), m
        return Band(("vis-red", "vis-green", "vis-blue")[k], fn, "uint8")
    return Img([channel(k) for k in range(3)], dict(img.props))



def _palette(palette: Any) -> np.ndarray:
    items = palette.split(",") if isinstance(palette, str) else list(palette)
    out = []
    for c in items:
        c = str(c).strip().lstrip("#")
        if len(c) == 3:
            c = "".join(ch * 2 for ch in c)
        try:
            out.append([int(c[j:j + 2], 16) for j in (0, 2, 4)])
        except ValueError:
            raise EEError(f"Image.visualize: invalid palette colour '{c}'.") from None
    return np.asarray(out, dtype=np.float64)


def image_table() -> Table:
    t: Table = {
        "Image.mask": mask_image,
        "Image.selfMask": self_mask,
        "Image.slice": slice_bands,
        "Image.bandTypes": band_types,
        "Image.geometry": geometry_of,
        "Image.pixelLonLat": pixel_lonlat,
        "Image.pixelArea": pixel_area,
        "Image.clamp": clamp,
        "Image.where": where,
        "Image.reduce": reduce_bands,
        "Image.visualize": visualize,
        "Image.bitwiseAnd": binary(lambda a, b: np.bitwise_and(a.astype(np.int64), b.astype(np.int64))),
        "Image.bitwiseOr": binary(lambda a, b: np.bitwise_or(a.astype(np.int64), b.astype(np.int64))),
        "Image.date": image_date,
        "Image.and": binary(lambda a, b: (a != 0) & (b != 0), "uint8"),
        "Image.or": binary(lambda a, b: (a != 0) | (b != 0), "uint8"),
        "Image.max": binary(np.maximum), "Image.min": binary(np.minimum),
        "Image.mod": binary(np.fmod), "Image.atan2": binary(np.arctan2, "float64"),
        "Image.not": unary(lambda v: (v == 0).astype(np.float64), "uint8"),
    }
    for name, op in {"abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log10": np.log10,
                     "sin": np.sin, "cos": np.cos, "tan": np.tan}.items():
        t[f"Image.{name}"] = unary(op)
    for name, op in {"round": np.rint, "floor": np.floor, "ceil": np.ceil}.items():
        t[f"Image.{name}"] = unary(op, None)
    return t
