"""The chips as Parquet: one file per collection, split and block of shards, one row per chip and period, with
its pixels and georeference, so `datasets.load_dataset(OUT)` (and pandas, DuckDB, mlcroissant) read them as
they are.

    OUT/data/<collection>/<split>/<collection>-<period>-<block>.parquet

One file per period, so a refresh that adds periods adds files and leaves the others as they were.

Columns: chip_id, period, split, epsg, crs ("EPSG:32631"), x_min, y_min (the chip's lower-left corner in
that CRS), resolution (m), transform (the GDAL/rasterio affine a, b, c, d, e, f: north-up, top-left corner),
bbox (lon/lat: west, south, east, north), majortom_cell, valid (the chip's valid fraction), start / end (the
period's window, null for undated labels), and `pixels`: the stored values, (band, y, x) nested fixed-size
lists of the collection's dtype (physical value = stored x scale + offset, per band: the card's band table).
Only chips and periods that were written are rows (never-written ones have no pixels to give).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..grid import CHIP_SIZE_M, Chip, ChipArrays, lonlat_transformer, outlines_4326
from ..majortom import cell_names
from ..shards import ChunkReader, Modality, array_path, chunk_file, shard_file
from .meta import CollectionInfo, StoreInfo, file_stamp, fingerprint

BLOCK_SHARDS = 16  # shards per Parquet file (256 chips with 16-chip shards)
ROW_GROUP = 8  # rows per row group: writers and streaming readers hold about one (nested levels: ~3x its pixels)
# zstd level 1; dictionaries and statistics for the small columns only: on `pixels` a dictionary costs ~5x the
# write time and saves nothing (measured on S1 float32 chips: 0.33 s vs 0.07 s for 13 MB, 12.5 vs 11.0 MB).
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd", "compression_level": 1,
    "use_dictionary": ["chip_id", "period", "split", "crs", "majortom_cell"],
    "write_statistics": ["chip_id", "period", "split", "epsg", "x_min", "y_min", "valid", "start", "end"]}


def blocks(c: CollectionInfo) -> range:
    return range(-(-c.n_shards // BLOCK_SHARDS))


def block_shards(c: CollectionInfo, block: int) -> range:
    return range(block * BLOCK_SHARDS, min((block + 1) * BLOCK_SHARDS, c.n_shards))


def data_path(c: CollectionInfo, split: str, period: str, block: int) -> str:
    return f"data/{c.name}/{split}/{c.name}-{period}-{block:05d}.parquet"


def shard_fingerprint(info: StoreInfo, c: CollectionInfo, shard: int, t: int, *extra: Any) -> str:
    """What a shard's published files depend on: its chips and splits, the period's shard file and `valid`
    chunk (size and modification time: a rewritten shard changes them) and its provenance record."""
    path = Path(shard_file(array_path(info.root, c.name), shard, t))
    vpath = Path(chunk_file(array_path(info.root, c.name, "valid"), shard, t))
    stamps = [file_stamp(p) if p.exists() else None for p in (path, vpath)]
    period = c.periods[t]
    return fingerprint(c.name, period, c.shard_ids(shard), c.shard_splits(shard), stamps,
                       (c.attrs.get("periods") or {}).get(period), *extra)


def block_fingerprint(info: StoreInfo, c: CollectionInfo, block: int, t: int) -> str:
    return fingerprint(*(shard_fingerprint(info, c, s, t) for s in block_shards(c, block)))


def _pixels(data: np.ndarray) -> Any:
    import pyarrow as pa

    n, b, h, w = data.shape
    arr = pa.array(np.ascontiguousarray(data).ravel())
    for size in (w, h, b):
        arr = pa.FixedSizeListArray.from_arrays(arr, size)
    return arr


def _georef(ids: list[str], res: float) -> dict[str, Any]:
    """Per chip: CRS, corner, affine transform, lon/lat bbox (of the densified outline) and Major-TOM cell."""
    import shapely

    chips = [Chip.from_id(i) for i in ids]
    arr = ChipArrays(np.array([c.zone for c in chips]), np.array([c.south for c in chips]),
                     np.array([c.row for c in chips]), np.array([c.col for c in chips]))
    bbox = shapely.bounds(outlines_4326(arr)).tolist()
    lon, lat = np.zeros(len(chips)), np.zeros(len(chips))
    for code in {c.epsg for c in chips}:
        i = [k for k, c in enumerate(chips) if c.epsg == code]
        x = np.array([chips[k].x_min for k in i]) + CHIP_SIZE_M / 2
        y = np.array([chips[k].y_min for k in i]) + CHIP_SIZE_M / 2
        lon[i], lat[i] = lonlat_transformer(code).transform(x, y)
    return {"epsg": [ch.epsg for ch in chips], "crs": [ch.crs for ch in chips], "x_min": [ch.x_min for ch in chips],
            "y_min": [ch.y_min for ch in chips], "resolution": [res] * len(chips),
            "transform": [[res, 0.0, ch.x_min, 0.0, -res, ch.y_max] for ch in chips], "bbox": bbox,
            "majortom_cell": cell_names(lon, lat)}


def shard_tables(info: StoreInfo, c: CollectionInfo, shard: int, t: int, reader: ChunkReader
                 ) -> list[tuple[str, Any]]:
    """(split, Arrow table) of one shard's written chips of period `t`."""
    import pyarrow as pa

    res = float(c.attrs["resolution"])
    ids = c.shard_ids(shard)
    lo = shard * c.shard_chips
    if not Path(shard_file(array_path(info.root, c.name), shard, t)).exists():  # only planned: no rows
        return []
    splits = np.array(c.shard_splits(shard), dtype=object)
    valid = np.asarray(info.store.group[c.name]["valid"][lo:lo + len(ids), t])
    p = c.periods[t]
    written = ~np.isnan(valid)
    if not written.any():
        return []
    geo = _georef(ids, res)
    win = c.windows.get(p)
    out = []
    for split in sorted(set(splits[written])):
        keep = np.nonzero(written & (splits == split))[0]
        data = np.empty((len(keep), *reader.m.shape), dtype=reader.m.dtype)
        for k, i in enumerate(keep):  # straight into one array: no per-chip copy, no stack
            data[k] = reader.read(lo + int(i), ids[i], reuse=True)
        cols: dict[str, Any] = {
            "chip_id": pa.array([ids[i] for i in keep]), "period": pa.array([p] * len(keep)),
            "split": pa.array([split] * len(keep)),
            **{k: pa.array([v[i] for i in keep]) for k, v in geo.items()},
            "valid": pa.array(valid[keep].astype("float32")),
            "start": pa.array([np.datetime64(win[0], "ms") if win else None] * len(keep), pa.timestamp("ms")),
            "end": pa.array([np.datetime64(win[1], "ms") if win else None] * len(keep), pa.timestamp("ms")),
            "pixels": _pixels(data)}
        cols["epsg"] = cols["epsg"].cast(pa.int32())
        out.append((split, pa.table(cols)))
    return out


