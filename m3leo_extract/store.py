"""The chip store: one Zarr v3 group per collection, chips along the first axis, sharded.

Layout (docs/store-format.md has the full description):

    DIR/chips.zarr/<collection>/data   (chip, time, band, y, x)  one chip per chunk, S chips per shard
    DIR/chips.zarr/<collection>/chip   (chip,)  chip ids: xarray's index for the chip dimension
    ... epsg, x_min, y_min, split (chip,), time (time,), band (band,), valid (chip, time)

Metadata (new chips, new periods, attributes) changes only in the planning process. Workers only write
whole shards through `write_shard`, and a work unit is exactly one (collection, period, shard), so two
writers never touch the same shard file. Every metadata change ends with `consolidate()`, so the root's
consolidated metadata (what `xr.open_zarr` reads, in one request and without warnings) is always current;
the store's own handles read each node's zarr.json. `data` and `valid` name the per-chip arrays as their CF
`coordinates`, so xarray shows split/epsg/x_min/y_min as coordinates. Georeferenced single chips (rioxarray)
are in `georef.py`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.storage import LocalStore

from .catalog.period import latest_period, period_order
from .collection_attrs import CollectionAttrs
from .defaults import DEFAULT_SHARD_CHIPS, check_shard_chips
from .errors import MixedSourcesError, NotInStoreError, StoreError
from .grid import CHIP_SIZE_M, Chip, ChipArrays, find_sorted
from .shards import (
    DIMS,
    STORE_NAME,
    ChunkEncoder,
    CollectionSpec,
    ShardEncoder,
    array_path,
    chunk_codecs,
    corrupt_error,
    from_json_nodata,
    json_nodata,
    shard_file,
    store_path,
)
from .splits.schemes import DEFAULT_SCHEME, LEGACY_SPLIT, SPLIT_NAMES, SplitScheme
from .splits.table import resolve

FORMAT_VERSION = 1
_META_CHUNK = 4096  # chips per chunk of the small per-chip arrays (ids, epsg, corners, split)
_META_BATCH = 64 * _META_CHUNK  # chips read or written at a time by chip_keys / add_chip_arrays
# Per-chip arrays that xarray shows as coordinates of `data` and `valid` (CF "coordinates" attribute).
CHIP_COORDS = ("split", "epsg", "x_min", "y_min")
# The data array's codecs come from the format's home (shards.py); the name stays a module global of the
# writer so a test or benchmark can write a store of the older layout (no chunk checksum) by replacing it.
_chunk_codecs = chunk_codecs
__all__ = ["CHIP_COORDS", "DEFAULT_SHARD_CHIPS", "STORE_NAME", "ChipStore", "CollectionAttrs", "CollectionSpec",
           "open_dataset"]


def _unique(keys: np.ndarray) -> bool:
    """Whether no key repeats (one sorted copy: 8 bytes a chip)."""
    s = np.sort(keys)
    return not bool(np.any(s[1:] == s[:-1]))


class ChipStore:
    """A dataset directory's Zarr store. Cheap to open; safe to share between threads for writing."""

    def __init__(self, root: Path | str, group: zarr.Group, writable: bool = True) -> None:
        self.root = root
        self.group = group
        self.writable = writable
        self._index: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()
        # Opening a group or array reads and parses its zarr.json; workers write thousands of shards, so the
        # handles are opened once per ChipStore (all metadata changes go through these same objects).
        self._groups: dict[str, zarr.Group] = {}
        self._arrays: dict[tuple[str, str], Any] = {}
        self._shard: dict[str, int] = {}
        self._periods: dict[str, list[str]] = {}
        self._scheme: SplitScheme | None = None
        self._encoders: dict[tuple[str, str], Any] = {}  # direct shard writers (None: zarr writes)
        self._deferred = 0  # inside deferred_consolidation(): metadata changes consolidate once, at its end
        self._stale = False

    # -- opening --------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, directory: str | Path, create: bool = False, mode: str | None = None,
             consolidate: bool = True) -> ChipStore:
        """Open DIR/chips.zarr (DIR may be an fsspec URL such as s3://bucket/prefix).

        Read-only unless `create` (mode "a") or `mode="r+"`: readers (datasets, show, stats checks) never
        write; a writer says so. A write through a read-only store raises a one-line StoreError.
        `consolidate` False: a new store's consolidated metadata is left to the caller's
        `deferred_consolidation()` (a run writes it once, at its end)."""
        mode = mode or ("a" if create else "r")
        path = store_path(directory)
        if "://" not in path and not create and not Path(path).exists():
            raise NotInStoreError(f"no chip store at {path}; run `m3leo extract` or `m3leo tile` with --store "
                             f"{directory} first")
        try:
            # Our own handles read each node's zarr.json, never the consolidated copy (that is for readers).
            group = zarr.open_group(path, mode=mode, zarr_format=3,
                                    use_consolidated=False)
        except Exception as exc:  # zarr raises several types for a missing/corrupt store
            raise StoreError(f"cannot open the chip store at {path} ({exc}); is it a m3leo store?") from None
        new = create and "m3leo_format" not in group.attrs
        if new:
            group.attrs.update({"m3leo_format": FORMAT_VERSION, "split_scheme": str(DEFAULT_SCHEME),
                                "description": "m3leo-extract chip store: 4 x 4 km chips, one group per collection"})
        store = cls(directory, group, writable=mode != "r")
        if new and consolidate:
            store.consolidate()
        store._stale = new and not consolidate
        return store

    @property
    def path(self) -> str:
        return str(self.group.store_path)

    def _need_write(self, what: str) -> None:
        if not self.writable:
            raise StoreError(f"the chip store at {self.path} was opened read-only and cannot {what}; open it with "
                             "ChipStore.open(DIR, mode=\"r+\") to write (readers never write a store)")

    def collections(self) -> list[str]:
        return sorted(name for name, _ in self.group.groups())

    def _coll(self, name: str) -> zarr.Group:
        g = self._groups.get(name)
        if g is not None:
            return g
        try:
            g = self.group[name]
        except KeyError:
            raise NotInStoreError(f"collection {name!r} is not in the store {self.root}; it has "
                             f"{', '.join(self.collections()) or 'nothing yet'}") from None
        assert isinstance(g, zarr.Group)
        self._groups[name] = g
        return g

    def _arr(self, name: str, key: str) -> Any:
        a = self._arrays.get((name, key))
        if a is None:
            # Write every chunk: zarr's default compares each one with the fill value first to skip it, ~15% of
            # tile's time, and a chip that is all nodata is rare and compresses to almost nothing anyway.
            a = self._arrays[(name, key)] = self._coll(name)[key].with_config({"write_empty_chunks": True})
        return a

    def spec(self, name: str) -> CollectionSpec:
        a = dict(self._coll(name).attrs)
        return CollectionSpec(name=name, bands=tuple(a["bands"]), dtype=a["dtype"],
                              nodata=from_json_nodata(a["nodata"]), resolution=float(a["resolution"]),
                              chip_px=int(a["chip_px"]), kind=a.get("kind", "continuous"),
                              attrs=CollectionAttrs.from_zarr(a))

    def attrs(self, name: str) -> dict[str, Any]:
        return dict(self._coll(name).attrs)

    def update_attrs(self, name: str, **values: Any) -> None:
        """Planning-process only: attributes are one JSON file per group."""
        self._need_write("change attributes")
        self._coll(name).attrs.update(values)
        self.consolidate()

    # -- metadata (planning process) --------------------------------------------------------------------------
    def ensure_collection(self, spec: CollectionSpec, shard_chips: int = DEFAULT_SHARD_CHIPS) -> None:
        """Create the collection's arrays, or check that the existing ones agree with `spec`."""
        if spec.name in self.group:
            have = self.spec(spec.name)
            if have.bands != spec.bands or have.dtype != spec.dtype or have.chip_px != spec.chip_px:
                raise StoreError(
                    f"collection {spec.name!r} in {self.root} has bands {list(have.bands)} {have.dtype} "
                    f"{have.chip_px}px, but the recipe now makes {list(spec.bands)} {spec.dtype} {spec.chip_px}px; "
                    "use a new --store or a different collection name")
            g = self._coll(spec.name)
            if "coordinates" not in g["data"].attrs:  # a store written before coordinates were marked
                self._mark_coords(g)
                self.consolidate()
            return
        self._need_write(f"add collection {spec.name!r}")
        check_shard_chips(shard_chips)
        g = self.group.create_group(spec.name)
        nb, px = len(spec.bands), spec.chip_px
        g.create_array("data", shape=(0, 0, nb, px, px), chunks=(1, 1, nb, px, px),
                       shards=(shard_chips, 1, nb, px, px), dtype=spec.dtype, fill_value=spec.nodata,
                       compressors=_chunk_codecs(), dimension_names=list(DIMS))
        g.create_array("valid", shape=(0, 0), chunks=(shard_chips, 1), dtype="float32", fill_value=np.nan,
                       compressors=_chunk_codecs(), dimension_names=["chip", "time"])
        for name, dtype in (("chip", str), ("split", str), ("epsg", "int32"), ("x_min", "float64"),
                            ("y_min", "float64")):
            g.create_array(name, shape=(0,), chunks=(_META_CHUNK,), dtype=dtype, dimension_names=["chip"])
        g.create_array("time", shape=(0,), chunks=(256,), dtype=str, dimension_names=["time"])
        band = g.create_array("band", shape=(nb,), chunks=(nb,), dtype=str, dimension_names=["band"])
        band[:] = np.array(spec.bands, dtype=object)
        g.attrs.update({**spec.attrs.to_zarr(), "collection": spec.name, "bands": list(spec.bands), "dtype": spec.dtype,
                        "nodata": json_nodata(spec.nodata), "resolution": spec.resolution, "chip_px": px,
                        "kind": spec.kind, "shard_chips": shard_chips, "chip_size_m": CHIP_SIZE_M,
                        "periods": {}, "created": _now()})
        self._mark_coords(g)
        self.consolidate()

    def add_chips(self, name: str, chips: Sequence[Chip]) -> np.ndarray:
        """Indices of `chips` in the collection, appending the ones it does not have yet."""
        return self.add_chip_arrays(name, ChipArrays.of(chips))

    def chip_keys(self, name: str) -> np.ndarray:
        """int64 keys (`grid.chip_keys`) of the collection's chips in store order, from their epsg and corner
        columns a batch at a time (numbers: no chip id is read or parsed)."""
        n = self.n_chips(name)
        out = np.empty(n, dtype="int64")
        for lo in range(0, n, _META_BATCH):
            hi = min(n, lo + _META_BATCH)
            out[lo:hi] = ChipArrays.from_corners(*(self.column(name, k, lo, hi) for k in ("epsg", "x_min", "y_min"))
                                                 ).keys()
        return out

    def add_chip_arrays(self, name: str, chips: ChipArrays) -> np.ndarray:
        """`add_chips` of chips as arrays: their indices in the collection, appending the new ones in the order
        given. Memory is a few int64 per chip (keys, not ids: no dict of the collection's ids), and the new
        chips' columns are written _META_BATCH at a time."""
        with self._lock:
            keys = chips.keys()
            n0 = self.n_chips(name)
            if n0 == 0 and _unique(keys):  # a first plan (the continental case): every chip is new, in order
                if len(chips):
                    self._append_chips(name, chips, 0)
                return np.arange(len(keys), dtype="int64")
            out = np.empty(len(keys), dtype="int64")
            fresh = np.ones(len(keys), dtype=bool)
            if n0:
                have = self.chip_keys(name)
                order = np.argsort(have, kind="stable")
                have = have[order]
                pos, known = find_sorted(have, keys)
                fresh = ~known
                del have
                out[~fresh] = order[pos[~fresh]]
                del order, pos
            # New chips, each once, appended in the order first given.
            _, first, inverse = np.unique(keys[fresh], return_index=True, return_inverse=True)
            rank = np.empty(len(first), dtype="int64")
            rank[np.argsort(first, kind="stable")] = np.arange(len(first))
            out[fresh] = n0 + rank[inverse.ravel()]
            if len(first):
                self._append_chips(name, chips[np.flatnonzero(fresh)[np.sort(first)]], n0)
            return out

    def _append_chips(self, name: str, new: ChipArrays, n0: int) -> None:
        self._need_write("add chips")
        n1 = n0 + len(new)
        data, valid = self._arr(name, "data"), self._arr(name, "valid")
        data.resize((n1, *data.shape[1:]))
        valid.resize((n1, valid.shape[1]))
        for key in ("chip", "split", "epsg", "x_min", "y_min"):
            self._arr(name, key).resize((n1,))
        split_names, scheme = np.array(SPLIT_NAMES, dtype=object), self.split_scheme()
        for lo in range(0, len(new), _META_BATCH):
            part = new[lo:lo + _META_BATCH]
            cols = {"chip": np.array(part.ids(), dtype=object), "split": split_names[part.split_codes(scheme)],
                    "epsg": part.epsg.astype("int32"), "x_min": part.col.astype("float64") * CHIP_SIZE_M,
                    "y_min": part.row.astype("float64") * CHIP_SIZE_M}
            for key, values in cols.items():
                self._arr(name, key)[n0 + lo:n0 + lo + len(part)] = values
        self._index.pop(name, None)  # the id -> index dict, rebuilt from the arrays where a writer needs it
        self.consolidate()

    def ensure_period(self, name: str, label: str) -> int:
        """The time index of period `label`, appending it if new."""
        with self._lock:
            labels = self.periods(name)
            if label in labels:
                return labels.index(label)
            t = len(labels)
            self._need_write(f"add period {label!r}")
            for key in ("data", "valid"):
                arr = self._arr(name, key)
                shape = list(arr.shape)
                shape[1] = t + 1
                arr.resize(tuple(shape))
            time = self._arr(name, "time")
            time.resize((t + 1,))
            time[t] = label
            self._periods.pop(name, None)
            self.consolidate()
            return t

    def record_period(self, name: str, label: str, **provenance: Any) -> None:
        """Provenance of one period (when, from what): planning/finishing process only."""
        self._need_write("record a period")
        g = self._coll(name)
        periods = dict(g.attrs.get("periods", {}))
        periods[label] = {**periods.get(label, {}), **provenance, "updated": _now()}
        g.attrs["periods"] = periods
        self.consolidate()

    # -- consolidated metadata and xarray coordinates (planning process) -------------------------------------
    @contextmanager
    def deferred_consolidation(self) -> Iterator[ChipStore]:
        """Metadata changes inside consolidate once, when the block ends (also on an error; then a failure to
        consolidate never hides the error): a run rewrites the consolidated metadata once, not per change."""
        self._deferred += 1
        failed = True
        try:
            yield self
            failed = False
        finally:
            self._deferred -= 1
            if not self._deferred and self._stale:
                try:
                    self.consolidate()
                except Exception:
                    if not failed:
                        raise

    def consolidate(self) -> None:
        """Rewrite the consolidated metadata (every node's zarr.json in the root's, what `xr.open_zarr` reads
        in one request). Every metadata change above ends with this; workers never change metadata."""
        self._need_write("consolidate its metadata")
        if self._deferred:
            self._stale = True
            return
        self._stale = False
        with warnings.catch_warnings():
            # zarr warns that consolidated metadata is not in the v3 spec yet; xarray and zarr-python read it.
            warnings.simplefilter("ignore", category=UserWarning)
            zarr.consolidate_metadata(self.group.store, path=self.group.path or None)

    @staticmethod
    def _mark_coords(g: zarr.Group) -> None:
        """Make xarray show the per-chip arrays as coordinates, so `ds.where(ds["split"] == ...)` selects."""
        for key in ("data", "valid"):
            g[key].attrs["coordinates"] = " ".join(CHIP_COORDS)

    # -- split labels (metadata; the schemes and re-labelling live in the splits package) ----------------------
    def split_scheme(self) -> SplitScheme:
        """The store's split scheme: recorded at creation; a store from before schemes has the legacy one."""
        if self._scheme is None:
            text = self.group.attrs.get("split_scheme")
            if text is None:
                text = LEGACY_SPLIT if self.collections() else str(DEFAULT_SCHEME)
            self._scheme = resolve(text)
        return self._scheme

    def record_split_scheme(self, scheme: SplitScheme) -> None:
        """Record the scheme new chips are labelled with. `splits.relabel` calls it and re-labels the chips
        the store has; nothing else should (labels and scheme would disagree)."""
        self._need_write("record a split scheme")
        with self._lock:
            self._scheme = scheme
            self.group.attrs["split_scheme"] = str(scheme)

    def write_split_labels(self, name: str, labels: np.ndarray, lo: int = 0) -> None:
        """Replace collection `name`'s split labels of chips lo.. (store order): `splits.relabel` only."""
        self._need_write("re-label its chips")
        with self._lock:
            self._arr(name, "split")[lo:lo + len(labels)] = labels

    def drop_attr(self, name: str, key: str) -> None:
        """Remove one attribute of collection `name` (no-op when absent); the caller consolidates."""
        self._need_write("change attributes")
        attrs = dict(self._coll(name).attrs)
        if key in attrs:
            del attrs[key]
            self._coll(name).attrs.put(attrs)

    # -- where the chips came from: synthetic (emulator) or real Earth Engine (planning process) -----------------
    def synthetic_flags(self) -> dict[str, bool]:
        """Collections that record their source: True synthetic (emulator), False real Earth Engine."""
        out = {}
        for name in self.collections():
            flag = self._coll(name).attrs.get("synthetic")
            if isinstance(flag, bool):
                out[name] = flag
        return out

    def check_source(self, synthetic: bool) -> None:
        """Refuse (exit 2) to add synthetic chips to a store of real ones, or the other way round."""
        clash = sorted(n for n, flag in self.synthetic_flags().items() if flag != synthetic)
        if clash:
            have = "synthetic chips from the emulator" if not synthetic else "real Earth Engine chips"
            want = "synthetic (emulator)" if synthetic else "real Earth Engine"
            raise MixedSourcesError(f"{self.root} holds {have} ({', '.join(clash)}); refusing to add {want} chips "
                                    "to it: use another --store")

    def mark_source(self, name: str, synthetic: bool) -> None:
        self._need_write("record its source")
        if self._coll(name).attrs.get("synthetic") is None:
            self._coll(name).attrs["synthetic"] = synthetic
            self.consolidate()

    def remove_partial_files(self) -> int:
        """Delete `*.partial` files a killed writer left (zarr writes a shard there, then renames it)."""
        if "://" in str(self.root):
            return 0
        n = 0
        for path in Path(self.root, STORE_NAME).rglob("*.partial"):
            path.unlink(missing_ok=True)
            n += 1
        return n

    # -- reading --------------------------------------------------------------------------------------------
    def _chip_index(self, name: str) -> dict[str, int]:
        if name not in self._index:
            ids = self._arr(name, "chip")[:]
            self._index[name] = {str(c): i for i, c in enumerate(ids)}
        return self._index[name]

    def chip_ids(self, name: str) -> list[str]:
        return list(self._chip_index(name))

    def periods(self, name: str) -> list[str]:
        if name not in self._periods:
            self._periods[name] = [str(t) for t in self._arr(name, "time")[:]]
        return list(self._periods[name])

    def shard_chips(self, name: str) -> int:
        if name not in self._shard:
            self._shard[name] = int(self._coll(name).attrs["shard_chips"])
        return self._shard[name]

    def shard_of(self, name: str, chip_index: int) -> int:
        return chip_index // self.shard_chips(name)

    def index_of(self, name: str, chip_id: str) -> int:
        try:
            return self._chip_index(name)[chip_id]
        except KeyError:
            raise NotInStoreError(f"chip {chip_id} is not in collection {name!r} of {self.root}") from None

    def time_of(self, name: str, period: str | None) -> int:
        labels = self.periods(name)
        if not labels:
            raise StoreError(f"collection {name!r} has no period yet; run extract or tile first")
        if period is None:
            return labels.index(latest_period(labels))
        if period not in labels:
            raise NotInStoreError(f"collection {name!r} has no period {period!r}; it holds "
                                  f"{', '.join(sorted(labels, key=period_order))}")
        return labels.index(period)

    def read_chip(self, name: str, chip_id: str, period: str | None = None) -> np.ndarray:
        """One chip, (band, y, x), for `period` (default: the latest period)."""
        i, t = self.index_of(name, chip_id), self.time_of(name, period)
        return self.read_block(name, i, i + 1, t)[0]

    def read_block(self, name: str, lo: int, hi: int, time_index: int) -> np.ndarray:
        """Chips lo..hi-1 of one period, (n, band, y, x). Damaged data raises a one-line `CorruptChunkError`."""
        arr = self._arr(name, "data")
        try:
            return np.asarray(arr[lo:hi, time_index])
        except (ValueError, RuntimeError) as exc:  # zarr's crc32c mismatch, blosc's decode failure
            bad, detail = lo, str(exc)
            for i in range(lo, hi):  # name the first damaged chip
                try:
                    arr[i, time_index]
                except (ValueError, RuntimeError) as e:
                    bad, detail = i, str(e)
                    break
            if "checksum" in detail:
                detail = "chunk checksum mismatch"
            path = shard_file(array_path(self.root, name), bad // self.shard_chips(name), time_index)
            what = f"{name} {self.periods(name)[time_index]}, chip {self.chip_ids(name)[bad]}"
            raise corrupt_error(self.root, path, what, detail) from None

    def read_valid(self, name: str, lo: int = 0, hi: int | None = None, t: int | None = None) -> np.ndarray:
        """(chip, time) valid-pixel fractions of chips lo..hi-1 (default all; with `t`, that period's column);
        NaN where a chip/period was never written."""
        try:
            arr = self._arr(name, "valid")
            return np.asarray(arr[lo:hi] if t is None else arr[lo:hi, t])
        except (ValueError, RuntimeError) as exc:  # a damaged valid chunk: crc32c mismatch or decode failure
            detail = "chunk checksum mismatch" if "checksum" in str(exc) else str(exc)
            where = array_path(self.root, name, "valid")
            raise corrupt_error(self.root, where, f"{name} valid fractions", detail) from None

    def chip_table(self, name: str) -> dict[str, np.ndarray]:
        return {k: np.asarray(self._arr(name, k)[:]) for k in ("chip", "split", "epsg", "x_min", "y_min")}

    def n_chips(self, name: str) -> int:
        """How many chips collection `name` has (its arrays' length; reads no chip id)."""
        return int(self._arr(name, "chip").shape[0])

    def column(self, name: str, key: str, lo: int, hi: int) -> np.ndarray:
        """Rows lo..hi-1 of one per-chip array ("chip", "split", "epsg", "x_min", "y_min", "valid"): readers that
        stream a collection in blocks (chipblocks.py) instead of holding its chip ids."""
        return np.asarray(self._arr(name, key)[lo:hi])

    # -- writing (workers) ------------------------------------------------------------------------------------
    def write_shard(self, name: str, shard: int, time_index: int, chip_ids: Sequence[str], data: np.ndarray,
                    valid: np.ndarray) -> None:
        """Write chips of one shard for one period: data (n, band, y, x), valid (n,)."""
        self._need_write("write chips")
        idx = np.array([self.index_of(name, c) for c in chip_ids], dtype="int64")
        if idx.size == 0:
            return
        s = self.shard_chips(name)
        if np.any(idx // s != shard):
            raise StoreError(f"write_shard({name}, {shard}) got chips of other shards; units must be shard-aligned")
        arr, val = self._arr(name, "data"), self._arr(name, "valid")
        data, valid = np.asarray(data), np.asarray(valid, dtype="float32")
        if np.any(np.diff(idx) < 0):  # usually in order already: sorting would copy the whole shard once more
            order = np.argsort(idx)
            idx, data, valid = idx[order], data[order], valid[order]
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        if hi - lo == idx.size and self._write_direct(name, arr, shard, time_index, lo, hi, data):
            if not self._write_valid_direct(name, val, shard, time_index, lo, hi, valid):
                val[lo:hi, time_index] = valid
        elif hi - lo == idx.size:  # contiguous but not the whole shard, or a remote store: zarr writes it
            arr[lo:hi, time_index] = data
            val[lo:hi, time_index] = valid
        else:  # a subset of the shard (e.g. tile dropped chips): read-modify-write this shard only
            block = self.read_block(name, lo, hi, time_index)  # damaged: CorruptChunkError, not a zarr error
            vblock = np.asarray(val[lo:hi, time_index])
            block[idx - lo] = data
            vblock[idx - lo] = valid
            arr[lo:hi, time_index] = block
            val[lo:hi, time_index] = vblock

    def _write_direct(self, name: str, arr: Any, shard: int, time_index: int, lo: int, hi: int,
                      data: np.ndarray) -> bool:
        """Write chips lo..hi-1 of one period as the whole shard file, by shards.ShardEncoder instead of zarr
        (~12 ms of CPU a shard saved, issue 15), when that is exactly what zarr would write: a local store,
        the store's own data layout, and the chips covering every chip of the shard that the array has
        (the last, partial shard too). False: the caller writes through zarr."""
        s = self.shard_chips(name)
        n_chips, n_times = arr.shape[0], arr.shape[1]
        if (lo != shard * s or hi != min((shard + 1) * s, n_chips) or not 0 <= time_index < n_times
                or data.ndim != 4 or not arr.config.write_empty_chunks):
            return False
        enc = self._encoder(name, arr)
        if not isinstance(enc, ShardEncoder) or data.shape[1:] != enc.layout.chunk_shape:
            return False
        enc.write(self._array_dir(arr), shard, time_index, data)
        return True

    def _write_valid_direct(self, name: str, val: Any, shard: int, time_index: int, lo: int, hi: int,
                            valid: np.ndarray) -> bool:
        """The `valid` fractions of a whole shard are one whole (S, 1) chunk: written by shards.ChunkEncoder
        (~2 ms of zarr CPU a shard saved). A partial last shard's chunk is left to zarr (it merges)."""
        s = self.shard_chips(name)
        enc = self._encoder(name, val)
        if (not isinstance(enc, ChunkEncoder) or enc.chunk_shape != (s, 1) or hi - lo != s
                or not val.config.write_empty_chunks):
            return False
        enc.write(self._array_dir(val), (shard, time_index), valid.reshape(s, 1))
        return True

    def _encoder(self, name: str, arr: Any) -> Any:
        """The direct encoder of one array (ShardEncoder for `data`, ChunkEncoder for `valid`); None on a
        remote store or a layout these do not write (zarr writes those)."""
        key = (name, arr.basename)
        if key not in self._encoders:
            local = isinstance(self.group.store, LocalStore) and "://" not in str(self.root)
            cls = ShardEncoder if arr.basename == "data" else ChunkEncoder
            self._encoders[key] = cls.read(self._array_dir(arr)) if local else None
        return self._encoders[key]

    def _array_dir(self, arr: Any) -> str:
        return os.path.join(str(self.group.store.root), *arr.path.split("/"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def open_dataset(directory: str | Path, collection: str) -> Any:
    """The collection as an xarray Dataset: `data` and `valid` lazy (dask), the small per-chip coordinates
    (split, epsg, x_min, y_min) in memory, so `ds.where(ds["split"] == "train", drop=True)` and
    `ds.sel(chip=ds["split"] == "train")` work as they are."""
    import xarray as xr  # heavy to import (~0.5 s) and needed here only: not on every CLI start or DataLoader worker

    ds = xr.open_zarr(store_path(directory), group=collection)
    return ds.assign_coords({k: ds[k].compute() for k in CHIP_COORDS if k in ds.variables})

