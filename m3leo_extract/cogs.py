"""Export a collection's chips as Cloud-Optimised GeoTIFFs that GDAL and QGIS open as they are.

GDAL's Zarr driver cannot decode the store's sharded arrays, so this is how a GIS looks at the chips:

    OUT/<collection>/<period>/<chip_id>.tif     one COG per chip (default), in the chip's UTM zone
    OUT/<collection>/<period>/<zone>.vrt        per UTM zone, a VRT mosaic of that zone's chip COGs
    OUT/<collection>/<period>/<collection>_<period>_<zone>.tif   with mosaic=True: one COG per UTM zone
    OUT/<collection>/<period>/<collection>_<period>.vrt          ... and a VRT over them (EPSG:4326 when the
                                                                  zones differ, via warped VRTs per zone)

Every COG carries band descriptions (band names), nodata, per-band scale/offset and units, the collection
and period as tags; categorical layers get their class colours as the colour table and class names as GDAL
category names (in the `.aux.xml` beside it, which GDAL and QGIS read). Files are written to a temporary
name and renamed when complete, and a finished file is skipped on the next run: an interrupted export
resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from .catalog.period import latest_period, period_order
from .chipblocks import BLOCK_CHIPS, block_chips, blocks
from .errors import UsageError
from .grid import Chip, ChipArrays, chip_keys, find_sorted, iter_chip_arrays, zone_name
from .render import class_colours
from .shards import store_exists
from .store import ChipStore, CollectionSpec
from .vrt import write_vrt

# rasterio (GDAL) and pandas are imported inside the functions that write or read tables: heavy imports that
# `import m3leo_extract.cogs` (the CLI's export command) need not pay before it runs.

FORMATS = ("cog",)
COG_OPTIONS = {"COMPRESS": "DEFLATE", "PREDICTOR": "YES", "BLOCKSIZE": "256", "BIGTIFF": "IF_SAFER"}
Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ExportReport:
    out: Path
    written: int  # files written by this run
    skipped: int  # already there from an earlier run (resumed)
    unwritten: int  # selected chips never written for this period (nothing to export)
    files: Sequence[str]  # file names (per chip: made from the chips' keys when read)

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "written": self.written, "skipped": self.skipped,
                "unwritten": self.unwritten, "files": len(self.files)}


# -- choosing what to export ---------------------------------------------------------------------------------
# Chips are chosen and walked as int64 keys (`grid.chip_keys`) and store rows, 16 B a chip: no chip id, Chip or
# dict entry per chip is held, so a 10M-chip store is exported in flat memory (issue 26).
LIST_BATCH = 65_536  # ids of a --chips file parsed at a time


class ChipFiles(Sequence[str]):
    """The per-chip COG names of an export (`<chip_id>.tif`), made from their keys when asked for."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [f"{c}.tif" for c in ChipArrays.from_keys(self.keys[index]).ids()]
        return f"{ChipArrays.from_keys(self.keys[index:index + 1 or None]).ids()[0]}.tif"

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self.keys), BLOCK_CHIPS):
            yield from self[lo:lo + BLOCK_CHIPS]


def _keys_of(ids: Sequence[str]) -> np.ndarray:
    """int64 keys of chip ids, in the order given; GridError (a UsageError) names the first that is not one.
    Ids of the grid's form are parsed vectorised, any other goes through `Chip.from_id`."""
    u = np.asarray(list(ids), dtype=str)
    if not u.size:
        return np.zeros(0, "int64")
    ok = (np.char.str_len(u) == 12) & np.array([s.isascii() for s in u.tolist()])
    keys = np.full(u.size, -1, "int64")
    if ok.any():
        keys[ok] = chip_keys(u[ok])
        back = np.array(ChipArrays.from_keys(keys[ok]).ids(), dtype=str) == u[ok]
        zone = (keys[ok] >> 33)
        ok[np.flatnonzero(ok)] = back & (zone >= 1) & (zone <= 60)
    for i in np.flatnonzero(~ok):
        chip = Chip.from_id(str(u[i]))
        keys[i] = ChipArrays.of([chip]).keys()[0] if chip.row < 1 << 16 and chip.col < 1 << 16 else -1
    return keys


