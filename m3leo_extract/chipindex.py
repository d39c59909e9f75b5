"""The chip index of a store as GeoParquet (colour a map by it in QGIS, join it with Major-TOM), and a PNG map.

One row per chip of any collection, in chip id order:

    chip_id, epsg, x_min, y_min, split   the chip, as in the store (split: the store's scheme)
    ml-aoi:split      string   the same split in STAC's ml-aoi vocabulary: train | validate | test (null: none)
    majortom_cell     string   the Major-TOM 10 km grid cell of the chip's centre (`509U_37R`, see majortom.py)
    valid_fraction    float    the lowest valid fraction over every collection and period the chip was written in
    geometry          WKB      the chip's outline in EPSG:4326; `bbox` (xmin, ymin, xmax, ymax) its covering

then per collection C and period P:

    valid_<C>_<P>     float    the chip's valid-pixel fraction (NaN: never written, or the chip is not in C)
    status_<C>_<P>    string   done | empty | failed | pending | running | absent
    start_<C>_<P>, end_<C>_<P>  the acquisition window [start, end) the period's composite covers (null where
                               the chip was never written, or the label names no dates, e.g. `static`)
    n_images_<C>_<P>, images_<C>_<P>  the source images (ids) composited into the chip, where the period's
                               provenance records them per chip (`chip_images` / gunw's `chip_pairs`)

`status` comes from the state database's work units: a chip of a done unit is `done`, or `empty` when it
holds no valid pixel (valid 0, or dropped by `tile --min-valid`); `failed`, `pending` (planned) and
`running` are its unit's. A chip that no unit covers is `done` / `empty` by its valid fraction, or `absent`
when nothing was ever written for it (a collection that does not have the chip at all is `absent` too).

Streaming: rows are made `batch_chips` at a time and written as one Parquet row group each, so memory holds
one batch plus, per collection, its chip keys (int64) and one status byte per chip and period, not a
GeoDataFrame of the whole store.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .catalog.period import parse_label
from .defaults import STATE_FILE
from .errors import StoreError
from .grid import CHIP_SIZE_M, ChipArrays, chip_keys, find_sorted, lonlat_transformer, outlines_4326, outlines_wkb
from .majortom import cell_names
from .shards import STORE_NAME
from .state import StateDB
from .store import ChipStore

# geopandas, pyarrow and matplotlib are imported inside the functions that need them (seconds at import).

STATUSES = ("done", "empty", "failed", "pending", "running", "absent")
STATUS_COLOURS = {"done": "#2ca02c", "empty": "#b0b0b0", "failed": "#d62728", "pending": "#ffbf00",
                  "running": "#1f77b4", "absent": "#ffffff"}
MAP_MAX_CHIPS = 200_000  # chips drawn at most by write_status_png
INDEX_BATCH_CHIPS = 16_384  # rows per batch and Parquet row group of the chip index (peak RSS grows with it)
INDEX_READ_CHIPS = 1 << 18  # chips of a per-chip store column read at a time
ML_AOI_SPLIT = {"train": "train", "val": "validate", "test": "test"}  # STAC ml-aoi:split names
_UNIT_STATUS = {"planned": "pending", "running": "running", "failed": "failed", "done": "done"}
_CODE = {s: i for i, s in enumerate(STATUSES)}
_NO_UNIT = -1
_PER_CHIP_IMAGES = ("chip_images", "chip_pairs")  # provenance keys holding {chip id: [source image ids]}


def column(kind: str, collection: str, period: str) -> str:
    """The index's column name for `kind` ("valid", "status", "start", ...) of a collection and period."""
    return f"{kind}_{collection}_{period}"


# -- chip keys: an int64 per chip id that sorts as the ids do (grid.chip_keys) -----------------------------------
def key_arrays(keys: np.ndarray) -> ChipArrays:
    return ChipArrays.from_keys(keys)


