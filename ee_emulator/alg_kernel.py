"""The kernel neighbourhood algorithms: focal_mean / median / mode / min / max (with a kernel or a radius),
convolve, reduceNeighborhood and entropy.

A kernel (kernels.Kernel) makes its weight matrix (rows from the top, the focus at (x, y)) here, for the
pixel size in metres of the neighbourhood's working grid (`neighbourhood.neighbourhood`): a kernel in metres
is sized by the grid it is applied on. Masked pixels take no part: convolve sums weight x value over the
unmasked pixels of the footprint (a normalised kernel renormalised over them, as Earth Engine's), a focal
reducer reduces the unmasked pixels under the kernel's non-zero weights. A pixel with no unmasked neighbour
is masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Arr, Img, as_image
from .kernels import Kernel, as_kernel, kernel_table
from .neighbourhood import neighbourhood
from .reducers import Reducer, as_reducer

Table = dict[str, Callable[..., Any]]
CHUNK = 128  # rows of a sliding-window reduction at a time (bounds its memory)


def _windows(v: Arr, ok: Arr, fp: Arr, x: int, y: int) -> Callable[[int, int], tuple[Arr, Arr]]:
    """(values, valid) of the footprint's cells (its focus at column x, row y) around each pixel of rows
    [r0, r1): shape (rows, w, k)."""
    kh, kw = fp.shape
    py, px = y, x
    pv = np.pad(v, ((py, kh - 1 - py), (px, kw - 1 - px)))
    pm = np.pad(ok, ((py, kh - 1 - py), (px, kw - 1 - px)))
    sel = fp.reshape(-1)

    def rows(r0: int, r1: int) -> tuple[Arr, Arr]:
        sv = np.lib.stride_tricks.sliding_window_view(pv[r0:r1 + kh - 1], (kh, kw))
        sm = np.lib.stride_tricks.sliding_window_view(pm[r0:r1 + kh - 1], (kh, kw))
        shp = sv.shape[:2] + (kh * kw,)
        return sv.reshape(shp)[..., sel], sm.reshape(shp)[..., sel]
    return rows


def _pixel_reduce(kind: str, vals: Arr, ok: Arr, weights: Arr | None = None) -> tuple[Arr, Arr]:
    """Reduce the last axis of vals over the valid cells: (values, any valid)."""
    x = np.where(ok, vals, np.nan)
    has = ok.any(axis=-1)
    with np.errstate(all="ignore"), _quiet():
        if kind == "mean":
            r = np.nanmean(x, axis=-1)
        elif kind == "median":
            r = np.nanmedian(x, axis=-1)
        elif kind == "min":
            r = np.nanmin(x, axis=-1)
        elif kind == "max":
            r = np.nanmax(x, axis=-1)
        elif kind == "sum":
            r = np.nansum(x, axis=-1)
        elif kind == "count":
            r = ok.sum(axis=-1).astype(np.float64)
            has = np.ones(has.shape, bool)
        elif kind in ("stdDev", "variance"):
            r = np.nanstd(x, axis=-1) if kind == "stdDev" else np.nanvar(x, axis=-1)
        elif kind == "mode":
            r = _mode(x)
        elif kind == "entropy":
            r = _entropy(x)
        else:
            raise EEError(f"reduceNeighborhood: reducer '{kind}' is not implemented by the m3leo emulator.")
    return np.where(has, np.nan_to_num(r), 0.0), has


class _quiet:
    def __enter__(self) -> None:
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *a: Any) -> None:
        self._w.__exit__(*a)


def _mode(x: Arr) -> Arr:
    """The most frequent value along the last axis (the smallest among ties), NaN ignored."""
    s = np.sort(x, axis=-1)  # NaN sorts last
    k = s.shape[-1]
    best = np.full(s.shape[:-1], np.nan)
    best_n = np.zeros(s.shape[:-1])
    for i in range(k):
        n = (s == s[..., i:i + 1]).sum(axis=-1)
        better = (n > best_n) & ~np.isnan(s[..., i])
        best = np.where(better, s[..., i], best)
        best_n = np.where(better, n, best_n)
    return best


def _entropy(x: Arr) -> Arr:
    """Shannon entropy (bits) of the values' histogram along the last axis."""
    s = np.sort(x, axis=-1)
    n = (~np.isnan(s)).sum(axis=-1)
    out = np.zeros(s.shape[:-1])
    for i in range(s.shape[-1]):
        first = ~np.isnan(s[..., i]) & ((s[..., i] != s[..., i - 1]) if i else True)
        c = (s == s[..., i:i + 1]).sum(axis=-1)
        p = np.where(first & (n > 0), c / np.maximum(n, 1), 1.0)
        out -= p * np.log2(p)
    return out


