"""A collection's per-chip arrays read in bounded blocks, for readers that must stay flat to 17M chips.

A store of a continental AOI holds every chip of it in its chip arrays from the plan phase on, long before
most are fetched. Python objects per chip (a str id is ~60 bytes, a dict entry ~100 more) cost gigabytes
there, so `verify`, `stats`, `split`, `export` and the dataset index read the arrays a block of whole shards at
a time (`BLOCK_CHIPS`) and keep per chip at most a compact numpy value (an int8 split code, an int64 row).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .grid import ChipArrays
from .splits.schemes import NO_SPLIT, SPLIT_NAMES

if TYPE_CHECKING:
    from .store import ChipStore

BLOCK_CHIPS = 16_384  # chips per block read: ~1 MB of ids as Python strings; zarr reads a block's chunks at once


def blocks(store: ChipStore, name: str, block: int = BLOCK_CHIPS) -> Iterator[tuple[int, int]]:
    """(lo, hi) row ranges covering the collection, each a whole number of shards."""
    s = store.shard_chips(name)
    step = max(1, block // s) * s
    n = store.n_chips(name)
    for lo in range(0, n, step):
        yield lo, min(n, lo + step)


def split_code_of(labels: np.ndarray, unknown: int = SPLIT_NAMES.index(NO_SPLIT)) -> np.ndarray:
    """int8 codes into SPLIT_NAMES of an array of split names (an unknown name gets `unknown`: "none"'s)."""
    labels = np.asarray(labels).astype(object)
    codes = np.full(labels.shape, unknown, dtype="int8")
    for i, s in enumerate(SPLIT_NAMES):
        codes[labels == s] = i
    return codes


def split_codes(store: ChipStore, name: str) -> np.ndarray:
    """The split code of every chip of `name`, store order: one byte a chip (10 MB at 10M chips)."""
    out = np.empty(store.n_chips(name), dtype="int8")
    for lo, hi in blocks(store, name):
        out[lo:hi] = split_code_of(store.column(name, "split", lo, hi))
    return out


def split_rows(store: ChipStore, name: str, split: str) -> np.ndarray:
    """Rows (int64, ascending) of the chips labelled `split`."""
    return np.flatnonzero(split_codes(store, name) == SPLIT_NAMES.index(split))


def block_chips(store: ChipStore, name: str, lo: int, hi: int) -> ChipArrays:
    """Chips lo..hi-1 as arrays, from their epsg and corner columns (no id is parsed)."""
    return ChipArrays.from_corners(store.column(name, "epsg", lo, hi), store.column(name, "x_min", lo, hi),
                                   store.column(name, "y_min", lo, hi))


def id_blocks(store: ChipStore, name: str) -> Iterator[tuple[int, np.ndarray]]:
    """(lo, ids) of each block: the block's chip ids as an object array (only a block is held at a time)."""
    for lo, hi in blocks(store, name):
        yield lo, store.column(name, "chip", lo, hi)