@dataclass
class _Coll:
    """What the index needs of one collection: its chips' keys in order, statuses of its units."""

    name: str
    periods: list[str]
    keys: np.ndarray  # sorted
    rows: np.ndarray | None  # store row of each sorted key (None: the store's order is already sorted)
    split: np.ndarray  # split code by store row (into split_names)
    split_names: np.ndarray  # object array of the split names the codes index
    written: np.ndarray | None = None  # (valid chunk, time): its file exists (None: not known, read them all)
    chunk: int = 1  # chips per chunk of the valid array
    units: dict[str, np.ndarray] = field(default_factory=dict)  # period -> status code per store row (-1: none)
    windows: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    images: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(present mask, store row) of chip keys."""
        pos, present = find_sorted(self.keys, keys)
        rows = pos if self.rows is None else self.rows[pos]
        return present, rows


def _window(label: str) -> tuple[str, str] | None:
    try:
        return parse_label(label).iso()
    except Exception:  # `static`, gunw's pair rules, a hand-written label: no dates
        return None


def _collections(st: ChipStore, store_dir: Path) -> list[_Coll]:
    out = []
    for name in st.collections():
        keys = st.chip_keys(name)  # int64, read a batch at a time: never the ids of the whole collection
        order = None if bool(np.all(keys[1:] > keys[:-1])) else np.argsort(keys, kind="stable")  # planned: sorted
        attrs = st.attrs(name).get("periods", {})
        codes, names = _split_codes(st, name)
        c = _Coll(name, st.periods(name), keys if order is None else keys[order], order, codes, names)
        del keys, order
        c.written, c.chunk = _written_chunks(store_dir, st, name, len(c.periods))
        for p in c.periods:
            c.windows[p] = _window(p)
            rec = attrs.get(p, {})
            per_chip = next((rec[k] for k in _PER_CHIP_IMAGES if isinstance(rec.get(k), dict)), None)
            if per_chip is not None:
                c.images[p] = per_chip
        out.append(c)
    _unit_statuses(st, store_dir, out)
    return out


def _split_codes(st: ChipStore, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(int8 code per store row, the names they index) of a collection's split column, read in batches."""
    arr = st.group[name]["split"]
    n = int(arr.shape[0])
    names: list[str] = []
    codes = np.empty(n, dtype="int8")
    for lo in range(0, n, INDEX_READ_CHIPS):
        uniq, inv = np.unique(np.asarray(arr[lo:lo + INDEX_READ_CHIPS]).astype(object), return_inverse=True)
        for u in uniq.tolist():
            if u not in names:
                names.append(u)
        codes[lo:lo + len(inv)] = np.array([names.index(u) for u in uniq.tolist()], "int8")[inv.ravel()]
    return codes, np.array(names, dtype=object)