def block_rows(info: StoreInfo, c: CollectionInfo, block: int, t: int) -> Iterator[tuple[str, Any]]:
    """(split, Arrow table) of one block's shards, period `t`; the next shard is read and decoded in a second
    thread while the caller writes this one (one shard ahead: memory stays one shard or two)."""
    shards = list(block_shards(c, block))
    if not shards:
        return
    with ThreadPoolExecutor(1) as pool:
        def job(s: int) -> Any:
            m = Modality(info.store.spec(c.name), c.periods[t], t, c.shard_chips)
            return pool.submit(shard_tables, info, c, s, t, ChunkReader(str(info.root), m))

        nxt = job(shards[0])
        for k in range(len(shards)):
            tables = nxt.result()
            if k + 1 < len(shards):
                nxt = job(shards[k + 1])
            yield from tables


def write_block(info: StoreInfo, c: CollectionInfo, block: int, t: int, dest: Path) -> list[str]:
    """Write one block's Parquet files of period `t` (one per split) under `dest`; their paths relative to it."""
    import pyarrow.parquet as pq

    writers: dict[str, Any] = {}
    try:
        for split, table in block_rows(info, c, block, t):
            w = writers.get(split)
            if w is None:
                path = dest / data_path(c, split, c.periods[t], block)
                path.parent.mkdir(parents=True, exist_ok=True)
                meta = {b"m3leo": json.dumps({"collection": c.name, "period": c.periods[t], "bands": c.bands,
                                              "synthetic": info.synthetic}).encode()}
                w = writers[split] = pq.ParquetWriter(path.with_name(path.name + ".part"),
                                                      table.schema.with_metadata(meta), **WRITE_OPTIONS)
            w.write_table(table.replace_schema_metadata(w.schema.metadata), row_group_size=ROW_GROUP)
    finally:
        for w in writers.values():
            w.close()
    out = []
    for split in writers:
        path = dest / data_path(c, split, c.periods[t], block)
        path.with_name(path.name + ".part").replace(path)
        out.append(data_path(c, split, c.periods[t], block))
    return sorted(out)
