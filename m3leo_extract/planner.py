"""The one planner: chips x recipes x periods -> work units, with no store, state or network.

A work unit is one Zarr shard of one collection and composite period. A chip's shard is its index in the
collection (the order the store appended it) divided by the collection's chips per shard. `extract` plans with
the store's index of every chip and upserts the units into the state; `m3leo plan` counts the same units for a
new store (index = position in id order, as a first run appends them). `plan_chip_units` does the same from
the chips as arrays, `UNIT_BATCH_CHIPS` chips at a time, so a continent's units stream without a list of ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .catalog import Period, Recipe
from .defaults import DEFAULT_SHARD_CHIPS
from .errors import UsageError
from .grid import ChipArrays


@dataclass(frozen=True, slots=True)
class PlannedUnit:
    """One unit to do: the chips of `shard` of `collection` for composite `period`."""

    collection: str
    period: str
    shard: int
    chips: tuple[str, ...]
    recipe_version: int
    mode: str

    def row(self) -> tuple[str, str, int, tuple[str, ...], int, str]:
        """As `StateDB.upsert_units` takes it."""
        return self.collection, self.period, self.shard, self.chips, self.recipe_version, self.mode


def composites(recipe: Recipe, periods: Sequence[Period]) -> list[Period]:
    """The composite periods of `recipe` that `periods` cover, in time order."""
    return sorted({c for p in periods for c in recipe.periods(p)})


def shard_sizes(existing: Mapping[str, int], recipes: Sequence[Recipe], asked: int | None,
                where: Any = "the store") -> dict[str, int]:
    """Chips per shard of each collection: an existing collection's own (`existing`), else `asked`, else
    DEFAULT_SHARD_CHIPS. A size asked that differs from an existing collection's is refused, never silently
    kept (extract, tile and plan refuse it the same way)."""
    out = {}
    for r in recipes:
        name = getattr(r, "name", r)
        if name in existing:
            size = int(existing[name])
            if asked is not None and asked != size:
                raise UsageError(f"collection {name!r} in {where} has {size} chips per shard, but {asked} were "
                                 "asked (--shard-chips, or options.shard_chips in m3leo.toml); drop the flag (the "
                                 "store's size is kept) or use a new --store")
            out[name] = size
        else:
            out[name] = asked or DEFAULT_SHARD_CHIPS
    return out


def plan_units(chip_ids: Sequence[str], recipes: Sequence[Recipe], periods: Sequence[Period],
               sizes: Mapping[str, int], *, mode: str,
               index: Mapping[str, Sequence[int]] | None = None) -> Iterator[PlannedUnit]:
    """The units of `chip_ids` for every recipe and composite, collection by collection, shard by shard.

    `index[name][i]` is chip `chip_ids[i]`'s index in collection `name` (None, or a collection missing from
    it: as a new collection lays them out, position i).
    """
    for recipe in recipes:
        idx = index.get(recipe.name) if index else None
        per = sizes[recipe.name]
        by_shard: dict[int, list[str]] = {}
        for i, cid in enumerate(chip_ids):
            by_shard.setdefault(int(idx[i] if idx is not None else i) // per, []).append(cid)
        for comp in composites(recipe, periods):
            for shard, ids in sorted(by_shard.items()):
                yield PlannedUnit(recipe.name, comp.label, shard, tuple(ids), recipe.version, str(mode))


UNIT_BATCH_CHIPS = 65_536  # chips whose ids plan_chip_units makes at once (whole shards)


def plan_chip_units(chips: ChipArrays, recipes: Sequence[Recipe], periods: Sequence[Period],
                    sizes: Mapping[str, int], *, mode: str,
                    index: Mapping[str, np.ndarray] | None = None) -> Iterator[PlannedUnit]:
    """`plan_units` of chips as arrays: the same units in the same order, generated a batch of shards at a
    time (memory: a few int64 per chip, and the ids of one batch)."""
    n = len(chips)
    for recipe in recipes:
        idx = index.get(recipe.name) if index else None
        shard = (np.arange(n, dtype="int64") if idx is None else np.asarray(idx, dtype="int64")) // sizes[recipe.name]
        order = np.argsort(shard, kind="stable")  # shard by shard, each in the chips' order, as plan_units
        starts = np.flatnonzero(np.r_[True, np.diff(shard[order]) != 0]) if n else np.zeros(0, "int64")
        bounds = np.r_[starts, n].astype("int64")
        for comp in composites(recipe, periods):
            for units in _shard_batches(chips, order, shard, bounds):
                for s, ids in units:
                    yield PlannedUnit(recipe.name, comp.label, s, ids, recipe.version, str(mode))


def _shard_batches(chips: ChipArrays, order: np.ndarray, shard: np.ndarray,
                   bounds: np.ndarray) -> Iterator[list[tuple[int, tuple[str, ...]]]]:
    """(shard, chip ids) of consecutive shards, ~UNIT_BATCH_CHIPS chips per list."""
    k = 0
    while k < len(bounds) - 1:
        j = int(np.searchsorted(bounds, bounds[k] + UNIT_BATCH_CHIPS, side="right")) - 1
        j = min(max(j, k + 1), len(bounds) - 1)
        lo, hi = int(bounds[k]), int(bounds[j])
        sel = order[lo:hi]
        ids = chips[sel].ids()
        yield [(int(shard[sel[a - lo]]), tuple(ids[a - lo:b - lo]))
               for a, b in zip(bounds[k:j].tolist(), bounds[k + 1:j + 1].tolist(), strict=True)]
        k = j
