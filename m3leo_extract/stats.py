"""Per-band normalisation statistics of a collection, computed once per store on the train split.

Continuous collections get per-band mean / std / min / max over valid pixels (nodata and NaN ignored), pooled
over every period written for train chips. Categorical collections get pixel counts per class code (the
majority-class baseline and class weights come from them). Reading is streamed shard by shard (one shard
read holds 16 chips), accumulators are combined with Chan's parallel update, so memory stays at one shard.

The result lives in the collection group's attributes under "stats", with a fingerprint of what it was
computed from (train chips, periods, written chip/periods); `ensure_stats` recomputes when the store changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StoreError
from .nodata import is_nan, nodata_mask
from .store import ChipStore

STATS_VERSION = 1
STATS_SPLIT = "train"


def _open(store: ChipStore | str | Path) -> ChipStore:
    return store if isinstance(store, ChipStore) else ChipStore.open(store)


def fingerprint(store: ChipStore, name: str, split: str = STATS_SPLIT) -> str:
    """What the stats depend on: split chips, periods, written (chip, period) cells, and the periods' provenance
    (extract/tile stamp it on every run that writes), so a re-extraction also makes the saved stats stale."""
    table = store.chip_table(name)
    valid = store.read_valid(name)
    rows = np.flatnonzero(table["split"].astype(object) == split)
    written = int(np.count_nonzero(~np.isnan(valid[rows]))) if valid.size else 0
    provenance = json.dumps(store.attrs(name).get("periods", {}), sort_keys=True, default=str)
    h = hashlib.sha1(provenance.encode())
    h.update(rows.astype("<i8").tobytes())  # which chips are train: a new split scheme makes the stats stale
    digest = h.hexdigest()[:12]
    return f"v{STATS_VERSION}:{split}:{rows.size}:{valid.shape[1] if valid.ndim == 2 else 0}:{written}:{digest}"


class _Moments:
    """Per-band count, mean and M2 (sum of squared deviations), merged batch by batch (Chan et al.)."""

    def __init__(self, nbands: int) -> None:
        self.n = np.zeros(nbands, dtype="float64")
        self.mean = np.zeros(nbands, dtype="float64")
        self.m2 = np.zeros(nbands, dtype="float64")
        self.lo = np.full(nbands, np.inf)
        self.hi = np.full(nbands, -np.inf)

    def update(self, b: int, x: np.ndarray) -> None:
        if x.size == 0:
            return
        x = x.astype("float64", copy=False)
        nb = float(x.size)
        mb = float(x.mean())
        m2b = float(((x - mb) ** 2).sum())
        na = self.n[b]
        n = na + nb
        delta = mb - self.mean[b]
        self.mean[b] += delta * nb / n
        self.m2[b] += m2b + delta * delta * na * nb / n
        self.n[b] = n
        self.lo[b] = min(self.lo[b], float(x.min()))
        self.hi[b] = max(self.hi[b], float(x.max()))


def _sample_rows(rows: np.ndarray, shard_chips: int, max_chips: int | None) -> tuple[np.ndarray, bool]:
    """All `rows`, or whole shards spread evenly over the collection until about `max_chips` (fast reads)."""
    if max_chips is None or rows.size <= max_chips:
        return rows, False
    shards = np.unique(rows // shard_chips)
    per_shard = max(1.0, rows.size / shards.size)
    keep = max(1, int(math.ceil(max_chips / per_shard)))
    chosen = shards[np.linspace(0, shards.size - 1, num=min(keep, shards.size)).round().astype(int)]
    return rows[np.isin(rows // shard_chips, chosen)], True


def compute_stats(store: ChipStore | str | Path, name: str, *, split: str = STATS_SPLIT,
                  max_chips: int | None = None) -> dict[str, Any]:
    """Stats of collection `name` over the `split` chips (all periods written). Does not save them."""
    st = _open(store)
    spec = st.spec(name)
    table = st.chip_table(name)
    valid = st.read_valid(name)
    rows = np.flatnonzero(table["split"].astype(object) == split)
    if rows.size == 0:
        raise StoreError(f"collection {name!r} has no {split} chips to compute statistics from under the split "
                         f"scheme {st.split_scheme()}; a small AOI needs narrower bands: `m3leo split --store "
                         f"{st.root} --scheme bands:width=4km,angle=0,guard=0`")
    s = st.shard_chips(name)
    rows, sampled = _sample_rows(rows, s, max_chips)
    nodata = spec.nodata
    nan_nodata = is_nan(nodata)
    categorical = spec.kind == "categorical"
    moments = _Moments(len(spec.bands))
    counts: np.ndarray | None = None
    cells = 0
    for t in range(valid.shape[1] if valid.ndim == 2 else 0):
        written = rows[~np.isnan(valid[rows, t])]
        for shard in np.unique(written // s):
            sel = written[written // s == shard]
            lo, hi = int(sel.min()), int(sel.max()) + 1
            block = st.read_block(name, lo, hi, t)[sel - lo]  # one shard read
            cells += sel.size
            if categorical:
                v = block[:, 0].ravel()
                v = v[~nodata_mask(v, nodata)]
                c = np.bincount(v.astype("int64"), minlength=256)
                counts = c if counts is None else _add_counts(counts, c)
                continue
            for b in range(block.shape[1]):
                x = block[:, b].ravel()
                ok = np.isfinite(x) if np.issubdtype(x.dtype, np.floating) else np.ones(x.shape, bool)
                if not nan_nodata:  # NaN is not finite: already out
                    ok &= ~nodata_mask(x, nodata)
                moments.update(b, x[ok])
    out: dict[str, Any] = {
        "version": STATS_VERSION, "split": split, "chips": int(rows.size), "chip_periods": int(cells),
        "sampled": sampled, "fingerprint": fingerprint(st, name, split), "kind": spec.kind,
        "computed": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
    if categorical:
        c = counts if counts is not None else np.zeros(0, dtype="int64")
        out["class_counts"] = {str(code): int(c[code]) for code in np.flatnonzero(c)}
    else:
        bands = {}
        for b, band in enumerate(spec.bands):
            n = moments.n[b]
            bands[band] = {
                "mean": float(moments.mean[b]) if n else None,
                "std": float(math.sqrt(moments.m2[b] / n)) if n else None,
                "min": float(moments.lo[b]) if n else None,
                "max": float(moments.hi[b]) if n else None,
                "count": int(n),
            }
        out["bands"] = bands
    return out


def _add_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size < b.size:
        a, b = b, a
    a = a.copy()
    a[: b.size] += b
    return a


def save_stats(store: ChipStore | str | Path, name: str, stats: dict[str, Any]) -> None:
    _open(store).update_attrs(name, stats=stats)


def load_stats(store: ChipStore | str | Path, name: str) -> dict[str, Any] | None:
    """The saved stats, or None when absent or computed from a different state of the store."""
    st = _open(store)
    saved = st.attrs(name).get("stats")
    if not saved or saved.get("fingerprint") != fingerprint(st, name, saved.get("split", STATS_SPLIT)):
        return None
    return saved


def ensure_stats(store: ChipStore | str | Path, name: str, *, recompute: bool = False,
                 max_chips: int | None = None) -> dict[str, Any]:
    """Saved stats if still current, else computed (train split) and saved when the store is writable."""
    st = _open(store)
    if not recompute:
        saved = load_stats(st, name)
        if saved is not None:
            return saved
    stats = compute_stats(st, name, max_chips=max_chips)
    try:
        save_stats(st, name, stats)
    except (OSError, ValueError):  # a read-only store: use them without saving
        pass
    return stats


def band_mean_std(stats: dict[str, Any], bands: tuple[str, ...] | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) float32 arrays in `bands` order; a band without valid pixels gets 0 / 1."""
    mean = np.zeros(len(bands), dtype="float32")
    std = np.ones(len(bands), dtype="float32")
    for i, b in enumerate(bands):
        s = stats.get("bands", {}).get(b) or {}
        if s.get("mean") is not None:
            mean[i] = s["mean"]
        if s.get("std"):
            std[i] = s["std"]
    return mean, std