def _list_batches(p: Path) -> Iterator[list[str]]:
    """The ids of a --chips file, LIST_BATCH at a time."""
    if p.suffix in (".parquet", ".geoparquet"):
        import pyarrow.parquet as pq

        f = pq.ParquetFile(p)
        if "chip_id" not in f.schema_arrow.names:
            raise ValueError("it has no chip_id column")
        for batch in f.iter_batches(batch_size=LIST_BATCH, columns=["chip_id"]):
            yield [str(v) for v in batch.column(0).drop_null().to_pylist()]
    elif p.suffix == ".csv":
        import pandas as pd

        for table in pd.read_csv(p, chunksize=LIST_BATCH):
            col = "chip_id" if "chip_id" in table.columns else table.columns[0]
            yield [str(v) for v in table[col].dropna()]
    else:
        with open(p) as f:
            batch: list[str] = []
            for ln in f:
                cid = ln.split("#")[0].strip()
                if cid:
                    batch.append(cid)
                if len(batch) >= LIST_BATCH:
                    yield batch
                    batch = []
            yield batch


def read_chip_keys(path: str | Path) -> np.ndarray:
    """int64 keys of the chips a file lists (one id a line, `#` comments; a CSV or a (Geo)Parquet with a
    chip_id column), in the file's order without repeats."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--chips {p}: no such file; give a text file of chip ids, a CSV or a GeoParquet")
    parts = []
    try:
        for batch in _list_batches(p):
            parts.append(_keys_of(batch))  # GridError (a UsageError) names a bad id
    except UsageError:
        raise
    except Exception as exc:  # pandas / pyarrow raise many types
        raise UsageError(f"--chips {p}: cannot read it ({str(exc).splitlines()[0]}); give one chip id a line, "
                         "or a CSV/GeoParquet with a chip_id column") from None
    keys = np.concatenate(parts) if parts else np.zeros(0, "int64")
    if not keys.size:
        raise UsageError(f"--chips {p} lists no chip id")
    _, first = np.unique(keys, return_index=True)
    return keys[np.sort(first)]


def read_chip_list(path: str | Path) -> list[str]:
    """Chip ids of a --chips file (`read_chip_keys`) as strings: for a list that is small."""
    return ChipArrays.from_keys(read_chip_keys(path)).ids()


def _id_of(key: int) -> str:
    return ChipArrays.from_keys(np.array([key], "int64")).ids()[0] if key >= 0 else "(an id off the grid)"


def open_for_export(store_dir: str | Path, collection: str, period: str | None) -> tuple[ChipStore, str]:
    """The store and the period label to export, or UsageError (nothing written) saying what is wrong."""
    if not store_exists(store_dir):
        raise UsageError(f"no chip store at {store_dir}; give the --store DIR that extract or tile wrote")
    st = ChipStore.open(store_dir, mode="r")
    if collection not in st.collections():
        raise UsageError(f"collection {collection!r} is not in {store_dir}; it has "
                         f"{', '.join(st.collections()) or 'nothing yet'}")
    labels = st.periods(collection)
    if not labels:
        raise UsageError(f"collection {collection!r} has no period written yet; run extract or tile first")
    if period is not None and period not in labels:
        raise UsageError(f"collection {collection!r} has no period {period!r}; it holds "
                         f"{', '.join(sorted(labels, key=period_order))}")
    return st, period or latest_period(labels)


def select_rows(st: ChipStore, collection: str, chip_ids: Sequence[str] | np.ndarray | None = None,
                aoi: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows, keys), int64, of the collection's chips to export: all of them or those covering `aoi` (lon/lat
    geometry), store order; or those of `chip_ids` (ids or int64 keys), in that order (UsageError if one is
    not in the collection). Read a block of the chip arrays at a time."""
    if aoi is None and chip_ids is not None:
        keys = np.asarray(chip_ids) if isinstance(chip_ids, np.ndarray) else _keys_of(chip_ids)
        have = st.chip_keys(collection)
        order = np.argsort(have, kind="stable")
        pos, found = find_sorted(have[order], keys)
        if not found.all():
            missing = np.flatnonzero(~found)
            raise UsageError(f"{missing.size} of the {len(keys)} chips asked for are not in {collection!r} "
                             f"(e.g. {_id_of(int(keys[missing[0]]))}); list its chips with "
                             "`m3leo status --out chips.parquet`")
        return order[pos].astype("int64"), keys.astype("int64")
    wanted = None
    if aoi is not None:
        parts = [a.keys() for a in iter_chip_arrays(aoi)]  # zones in id order: the keys come sorted
        wanted = np.concatenate(parts) if parts else np.zeros(0, "int64")
    rows, keys = [], []
    for lo, hi in blocks(st, collection):
        k = block_chips(st, collection, lo, hi).keys()
        if wanted is None:
            keep = np.ones(len(k), bool)
        else:
            keep = find_sorted(wanted, k)[1]
        rows.append(lo + np.flatnonzero(keep))
        keys.append(k[keep])
    if not rows:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    return np.concatenate(rows).astype("int64"), np.concatenate(keys)


