"""What a model reads of a collection: `InputSpec`, parsed from `--input` text; derived bands.

    s1                                       the latest period of s1 (or the dataset's --period)
    s1:2020-DJF,2020-MAM,2020-JJA,2020-SON   four periods stacked as channels (period-major: all bands of the
                                             first period, then the next); S1's 4 bands x 4 seasons = 16
    s1:2020-*                                every stored period matching the pattern, in time order
    s1:2020-*[VV_ASC-VH_ASC,VV_DSC-VH_DSC]   plus derived bands, per period (after the stored bands)
    s1:2020-*,s2:2020                        fusion: several inputs, concatenated in this order by `train`

Tokens are comma-separated; a token that starts with a year continues the period list of the input before it.
Derived bands are `A-B`, `A+B`, `A*B`, `A/B` or `nd(A,B)` = (A-B)/(A+B) of two stored bands, computed on the
stored values (dB differences for S1: VV-VH is the log of the VV/VH ratio) and normalised with their own
train-split statistics.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .catalog.period import latest_period, parse_label, period_order
from .errors import NotInStoreError, StoreError, UsageError
from .nodata import nodata_mask

_PERIOD = re.compile(r"^\d{4}")
_BINARY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*([-+*/])\s*([A-Za-z0-9_]+)\s*$")
_ND = re.compile(r"^\s*nd\(\s*([A-Za-z0-9_]+)\s*,\s*([A-Za-z0-9_]+)\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Derived:
    """A band computed from two stored bands: op is one of - + * / nd."""

    text: str
    a: str
    op: str
    b: str

    def evaluate(self, bands: Sequence[str], raw: np.ndarray, nodata: float | int) -> np.ndarray:
        """(y, x) float32 from a (band, y, x) chip; NaN where either operand is nodata/NaN or undefined."""
        a, b = raw[list(bands).index(self.a)], raw[list(bands).index(self.b)]
        x, y = a.astype("float32"), b.astype("float32")
        bad = nodata_mask(a, nodata) | nodata_mask(b, nodata)  # a NaN operand gives NaN anyway
        x[bad] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.op == "-":
                out = x - y
            elif self.op == "+":
                out = x + y
            elif self.op == "*":
                out = x * y
            elif self.op == "/":
                out = x / y
            else:
                out = (x - y) / (x + y)
        out[~np.isfinite(out)] = np.nan
        return out


def parse_derived(text: str) -> Derived:
    m = _BINARY.match(text)
    if m:
        return Derived(text.strip(), m.group(1), m.group(2), m.group(3))
    m = _ND.match(text)
    if m:
        return Derived(text.strip(), m.group(1), "nd", m.group(2))
    raise UsageError(f"derived band {text!r} is not A-B, A+B, A*B, A/B or nd(A,B) of two band names")


def pick_period(name: str, labels: Sequence[str], wanted: str | None) -> str:
    """The stored period of `name` to read for `wanted`.

    None: the latest. A stored label: itself. Otherwise the latest stored period inside `wanted` (a year asked
    of seasonal S1 gives its last season), else the shortest stored period covering it (a season asked of a
    yearly collection gives that year).
    """
    if not labels:
        raise StoreError(f"collection {name!r} has no period written yet; run extract or tile first")
    if wanted is None:
        return latest_period(labels)
    if wanted in labels:
        return wanted
    w = parse_label(wanted)
    parsed = {}
    for lab in labels:
        try:
            parsed[lab] = parse_label(lab)
        except Exception:
            continue
    inside = [lab for lab, p in parsed.items() if p.start >= w.start and p.end <= w.end]
    if inside:
        return latest_period(inside)
    cover = [lab for lab, p in parsed.items() if p.start <= w.start and p.end >= w.end]
    if cover:
        return min(cover, key=lambda lab: parsed[lab].end - parsed[lab].start)
    raise NotInStoreError(f"collection {name!r} has no period matching {wanted!r}; it holds "
                          f"{', '.join(sorted(labels, key=period_order))}")


@dataclass(frozen=True)
class InputSpec:
    """One input collection: its periods (labels or glob patterns; empty = the dataset's) and derived bands."""

    collection: str
    periods: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()

    @property
    def key(self) -> str:
        return self.collection

    def __str__(self) -> str:
        text = self.collection + (f":{','.join(self.periods)}" if self.periods else "")
        return text + (f"[{','.join(d.text for d in self.derived)}]" if self.derived else "")

    def check_bands(self, bands: Sequence[str]) -> None:
        for d in self.derived:
            for b in (d.a, d.b):
                if b not in bands:
                    raise UsageError(f"derived band {d.text!r} of {self.collection}: no band {b!r}; it has "
                                     f"{', '.join(bands)}")

    def resolve_periods(self, labels: Sequence[str], default: str | None) -> list[str]:
        """The stored labels to stack, in order (patterns expand in time order); one entry when none given."""
        if not self.periods:
            return [pick_period(self.collection, labels, default)]
        out: list[str] = []
        for p in self.periods:
            if any(ch in p for ch in "*?["):
                hits = sorted((lab for lab in labels if fnmatch.fnmatchcase(lab, p)), key=period_order)
                if not hits:
                    raise UsageError(f"{self.collection}: no stored period matches {p!r}; it has "
                                     f"{', '.join(labels) or 'none'}")
                out += [h for h in hits if h not in out]
            else:
                label = pick_period(self.collection, labels, p)
                if label not in out:
                    out.append(label)
        return out


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth < 0:
                raise UsageError(f"--input {text!r}: unbalanced brackets")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise UsageError(f"--input {text!r}: unbalanced brackets")
    return [*parts, cur]


def parse_inputs(value: str | Sequence[str | InputSpec]) -> list[InputSpec]:
    """`--input` text (or a list of such texts / specs) as InputSpecs, in order; one per collection."""
    if isinstance(value, str):
        items: list[str | InputSpec] = [value]
    else:
        items = list(value)
    specs: list[dict] = []
    for item in items:
        if isinstance(item, InputSpec):
            specs.append({"collection": item.collection, "periods": list(item.periods), "derived": list(item.derived)})
            continue
        for token in _split_top(str(item)):
            token = token.strip()
            if not token:
                continue
            derived: list[Derived] = []
            if token.endswith("]") and "[" in token:
                token, inner = token[:-1].split("[", 1)
                derived = [parse_derived(t) for t in _split_top(inner) if t.strip()]
            name, colon, period = token.partition(":")
            name, period = name.strip(), period.strip()
            if not colon and _PERIOD.match(name) and specs and specs[-1]["periods"]:
                specs[-1]["periods"].append(name)  # continues the previous input's period list
                specs[-1]["derived"] += derived
                continue
            if not name or not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", name):
                raise UsageError(f"--input: {token!r} is not a collection name (e.g. s1, or s1:2020-*)")
            if colon and not period:
                raise UsageError(f"--input: {token!r} has ':' but no period; e.g. s1:2020-JJA or s1:2020-*")
            specs.append({"collection": name, "periods": [period] if period else [], "derived": derived})
    if not specs:
        raise UsageError("no input collection given; use e.g. --input s1 or --input s1:2020-*,s2")
    names = [s["collection"] for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UsageError(f"--input names {', '.join(dup)} twice; list all of a collection's periods in one input, "
                         "e.g. s1:2020-DJF,2020-JJA")
    return [InputSpec(s["collection"], tuple(s["periods"]), tuple(s["derived"])) for s in specs]
