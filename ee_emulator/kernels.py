"""ee.Kernel values: a kernel keeps what it was built from and makes its weights where it is applied.

A `Kernel` holds its shape and parameters (radius, units, normalize, magnitude, sigma for a Gaussian, the two
radii of a rectangle, the matrix of a fixed kernel) and builds its weight matrix with `weights(px)` for a
grid of `px` metres a pixel. In pixels the grid does not matter; in metres (units="meters") the radius (and
sigma) is divided by the pixel size first, as Earth Engine resizes a metre kernel to the scale it runs at:
ee.Kernel.circle(30, "meters") is 7 pixels wide on a 10 m grid, 3 on a 30 m one.

The shapes, for a radius of r pixels (after the division: r = metres / pixel size), on the offsets
dx, dy in [-floor(r), floor(r)] from the focus (pixel centres): square all ones; circle the cells with
hypot(dx, dy) <= r; diamond |dx| + |dy| <= r; octagon |dx| + |dy| <= floor(1.5 r); plus dx == 0 or dy == 0;
cross |dx| == |dy|; euclidean / manhattan / chebyshev the distance itself; gaussian exp(-(dx^2 + dy^2) /
(2 sigma^2)); rectangle all ones over [-floor(rx), floor(rx)] x [-floor(ry), floor(ry)]. The matrix is then
normalised to sum to `magnitude` (the default except for the distance kernels and the fixed ones) or
multiplied by it. These are the weights Google prints in its ee.Kernel samples.

Kernel.add / rotate / inverse of kernels in pixels give a fixed kernel at once; where a kernel in metres
takes part the combination is kept and made where it is applied (each part at its own units).

getInfo() of a kernel in pixels is its weights matrix, as Google's samples print it:
{"type": "Kernel", "width", "height", "x", "y" (the focus), "weights" (height rows of width floats),
"units", "radius"}. A kernel in metres has no matrix before it meets a grid; Earth Engine does not document
what it reports then, and the emulator gives its parameters ({"type": "Kernel", "shape", "units": "meters",
"radius", "normalize", "magnitude", ...}, no weights).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import EEError

Table = dict[str, Callable[..., Any]]
Arr = np.ndarray
EPS = 1e-9  # a radius of 3.0000000001 pixels (30 m over a pixel of 9.99999999 m) is still 3

_SHAPES: dict[str, Callable[[Arr, Arr, float], Arr]] = {
    "square": lambda dx, dy, r: np.ones_like(dx),
    "circle": lambda dx, dy, r: (np.hypot(dx, dy) <= r + EPS).astype(float),
    "diamond": lambda dx, dy, r: (np.abs(dx) + np.abs(dy) <= r + EPS).astype(float),
    "plus": lambda dx, dy, r: ((dx == 0) | (dy == 0)).astype(float),
    "euclidean": lambda dx, dy, r: np.hypot(dx, dy),
    "manhattan": lambda dx, dy, r: np.abs(dx) + np.abs(dy),
    "chebyshev": lambda dx, dy, r: np.maximum(np.abs(dx), np.abs(dy)),
    "cross": lambda dx, dy, r: (np.abs(dx) == np.abs(dy)).astype(float),
    "octagon": lambda dx, dy, r: (np.abs(dx) + np.abs(dy) <= math.floor(1.5 * r + EPS)).astype(float)}
_DISTANCES = ("euclidean", "manhattan", "chebyshev")
_FIXED = {"laplacian4": [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "laplacian8": [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
          "sobel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "prewitt": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
          "roberts": [[1, 0], [0, -1]], "kirsch": [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]],
          "compass": [[1, 1, -1], [1, -2, -1], [1, 1, -1]]}


def _meters(units: Any) -> bool:
    u = str(units or "pixels").lower()
    if u not in ("pixels", "meters"):
        raise EEError(f"Kernel: units must be 'pixels' or 'meters', got '{units}'.")
    return u == "meters"


def _finish(w: Arr, normalize: bool, magnitude: float) -> Arr:
    if normalize and w.sum() != 0:
        return w / w.sum() * magnitude
    return w * magnitude


@dataclass(frozen=True, eq=False)
class Kernel:
    """An ee.Kernel value (see the module docstring); `weights(px)` is its matrix on a grid of px metres."""

    shape: str  # a key of _SHAPES, gaussian, rectangle, fixed, or a combination: add rotate inverse
    radius: float | None = None  # the x radius of a rectangle
    units: str = "pixels"
    normalize: bool = True
    magnitude: float = 1.0
    sigma: float | None = None  # gaussian
    y_radius: float | None = None  # rectangle
    matrix: tuple[tuple[float, ...], ...] | None = None  # fixed: rows of weights, in pixels
    focus: tuple[int, int] | None = None  # fixed: (x, y)
    parts: tuple[Kernel, ...] = ()  # add: two kernels; rotate, inverse: one
    rotations: int = 0

    @property
    def in_meters(self) -> bool:
        return self.units == "meters" or any(p.in_meters for p in self.parts)

    def weights(self, px: float = 1.0) -> tuple[Arr, int, int]:
        """(matrix, focus x, focus y) on a grid of `px` metres a pixel (ignored for a kernel in pixels)."""
        if self.shape in ("add", "rotate", "inverse"):
            return _combined(self, px)
        if self.shape == "fixed":
            w = np.asarray(self.matrix, dtype=np.float64)
            x, y = self.focus if self.focus is not None else (w.shape[1] // 2, w.shape[0] // 2)
            return w, x, y
        per = float(px) if self.units == "meters" else 1.0
        if self.shape == "rectangle":
            rx, ry = (int(math.floor(float(v) / per + EPS)) for v in (self.radius, self.y_radius))
            w = np.ones((2 * ry + 1, 2 * rx + 1))
        else:
            r = float(self.radius) / per
            n = int(math.floor(r + EPS))
            dy, dx = (a.astype(np.float64) for a in np.mgrid[-n:n + 1, -n:n + 1])
            if self.shape == "gaussian":
                s = float(self.sigma if self.sigma is not None else 1.0) / per
                w = np.exp(-(dx**2 + dy**2) / (2 * s**2))
            elif self.shape in _SHAPES:
                w = _SHAPES[self.shape](dx, dy, r)
            else:
                raise EEError(f"Kernel.{self.shape} is not implemented by the m3leo emulator.")
        w = _finish(w, self.normalize, self.magnitude)
        return w, w.shape[1] // 2, w.shape[0] // 2

    def reach(self, px: float) -> float:
        """Pixels of context the kernel needs around a pixel on a grid of `px` metres."""
        w, x, y = self.weights(px)
        return float(max(x, y, w.shape[1] - 1 - x, w.shape[0] - 1 - y)) + 1

    def info(self) -> dict[str, Any]:
        """getInfo()'s shape (the module docstring)."""
        radius = [self.radius, self.y_radius] if self.shape == "rectangle" else self.radius
        if not self.in_meters:
            w, x, y = self.weights()
            return {"type": "Kernel", "width": w.shape[1], "height": w.shape[0], "x": x, "y": y,
                    "weights": w.tolist(), "units": "pixels", "radius": radius}
        out: dict[str, Any] = {"type": "Kernel", "shape": self.shape, "units": "meters", "radius": radius,
                               "normalize": self.normalize, "magnitude": self.magnitude}
        if self.sigma is not None:
            out["sigma"] = self.sigma
        if self.parts:
            out["kernels"] = [p.info() for p in self.parts]
        if self.shape == "rotate":
            out["rotations"] = self.rotations
        return out


