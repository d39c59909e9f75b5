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
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from .catalog.period import latest_period, period_order
from .errors import UsageError
from .grid import Chip, chips_for_geometry, zone_name
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
    files: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "written": self.written, "skipped": self.skipped,
                "unwritten": self.unwritten, "files": len(self.files)}


# -- choosing what to export ---------------------------------------------------------------------------------
def read_chip_list(path: str | Path) -> list[str]:
    """Chip ids from a text file (one per line, `#` comments), a CSV or a (Geo)Parquet with a chip_id column."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--chips {p}: no such file; give a text file of chip ids, a CSV or a GeoParquet")
    try:
        if p.suffix in (".parquet", ".geoparquet", ".csv"):
            import pandas as pd

            table = pd.read_csv(p) if p.suffix == ".csv" else pd.read_parquet(p, columns=["chip_id"])
            col = "chip_id" if "chip_id" in table.columns else table.columns[0]
            ids = [str(v) for v in table[col].dropna()]
        else:
            ids = [ln.split("#")[0].strip() for ln in p.read_text().splitlines()]
            ids = [i for i in ids if i]
    except UsageError:
        raise
    except Exception as exc:  # pandas / pyarrow raise many types
        raise UsageError(f"--chips {p}: cannot read it ({str(exc).splitlines()[0]}); give one chip id a line, "
                         "or a CSV/GeoParquet with a chip_id column") from None
    for cid in ids:
        Chip.from_id(cid)  # GridError (a UsageError) names a bad id
    if not ids:
        raise UsageError(f"--chips {p} lists no chip id")
    return list(dict.fromkeys(ids))


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


def select_chips(st: ChipStore, collection: str, chip_ids: Sequence[str] | None = None,
                 aoi: Any = None) -> list[str]:
    """The collection's chips to export: all, those of `chip_ids`, or those covering `aoi` (lon/lat geometry)."""
    have = st.chip_ids(collection)
    if aoi is not None:
        wanted = {c.chip_id for c in chips_for_geometry(aoi)}
        return [c for c in have if c in wanted]
    if chip_ids is None:
        return have
    present = set(have)
    missing = [c for c in chip_ids if c not in present]
    if missing:
        raise UsageError(f"{len(missing)} of the {len(chip_ids)} chips asked for are not in {collection!r} "
                         f"(e.g. {missing[0]}); list its chips with `m3leo status --out chips.parquet`")
    return list(chip_ids)


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


def write_chip_cog(st: ChipStore, spec: CollectionSpec, chip_id: str, period: str, path: Path) -> None:
    """One chip of one period as a COG at `path` (atomic: a temporary file renamed when complete)."""
    import rasterio
    from rasterio.io import MemoryFile

    chip = Chip.from_id(chip_id)
    data = st.read_chip(spec.name, chip_id, period)
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


def write_zone_mosaic(st: ChipStore, spec: CollectionSpec, chip_ids: Sequence[str], period: str,
                      path: Path, progress: Progress | None = None) -> None:
    """The chips of one UTM zone as one COG (nodata between them): chips go one by one into a tiled GeoTIFF
    beside `path` (memory: one chip), which is then copied to a COG."""
    import rasterio
    from rasterio.windows import Window

    chips = [Chip.from_id(c) for c in chip_ids]
    px = spec.chip_px
    c0, c1 = min(c.col for c in chips), max(c.col for c in chips) + 1
    r0, r1 = min(c.row for c in chips), max(c.row for c in chips) + 1
    top = Chip(chips[0].zone, chips[0].south, r1 - 1, c0)
    profile = dict(driver="GTiff", width=(c1 - c0) * px, height=(r1 - r0) * px, count=len(spec.bands),
                   dtype=spec.dtype, crs=top.crs, transform=top.transform(spec.resolution), nodata=spec.nodata,
                   tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER")
    stage = path.with_name(f".{path.name}.stage.tif")
    tmp = path.with_name(f".{path.name}.part")
    try:
        with rasterio.open(stage, "w", **profile) as dst:
            for chip, cid in zip(chips, chip_ids, strict=True):
                block = st.read_chip(spec.name, cid, period)
                dst.write(block, window=Window((chip.col - c0) * px, (r1 - 1 - chip.row) * px, px, px))
                if progress is not None:
                    progress({"event": "chip", "chip": cid})
            _decorate(dst, spec, period, {"UTM_ZONE": chip_zone(top)})
        _to_cog(str(stage), tmp, spec)
    finally:
        stage.unlink(missing_ok=True)
    _finish(tmp, path, spec)


def chip_zone(chip: Chip) -> str:
    return zone_name(chip.zone, chip.south)


def export_cogs(store_dir: str | Path, collection: str, out: str | Path, *, period: str | None = None,
                chip_ids: Sequence[str] | None = None, aoi: Any = None, mosaic: bool = False,
                progress: Progress | None = None) -> ExportReport:
    """Export `collection` at `period` (default: the latest) as COGs under OUT/<collection>/<period>/.

    Chips: all of the collection's, those of `chip_ids`, or those covering `aoi` (lon/lat geometry); chips
    never written for the period are left out (counted in `unwritten`). Inputs are checked before anything
    is written. `progress` gets {"event": "plan", "total": N} then one {"event": "chip", ...} per chip done."""
    st, label = open_for_export(store_dir, collection, period)
    ids = select_chips(st, collection, chip_ids, aoi)
    spec = st.spec(collection)
    t = st.periods(collection).index(label)
    valid = st.read_valid(collection)[:, t]
    written_ids = [c for c in ids if not math.isnan(valid[st.index_of(collection, c)])]
    unwritten = len(ids) - len(written_ids)
    folder = Path(out) / collection / label.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    zones: dict[str, list[str]] = {}
    for cid in written_ids:
        zones.setdefault(chip_zone(Chip.from_id(cid)), []).append(cid)
    if progress is not None:
        progress({"event": "plan", "total": len(written_ids), "skipped_unwritten": unwritten})
    files: list[str] = []
    written = skipped = 0
    for zone, zids in sorted(zones.items()):
        if mosaic:
            path = folder / f"{collection}_{label}_{zone}.tif"
            if path.exists():
                skipped += 1
                if progress is not None:
                    progress({"event": "chip", "chip": None, "n": len(zids), "skipped": True})
            else:
                write_zone_mosaic(st, spec, zids, label, path, progress)
                written += 1
            files.append(path.name)
            continue
        for cid in zids:
            path = folder / f"{cid}.tif"
            done_before = path.exists()
            if done_before:
                skipped += 1
            else:
                write_chip_cog(st, spec, cid, label, path)
                written += 1
            files.append(path.name)
            if progress is not None:
                progress({"event": "chip", "chip": cid, "skipped": done_before})
        write_vrt(folder / f"{zone}.vrt", [folder / f"{c}.tif" for c in zids], _category_xml(spec))
    if mosaic and zones:
        write_vrt(folder / f"{collection}_{label}.vrt", [folder / f for f in files], _category_xml(spec))
    return ExportReport(out=folder, written=written, skipped=skipped, unwritten=unwritten, files=tuple(files))