def _focal_kernel(kind: str, kern: Kernel) -> Callable[[Arr, Arr, float], tuple[Arr, Arr]]:
    def k(v: Arr, m: Arr, px: float) -> tuple[Arr, Arr]:
        w, x, y = kern.weights(px)
        rows = _windows(v, m, w != 0, x, y)
        out_v, out_m = np.zeros(v.shape), np.zeros(v.shape, bool)
        for r0 in range(0, v.shape[0], CHUNK):
            r1 = min(v.shape[0], r0 + CHUNK)
            out_v[r0:r1], out_m[r0:r1] = _pixel_reduce(kind, *rows(r0, r1))
        return out_v, out_m
    return k


_FOCAL_SHAPES = ("circle", "square", "cross", "plus", "diamond", "octagon", "gaussian")


def _kernel_of(radius: Any, kernelType: str, units: str, kernel: Any) -> Kernel:  # noqa: N803
    """The kernel given, else the one focal_* names with radius / kernelType / units."""
    if kernel is not None:
        return as_kernel(kernel)
    shape = str(kernelType or "circle")
    make = kernel_table()[f"Kernel.{shape if shape in _FOCAL_SHAPES else 'circle'}"]
    return make(float(radius if radius is not None else 1.5), units=units or "pixels")


def focal(kind: str) -> Callable[..., Img]:
    def f(image: Any, radius: float = 1.5, kernelType: str = "circle", units: str = "pixels",  # noqa: N803
          iterations: int = 1, kernel: Any = None) -> Img:
        kern = _kernel_of(radius, kernelType, units, kernel)
        out = as_image(image)
        for _ in range(int(iterations or 1)):
            out = neighbourhood(out, _focal_kernel(kind, kern), kern.reach)
        return out
    return f


def convolve(image: Any, kernel: Any) -> Img:
    kernel = as_kernel(kernel)

    def k(v: Arr, m: Arr, px: float) -> tuple[Arr, Arr]:
        w, x, y = kernel.weights(px)
        total = float(w.sum())
        norm = kernel.normalize and total != 0
        rows = _windows(np.where(m, v, 0.0), m, np.ones(w.shape, bool), x, y)
        flat = w.reshape(-1)
        out_v, out_m = np.zeros(v.shape), np.zeros(v.shape, bool)
        for r0 in range(0, v.shape[0], CHUNK):
            r1 = min(v.shape[0], r0 + CHUNK)
            vals, ok = rows(r0, r1)
            wsum = (ok * flat).sum(axis=-1)
            s = (vals * ok * flat).sum(axis=-1)
            if norm:  # normalised, then renormalised over the unmasked cells (the weights sum to `total`)
                with np.errstate(all="ignore"):
                    s = np.where(wsum != 0, s / wsum * total, 0.0)
            out_v[r0:r1], out_m[r0:r1] = s, ok.any(axis=-1)
        return out_v, out_m
    return neighbourhood(as_image(image), k, kernel.reach)


def reduce_neighborhood(image: Any, reducer: Any, kernel: Any, inputWeight: str = "kernel",  # noqa: N803
                        skipMasked: bool = True, optimization: Any = None) -> Img:  # noqa: N803
    """Image.reduceNeighborhood: the reducer over each pixel's kernel footprint; outputs named
    `<band>_<output>` (Earth Engine's naming)."""
    red: Reducer = as_reducer(reducer)
    img, kernel = as_image(image), as_kernel(kernel)
    kinds = [red.kind] if red.kind != "combine" else [p.kind for p in red.parts]
    outs = list(red.outputs)
    bands = []
    for kind, out in zip(kinds, outs, strict=True):
        res = neighbourhood(img, _focal_kernel(kind, kernel), kernel.reach)
        bands += [b.renamed(f"{b.name}_{out}") for b in res.bands]
    return Img(bands, res.props)


def entropy(image: Any, kernel: Any) -> Img:
    kernel = as_kernel(kernel)
    return neighbourhood(as_image(image), _focal_kernel("entropy", kernel), kernel.reach)


def alg_kernel_table() -> Table:
    # the Kernel.* constructors are kernels.py's (through alg_misc's table)
    t: Table = {}
    for kind in ("mean", "median", "mode", "min", "max"):
        t[f"Image.focal_{kind}"] = focal(kind)
    t.update({"Image.focalMin": focal("min"), "Image.focalMax": focal("max"), "Image.convolve": convolve,
              "Image.reduceNeighborhood": reduce_neighborhood, "Image.entropy": entropy})
    return t