def fixed_kernel(w: Any, x: int | None = None, y: int | None = None, normalize: bool = False) -> Kernel:
    """A kernel in pixels of the given weights (rows from the top), its focus at (x, y), the centre if None."""
    arr = np.asarray(w, dtype=np.float64)
    if arr.ndim != 2 or arr.size == 0:
        raise EEError("Kernel.fixed: weights must be a non-empty 2-D list.")
    cx = arr.shape[1] // 2 if x is None or int(x) < 0 else int(x)
    cy = arr.shape[0] // 2 if y is None or int(y) < 0 else int(y)
    return Kernel("fixed", normalize=bool(normalize), matrix=tuple(map(tuple, arr.tolist())), focus=(cx, cy))


def as_kernel(x: Any) -> Kernel:
    """A Kernel from a kernel value, or from a weights dict ({"weights", "x", "y"}) as getInfo() gives."""
    if isinstance(x, Kernel):
        return x
    if isinstance(x, dict) and x.get("type") == "Kernel" and "weights" in x:
        return fixed_kernel(x["weights"], x.get("x"), x.get("y"))
    raise EEError(f"Expected a Kernel, got {type(x).__name__}.")


def _pixels(k: Kernel) -> Kernel:
    """A combination of kernels in pixels, made now (a fixed kernel); one with a metre part stays as it is."""
    if k.in_meters:
        return k
    w, x, y = _combined(k, 1.0)
    return replace(fixed_kernel(w, x, y), normalize=k.normalize)


