"""ee.Reducer as a value, and the reductions that use one: lists (reduceColumns, aggregate_*), regions
(Image.reduceRegion / reduceRegions: pixels whose centre lies in the geometry, on the requested grid).

A reducer has inputs and named outputs: `mean` has one input and output "mean", `minMax` outputs "min" and
"max", `toList(n)` takes n inputs, `repeat(r, k)` runs r on k inputs, `combine(a, b)` joins outputs (shared
inputs or not). Applied to bands, a single-output reducer names its result after the band (`B4`), a
multi-output one `B4_min`, `B4_max`, as Earth Engine does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import EEError

_SINGLE = {"mean": "mean", "median": "median", "min": "min", "max": "max", "sum": "sum", "count": "count",
           "stdDev": "stdDev", "sampleStdDev": "stdDev", "variance": "variance", "sampleVariance": "variance",
           "first": "first", "last": "last", "mode": "mode", "countDistinct": "countDistinct",
           "product": "product", "anyNonZero": "any", "allNonZero": "all", "mosaic": "mosaic"}


@dataclass(frozen=True)
class Reducer:
    kind: str  # a key of _SINGLE, "minMax", "percentile", "toList", "repeat", "combine"
    outputs: tuple[str, ...]
    n_inputs: int = 1
    args: dict[str, Any] = field(default_factory=dict)
    parts: tuple[Reducer, ...] = ()
    shared: bool = True

    # -- structure ----------------------------------------------------------------------------------------
    def output_names(self, inputs: list[str] | None = None) -> list[str]:
        return list(self.outputs)

    def reduce_values(self, columns: list[list[Any]]) -> dict[str, Any]:
        """Reduce input columns (one list per input) to {output name: value}."""
        if self.kind == "combine":
            a, b = self.parts
            ca = columns[:a.n_inputs]
            cb = columns[:b.n_inputs] if self.shared else columns[a.n_inputs:a.n_inputs + b.n_inputs]
            out = a.reduce_values(ca)
            prefix = self.args.get("outputPrefix") or ""
            out.update({prefix + k: v for k, v in b.reduce_values(cb).items()})
            return _rename(out, self.outputs)
        if self.kind == "repeat":
            base = self.parts[0]
            k = base.n_inputs
            parts = [base.reduce_values(columns[i * k:(i + 1) * k]) for i in range(int(self.args["count"]))]
            return _rename({o: [p[o] for p in parts] for o in base.outputs}, self.outputs)
        if self.kind == "toList":
            if self.n_inputs == 1:
                return _rename({"list": list(columns[0])}, self.outputs)
            return _rename({"list": [list(t) for t in zip(*columns, strict=True)]}, self.outputs)
        if self.kind in ("firstNonNull", "lastNonNull"):  # any values (images too): no numeric conversion
            present = [v for v in columns[0] if v is not None]
            pick = (present[0] if self.kind == "firstNonNull" else present[-1]) if present else None
            return _rename({"first" if self.kind == "firstNonNull" else "last": pick}, self.outputs)
        values = np.asarray([v for v in columns[0] if v is not None and not _nan(v)], dtype=np.float64)
        if self.kind == "minMax":
            lo, hi = (float(values.min()), float(values.max())) if values.size else (None, None)
            return _rename({"min": lo, "max": hi}, self.outputs)
        if self.kind == "percentile":
            pcts = self.args.get("percentiles") or [50]
            names = self.args.get("outputNames") or [f"p{_fmt(p)}" for p in pcts]
            res = {n: (float(np.percentile(values, p)) if values.size else None) for n, p in zip(names, pcts,
                                                                                                strict=True)}
            return _rename(res, self.outputs)
        return _rename({_SINGLE[self.kind]: _one(self.kind, values, columns[0])}, self.outputs)


def _fmt(p: Any) -> str:
    return str(int(p)) if float(p).is_integer() else str(p)


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _rename(out: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    if list(out) == list(names) or len(out) != len(names):
        return out
    return dict(zip(names, out.values(), strict=True))


def _one(kind: str, v: np.ndarray, raw: list[Any]) -> Any:
    n = v.size
    if kind == "count":
        return int(n)
    if kind in ("first", "last"):
        return (raw[0] if kind == "first" else raw[-1]) if raw else None
    if kind == "countDistinct":
        return int(np.unique(v).size)
    if n == 0:
        return 0 if kind == "sum" else None
    if kind == "mode":
        vals, counts = np.unique(v, return_counts=True)
        return float(vals[np.argmax(counts)])
    if kind in ("variance", "stdDev", "sampleVariance", "sampleStdDev"):
        ddof = 1 if kind.startswith("sample") else 0
        var = float(np.var(v, ddof=ddof)) if n > ddof else None
        return None if var is None else (math.sqrt(var) if "StdDev" in kind or kind == "stdDev" else var)
    fn = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "sum": np.sum,
          "product": np.prod, "anyNonZero": lambda a: float(np.any(a)), "allNonZero": lambda a: float(np.all(a)),
          "mosaic": lambda a: a[-1]}[kind]
    return float(fn(v))


# -- constructors (the Reducer.* algorithms) ------------------------------------------------------------
def single(kind: str) -> Any:
    return lambda **kw: Reducer(kind, (_SINGLE[kind],), 1, {k: v for k, v in kw.items() if v is not None})


def min_max(**kw: Any) -> Reducer:
    return Reducer("minMax", ("min", "max"))


def percentile(percentiles: list[Any], outputNames: list[str] | None = None, **kw: Any) -> Reducer:  # noqa: N803
    names = tuple(outputNames or [f"p{_fmt(p)}" for p in percentiles])
    return Reducer("percentile", names, 1, {"percentiles": list(percentiles), "outputNames": list(names)})


def to_list(tupleSize: Any = None, numOptional: Any = None) -> Reducer:  # noqa: N803
    return Reducer("toList", ("list",), int(tupleSize or 1))


def repeat(reducer: Reducer, count: Any) -> Reducer:
    return Reducer("repeat", reducer.outputs, reducer.n_inputs * int(count), {"count": int(count)}, (reducer,))


def combine(reducer1: Reducer, reducer2: Reducer, outputPrefix: str = "", sharedInputs: bool = False) -> Reducer:  # noqa: N803
    outs = reducer1.outputs + tuple((outputPrefix or "") + o for o in reducer2.outputs)
    n = reducer1.n_inputs if sharedInputs else reducer1.n_inputs + reducer2.n_inputs
    return Reducer("combine", outs, n, {"outputPrefix": outputPrefix or ""}, (reducer1, reducer2),
                   bool(sharedInputs))


def set_outputs(reducer: Reducer, outputs: list[str]) -> Reducer:
    if len(outputs) != len(reducer.outputs):
        raise EEError(f"Reducer.setOutputs: expected {len(reducer.outputs)} names, got {len(outputs)}.")
    return replace(reducer, outputs=tuple(outputs))


def reducer_table() -> dict[str, Any]:
    t: dict[str, Any] = {f"Reducer.{k}": single(k) for k in _SINGLE}
    t.update({"Reducer.minMax": min_max, "Reducer.percentile": percentile, "Reducer.toList": to_list,
              "Reducer.repeat": repeat, "Reducer.combine": combine, "Reducer.setOutputs": set_outputs,
              "Reducer.getOutputs": lambda reducer: list(reducer.outputs),
              "Reducer.firstNonNull": lambda **kw: Reducer("firstNonNull", ("first",)),
              "Reducer.lastNonNull": lambda **kw: Reducer("lastNonNull", ("last",))})
    return t


def as_reducer(x: Any) -> Reducer:
    if isinstance(x, Reducer):
        return x
    if isinstance(x, str) and x in _SINGLE:
        return single(x)()
    raise EEError(f"Expected a Reducer, got {type(x).__name__}.")


def band_keys(reducer: Reducer, bands: list[str]) -> list[tuple[str, str, str]]:
    """(band, reducer output, result key) for a per-band reduction of an image."""
    outs = reducer.output_names()
    return [(b, o, b if len(outs) == 1 else f"{b}_{o}") for b in bands for o in outs]