def select_chips(st: ChipStore, collection: str, chip_ids: Sequence[str] | None = None,
                 aoi: Any = None) -> list[str]:
    """The ids of `select_rows` (for a selection that is small)."""
    return ChipArrays.from_keys(select_rows(st, collection, chip_ids, aoi)[1]).ids()


# -- metadata written into every file ------------------------------------------------------------------------
def _per_band(spec: CollectionSpec, key: str, default: Any) -> list[Any]:
    return spec.attrs.per_band(key, len(spec.bands), default)


def _classes(spec: CollectionSpec) -> dict[int, str]:
    return spec.attrs.class_names() if spec.kind == "categorical" else {}


def _decorate(dst: Any, spec: CollectionSpec, period: str, extra: dict[str, str]) -> None:
    """Band names, scale/offset, units, tags and (categorical) the colour table on an open dataset."""
    for i, b in enumerate(spec.bands, start=1):
        dst.set_band_description(i, b)
    dst.scales = tuple(float(v) for v in _per_band(spec, "scale", 1.0))
    dst.offsets = tuple(float(v) for v in _per_band(spec, "offset", 0.0))
    for i, u in enumerate(_per_band(spec, "units", ""), start=1):
        if u:
            dst.update_tags(i, UNITS=str(u))
    dst.update_tags(COLLECTION=spec.name, PERIOD=period, TITLE=spec.attrs.title, **extra)
    classes = _classes(spec)
    if classes:
        dst.update_tags(1, CLASSES=json.dumps({str(k): v for k, v in sorted(classes.items())}))
        if np.dtype(spec.dtype) in (np.dtype("uint8"), np.dtype("uint16")) and len(spec.bands) == 1:
            colours = class_colours(spec.attrs.to_zarr())
            dst.write_colormap(1, {c: _rgba(colours[c]) for c in colours})


