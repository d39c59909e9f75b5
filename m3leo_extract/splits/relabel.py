"""A store's split scheme: choosing it, recording it (store attributes and m3leo.toml), re-labelling its chips.

The scheme is part of the dataset definition: m3leo.toml's `split`, recorded in the store's root attributes
(`split_scheme`), and every chip's label is the store's `split` array, which `stats`, `ChipDataset` and `train`
read. Changing the scheme re-labels the chips in place (nothing is refetched) and drops normalisation
statistics computed on the old train split. Re-labelling is a metadata change: it runs under the dataset's run
lock (`apply_split` takes it; a caller that already holds it, such as a run, calls `relabel`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .schemes import DEMO_SPLIT, DEMO_SPLIT_WHY, SPLIT_NAMES, SPLITS, SplitScheme
from .table import resolve

if TYPE_CHECKING:  # zarr is heavy: the store is imported where it is used
    from ..store import ChipStore


@dataclass(frozen=True)
class SplitChange:
    """What `apply_split` did: the scheme before and after, and chips per split and collection after."""

    before: str
    after: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def totals(self) -> dict[str, int]:
        """Chips per split over the collections (a chip in several collections counts once: the largest)."""
        totals: dict[str, int] = {}
        for per in self.counts.values():
            for k, v in per.items():
                totals[k] = max(totals.get(k, 0), v)
        return totals

    def line(self) -> str:
        totals = self.totals()
        relabelled = self.changed and any(sum(per.values()) for per in self.counts.values())
        head = (f"split {self.after} (was {self.before}): chips re-labelled, normalisation statistics of the "
                "old train split dropped" if relabelled else f"split {self.after}")
        return head + ("; " + ", ".join(f"{k} {v}" for k, v in totals.items()) if totals else "")

    def warning(self) -> str | None:
        """One line when the scheme leaves train, val or test without a chip in a store that has chips."""
        return empty_split_warning(self.after, self.totals())


def empty_split_warning(scheme: str, counts: dict[str, int]) -> str | None:
    """A warning line naming the empty splits of `counts` (chips per split), or None when each has chips."""
    total = sum(counts.values())
    empty = [s for s in SPLITS if not counts.get(s)]
    if not total or not empty:
        return None
    return (f"warning: split {scheme} leaves {', '.join(empty)} without chips ({total} chips: "
            f"{', '.join(f'{k} {counts.get(k, 0)}' for k in SPLIT_NAMES)}); for a small AOI use narrower bands, "
            f"e.g. --scheme {DEMO_SPLIT}")


def default_for_aoi(aoi_name: str) -> tuple[str | None, str]:
    """(scheme, why) to use when none is given: the demo AOI is too small for the default bands."""
    if aoi_name == "demo":
        return DEMO_SPLIT, DEMO_SPLIT_WHY
    return None, ""


def choose_split(given: str | None, aoi_name: str,
                 store_dir: str | Path | None = None) -> tuple[SplitScheme | None, str]:
    """(scheme, why) a command uses: the given one, else the store's (None: keep it), else the AOI's default.

    `why` says why a default other than the default scheme was picked ("" otherwise). Every scheme is resolved
    here, so a bad one fails before anything is written.
    """
    if given is not None:
        return resolve(given), ""
    from ..shards import store_exists

    if store_dir is not None and store_exists(store_dir):
        return None, ""
    default, why = default_for_aoi(aoi_name)
    return resolve(default), why


def _tally(labels: np.ndarray) -> np.ndarray:
    """Chips per SPLIT_NAMES entry of some labels (int64; a label outside SPLIT_NAMES is counted nowhere)."""
    from ..chipblocks import split_code_of

    codes = split_code_of(labels, unknown=len(SPLIT_NAMES))
    return np.bincount(codes, minlength=len(SPLIT_NAMES) + 1)[:len(SPLIT_NAMES)]


def _as_counts(tally: np.ndarray) -> dict[str, int]:
    return {s: int(k) for s, k in zip(SPLIT_NAMES, tally.tolist(), strict=True)}


def _relabel_collection(store: ChipStore, name: str, scheme: SplitScheme) -> dict[str, int]:
    """Re-label one collection a block at a time (chipblocks.blocks): a block whose labels change is written
    with one slice write, the others are left alone. Memory is one block, whatever the collection's size."""
    from ..chipblocks import block_chips, blocks

    names = np.array(SPLIT_NAMES, dtype=object)
    tally = np.zeros(len(SPLIT_NAMES), dtype="int64")
    changed = False
    for lo, hi in blocks(store, name):
        codes = block_chips(store, name, lo, hi).split_codes(scheme)
        tally += np.bincount(codes, minlength=len(SPLIT_NAMES))[:len(SPLIT_NAMES)]
        labels = names[codes]
        if not np.array_equal(store.column(name, "split", lo, hi).astype(object), labels):
            store.write_split_labels(name, labels, lo)
            changed = True
    if changed:
        store.drop_attr(name, "stats")
    return _as_counts(tally)


