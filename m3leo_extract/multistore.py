"""Several stores as one dataset: regions extracted separately, trained together, one held out.

    ds = MultiStoreDataset(["data/europe", "data/conus"], inputs="s1:2020-*", target="esa_worldcover")
    train, val, test = holdout_datasets(["data/europe", "data/conus", "data/china"], holdout="data/europe", ...)

- Chips are aligned by id: a chip id in more than one store is read from the first store that has it (two
  regions extracted with overlapping AOIs do not count a chip twice), and in a held-out split no chip of the
  held-out store is trained or validated on, whichever store it also sits in.
- Normalisation statistics (and class lists from them) are computed over the union of the training stores'
  train splits (`stats.combine_stats`: exact merge of the moments), never from the held-out region.
- `holdout_datasets`: train = every other store's train split, val = their val split, test = every chip of the
  held-out store (the region is unseen as a whole, as M3LEO's "train on every region but Europe" baselines).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import Dataset

from .dataindex import ChipIds, id_keys
from .dataset import ChipDataset
from .errors import UsageError
from .inputs import InputSpec, parse_inputs
from .stats import DEFAULT_MAX_CHIPS, Normaliser, combine_stats, derived_stats, fresh_stats
from .store import ChipStore


def _open(s: ChipStore | str | Path) -> ChipStore:
    return s if isinstance(s, ChipStore) else ChipStore.open(s, mode="r")


def union_stats(stores: Sequence[ChipStore | str | Path], inputs: Sequence[str | InputSpec] | str,
                target: str | None, *, max_chips: int | None = DEFAULT_MAX_CHIPS) -> dict[str, dict[str, Any]]:
    """Per collection (inputs and target), the stats over the union of the stores' train splits: each store's
    saved stats while fresh, else computed in memory (nothing is written)."""
    specs = parse_inputs(inputs)
    names = [s.key for s in specs] + ([target] if target else [])
    out = {}
    for name in names:
        parts = []
        for st in map(_open, stores):
            stats = dict(fresh_stats(st, name, max_chips=max_chips))
            spec = next((s for s in specs if s.key == name), None)
            if spec is not None and spec.derived and st.spec(name).kind != "categorical":
                probe = ChipDataset(st, inputs=[spec], target=None, split="train", normalize=False)
                stats["derived"] = derived_stats(st, spec, probe.stacks[name])
            parts.append(stats)
        out[name] = combine_stats(parts)
    return out


class MultiStoreDataset(Dataset):
    """The `split` chips of several stores as one map-style dataset; the same samples as ChipDataset."""

    def __init__(self, stores: Sequence[ChipStore | str | Path], inputs: Sequence[str | InputSpec] | str = ("s1",),
                 target: str | None = "esa_worldcover", split: str | None = "train",
                 period: str | dict[str, str] | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, *,
                 stats: Mapping[str, dict[str, Any]] | None = None, exclude: Sequence[str] | np.ndarray = (),
                 stats_stores: Sequence[ChipStore | str | Path] | None = None, **kw: Any) -> None:
        opened = [_open(s) for s in stores]
        if not opened:
            raise UsageError("MultiStoreDataset needs at least one store")
        roots = [str(Path(str(s.root)).resolve()) for s in opened]
        if len(set(roots)) < len(roots):
            raise UsageError("the same store is given twice; give each region's store once")
        if stats is None:
            stats = union_stats(stats_stores or opened, inputs, target)
        self.stats = dict(stats)
        seen = id_keys(exclude)  # int64 chip keys: a chip of an earlier store is read from that store only
        self.parts: list[ChipDataset] = []
        for st in opened:
            ds = ChipDataset(st, inputs=inputs, target=target, split=split, period=period, transforms=transforms,
                             stats=self.stats, exclude=seen, **kw)
            seen = np.concatenate([seen, ds.chip_keys])
            self.parts.append(ds)
        del seen
        first = self.parts[0]
        for ds in self.parts[1:]:
            if ds.channel_names() != first.channel_names() or ds.classes != first.classes:
                raise UsageError(f"stores {first.root} and {ds.root} give different channels or classes "
                                 f"({ds.channel_names()} vs {first.channel_names()}); extract the same "
                                 "collections and periods in each")
        self.roots = [ds.root for ds in self.parts]
        self._ends: list[int] = []
        n = 0
        for ds in self.parts:
            n += len(ds)
            self._ends.append(n)

    # The ChipDataset surface train.py and the DataModule use.
    def __getattr__(self, name: str) -> Any:
        if name in ("inputs", "input_specs", "target", "split", "classes", "class_names", "task", "num_classes",
                    "modalities", "stacks", "as_image", "channel_names", "channels"):
            return getattr(self.__dict__["parts"][0], name)
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def chip_keys(self) -> np.ndarray:
        return np.concatenate([ds.chip_keys for ds in self.parts])

    @property
    def chip_ids(self) -> ChipIds:
        return ChipIds(self.chip_keys)

    @property
    def skipped(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for ds in self.parts:
            for k, v in ds.skipped.items():
                out[k] = out.get(k, 0) + v
        return out

    def target_stats(self) -> dict[str, Any]:
        if not self.target:
            raise UsageError("this dataset has no target")
        return self.stats[self.target]

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _locate(self, i: int) -> tuple[int, int]:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"chip index {i} out of range for {len(self)} chips")
        p = bisect.bisect_right(self._ends, i)
        return p, i - (self._ends[p - 1] if p else 0)

    def sample(self, i: int, window: tuple[int, int, int, int] | None = None) -> dict[str, Any]:
        p, j = self._locate(i)
        return self.parts[p].sample(j, window)

    def read_raw(self, name: str, i: int, k: int = 0) -> Any:
        p, j = self._locate(i)
        return self.parts[p].read_raw(name, j, k)

    def __getitem__(self, key: Any) -> dict[str, Any]:
        if isinstance(key, (tuple, list)):
            i, y0, x0, h, w = (int(k) for k in key)
            return self.sample(i, (y0, x0, h, w))
        return self.sample(int(key))

    def __repr__(self) -> str:
        return (f"MultiStoreDataset({self.split}: {len(self)} chips from {len(self.parts)} stores "
                f"({', '.join(f'{Path(r).name} {len(d)}' for r, d in zip(self.roots, self.parts, strict=True))}))")


def holdout_datasets(stores: Sequence[ChipStore | str | Path], holdout: ChipStore | str | Path,
                     inputs: Sequence[str | InputSpec] | str, target: str | None, **kw: Any
                     ) -> tuple[MultiStoreDataset, MultiStoreDataset, MultiStoreDataset]:
    """(train, val, test): train/val on every store but `holdout`, test on all of the held-out store's chips."""
    opened = [_open(s) for s in stores]
    held = _open(holdout)
    key = str(Path(str(held.root)).resolve())
    others = [s for s in opened if str(Path(str(s.root)).resolve()) != key]
    if len(others) == len(opened):
        raise UsageError(f"--holdout {held.root} is not one of the --store directories")
    if not others:
        raise UsageError("--holdout leaves no store to train on; give at least two --store directories")
    held_keys = ChipDataset(held, inputs=inputs, target=target, split=None, normalize=False,
                            period=kw.get("period")).chip_keys
    stats = union_stats(others, inputs, target)
    train = MultiStoreDataset(others, inputs, target, "train", stats=stats, exclude=held_keys, **kw)
    val = MultiStoreDataset(others, inputs, target, "val", stats=stats, exclude=held_keys, **kw)
    test = MultiStoreDataset([held], inputs, target, None, stats=stats, **kw)
    return train, val, test


def split_datasets(store: str | Path | Sequence[str | Path], inputs: Sequence[str | InputSpec] | str,
                   target: str | None, *, period: str | dict[str, str] | None = None,
                   holdout: str | Path | None = None) -> tuple[Any, Any, Any]:
    """(train, val, test): one store's splits; several stores' splits with stats over their union's train split;
    or, with `holdout`, the other stores' train/val and every chip of the held-out store as test."""
    kw: dict[str, Any] = {"inputs": inputs, "target": target, "period": period}
    if not isinstance(store, (list, tuple)):
        st, norm = _open(store), Normaliser()  # one store handle; the train-split stats computed once for all three
        return tuple(ChipDataset(st, split=s, normaliser=norm, **kw) for s in ("train", "val", "test"))  # type: ignore
    roots = [str(Path(str(s)).resolve()) for s in store]
    if len(set(roots)) < len(roots):
        raise UsageError("the same store is given twice; give each region's store once")
    if holdout is not None:
        return holdout_datasets(store, holdout, inputs, target, period=period)
    stats = union_stats(store, inputs, target)
    return tuple(MultiStoreDataset(store, split=s, stats=stats, **kw)  # type: ignore[return-value]
                 for s in ("train", "val", "test"))
