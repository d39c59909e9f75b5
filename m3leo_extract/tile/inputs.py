"""The inputs of `tile`: find them (files, folders, globs, fsspec URLs), probe them (metadata only), and their
footprints (lon/lat, split at the antimeridian; or straight in a chip CRS) and pixel sizes."""

from __future__ import annotations

import glob
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from ..errors import RasterError

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".jp2", ".img", ".nc", ".hdf", ".h5")
# GDAL keeps decoded blocks in a cache that defaults to 5% of RAM; each region is read once, so a small
# cache keeps memory flat whatever the input size.
GDAL_CACHE_MB = 256
GDAL_ENV = {"GDAL_CACHEMAX": GDAL_CACHE_MB, "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}
_GLOB_CHARS = "*?["


@dataclass(frozen=True)
class RasterInput:
    """What a worker needs to know about one input (picklable: travels to dask workers)."""

    path: str
    crs_wkt: str
    epsg: int | None
    transform: tuple[float, float, float, float, float, float]
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None  # the source nodata (the file's, or the caller's `nodata` when the file has none)
    bands: tuple[int, ...]  # 1-based band indexes to read
    descriptions: tuple[str, ...]
    use_mask: bool  # no nodata but an internal mask / alpha band marks the invalid pixels

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def is_url(text: str) -> bool:
    """An fsspec URL (s3://, gs://, https://), not a local path (file:// counts as local)."""
    return "://" in text and not text.startswith("file://")


def _expand_url(text: str, failures: list[str]) -> list[str]:
    """A URL as it is, or the raster files a URL glob (or a URL folder ending in /) matches."""
    if not any(ch in text for ch in _GLOB_CHARS) and not text.endswith("/"):
        return [text]
    fs, _, _ = fsspec.core.get_fs_token_paths(text)
    proto = text.split("://", 1)[0]
    found = fs.glob(text) if any(ch in text for ch in _GLOB_CHARS) else fs.find(text)
    found = [f if "://" in f else f"{proto}://{f}" for f in found if f.lower().endswith(RASTER_SUFFIXES)]
    if not found:
        failures.append(f"{text}: matches no raster file; check the URL")
    return sorted(found)


def _expand_local(text: str, failures: list[str]) -> list[str]:
    """A file, the raster files under a folder (recursively), or the files a glob matches."""
    p = Path(text).expanduser()
    if any(ch in text for ch in _GLOB_CHARS):
        found = sorted(f for f in glob.glob(str(p), recursive=True) if Path(f).is_file())
        if not found:
            failures.append(f"{text}: the pattern matches no file; check it (quote it for the shell)")
        return found
    if p.is_dir():
        found = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in RASTER_SUFFIXES)
        if not found:
            failures.append(f"{text}: the folder holds no raster (.tif, .vrt, .jp2, ...); check the path")
        return found
    if p.is_file():
        return [str(p)]
    failures.append(f"{text}: no such file or folder; check the path")
    return []


def expand_inputs(inputs: Iterable[str | Path]) -> tuple[list[str], list[str]]:
    """Files, folders (searched recursively for rasters), globs and URLs -> (paths, failure lines)."""
    paths: list[str] = []
    failures: list[str] = []
    for item in inputs:
        text = str(item)
        if text.startswith("file://"):
            text = text[len("file://"):]
        paths.extend(_expand_url(text, failures) if is_url(text) else _expand_local(text, failures))
    return list(dict.fromkeys(paths)), failures


def _select_bands(src: Any, bands: Sequence[int | str] | None) -> tuple[int, ...]:
    if bands is None:
        return tuple(range(1, src.count + 1))
    out = []
    for b in bands:
        if isinstance(b, str) and not b.isdigit():
            names = list(src.descriptions)
            if b not in names:
                raise RasterError(f"has no band named {b!r} (bands: {[d or '' for d in names]}); pass band "
                                  "numbers (1-based) to --bands")
            out.append(names.index(b) + 1)
        else:
            i = int(b)
            if not 1 <= i <= src.count:
                raise RasterError(f"has {src.count} band(s), so band {i} does not exist; pass 1..{src.count}")
            out.append(i)
    return tuple(out)