def store_stats(store: ChipStore | str | Path, collections: list[str] | None = None, *,
                max_chips: int | None = None) -> dict[str, dict[str, Any]]:
    """Recompute and save the stats of `collections` (default: all); what `m3leo stats` prints."""
    st = _open(store)
    names = collections or st.collections()
    out = {}
    for name in names:
        out[name] = ensure_stats(st, name, recompute=True, max_chips=max_chips)
    return out


def moments_to_stats(bands: list[str], n: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> dict[str, Any]:
    """{"bands": {band: {mean, std, count}}} from per-band count, sum and sum of squares (float64)."""
    out = {}
    for b, band in enumerate(bands):
        if n[b] > 0:
            mean = s1[b] / n[b]
            out[band] = {"mean": float(mean), "std": float(math.sqrt(max(s2[b] / n[b] - mean * mean, 0.0))),
                         "count": int(n[b])}
        else:
            out[band] = {"mean": None, "std": None, "count": 0}
    return {"bands": out}


def combine_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Stats over the union of several stores' train splits: class counts add up; per-band count, mean and
    variance merge exactly (Chan et al.), min/max take the extremes. Derived-band stats merge the same way."""
    if not parts:
        raise StoreError("no statistics to combine")
    if len(parts) == 1:
        return parts[0]
    out: dict[str, Any] = {"version": STATS_VERSION, "split": parts[0].get("split", STATS_SPLIT),
                           "kind": parts[0].get("kind"), "stores": len(parts),
                           "chips": sum(int(p.get("chips", 0)) for p in parts),
                           "chip_periods": sum(int(p.get("chip_periods", 0)) for p in parts)}
    if any("class_counts" in p for p in parts):
        counts: dict[str, int] = {}
        for p in parts:
            for code, c in p.get("class_counts", {}).items():
                counts[code] = counts.get(code, 0) + int(c)
        out["class_counts"] = dict(sorted(counts.items(), key=lambda kv: int(kv[0])))
    if any("bands" in p for p in parts):
        out["bands"] = _merge_bands([p.get("bands", {}) for p in parts])
    derived = [p["derived"]["bands"] for p in parts if p.get("derived")]
    if derived:
        out["derived"] = {"bands": _merge_bands(derived)}
    return out


def _merge_bands(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for band in dict.fromkeys(b for p in parts for b in p):
        n = mean = m2 = 0.0
        lo, hi = math.inf, -math.inf
        for p in parts:
            s = p.get(band) or {}
            nb = float(s.get("count") or 0)
            if not nb or s.get("mean") is None:
                continue
            mb, m2b = float(s["mean"]), float(s.get("std") or 0.0) ** 2 * nb
            delta, tot = mb - mean, n + nb
            mean += delta * nb / tot
            m2 += m2b + delta * delta * n * nb / tot
            n = tot
            lo = min(lo, s["min"]) if s.get("min") is not None else lo
            hi = max(hi, s["max"]) if s.get("max") is not None else hi
        out[band] = {"mean": mean if n else None, "std": math.sqrt(m2 / n) if n else None,
                     "min": lo if math.isfinite(lo) else None, "max": hi if math.isfinite(hi) else None,
                     "count": int(n)}
    return out