def relabel(store: ChipStore, scheme: SplitScheme | str) -> dict[str, dict[str, int]]:
    """Record `scheme` in `store` (opened for writing; the caller holds the run lock) and re-label every
    collection's chips with it (nothing is refetched). Saved normalisation statistics of a collection whose
    labels changed are dropped (they were computed on the old train split). Returns {collection: {split: chips}}.
    """
    sch = resolve(scheme)
    store.record_split_scheme(sch)  # new chips from now on get their labels under it
    out = {name: _relabel_collection(store, name, sch) for name in store.collections()}
    store.consolidate()
    return out


def counts(store: ChipStore) -> dict[str, dict[str, int]]:
    """{collection: {split: chips}} as the store's labels are now (read a block at a time)."""
    from ..chipblocks import blocks

    out = {}
    for name in store.collections():
        tally = np.zeros(len(SPLIT_NAMES), dtype="int64")
        for lo, hi in blocks(store, name):
            tally += _tally(store.column(name, "split", lo, hi))
        out[name] = _as_counts(tally)
    return out


@contextmanager
def _run_lock(store_dir: str | Path) -> Iterator[None]:
    """The dataset's run lock (object storage has no lock file: none there)."""
    if "://" in str(store_dir):
        yield
        return
    from ..state import RunLock

    with RunLock(store_dir):
        yield


def apply_split(store_dir: str | Path, scheme: str | SplitScheme | None, *, locked: bool = False,
                store: ChipStore | None = None) -> SplitChange:
    """Make `scheme` the store's (creating the store if needed) and m3leo.toml's; re-label when it changed.

    `scheme` None keeps what the store has. Takes the run lock (exit 75 while a run holds it) unless the caller
    holds it already (`locked=True`, or `store`: the run's open, writable ChipStore of `store_dir`).
    """
    from ..store import ChipStore

    if not locked and store is None:
        with _run_lock(store_dir):
            return apply_split(store_dir, scheme, locked=True)
    st = store if store is not None else ChipStore.open(store_dir, create=True)
    before = st.split_scheme()
    if scheme is None:
        return SplitChange(str(before), str(before), counts(st))
    wanted = resolve(scheme)
    same = str(wanted) == str(before) and (not wanted.needs_table or dict(before.table or {}) == dict(wanted.table
                                                                                                    or {}))
    after = counts(st) if same else relabel(st, wanted)
    _record_in_config(store_dir, str(wanted))
    return SplitChange(str(before), str(wanted), after)


def _record_in_config(store_dir: str | Path, scheme: str) -> None:
    from ..config import CONFIG_FILE, DatasetConfig

    if (Path(store_dir) / CONFIG_FILE).is_file():
        cfg = DatasetConfig.load(store_dir)
        if cfg.split != scheme:
            cfg.split = scheme
            cfg.save(store_dir)