def _describe(path: str, src: Any, bands: Sequence[int | str] | None, nodata: float | None) -> RasterInput:
    """The RasterInput of an open dataset; RasterError if it has no usable georeferencing."""
    if src.crs is None:
        raise RasterError("has no CRS; assign one (gdal_edit.py -a_srs EPSG:xxxx) and rerun")
    t = src.transform
    if t.is_identity:
        raise RasterError("is not georeferenced (no geotransform); georeference it and rerun")
    if t.b != 0 or t.d != 0:
        raise RasterError("has a rotated geotransform; gdalwarp it to a north-up grid first")
    sel = _select_bands(src, bands)
    src.read(sel[0], window=Window(0, 0, 1, 1))  # decodes the first block: catches broken codecs early
    src_nodata = src.nodata if src.nodata is not None else nodata
    flags = [src.mask_flag_enums[i - 1] for i in sel]
    use_mask = src_nodata is None and any(MaskFlags.per_dataset in f or MaskFlags.alpha in f for f in flags)
    dtype = str(np.result_type(*{src.dtypes[i - 1] for i in sel}))
    return RasterInput(path=path, crs_wkt=src.crs.to_wkt(), epsg=src.crs.to_epsg(), transform=tuple(t)[:6],
                       width=src.width, height=src.height, count=src.count, dtype=dtype,
                       nodata=None if src_nodata is None else float(src_nodata), bands=sel,
                       descriptions=tuple(src.descriptions[i - 1] or "" for i in sel), use_mask=use_mask)


def probe_input(path: str, bands: Sequence[int | str] | None = None, nodata: float | None = None,
                gdal_env: Mapping[str, str] | None = None) -> RasterInput:
    """Open an input (metadata and its first block only). RasterError (without the file name) if unusable.

    gdal_env: extra GDAL configuration for reading it (e.g. the AWS_* options of an object store)."""
    try:
        with rasterio.Env(**GDAL_ENV, **dict(gdal_env or {})), rasterio.open(path) as src:
            return _describe(path, src, bands, nodata)
    except RasterError:
        raise
    except Exception as exc:  # rasterio/GDAL raise several types for unreadable files
        raise RasterError(f"cannot be read ({first_line(exc)}); check or re-download the file, or leave it "
                          "out") from None


def first_line(exc: BaseException) -> str:
    """One line about an error; GDAL's specific reason sits at the end of rasterio's exception chain."""
    text = str(exc).strip() or type(exc).__name__
    cause, seen = exc.__cause__ or exc.__context__, 0
    while cause is not None and "previous exception" in text and seen < 10:
        text = str(cause).strip() or text
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return text.splitlines()[0]


def _project(geom: shapely.Geometry, crs_wkt: str, to: int) -> shapely.Geometry:
    tr = Transformer.from_crs(CRS.from_wkt(crs_wkt), to, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def footprint_4326(inp: RasterInput) -> shapely.Geometry:
    """The input's extent as a lon/lat polygon (edges densified: straight lines bend in lon/lat)."""
    a = inp.affine
    x0, y1 = a.c, a.f
    x1, y0 = a.c + a.a * inp.width, a.f + a.e * inp.height
    box = shapely.segmentize(shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                             max(abs(x1 - x0), abs(y1 - y0)) / 32)
    geom = shapely.make_valid(_project(box, inp.crs_wkt, 4326))
    x0, _, x1, _ = geom.bounds
    if x1 - x0 > 180:  # crosses the antimeridian: split at 180 so the chips on both sides are found
        geom = _split_antimeridian(geom)
    return geom.intersection(shapely.box(-180, -80, 180, 84))


def _split_antimeridian(geom: shapely.Geometry) -> shapely.Geometry:
    """A lon/lat shape that wraps across 180: moved east of it, cut at 180, the eastern part moved back."""
    east = shapely.transform(geom, lambda xy: np.column_stack([np.where(xy[:, 0] < 0, xy[:, 0] + 360, xy[:, 0]),
                                                               xy[:, 1]]))
    west_half = shapely.intersection(east, shapely.box(-180, -90, 180, 90))
    wrapped = shapely.intersection(east, shapely.box(180, -90, 540, 90))
    return shapely.union(west_half, shapely.affinity.translate(wrapped, -360))


def footprint_in(inp: RasterInput, epsg: int) -> shapely.Geometry:
    """The input's extent in a chip CRS, projected straight from its own CRS (no lon/lat round trip, so an
    input already on the chip grid covers exactly its chips)."""
    a = inp.affine
    x0, x1 = sorted((a.c, a.c + a.a * inp.width))
    y0, y1 = sorted((a.f, a.f + a.e * inp.height))
    box = shapely.box(x0, y0, x1, y1)
    if inp.epsg == epsg:
        return box
    box = shapely.segmentize(box, max(x1 - x0, y1 - y0) / 64)
    return shapely.make_valid(_project(box, inp.crs_wkt, epsg))


def input_resolution_m(inp: RasterInput) -> float:
    """An input's pixel size in metres (geographic CRSs: degrees at the raster's centre latitude)."""
    a = inp.affine
    size = (abs(a.a * a.e - a.b * a.d)) ** 0.5
    crs = CRS.from_wkt(inp.crs_wkt) if inp.crs_wkt else None
    if crs is not None and crs.is_geographic:
        lat = a.f + a.e * inp.height / 2
        return size * 111_320.0 * max(0.05, math.cos(math.radians(lat)) ** 0.5)
    return size * (crs.axis_info[0].unit_conversion_factor if crs is not None and crs.axis_info else 1.0)
