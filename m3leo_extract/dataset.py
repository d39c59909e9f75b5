"""`ChipDataset`: the chip store as a PyTorch map-style dataset, one sample per chip.

A sample is a dict with TorchGeo's key conventions so its transforms plug in:

    <input name>  (C, H, W) float32   each input collection, normalised with the store's train-split stats;
                                      nodata / NaN become 0 after normalisation (categorical inputs: one-hot)
    "image"       (C, H, W) float32   instead of the per-input keys when `as_image=True` (inputs concatenated)
    "mask"        (H, W) int64        categorical target: class codes mapped to 0..K-1, nodata -> IGNORE_INDEX
                  (C, H, W) float32   continuous target, in stored units, nodata -> NaN
    "chip_id" str, "crs" str ("EPSG:32631"), "bounds" float64 tensor (x_min, y_min, x_max, y_max) in the CRS

These are TorchGeo's keys and types ("image" float, "mask" long, "crs", "bounds"), so its `stack_samples` /
`unbind_samples` batch and split samples, and its kornia-based transforms apply to "image" / "mask" (with
`as_image=True`). One difference: "crs" is the "EPSG:326zz" string, not a pyproj CRS object (pyproj,
rasterio and TorchGeo accept either), because torch's default_collate cannot batch CRS objects.

Modalities are aligned by chip id. A chip that lacks a requested collection, or whose period was never
written or is empty (valid fraction NaN or <= `min_valid`), is skipped and counted in `ds.skipped[name]`;
nothing is ever zero-filled. Reading one chip is one chunk read per modality: on a local store the reader
pulls the chunk's byte range straight out of its shard file (shard index + one `pread` + one decode), and
falls back to zarr for anything else (object storage, other codecs). Readers open lazily in each process,
so the dataset pickles cheaply into DataLoader workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .dataindex import ChipIds, select_rows
from .errors import UsageError
from .grid import Chip
from .inputs import InputSpec, parse_inputs, pick_period
from .memory import keep_freed_memory
from .nodata import nodata_mask
from .shards import ChunkReader, Modality
from .stats import DEFAULT_MAX_CHIPS, Normaliser, band_mean_std
from .store import ChipStore

__all__ = ["IGNORE_INDEX", "ChipDataset", "ChunkReader", "Modality", "Normaliser", "collate", "pick_period"]

IGNORE_INDEX = -100  # torch.nn.CrossEntropyLoss's default ignore_index


class ChipDataset(Dataset):
    """Chips of `split` that have every input and the target, as dict samples (see the module docstring)."""

    def __init__(self, store: ChipStore | str | Path, inputs: Sequence[str | InputSpec] | str = ("s1", "s2"),
                 target: str | None = "esa_worldcover", split: str | None = "train",
                 period: str | dict[str, str] | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, *,
                 normalize: bool = True, min_valid: float = 0.0, as_image: bool = False,
                 stats_max_chips: int | None = DEFAULT_MAX_CHIPS, stats: Mapping[str, dict[str, Any]] | None = None,
                 normaliser: Normaliser | None = None, exclude: Collection[str] | np.ndarray = ()) -> None:
        """`normaliser` gives the train-split statistics (default: the store's saved ones while fresh, else
        computed in memory from up to `stats_max_chips` train chips); `stats` is shorthand for a Normaliser of
        given per-collection statistics (e.g. a union over several stores). `exclude` drops those chips (e.g. a
        held-out region's: id strings, a `chip_ids` or int64 `chip_keys`). The store is opened read-only:
        building or reading a dataset never writes."""
        st = store if isinstance(store, ChipStore) else ChipStore.open(store, mode="r")
        self.root = str(st.root)
        self.input_specs = parse_inputs(inputs)
        self.inputs = [s.key for s in self.input_specs]
        if target is not None and target in self.inputs:
            raise UsageError(f"{target!r} is both an input and the target; pick one role for it")
        self.target = target
        self.split = split
        self.transforms = transforms
        self.as_image = as_image
        self.normaliser = normaliser or Normaliser(stats, max_chips=stats_max_chips)
        names = self.inputs + ([target] if target else [])
        periods = period if isinstance(period, dict) else {n: period for n in names}
        specs = {s.key: s for s in self.input_specs}
        self.modalities: dict[str, Modality] = {}  # the first (or only) period of each collection
        self.stacks: dict[str, list[Modality]] = {}  # every period an input stacks, in channel order
        for name in names:
            spec = st.spec(name)
            labels = st.periods(name)
            if name in specs:
                specs[name].check_bands(spec.bands)
                chosen = specs[name].resolve_periods(labels, periods.get(name))
            else:
                chosen = [pick_period(name, labels, periods.get(name))]
            self.stacks[name] = [Modality(spec, label, labels.index(label), st.shard_chips(name)) for label in chosen]
            self.modalities[name] = self.stacks[name][0]
        self._select_chips(st, names, split, min_valid, exclude)
        self._setup_encoding(st, normalize)
        self._readers: dict[tuple[str, int], ChunkReader] = {}
        self._pid = os.getpid()

    def _select_chips(self, st: ChipStore, names: list[str], split: str | None, min_valid: float,
                      exclude: Collection[str] | np.ndarray) -> None:
        # Candidates: the split's chips of the target (or of the first input when unlabelled), joined to every
        # collection by int64 chip keys (dataindex.py: a few int64 a chip, no per-chip Python object).
        sel = select_rows(st, names, self.target or self.inputs[0],
                          {n: [m.time_index for m in self.stacks[n]] for n in names}, split, min_valid, exclude)
        self.skipped: dict[str, int] = sel.skipped
        self.chip_keys: np.ndarray = sel.keys  # int64 keys (grid.chip_keys) of the chips, in sample order
        self.n_skipped = sel.n_candidates - len(sel.keys)
        self._rows = sel.rows

    @property
    def chip_ids(self) -> ChipIds:
        """The chips' ids in sample order: a read-only sequence of str over `chip_keys`."""
        return ChipIds(self.chip_keys)

    def _setup_encoding(self, st: ChipStore, normalize: bool) -> None:
        # Normalisation (continuous inputs) and one-hot codes (categorical inputs), from train-split stats.
        self._norm: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._derived_norm: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._onehot: dict[str, np.ndarray] = {}
        for spec in self.input_specs:
            name = spec.key
            m = self.modalities[name]
            if m.kind == "categorical":
                self._onehot[name] = np.array(self._class_codes(st, name), dtype="int64")
            elif normalize:
                mean, std = band_mean_std(self.normaliser.stats(st, name), m.bands)
                self._norm[name] = (mean[:, None, None], (1.0 / std)[:, None, None].astype("float32"))
                if spec.derived:
                    dm, ds = band_mean_std(self.normaliser.derived(st, spec, self.stacks[name]),
                                           [d.text for d in spec.derived])
                    self._derived_norm[name] = (dm[:, None, None], (1.0 / ds)[:, None, None].astype("float32"))
        self.classes: list[int] = []
        self.class_names: list[str] = []
        self._lut: np.ndarray | None = None
        target = self.target
        if target and self.modalities[target].kind == "categorical":
            self.classes = self._class_codes(st, target)
            names_by_code = st.attrs(target).get("classes") or {}
            self.class_names = [str(names_by_code.get(str(c), c)) for c in self.classes]
            self._lut = _class_lut(self.classes, self.modalities[target])

    # -- metadata ---------------------------------------------------------------------------------------------
    def _class_codes(self, st: ChipStore, name: str) -> list[int]:
        """Class codes from the collection's legend, else the codes seen in its train split."""
        legend = st.attrs(name).get("classes") or {}
        if legend:
            return sorted(int(k) for k in legend)
        counts = self.normaliser.stats(st, name).get("class_counts", {})
        return sorted(int(k) for k in counts)

    @property
    def task(self) -> str | None:
        """"segmentation" (categorical target), "regression" (continuous target) or None (no target)."""
        if not self.target:
            return None
        return "segmentation" if self.modalities[self.target].kind == "categorical" else "regression"

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def channels(self) -> dict[str, int]:
        """Channels per input key as the samples hold them."""
        return {n: len(v) for n, v in self.channel_names().items()}

    def channel_names(self) -> dict[str, list[str]]:
        """Per input key, its channels in order: `band@period` (period-major), derived bands after each period's."""
        out = {}
        for spec in self.input_specs:
            n = spec.key
            names: list[str] = []
            for m in self.stacks[n]:
                per = ([f"class{c}" for c in self._onehot[n]] if n in self._onehot else list(m.bands))
                per += [d.text for d in spec.derived]
                names += [f"{b}@{m.period}" for b in per]
            out[n] = names
        return out

    def target_stats(self) -> dict[str, Any]:
        """The target's train-split stats (class counts, or per-band mean/std)."""
        if not self.target:
            raise UsageError("this dataset has no target")
        return self.normaliser.stats(ChipStore.open(self.root, mode="r"), self.target)

    def __len__(self) -> int:
        return int(self.chip_keys.shape[0])

    def __repr__(self) -> str:
        periods = ", ".join(f"{n}@{'+'.join(m.period for m in self.stacks[n])}" for n in self.stacks)
        return (f"ChipDataset({self.split}: {len(self)} chips, {periods}, target={self.target!r}, "
                f"skipped={self.skipped})")

    # -- pickling into workers: no open readers travel ------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_readers"] = {}
        return state

    def _reader(self, name: str, k: int = 0) -> ChunkReader:
        if self._pid != os.getpid():  # a forked worker: open our own
            self._readers, self._pid = {}, os.getpid()
        r = self._readers.get((name, k))
        if r is None:
            r = self._readers[(name, k)] = ChunkReader(self.root, self.stacks[name][k])
        return r

    # -- reading ----------------------------------------------------------------------------------------------
    def read_raw(self, name: str, i: int, k: int = 0, *, reuse: bool = False) -> np.ndarray:
        """Chip `i`'s stored values of collection `name`, period `k` of its stack, (band, y, x), as stored.

        `reuse=True` (what `sample` uses: it encodes into new arrays at once) may return the reader's own
        buffer, overwritten by the next such read of that collection and period."""
        return self._reader(name, k).read(int(self._rows[name][i]), self.chip_ids[i], reuse=reuse)

    def __getitem__(self, key: int | tuple[int, int, int, int, int]) -> dict[str, Any]:
        """An index, or (index, y0, x0, h, w) for a window in the target's pixels (samplers may yield those)."""
        if isinstance(key, (tuple, list)):
            i, y0, x0, h, w = (int(k) for k in key)
            return self.sample(i, (y0, x0, h, w))
        return self.sample(int(key))

    def sample(self, i: int, window: tuple[int, int, int, int] | None = None) -> dict[str, Any]:
        keep_freed_memory()  # once per process (a DataLoader worker): its chip-sized arrays fault no pages
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"chip index {i} out of range for {len(self)} chips")
        ref = self.modalities[self.target or self.inputs[0]]
        out: dict[str, Any] = {}
        for spec in self.input_specs:
            name = spec.key
            scale = self.modalities[name].chip_px / ref.chip_px
            parts = []
            for k in range(len(self.stacks[name])):
                raw = _crop(self.read_raw(name, i, k, reuse=True), window, scale)
                parts.append(self._encode_input(name, raw))
                if spec.derived:
                    parts.append(self._encode_derived(spec, raw))
            out[name] = torch.from_numpy(parts[0] if len(parts) == 1 else np.concatenate(parts, 0))
        if self.target:
            raw = _crop(self.read_raw(self.target, i, reuse=True), window, 1.0)
            out["mask"] = torch.from_numpy(self._encode_target(raw))
        if self.as_image:
            out = {"image": torch.cat([out.pop(n) for n in self.inputs], 0), **out}
        cid = self.chip_ids[i]
        chip = Chip.from_id(cid)
        x_min, y_min, x_max, y_max = chip.bounds
        if window is not None:  # the window's own footprint
            y0, x0, h, w = window
            res = ref.resolution
            x_min, x_max = x_min + x0 * res, x_min + (x0 + w) * res
            y_max, y_min = y_max - y0 * res, y_max - (y0 + h) * res
        out["chip_id"] = cid
        out["crs"] = chip.crs
        out["bounds"] = torch.tensor([x_min, y_min, x_max, y_max], dtype=torch.float64)
        if self.transforms is not None:
            out = self.transforms(out)
        return out

    def _encode_input(self, name: str, raw: np.ndarray) -> np.ndarray:
        m = self.modalities[name]
        if name in self._onehot:
            codes = self._onehot[name]
            return (raw[0][None] == codes[:, None, None]).astype("float32")
        if name in self._norm:
            mean, inv = self._norm[name]
            x = np.subtract(raw, mean, dtype="float32")  # a fresh array, then normalised in place
            np.multiply(x, inv, out=x)
        else:
            x = raw.astype("float32")
        if np.issubdtype(raw.dtype, np.floating):  # NaN nodata (and any NaN/inf) -> 0, the mean
            np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        if not m.nan_nodata:
            x[nodata_mask(raw, m.nodata)] = 0.0
        return x

    def _encode_derived(self, spec: InputSpec, raw: np.ndarray) -> np.ndarray:
        m = self.modalities[spec.key]
        x = np.stack([d.evaluate(m.bands, raw, m.nodata) for d in spec.derived])
        if spec.key in self._derived_norm:
            mean, inv = self._derived_norm[spec.key]
            x -= mean
            x *= inv
        return np.nan_to_num(x, copy=False, nan=0.0)

    def _encode_target(self, raw: np.ndarray) -> np.ndarray:
        m = self.modalities[self.target]  # type: ignore[index]
        if self._lut is not None:
            band = raw[0]
            if self._lut.size >= 256 and np.issubdtype(band.dtype, np.unsignedinteger) and band.itemsize <= 2:
                return self._lut[band]
            return _map_codes(band, self.classes, m.nodata)
        x = raw.astype("float32")
        if not m.nan_nodata:
            x[nodata_mask(raw, m.nodata)] = np.nan
        return x


