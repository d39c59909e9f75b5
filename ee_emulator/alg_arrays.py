"""ee.Array and ee.PixelType of the metadata evaluator: n-dimensional arrays computed with numpy.

An array value is an `EEArray`: a (nested) Python list, so getInfo() gives Earth Engine's nested lists, with
the numpy dtype it was made with (an empty array keeps its PixelType). Elementwise operations broadcast as
numpy does (a number stands for an array of its value); comparisons and logical operations give 0 / 1;
division by zero gives 0 (Earth Engine's); casts round half up and clamp to the type's range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError

Table = dict[str, Callable[..., Any]]

_INT_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "uint16": (0, 65535),
               "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-2**63, 2**63 - 1)}


class EEArray(list):
    """An Earth Engine Array: nested lists (what getInfo() returns) and the numpy dtype of its values."""

    dtype: str = "float64"

    @classmethod
    def of(cls, a: Any, dtype: str | None = None) -> EEArray:
        arr = np.asarray(a)
        out = cls(arr.tolist() if arr.ndim else [arr.item()])
        out.dtype = dtype or ("int64" if arr.dtype.kind in "iub" else "float64")
        return out


def as_array(x: Any) -> np.ndarray:
    """Any array-like value (EEArray, list, number) as a numpy array of its Earth Engine values."""
    if isinstance(x, EEArray):
        return np.asarray(x, dtype=np.float64 if x.dtype.startswith("float") else None) if len(x) else \
            np.asarray(x, dtype=x.dtype)
    if isinstance(x, bool):
        return np.asarray(int(x))
    try:
        return np.asarray(x)
    except ValueError:
        raise EEError("Array: the values must be a rectangular array of numbers.") from None


def _out(a: np.ndarray, dtype: str | None = None) -> EEArray:
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    return EEArray.of(a, dtype)


# -- PixelType -----------------------------------------------------------------------------------------------
def pixel_type(precision: Any, minValue: Any = None, maxValue: Any = None, dimensions: Any = None) -> dict:  # noqa: N803
    """A PixelType as getInfo() gives it: {"type": "PixelType", "precision", "min", "max", "dimensions"}."""
    if isinstance(precision, dict):
        return precision
    out: dict[str, Any] = {"type": "PixelType", "precision": str(precision)}
    if minValue is not None:
        out["min"] = minValue
    if maxValue is not None:
        out["max"] = maxValue
    if dimensions:
        out["dimensions"] = int(dimensions)
    return out


def pixel_type_table() -> Table:
    t: Table = {"PixelType": pixel_type,
                "PixelType.float": lambda: pixel_type("float"), "PixelType.double": lambda: pixel_type("double"),
                "PixelType.precision": lambda pixelType: pixelType.get("precision"),  # noqa: N803
                "PixelType.minValue": lambda pixelType: pixelType.get("min"),  # noqa: N803
                "PixelType.maxValue": lambda pixelType: pixelType.get("max"),  # noqa: N803
                "PixelType.dimensions": lambda pixelType: pixelType.get("dimensions", 0)}  # noqa: N803
    for name, (lo, hi) in _INT_RANGES.items():
        t[f"PixelType.{name}"] = lambda lo=lo, hi=hi: pixel_type("int", lo, hi)
    return t


def _dtype_of(ptype: Any) -> str | None:
    if not isinstance(ptype, dict):
        return None
    if ptype.get("precision") in ("float", "double"):
        return "float64"
    rng = (ptype.get("min"), ptype.get("max"))
    return next((n for n, r in _INT_RANGES.items() if r == rng), "int64")


def make_array(values: Any, pixelType: Any = None) -> EEArray:  # noqa: N803
    dtype = _dtype_of(pixelType)
    a = as_array(values)
    if a.size == 0 and dtype is None:
        raise EEError("Array: Can't create an empty array without an explicit PixelType.")
    if dtype and dtype != "float64" and a.size:
        a = _cast_values(a, dtype)
    return _out(a, dtype)


# -- elementwise ---------------------------------------------------------------------------------------------
def _cast_values(a: np.ndarray, name: str) -> np.ndarray:
    if name.startswith("float"):
        return a.astype(np.float64)
    lo, hi = _INT_RANGES[name]
    return np.clip(np.floor(a.astype(np.float64) + 0.5), lo, hi).astype(np.int64)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(a.astype(np.float64), b.astype(np.float64))
    return np.divide(a, b, out=np.zeros(a.shape), where=b != 0)


def _ints(f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *xs: f(*(x.astype(np.int64) for x in xs))


def _bitcount(a: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: bin(int(v) & (2**64 - 1)).count("1"), otypes=[np.int64])(a)


# Apache Commons Math's Lanczos coefficients (g = 607/128), the approximation Earth Engine's lanczos() gives.
_LANCZOS = (0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
            -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
            -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3,
            0.21743961811521264320e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4,
            -0.26190838401581408670e-4, 0.36899182659531622704e-5)


def lanczos(x: float) -> float:
    """The Lanczos sum A(x), with Gamma(x + 1) = sqrt(2 pi) t^(x + 0.5) e^-t A(x), t = x + 607/128 + 0.5."""
    total = 0.0
    for i in range(len(_LANCZOS) - 1, 0, -1):
        d = x + i
        if d == 0:
            return math.inf
        total += _LANCZOS[i] / d
    return total + _LANCZOS[0]


def _special(name: str) -> Callable[[np.ndarray], np.ndarray]:
    def f(a: np.ndarray) -> np.ndarray:
        import scipy.special as sp  # lazily: only these few algorithms need scipy

        fn = {"gamma": sp.gamma, "digamma": sp.digamma, "trigamma": lambda x: sp.polygamma(1, x),
              "erf": sp.erf, "erfc": sp.erfc, "erfInv": sp.erfinv, "erfcInv": sp.erfcinv}[name]
        return fn(a.astype(np.float64))
    return f


_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "sqrt": np.sqrt, "log": np.log, "log10": np.log10,
    "exp": np.exp, "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "round": lambda a: np.floor(a + 0.5),
    "cbrt": np.cbrt, "signum": np.sign, "not": lambda a: a == 0, "bitwiseNot": _ints(np.invert),
    "bitCount": _bitcount, "lanczos": lambda a: np.vectorize(lanczos, otypes=[np.float64])(a),
    **{n: _special(n) for n in ("gamma", "digamma", "trigamma", "erf", "erfc", "erfInv", "erfcInv")}}
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": _divide, "max": np.maximum,
    "min": np.minimum, "first": lambda a, b: np.broadcast_arrays(a, b)[0],
    "firstNonZero": lambda a, b: np.where(a != 0, a, b), "mod": np.fmod, "and": lambda a, b: (a != 0) & (b != 0),
    "or": lambda a, b: (a != 0) | (b != 0), "lt": np.less, "lte": np.less_equal, "gt": np.greater,
    "gte": np.greater_equal, "eq": np.equal, "neq": np.not_equal, "pow": lambda a, b: np.power(
        a.astype(np.float64), b), "atan2": np.arctan2, "hypot": np.hypot, "bitwiseAnd": _ints(np.bitwise_and),
    "bitwiseOr": _ints(np.bitwise_or), "bitwiseXor": _ints(np.bitwise_xor), "leftShift": _ints(np.left_shift),
    "rightShift": _ints(np.right_shift),
    "gammainc": lambda a, b: __import__("scipy.special", fromlist=["gammainc"]).gammainc(a, b)}
_ALIASES = {"bitwise_not": "bitwiseNot", "first_nonzero": "firstNonZero", "bitwise_and": "bitwiseAnd",
            "bitwise_or": "bitwiseOr", "bitwise_xor": "bitwiseXor", "left_shift": "leftShift",
            "right_shift": "rightShift"}
_CASTS = {"uint8": "uint8", "toUint8": "uint8", "byte": "uint8", "toByte": "uint8", "int8": "int8",
          "toInt8": "int8", "uint16": "uint16", "toUint16": "uint16", "int16": "int16", "toInt16": "int16",
          "short": "int16", "toShort": "int16", "uint32": "uint32", "toUint32": "uint32", "int32": "int32",
          "toInt32": "int32", "int": "int32", "toInt": "int32", "int64": "int64", "toInt64": "int64",
          "long": "int64", "toLong": "int64", "float": "float32", "toFloat": "float32", "double": "float64",
          "toDouble": "float64"}


def _unary(op: Callable[[np.ndarray], np.ndarray]) -> Callable[..., EEArray]:
    def f(input: Any) -> EEArray:  # noqa: A002 - Earth Engine's argument name
        a = as_array(input)
        dtype = input.dtype if isinstance(input, EEArray) and a.size == 0 else None
        with np.errstate(all="ignore"):
            return _out(op(a) if a.size else a, dtype)
    return f


def _binary(op: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., EEArray]:
    def f(left: Any, right: Any) -> EEArray:
        a, b = as_array(left), as_array(right)
        try:
            with np.errstate(all="ignore"):
                r = op(a, b) if a.size and b.size else np.broadcast_arrays(a, b)[0]
        except ValueError:
            raise EEError(f"Array: the shapes {list(a.shape)} and {list(b.shape)} are not compatible.") from None
        return _out(r, left.dtype if isinstance(left, EEArray) and not r.size else None)
    return f


def _cast(name: str) -> Callable[..., EEArray]:
    return lambda input: _out(_cast_values(as_array(input), name), name if name != "float32" else "float64")  # noqa: A002


def elementwise_table() -> Table:
    t: Table = {}
    for name, op in _UNARY.items():
        t[f"Array.{name}"] = _unary(op)
    for name, op2 in _BINARY.items():
        t[f"Array.{name}"] = _binary(op2)
    for alias, name in _ALIASES.items():
        t[f"Array.{alias}"] = t[f"Array.{name}"]
    for name, to in _CASTS.items():
        t[f"Array.{name}"] = _cast(to)
    return t


__all__ = ["EEArray", "as_array", "elementwise_table", "lanczos", "make_array", "pixel_type", "pixel_type_table"]