def _written_chunks(store_dir: Path, st: ChipStore, name: str, periods: int) -> tuple[np.ndarray | None, int]:
    """Which chunks of the valid array have a file, from one listing of its folder (a store just planned has
    none: nothing is read for it). None where the store is not a local folder."""
    arr = st.group[name]["valid"]
    chunk = int(arr.chunks[0])
    folder = store_dir / STORE_NAME / name / "valid"
    enc = getattr(getattr(arr, "metadata", None), "chunk_key_encoding", None)
    if not (folder / "zarr.json").is_file() or getattr(enc, "name", "") != "default" or \
            getattr(enc, "separator", "") != "/":
        return None, chunk  # not the c/<row>/<time> files of a local zarr 3 folder: read every chunk
    written = np.zeros((-(-int(arr.shape[0]) // chunk), periods), dtype=bool)
    top = folder / "c"
    for row in os.scandir(top) if top.is_dir() else ():
        if row.is_dir() and row.name.isdigit() and int(row.name) < len(written):
            for t in os.scandir(row.path):
                if t.name.isdigit() and int(t.name) < periods:
                    written[int(row.name), int(t.name)] = True
    return written, chunk


def _unit_statuses(st: ChipStore, store_dir: Path, colls: list[_Coll]) -> None:
    """Per collection and period, the status code of the unit holding each chip (by store row)."""
    path = store_dir / STATE_FILE
    if not path.exists():
        return
    by_name = {c.name: c for c in colls}
    db = StateDB(path)
    try:  # streamed from SQLite: one unit at a time, never the whole table in memory
        cur = db.conn.execute("SELECT collection, period, status, chips FROM units")
        for coll, period, status, chips in cur:
            c = by_name.get(coll)
            if c is None or period not in c.periods:
                continue
            codes = c.units.get(period)
            if codes is None:
                codes = c.units[period] = np.full(len(c.keys), _NO_UNIT, dtype="int8")
            present, rows = c.lookup(chip_keys(json.loads(chips)))
            codes[rows[present]] = _CODE[_UNIT_STATUS[status]]
    finally:
        db.close()


def _status(unit: np.ndarray, valid: np.ndarray, present: np.ndarray) -> np.ndarray:
    written = ~np.isnan(valid)
    names = np.array(STATUSES, dtype=object)
    by_valid = np.where(written & (valid > 0), "done", "empty").astype(object)
    out = np.where(unit == _CODE["done"], by_valid,
                   np.where(unit >= 0, names[np.maximum(unit, 0)], np.where(written, by_valid, "absent")))
    out = out.astype(object)
    out[~present] = "absent"
    return out


def _read_valid(st: ChipStore, c: _Coll, rows: np.ndarray) -> np.ndarray:
    """valid fractions (len(rows), time) of some store rows: one slice of the rows' span (usually one batch);
    NaN without a read where none of the span's chunks was ever written."""
    if not len(rows):
        return np.zeros((0, len(c.periods)), dtype="float32")
    lo, hi = int(rows.min()), int(rows.max()) + 1
    if c.written is not None and not c.written[lo // c.chunk:(hi - 1) // c.chunk + 1].any():
        return np.full((len(rows), len(c.periods)), np.nan, dtype="float32")
    if hi - lo <= 4 * len(rows) + c.chunk:
        block = np.asarray(st.group[c.name]["valid"][lo:hi])
        return block[rows - lo]
    # rows scattered over a much longer span (a file's chips are a thin subset of the store's): their chunks only
    out = np.full((len(rows), len(c.periods)), np.nan, dtype="float32")
    chunk_of = rows // c.chunk
    order = np.argsort(chunk_of, kind="stable")
    starts = np.flatnonzero(np.diff(chunk_of[order], prepend=-1))
    for sel in np.split(order, starts[1:]):
        k = int(chunk_of[sel[0]])
        if c.written is None or c.written[k].any():
            block = np.asarray(st.group[c.name]["valid"][k * c.chunk:(k + 1) * c.chunk])
            out[sel] = block[rows[sel] - k * c.chunk]
    return out


def _per_period(st: ChipStore, c: _Coll, keys: np.ndarray, ids: list[str], full: bool) -> dict[str, Any]:
    present, rows = c.lookup(keys)
    valid = np.full((len(keys), len(c.periods)), np.nan, dtype="float32")
    if present.any():
        valid[present] = _read_valid(st, c, rows[present])
    frame: dict[str, Any] = {}
    for t, p in enumerate(c.periods):
        v = valid[:, t]
        unit = np.full(len(keys), _NO_UNIT, "int8")
        if p in c.units:
            unit[present] = c.units[p][rows[present]]
        frame[column("valid", c.name, p)] = v
        frame[column("status", c.name, p)] = _status(unit, v, present)
        if not full:
            continue
        written = ~np.isnan(v)
        if c.windows[p] is not None:
            for kind, value in zip(("start", "end"), c.windows[p], strict=True):
                frame[column(kind, c.name, p)] = np.where(written, np.datetime64(value, "ms"),
                                                          np.datetime64("NaT", "ms"))
        if p in c.images:
            got = [c.images[p].get(cid) if w else None for cid, w in zip(ids, written, strict=True)]
            frame[column("images", c.name, p)] = got
            frame[column("n_images", c.name, p)] = [None if g is None else len(g) for g in got]
    return frame


class IndexBuilder:
    """Rows of a store's chip index, batch by batch (see the module docstring)."""

    def __init__(self, store_dir: str | Path) -> None:
        self.store_dir = Path(store_dir)
        self.st = ChipStore.open(self.store_dir, mode="r")
        self.colls = _collections(self.st, self.store_dir)
        keys = [c.keys for c in self.colls]  # each sorted and unique: one collection's is the index's own
        self.keys = keys[0] if len(keys) == 1 else np.unique(np.concatenate(keys)) if keys else np.zeros(0, "int64")
        self.panels = [(c.name, p) for c in self.colls for p in c.periods]

    def __len__(self) -> int:
        return len(self.keys)

    def split_of(self, keys: np.ndarray) -> np.ndarray:
        """Each chip's split, from the first collection (by name) that has it."""
        out = np.full(len(keys), "none", dtype=object)
        todo = np.ones(len(keys), bool)
        for c in self.colls:
            present, rows = c.lookup(keys)
            take = present & todo
            out[take] = c.split_names[c.split[rows[take]]]
            todo &= ~present
        return out

    def columns(self, keys: np.ndarray, *, full: bool = True) -> dict[str, Any]:
        """The index's columns for some chips (by key); `full=False`: only valid_* / status_*."""
        arr = key_arrays(keys)
        ids = arr.ids() if full else []  # the ids are only needed by the full index (images per chip)
        per: dict[str, Any] = {}
        for c in self.colls:
            per.update(_per_period(self.st, c, keys, ids, full))
        if not full:
            return per
        split = self.split_of(keys)
        valid = [v for k, v in per.items() if k.startswith("valid_")]
        with np.errstate(all="ignore"):
            lowest = np.fmin.reduce(np.stack(valid), axis=0) if valid else np.full(len(keys), np.nan, "float32")
        x_min, y_min = arr.col.astype("float64") * CHIP_SIZE_M, arr.row.astype("float64") * CHIP_SIZE_M
        return {"chip_id": ids, "epsg": arr.epsg.astype("int32"), "x_min": x_min, "y_min": y_min,
                "split": split, "ml-aoi:split": [ML_AOI_SPLIT.get(s) for s in split],
                "majortom_cell": _majortom(arr), "valid_fraction": lowest.astype("float32"), **per}

    def key_batches(self, batch_chips: int = INDEX_BATCH_CHIPS) -> Iterator[np.ndarray]:
        for lo in range(0, len(self.keys), batch_chips):
            yield self.keys[lo:lo + batch_chips]

    def batches(self, batch_chips: int = INDEX_BATCH_CHIPS) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
        for keys in self.key_batches(batch_chips):
            yield keys, self.columns(keys)


def _majortom(arr: ChipArrays) -> list[str]:
    lon, lat = np.zeros(len(arr)), np.zeros(len(arr))
    epsg = arr.epsg
    for code in np.unique(epsg):
        i = np.nonzero(epsg == code)[0]
        x, y = (arr.col[i] + 0.5) * float(CHIP_SIZE_M), (arr.row[i] + 0.5) * float(CHIP_SIZE_M)
        lon[i], lat[i] = lonlat_transformer(int(code)).transform(x, y)
    return cell_names(lon, lat)


def _arrow_type(name: str) -> Any:
    """Each column's type, fixed (a batch whose chips have no images must not make that column null-typed)."""
    import pyarrow as pa

    kind = name.split("_", 1)[0]
    if name in ("epsg",):
        return pa.int32()
    if name in ("x_min", "y_min"):
        return pa.float64()
    if kind in ("valid", "valid_fraction"):
        return pa.float32()
    if kind in ("start", "end"):
        return pa.timestamp("ms")
    if name.startswith("n_images_"):
        return pa.int32()
    if kind == "images":
        return pa.list_(pa.string())
    return pa.string()


def _arrow_batch(keys: np.ndarray, cols: dict[str, Any]) -> Any:
    import pyarrow as pa

    # WKB written straight from the outline coordinates: no shapely object per chip (grid.outlines_wkb)
    wkb, offsets, bounds = outlines_wkb(key_arrays(keys))
    data = {k: pa.array(list(v) if isinstance(v, np.ndarray) and v.dtype == object else v, type=_arrow_type(k),
                        from_pandas=True) for k, v in cols.items()}
    data["geometry"] = pa.Array.from_buffers(pa.binary(), len(keys), [None, pa.py_buffer(offsets),
                                                                      pa.py_buffer(wkb.ravel())])
    data["bbox"] = pa.StructArray.from_arrays([pa.array(bounds[:, i]) for i in range(4)],
                                              ["xmin", "ymin", "xmax", "ymax"])
    return pa.table(data)


def geo_metadata(bbox: list[float] | None = None) -> dict[str, Any]:
    """GeoParquet 1.1 file metadata for the index's `geometry` (WKB polygons in EPSG:4326, `bbox` covering)."""
    from pyproj import CRS

    col: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Polygon"], "crs": CRS.from_epsg(4326).to_json_dict(),
                           "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}}}
    if bbox is not None:
        col["bbox"] = bbox
    return {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": col}}


def write_chip_index(store_dir: str | Path, path: str | Path, *, batch_chips: int = INDEX_BATCH_CHIPS,
                     progress: Callable[[int], None] | None = None, metadata: dict[str, str] | None = None) -> Path:
    """The chip index as GeoParquet at `path`, one row group per batch (temporary name, then renamed);
    `metadata`: more key-values for the file's schema (publish records the synthetic flag there)."""
    import pyarrow.parquet as pq

    builder = IndexBuilder(store_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    writer = None
    try:
        for keys, cols in builder.batches(batch_chips):
            table = _arrow_batch(keys, cols)
            if writer is None:
                meta = {b"geo": json.dumps(geo_metadata()).encode(), **{k.encode(): v.encode()
                                                                          for k, v in (metadata or {}).items()}}
                writer = pq.ParquetWriter(tmp, table.schema.with_metadata(meta))
            writer.write_table(table.replace_schema_metadata(writer.schema.metadata), row_group_size=batch_chips)
            if progress is not None:
                progress(len(keys))
        if writer is None:  # no chips: an empty index with the base columns
            table = _arrow_batch(np.zeros(0, "int64"), builder.columns(np.zeros(0, "int64")))
            pq.write_table(table.replace_schema_metadata({b"geo": json.dumps(geo_metadata()).encode()}), tmp)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return path


def chip_index(store_dir: str | Path) -> Any:
    """The store's chip index (see the module docstring) as a GeoDataFrame in EPSG:4326 (all in memory:
    `write_chip_index` streams)."""
    import geopandas as gpd
    import pandas as pd

    builder = IndexBuilder(store_dir)
    parts = [pd.DataFrame(cols) for _, cols in builder.batches()]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(builder.columns(np.zeros(0, "int64")))
    geometry = outlines_4326(key_arrays(builder.keys)) if len(builder) else []
    gdf = gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")
    gdf.attrs["panels"] = builder.panels
    return gdf


def status_columns(st: ChipStore, store_dir: Path, order: list[str]) -> dict[str, Any]:
    """valid_<C>_<P> and status_<C>_<P> for the chips `order` (those a collection lacks: NaN / absent)."""
    return IndexBuilder(store_dir).columns(chip_keys(order), full=False)


def add_status_to_parquet(path: str | Path, store_dir: str | Path, *,
                          batch_chips: int = INDEX_BATCH_CHIPS) -> Path:
    """Add a store's valid/status columns to a chip GeoParquet (`m3leo grid --out`), by its chip_id column;
    chips the store does not have get NaN / absent. Streamed: the file is read `batch_chips` rows at a time and
    each batch, with its columns added, written as one row group of a new file (schema metadata, so the
    GeoParquet `geo` key, kept as it was), which then replaces the old one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, store_dir = Path(path), Path(store_dir)
    builder = IndexBuilder(store_dir)  # what it needs of the store, built once: a batch costs its own chips
    src = pq.ParquetFile(path)
    if "chip_id" not in src.schema_arrow.names:
        raise StoreError(f"{path} has no chip_id column; it is not a chip index")
    meta = src.schema_arrow.metadata
    tmp = path.with_name(f".{path.name}.part")
    writer = None
    try:
        tables = (pa.Table.from_batches([b]) for b in src.iter_batches(batch_size=batch_chips)) \
            if src.metadata.num_rows else iter([src.schema_arrow.empty_table()])
        for table in tables:
            ids = table.column("chip_id").to_numpy(zero_copy_only=False)
            for key, values in builder.columns(chip_keys(ids), full=False).items():
                col = pa.array(list(values) if values.dtype == object else values, type=_arrow_type(key),
                               from_pandas=True)
                i = table.schema.get_field_index(key)
                table = table.set_column(i, key, col) if i >= 0 else table.append_column(key, col)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema.with_metadata(meta), compression="zstd")
            writer.write_table(table.replace_schema_metadata(writer.schema.metadata), row_group_size=batch_chips)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return path


def write_status_png(store_dir: str | Path, path: str | Path, *, dpi: int = 100) -> Path:
    """A map of the chips (lon/lat), one panel per collection and period, coloured by status, with counts."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    builder = IndexBuilder(store_dir)
    panels, n = builder.panels, len(builder)
    if not panels or not n:
        raise StoreError(f"{store_dir} has no chips yet; nothing to map")
    step = -(-n // MAP_MAX_CHIPS)  # a continent: draw a sample (MAP_MAX_CHIPS at most), the map reads the same
    verts, drawn, counts = _map_sample(builder, step)
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(3.0 * cols + 1.4, 3.0 * rows + 0.4), dpi=dpi, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    lat = float(np.mean([v[:, 1].mean() for v in verts]))
    for ax, (name, period) in zip(axes, panels, strict=False):
        key = column("status", name, period)  # counts of all chips, colours of the drawn ones
        ax.add_collection(PolyCollection(verts, facecolors=[STATUS_COLOURS[s] for s in drawn[key]],
                                         edgecolors="0.4" if len(verts) < 3000 else "none", linewidths=0.3))
        ax.autoscale_view()
        ax.set_aspect(1 / max(0.05, math.cos(math.radians(lat))))
        found = {s: k for s, k in counts[key].items() if k}
        ax.set_title(f"{name} [{period}]\n" + ", ".join(f"{s} {k}" for s, k in found.items()), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.legend(handles=[Patch(facecolor=STATUS_COLOURS[s], edgecolor="0.4", label=s) for s in STATUSES],
               loc="outside right center", fontsize=8, title="chip status", title_fontsize=8)
    sampled = f", every {step}th drawn" if step > 1 else ""
    fig.suptitle(f"{Path(store_dir)}: {n} chips (lon/lat{sampled})", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _map_sample(builder: IndexBuilder, step: int) -> tuple[list[np.ndarray], dict[str, list[str]],
                                                             dict[str, dict[str, int]]]:
    """(outlines of every `step`-th chip, their status per panel column, status counts of all chips per panel
    column), a batch at a time: the map holds its drawn sample (MAP_MAX_CHIPS at most), never the index."""
    verts: list[np.ndarray] = []
    drawn: dict[str, list[str]] = {column("status", c, p): [] for c, p in builder.panels}
    counts: dict[str, dict[str, int]] = {k: dict.fromkeys(STATUSES, 0) for k in drawn}
    lo = 0
    for keys in builder.key_batches():
        cols = builder.columns(keys, full=False)
        pick = np.arange((-lo) % step, len(keys), step)
        verts += [np.asarray(g.exterior.coords) for g in outlines_4326(key_arrays(keys[pick]))]
        for key in drawn:
            status = np.asarray(cols[key])
            drawn[key] += status[pick].tolist()
            names, k = np.unique(status.astype(str), return_counts=True)
            for name, m in zip(names.tolist(), k.tolist(), strict=True):
                counts[key][name] += m
        lo += len(keys)
    return verts, drawn, counts