def _class_lut(codes: list[int], m: Modality) -> np.ndarray:
    """code -> class index (int64), IGNORE_INDEX for nodata and codes outside the legend."""
    size = 65536 if np.dtype(m.dtype).itemsize == 2 else 256
    lut = np.full(size, IGNORE_INDEX, dtype="int64")
    for i, c in enumerate(codes):
        if 0 <= c < size:
            lut[c] = i
    if not m.nan_nodata and 0 <= int(m.nodata) < size:
        lut[int(m.nodata)] = IGNORE_INDEX
    return lut


def _map_codes(band: np.ndarray, codes: list[int], nodata: float | int) -> np.ndarray:
    arr = np.asarray(codes)
    pos = np.clip(np.searchsorted(arr, band), 0, len(arr) - 1)
    out = np.where(arr[pos] == band, pos, IGNORE_INDEX).astype("int64")
    return out


def _crop(raw: np.ndarray, window: tuple[int, int, int, int] | None, scale: float) -> np.ndarray:
    if window is None:
        return raw
    y0, x0, h, w = window
    if scale != 1.0:
        y0, x0, h, w = (int(round(v * scale)) for v in (y0, x0, h, w))
    return raw[:, y0:y0 + h, x0:x0 + w]


def collate(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack tensors, keep strings as lists (what torch's default_collate does, without its surprises)."""
    out: dict[str, Any] = {}
    for key in samples[0]:
        vals = [s[key] for s in samples]
        out[key] = torch.stack(vals) if isinstance(vals[0], torch.Tensor) else vals
    return out