def _rgba(hex_colour: str) -> tuple[int, int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255


def _category_xml(spec: CollectionSpec) -> str:
    """GDAL's <CategoryNames> of a categorical layer (entry i names class code i), or ""."""
    classes = _classes(spec)
    if not classes or min(classes) < 0 or max(classes) > 65535:
        return ""
    names = "".join(f"<Category>{escape(classes.get(i, ''))}</Category>" for i in range(max(classes) + 1))
    return f"<CategoryNames>{names}</CategoryNames>"


def _aux_xml(spec: CollectionSpec) -> str | None:
    """The PAM sidecar (.aux.xml) holding the category names, which a GeoTIFF has no tag for."""
    cats = _category_xml(spec)
    return f'<PAMDataset><PAMRasterBand band="1">{cats}</PAMRasterBand></PAMDataset>\n' if cats else None


# -- writing ---------------------------------------------------------------------------------------------------
def _finish(tmp: Path, final: Path, spec: CollectionSpec) -> None:
    """Sidecar first, then the COG's rename: a COG under its final name is always complete."""
    aux = _aux_xml(spec)
    if aux is not None:
        aux_tmp = final.with_name(f".{final.name}.aux.xml.part")
        aux_tmp.write_text(aux)
        os.replace(aux_tmp, final.with_name(final.name + ".aux.xml"))
    os.replace(tmp, final)


def _to_cog(src_path: str | Any, tmp: Path, spec: CollectionSpec) -> None:
    import rasterio.shutil

    resampling = "NEAREST" if spec.kind == "categorical" else "AVERAGE"
    rasterio.shutil.copy(src_path, str(tmp), driver="COG", OVERVIEW_RESAMPLING=resampling, **COG_OPTIONS)


def write_chip_cog(st: ChipStore, spec: CollectionSpec, chip_id: str, period: str, path: Path,
                   row: int | None = None) -> None:
    """One chip of one period as a COG at `path` (atomic: a temporary file renamed when complete). `row`: the
    chip's row in the store, when the caller has it (no lookup of the id)."""
    import rasterio
    from rasterio.io import MemoryFile

    chip = Chip.from_id(chip_id)
    i = st.index_of(spec.name, chip_id) if row is None else int(row)
    data = st.read_block(spec.name, i, i + 1, st.time_of(spec.name, period))[0]
    profile = dict(driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                   dtype=spec.dtype, crs=chip.crs, transform=chip.transform(spec.resolution),
                   nodata=spec.nodata)
    tmp = path.with_name(f".{path.name}.part")
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data)
            _decorate(dst, spec, period, {"CHIP_ID": chip_id})
        with mem.open() as src, rasterio.Env():
            _to_cog(src, tmp, spec)
    _finish(tmp, path, spec)


def _id_blocks(rows: np.ndarray, keys: np.ndarray) -> Iterator[tuple[np.ndarray, ChipArrays, list[str]]]:
    """(rows, chips, ids) of BLOCK_CHIPS of the chips at a time: the ids of one block only are held."""
    for lo in range(0, len(rows), BLOCK_CHIPS):
        chips = ChipArrays.from_keys(keys[lo:lo + BLOCK_CHIPS])
        yield rows[lo:lo + BLOCK_CHIPS], chips, chips.ids()


