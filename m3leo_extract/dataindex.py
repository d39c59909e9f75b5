"""The training dataset's chip index, flat to 10M+ chips (issue 26): int64 keys and rows, no per-chip object.

`select_rows` picks the chips of a split that every collection holds with every stacked period written and
non-empty, reading each collection's per-chip arrays a block at a time (chipblocks.py) and joining the
collections by sorted int64 chip keys (`grid.chip_keys`), not by dicts of id strings. What it keeps is one
int64 key and one int64 row per collection a chip (~24 bytes a chip for two collections, 240 MB at 10M).

`ChipIds` shows the kept keys as the read-only sequence of id strings that `ChipDataset.chip_ids` always was:
an id is formatted when it is asked for, and the whole sequence pickles as one array.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .chipblocks import BLOCK_CHIPS, blocks, split_codes
from .grid import ChipArrays, chip_keys
from .splits.schemes import SPLIT_NAMES, SPLITS

if TYPE_CHECKING:
    from .store import ChipStore


class ChipIds(Sequence[str]):
    """Chip ids over an int64 key array: len, indexing, slicing (a ChipIds), iteration, `in`, `==` a list."""

    __slots__ = ("keys",)

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype="int64")

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> ChipIds: ...
    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return ChipIds(self.keys[i])
        return ChipArrays.from_keys(self.keys[[i]]).ids()[0]

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), BLOCK_CHIPS):
            yield from ChipArrays.from_keys(self.keys[lo:lo + BLOCK_CHIPS]).ids()

    def __contains__(self, item: object) -> bool:
        key = id_keys([item]) if isinstance(item, str) else np.zeros(0, "int64")
        return bool(key.size) and bool(np.any(self.keys == key[0]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChipIds):
            return bool(np.array_equal(self.keys, other.keys))
        if isinstance(other, (list, tuple)):
            return len(other) == len(self) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(c) for c in self[:3])
        return f"ChipIds([{head}{', ...' if len(self) > 3 else ''}], {len(self)} chips)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ChipIds, (self.keys,))


def id_keys(ids: Any) -> np.ndarray:
    """int64 keys of chip ids (a ChipIds, an int64 key array, or id strings); strings that are not chip ids
    (they match no chip) are dropped."""
    if isinstance(ids, ChipIds):
        return ids.keys
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        return ids.astype("int64")
    arr = np.array([str(c) for c in ids], dtype=str)
    if arr.size == 0:
        return np.zeros(0, "int64")
    arr = arr[np.char.str_len(arr) == 12]
    keys = chip_keys(arr)
    back = np.asarray(ChipArrays.from_keys(keys).ids(), dtype=arr.dtype) if keys.size else arr
    return keys[back == arr]  # a 12-character string that is no chip id formats back to something else


def candidate_rows(st: ChipStore, base: str, split: str | None) -> np.ndarray:
    """Rows (ascending) of `base`'s chips in `split` (None / "all": every chip)."""
    if split in (None, "all"):
        return np.arange(st.n_chips(base), dtype="int64")
    if split in SPLITS:
        return np.flatnonzero(split_codes(st, base) == SPLIT_NAMES.index(split)).astype("int64")
    parts = [lo + np.flatnonzero(st.column(base, "split", lo, hi).astype(object) == split)
             for lo, hi in blocks(st, base)]  # a label outside train/val/test: compared as text
    return np.concatenate(parts).astype("int64") if parts else np.zeros(0, "int64")


def lookup(have: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Row in `have` of each of `keys` (the last one, where a key repeats), -1 where absent. Sorts `have` in
    place (the caller's copy is spent): three int64 arrays of the collection at the peak."""
    if not have.size:
        return np.full(keys.shape, -1, dtype="int64")
    order = np.argsort(have, kind="stable")
    np.take(have, order, out=have)  # `have` sorted, without a second copy
    pos = np.searchsorted(have, keys, side="right") - 1
    hit = pos >= 0
    hit[hit] = have[pos[hit]] == keys[hit]
    del have
    out = order[np.maximum(pos, 0)]
    out[~hit] = -1
    return out


@dataclass
class Selection:
    keys: np.ndarray  # int64 key of each kept chip, in the base collection's store order
    rows: dict[str, np.ndarray]  # per collection, the kept chips' rows
    skipped: dict[str, int]  # per collection, candidates it lacks (or whose periods are unwritten / empty)
    n_candidates: int


def select_rows(st: ChipStore, names: Sequence[str], base: str, time_indices: dict[str, list[int]],
                split: str | None, min_valid: float, exclude: Collection[str] | np.ndarray = ()) -> Selection:
    """The chips of `base`'s `split`, less `exclude`, that every collection of `names` holds with each of its
    `time_indices` periods' valid fraction > `min_valid` (NaN, never written, fails)."""
    rows = candidate_rows(st, base, split)
    have = {base: st.chip_keys(base)}  # the base's keys, read once: candidates and then its own lookup
    keys = have[base][rows]
    del rows
    ex = id_keys(exclude)
    if ex.size and keys.size:
        keys = keys[~np.isin(keys, ex)]
    kept = np.ones(keys.shape, dtype=bool)
    found: dict[str, np.ndarray] = {}
    skipped: dict[str, int] = {}
    for n in names:
        if keys.size:
            r = lookup(have.pop(n) if n in have else st.chip_keys(n), keys)
        else:
            r = np.zeros(0, "int64")
        ok = r >= 0
        for t in time_indices[n] if keys.size else ():
            v = st.read_valid(n, t=t)  # one float32 a chip, one period at a time
            ok[ok] = v[r[ok]] > min_valid
            del v
        skipped[n] = int((~ok).sum())
        kept &= ok
        found[n] = r
    return Selection(keys[kept], {n: r[kept] for n, r in found.items()}, skipped, int(keys.size))
