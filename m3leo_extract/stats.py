"""Per-band normalisation statistics of a collection, computed on the train split; `Normaliser` for readers.

Continuous collections get per-band mean / std / min / max over valid pixels (nodata and NaN ignored), pooled
over every period written for train chips. Categorical collections get pixel counts per class code (the
majority-class baseline and class weights come from them). Reading is streamed shard by shard (one shard
read holds 16 chips); every accumulation goes through ONE moment merge, `Moments.merge` (Chan, Golub and
LeVeque's pairwise update of count, mean and M2), whether it adds a shard, a derived band's chip or another
store's statistics, so memory stays at one shard and precision does not depend on the mean's magnitude.

Who writes them: `m3leo stats` (under the dataset's run lock) and a run's end (`update_stats`). They live in
the collection group's attributes under "stats" with a fingerprint of what they were computed from (which
chips are train, the periods, the valid table of the train chips, the periods' provenance), so stale stats
are detected, never reused. Readers never write: a `Normaliser` uses the saved stats when they are fresh and
otherwise computes them in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chipblocks import blocks, split_codes, split_rows
from .errors import StoreError
from .nodata import is_nan, nodata_mask
from .shards import ChunkReader, Modality
from .splits.schemes import SPLIT_NAMES
from .store import ChipStore

STATS_VERSION = 2  # 2: the fingerprint covers the train chips' valid table
STATS_SPLIT = "train"
DEFAULT_MAX_CHIPS = 4096  # what a reader samples when it has to compute stats itself (whole shards)


def _open(store: ChipStore | str | Path) -> ChipStore:
    return store if isinstance(store, ChipStore) else ChipStore.open(store)


def fingerprint(store: ChipStore, name: str, split: str = STATS_SPLIT) -> str:
    """What the stats depend on: which chips are `split`, the periods, the valid fractions of those chips
    (a rewritten or newly written cell changes them) and the periods' provenance (extract/tile stamp it on
    every run that writes, so a re-extraction with the same valid fractions also makes them stale)."""
    codes = split_codes(store, name)  # one byte a chip; rows and valid are hashed a block at a time
    code = SPLIT_NAMES.index(split) if split in SPLIT_NAMES else -1
    provenance = json.dumps(store.attrs(name).get("periods", {}), sort_keys=True, default=str)
    h = hashlib.sha1(provenance.encode())
    spans = list(blocks(store, name))
    n_rows = 0
    for lo, hi in spans:  # which chips are train: a new split scheme makes the stats stale
        rows = np.flatnonzero(codes[lo:hi] == code)
        n_rows += rows.size
        h.update((rows + lo).astype("<i8").tobytes())
    h.update("\n".join(store.periods(name)).encode())
    periods = len(store.periods(name))
    for lo, hi in spans if codes.size and periods else ():
        rows = np.flatnonzero(codes[lo:hi] == code)
        if rows.size:
            h.update(np.ascontiguousarray(store.read_valid(name, lo, hi)[rows], dtype="<f4").tobytes())
    return f"v{STATS_VERSION}:{split}:{n_rows}:{periods}:{h.hexdigest()[:16]}"


@dataclass
class Moments:
    """Per-band count, mean, M2 (sum of squared deviations from the mean), min and max, float64.

    `merge` is the one way moments combine (Chan et al.'s parallel algorithm): exact in exact arithmetic
    and numerically stable in floating point, unlike a sum of squares (which loses every digit of the
    variance once mean**2 dwarfs it: values around 1e8 with a variance of 1)."""

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    lo: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hi: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls, nbands: int) -> Moments:
        z = np.zeros(nbands, dtype="float64")
        return cls(z.copy(), z.copy(), z.copy(), np.full(nbands, np.inf), np.full(nbands, -np.inf))

    @classmethod
    def of(cls, values: Sequence[np.ndarray]) -> Moments:
        """The moments of one batch per band (two passes over each: mean, then squared deviations)."""
        n = len(values)
        out = cls.empty(n)
        for b, x in enumerate(values):
            if x.size:
                x = np.asarray(x, dtype="float64")
                mean = float(x.mean())
                out.count[b], out.mean[b] = x.size, mean
                out.m2[b] = float(np.square(x - mean).sum())
                out.lo[b], out.hi[b] = float(x.min()), float(x.max())
        return out

    def merge(self, other: Moments) -> Moments:
        """The moments of the union of both batches (either may be empty)."""
        n = self.count + other.count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = other.mean - self.mean
            w = np.where(n > 0, other.count / np.where(n > 0, n, 1.0), 0.0)
            mean = self.mean + delta * w
            m2 = self.m2 + other.m2 + delta * delta * self.count * w
        return Moments(n, mean, m2, np.minimum(self.lo, other.lo), np.maximum(self.hi, other.hi))

    @property
    def std(self) -> np.ndarray:
        """Population standard deviation (NaN where a band has no value)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(np.maximum(self.m2, 0.0) / self.count)

    def to_bands(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """{band: {mean, std, min, max, count}}, what the store's "stats" attribute holds (None: no value)."""
        std = self.std
        out = {}
        for b, band in enumerate(names):
            ok = self.count[b] > 0
            out[band] = {"mean": float(self.mean[b]) if ok else None, "std": float(std[b]) if ok else None,
                         "min": float(self.lo[b]) if ok and math.isfinite(self.lo[b]) else None,
                         "max": float(self.hi[b]) if ok and math.isfinite(self.hi[b]) else None,
                         "count": int(self.count[b])}
        return out

    @classmethod
    def from_bands(cls, bands: Mapping[str, Any], names: Sequence[str]) -> Moments:
        """The inverse of `to_bands` (M2 = std**2 * count), for merging saved statistics."""
        out = cls.empty(len(names))
        for b, band in enumerate(names):
            s = bands.get(band) or {}
            n = float(s.get("count") or 0)
            if not n or s.get("mean") is None:
                continue
            out.count[b], out.mean[b] = n, float(s["mean"])
            out.m2[b] = float(s.get("std") or 0.0) ** 2 * n
            out.lo[b] = s["min"] if s.get("min") is not None else np.inf
            out.hi[b] = s["max"] if s.get("max") is not None else -np.inf
        return out


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
    rows = split_rows(st, name, split) if split in SPLIT_NAMES else np.zeros(0, dtype="int64")
    if rows.size == 0:
        raise StoreError(f"collection {name!r} has no {split} chips to compute statistics from under the split "
                         f"scheme {st.split_scheme()}; a small AOI needs narrower bands: `m3leo split --store "
                         f"{st.root} --scheme bands:width=4km,angle=0,guard=0`")
    s = st.shard_chips(name)
    rows, sampled = _sample_rows(rows, s, max_chips)
    nodata = spec.nodata
    nan_nodata = is_nan(nodata)
    categorical = spec.kind == "categorical"
    moments = Moments.empty(len(spec.bands))
    counts: np.ndarray | None = None
    cells = 0
    for t, lo, hi in ((t, lo, hi) for t in range(len(st.periods(name))) for lo, hi in blocks(st, name)):
        here = rows[np.searchsorted(rows, lo):np.searchsorted(rows, hi)]  # the block's rows: one valid read
        if not here.size:
            continue
        written = here[~np.isnan(st.read_valid(name, lo, hi, t)[here - lo])]
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
            per_band = []
            for b in range(block.shape[1]):
                x = block[:, b].ravel()
                ok = np.isfinite(x) if np.issubdtype(x.dtype, np.floating) else np.ones(x.shape, bool)
                if not nan_nodata:  # NaN is not finite: already out
                    ok &= ~nodata_mask(x, nodata)
                per_band.append(x[ok])
            moments = moments.merge(Moments.of(per_band))
    out: dict[str, Any] = {
        "version": STATS_VERSION, "split": split, "chips": int(rows.size), "chip_periods": int(cells),
        "sampled": sampled, "fingerprint": fingerprint(st, name, split), "kind": spec.kind,
        "computed": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
    if categorical:
        c = counts if counts is not None else np.zeros(0, dtype="int64")
        out["class_counts"] = {str(code): int(c[code]) for code in np.flatnonzero(c)}
    else:
        out["bands"] = moments.to_bands(spec.bands)
    return out


def _add_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size < b.size:
        a, b = b, a
    a = a.copy()
    a[: b.size] += b
    return a


def save_stats(store: ChipStore | str | Path, name: str, stats: dict[str, Any]) -> None:
    """Writers only (the store opened for writing, under the run lock): `m3leo stats` and a run's end."""
    _open(store).update_attrs(name, stats=stats)


def load_stats(store: ChipStore | str | Path, name: str) -> dict[str, Any] | None:
    """The saved stats, or None when absent or computed from a different state of the store."""
    st = _open(store)
    saved = st.attrs(name).get("stats")
    if not saved or saved.get("fingerprint") != fingerprint(st, name, saved.get("split", STATS_SPLIT)):
        return None
    return saved


def fresh_stats(store: ChipStore | str | Path, name: str, *, max_chips: int | None = DEFAULT_MAX_CHIPS
                ) -> dict[str, Any]:
    """The saved stats when they are current, else computed in memory. Never writes (readers call this)."""
    st = _open(store)
    return load_stats(st, name) or compute_stats(st, name, max_chips=max_chips)


def update_stats(store: ChipStore, collections: Sequence[str] | None = None, *, recompute: bool = False,
                 max_chips: int | None = None) -> dict[str, dict[str, Any]]:
    """Compute and save the stats of `collections` (default: all) whose saved stats are stale or absent
    (`recompute`: all of them). The caller holds the run lock and opened `store` for writing: `m3leo stats`,
    or a run's end. A collection with no train chip yet is left without stats."""
    out = {}
    for name in collections or store.collections():
        saved = None if recompute else load_stats(store, name)
        if saved is None:
            if not recompute and not np.any(split_codes(store, name) == SPLIT_NAMES.index(STATS_SPLIT)):
                continue
            saved = compute_stats(store, name, max_chips=max_chips)
            save_stats(store, name, saved)
        out[name] = saved
    return out


def store_stats(store_dir: str | Path, collections: Sequence[str] | None = None, *,
                max_chips: int | None = None) -> dict[str, dict[str, Any]]:
    """What `m3leo stats` does: under the dataset's run lock (exit 75 while a run holds it), recompute and save
    the stats of `collections` (default: all). Object storage has no lock file: there it runs without one."""
    from .state import RunLock  # sqlite and fcntl: only for the one command that writes stats

    probe = ChipStore.open(store_dir)  # no store there: one line (exit 2) before a lock file is made
    for name in collections or ():
        probe.spec(name)  # an unknown collection: one line, exit 2, before anything is computed
    lock = None if "://" in str(store_dir) else RunLock(store_dir).acquire()
    try:
        return update_stats(ChipStore.open(store_dir, mode="r+"), collections, recompute=True,
                            max_chips=max_chips)
    finally:
        if lock is not None:
            lock.release()


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


class Normaliser:
    """The statistics a dataset normalises with, per collection: `given` ones (e.g. a union over several
    stores), else the store's saved stats while their fingerprint matches, else computed in memory from (a
    sample of) the train split. It never writes a store; results are kept for the next dataset using it."""

    def __init__(self, given: Mapping[str, dict[str, Any]] | None = None, *,
                 max_chips: int | None = DEFAULT_MAX_CHIPS) -> None:
        self.given = dict(given or {})
        self.max_chips = max_chips
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}

    def stats(self, store: ChipStore, name: str) -> dict[str, Any]:
        if name in self.given:
            return self.given[name]
        key = (str(store.root), name)
        if key not in self._cache:
            self._cache[key] = fresh_stats(store, name, max_chips=self.max_chips)
        return self._cache[key]

    def derived(self, store: ChipStore, spec: Any, stack: Sequence[Any]) -> dict[str, Any]:
        """The stats of an input's derived bands: given (under the collection's "derived"), else computed."""
        given = (self.given.get(spec.key) or {}).get("derived")
        if given:
            return given
        key = (str(store.root), f"{spec}#derived")
        if key not in self._cache:
            self._cache[key] = derived_stats(store, spec, stack)
        return self._cache[key]


def combine_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Stats over the union of several stores' train splits: class counts add up; per-band moments merge
    (`Moments.merge`), min/max take the extremes. Derived-band stats merge the same way."""
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


def _merge_bands(parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(b for p in parts for b in p))
    total = Moments.empty(len(names))
    for p in parts:
        total = total.merge(Moments.from_bands(p, names))
    return total.to_bands(names)


def derived_stats(st: ChipStore, spec: Any, stack: Sequence[Modality], max_chips: int = 64,
                  seed: int = 0) -> dict[str, Any]:
    """{"bands": {expr: {mean, std, count}}} of an input's derived bands (`spec`: an inputs.InputSpec) over (a
    seeded sample of) its train chips, pooled over the stacked periods: the shape `band_mean_std` reads."""
    rows = split_rows(st, spec.key, "train")
    if rows.size > max_chips:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_chips, replace=False))
    moments = Moments.empty(len(spec.derived))
    for m in stack:
        reader = ChunkReader(str(st.root), m)
        valid = st.read_valid(spec.key, t=m.time_index)  # one float32 a chip
        for r in rows:
            if not valid[r] > 0:
                continue
            raw = reader.read(int(r), reuse=True)  # evaluate() copies what it needs
            values = [d.evaluate(m.bands, raw, m.nodata) for d in spec.derived]
            moments = moments.merge(Moments.of([v[np.isfinite(v)] for v in values]))
    return {"bands": moments.to_bands([d.text for d in spec.derived])}