def _combined(k: Kernel, px: float) -> tuple[Arr, int, int]:
    if k.shape == "rotate":
        w, x, y = k.parts[0].weights(px)
        for _ in range(k.rotations % 4):  # a quarter turn clockwise: (row, col) -> (col, height - 1 - row)
            w, x, y = np.rot90(w, -1), w.shape[0] - 1 - y, x
        return w, x, y
    if k.shape == "inverse":
        w, x, y = k.parts[0].weights(px)
        return np.divide(1.0, w, out=np.zeros(w.shape), where=w != 0), x, y
    (a, ax, ay), (b, bx, by) = (p.weights(px) for p in k.parts)
    left, top = max(ax, bx), max(ay, by)
    right = max(a.shape[1] - ax, b.shape[1] - bx)
    bottom = max(a.shape[0] - ay, b.shape[0] - by)
    out = np.zeros((top + bottom, left + right))
    for w, x, y in ((a, ax, ay), (b, bx, by)):
        out[top - y:top - y + w.shape[0], left - x:left - x + w.shape[1]] += w
    return _finish(out, k.normalize, 1.0), left, top


def _flag(v: Any, default: bool) -> bool:
    return default if v is None else bool(v)


def _shaped(shape: str) -> Callable[..., Kernel]:
    def make(radius: Any, units: Any = "pixels", normalize: Any = None, magnitude: Any = 1) -> Kernel:
        return Kernel(shape, float(radius), "meters" if _meters(units) else "pixels",
                      _flag(normalize, shape not in _DISTANCES), float(1 if magnitude is None else magnitude))
    return make


def _rectangle(xRadius: Any, yRadius: Any, units: Any = "pixels", normalize: Any = True,  # noqa: N803
               magnitude: Any = 1) -> Kernel:
    return Kernel("rectangle", float(xRadius), "meters" if _meters(units) else "pixels", _flag(normalize, True),
                  float(1 if magnitude is None else magnitude), y_radius=float(yRadius))


def _gaussian(radius: Any, sigma: Any = 1, units: Any = "pixels", normalize: Any = True,
              magnitude: Any = 1) -> Kernel:
    return Kernel("gaussian", float(radius), "meters" if _meters(units) else "pixels", _flag(normalize, True),
                  float(1 if magnitude is None else magnitude), sigma=float(1 if sigma is None else sigma))


def _fixed(width: Any = -1, height: Any = -1, weights: Any = None, x: Any = -1, y: Any = -1,
           normalize: Any = False) -> Kernel:
    k = fixed_kernel(weights, x, y)
    if normalize:  # the matrix normalised once, here (a fixed kernel renormalises over masked cells too)
        w, fx, fy = k.weights()
        k = replace(fixed_kernel(_finish(w, True, 1.0), fx, fy), normalize=True)
    return k


def _named(name: str) -> Callable[..., Kernel]:
    def make(magnitude: Any = 1, normalize: Any = False) -> Kernel:
        w = _finish(np.asarray(_FIXED[name], dtype=np.float64), bool(normalize), float(magnitude))
        return replace(fixed_kernel(w), normalize=bool(normalize))
    return make


def kernel_table() -> Table:
    t: Table = {f"Kernel.{s}": _shaped(s) for s in _SHAPES}
    t.update({f"Kernel.{name}": _named(name) for name in _FIXED})
    t.update({"Kernel.gaussian": _gaussian, "Kernel.rectangle": _rectangle, "Kernel.fixed": _fixed})
    t["Kernel.add"] = lambda kernel1, kernel2, normalize=False: _pixels(Kernel(
        "add", units="pixels", normalize=bool(normalize), parts=(as_kernel(kernel1), as_kernel(kernel2))))
    t["Kernel.rotate"] = lambda kernel, rotations: _pixels(Kernel(
        "rotate", normalize=as_kernel(kernel).normalize, parts=(as_kernel(kernel),), rotations=int(rotations)))
    t["Kernel.inverse"] = lambda kernel: _pixels(Kernel("inverse", normalize=False, parts=(as_kernel(kernel),)))
    return t