def write_zone_mosaic(st: ChipStore, spec: CollectionSpec, rows: np.ndarray, keys: np.ndarray, period: str,
                      path: Path, progress: Progress | None = None) -> None:
    """The chips of one UTM zone (store `rows`, int64 `keys`) as one COG (nodata between them): chips go one by
    one into a tiled GeoTIFF beside `path` (memory: one chip), which is then copied to a COG."""
    import rasterio
    from rasterio.windows import Window

    arr = ChipArrays.from_keys(np.asarray(keys, "int64"))
    px = spec.chip_px
    c0, c1 = int(arr.col.min()), int(arr.col.max()) + 1
    r0, r1 = int(arr.row.min()), int(arr.row.max()) + 1
    top = Chip(int(arr.zone[0]), bool(arr.south[0]), r1 - 1, c0)
    t = st.time_of(spec.name, period)
    profile = dict(driver="GTiff", width=(c1 - c0) * px, height=(r1 - r0) * px, count=len(spec.bands),
                   dtype=spec.dtype, crs=top.crs, transform=top.transform(spec.resolution), nodata=spec.nodata,
                   tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER")
    stage = path.with_name(f".{path.name}.stage.tif")
    tmp = path.with_name(f".{path.name}.part")
    try:
        with rasterio.open(stage, "w", **profile) as dst:
            for brows, chips, ids in _id_blocks(np.asarray(rows, "int64"), np.asarray(keys, "int64")):
                for k, cid in enumerate(ids):
                    i = int(brows[k])
                    block = st.read_block(spec.name, i, i + 1, t)[0]
                    window = Window((int(chips.col[k]) - c0) * px, (r1 - 1 - int(chips.row[k])) * px, px, px)
                    dst.write(block, window=window)
                    if progress is not None:
                        progress({"event": "chip", "chip": cid})
            _decorate(dst, spec, period, {"UTM_ZONE": chip_zone(top)})
        _to_cog(str(stage), tmp, spec)
    finally:
        stage.unlink(missing_ok=True)
    _finish(tmp, path, spec)


def chip_zone(chip: Chip) -> str:
    return zone_name(chip.zone, chip.south)


def _zones(st: ChipStore, collection: str, rows: np.ndarray, keys: np.ndarray, t: int
           ) -> tuple[int, list[tuple[str, np.ndarray, np.ndarray]]]:
    """(chips never written, [(zone, rows, keys)] of the written ones by zone name, each in selection order)."""
    written = np.zeros(len(rows), bool)
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    for lo, hi in blocks(st, collection):  # a block of the valid column at a time: zarr holds an object per chunk
        a, b = np.searchsorted(ordered, [lo, hi])
        if b > a:
            written[order[a:b]] = ~np.isnan(st.read_valid(collection, lo, hi, t)[ordered[a:b] - lo])
    del order, ordered
    unwritten = int(len(rows) - written.sum())
    rows, keys = rows[written], keys[written]
    zh = keys >> 32  # zone * 2 + south: sorts as the zone names do
    order = np.argsort(zh, kind="stable")
    rows, keys, zh = rows[order], keys[order], zh[order]
    cuts = [0, *(np.flatnonzero(np.diff(zh)) + 1).tolist(), len(zh)]
    out = [(zone_name(int(zh[a]) // 2, bool(zh[a] % 2)), rows[a:b], keys[a:b])
           for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]
    return unwritten, out


def export_cogs(store_dir: str | Path, collection: str, out: str | Path, *, period: str | None = None,
                chip_ids: Sequence[str] | np.ndarray | None = None, aoi: Any = None, mosaic: bool = False,
                progress: Progress | None = None) -> ExportReport:
    """Export `collection` at `period` (default: the latest) as COGs under OUT/<collection>/<period>/.

    Chips: all of the collection's, those of `chip_ids` (ids, or int64 keys as `read_chip_keys` gives), or
    those covering `aoi` (lon/lat geometry); chips never written for the period are left out (counted in
    `unwritten`). Inputs are checked before anything is written. `progress` gets {"event": "plan", "total": N}
    then one {"event": "chip", ...} per chip done. Memory: a few int64 per selected chip, ids a block at a time."""
    st, label = open_for_export(store_dir, collection, period)
    rows, keys = select_rows(st, collection, chip_ids, aoi)
    spec = st.spec(collection)
    unwritten, zones = _zones(st, collection, rows, keys, st.periods(collection).index(label))
    del rows, keys
    folder = Path(out) / collection / label.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress({"event": "plan", "total": sum(len(z[1]) for z in zones), "skipped_unwritten": unwritten})
    names: list[str] = []
    written = skipped = 0
    for zone, zrows, zkeys in zones:
        if mosaic:
            path = folder / f"{collection}_{label}_{zone}.tif"
            if path.exists():
                skipped += 1
                if progress is not None:
                    progress({"event": "chip", "chip": None, "n": len(zrows), "skipped": True})
            else:
                write_zone_mosaic(st, spec, zrows, zkeys, label, path, progress)
                written += 1
            names.append(path.name)
            continue
        for brows, _, ids in _id_blocks(zrows, zkeys):
            for row, cid in zip(brows.tolist(), ids, strict=True):
                path = folder / f"{cid}.tif"
                done_before = path.exists()
                if done_before:
                    skipped += 1
                else:
                    write_chip_cog(st, spec, cid, label, path, row)
                    written += 1
                if progress is not None:
                    progress({"event": "chip", "chip": cid, "skipped": done_before})
        write_vrt(folder / f"{zone}.vrt", [folder / f for f in ChipFiles(zkeys)], _category_xml(spec))
    if mosaic and zones:
        write_vrt(folder / f"{collection}_{label}.vrt", [folder / f for f in names], _category_xml(spec))
    files: Sequence[str] = tuple(names) if mosaic else ChipFiles(np.concatenate([z[2] for z in zones])
                                                                  if zones else np.zeros(0, "int64"))
    return ExportReport(out=folder, written=written, skipped=skipped, unwritten=unwritten, files=files)
