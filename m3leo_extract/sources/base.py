"""What every external source shares: its description, where its files are, and the VRT that mosaics them.

A source's files are read where they are (object storage through GDAL's /vsis3/, an https mirror through
/vsicurl/, or a local folder): only the headers are probed here, and `tile` then reads only the windows its
chips need. The files a chip needs are gathered in one GDAL VRT (written into the dataset directory) that
mosaics the tiles, stacks separate variables as bands, and turns stored digital numbers into physical values
(its per-source scale and nodata), so `tile` sees one ordinary float raster.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from xml.sax.saxutils import escape

from ..errors import RasterError, UsageError

SOURCES_DIR = "sources"  # under the dataset directory: the VRTs (and downloads) of the external sources


@dataclass(frozen=True)
class Variable:
    """One variable of a source as it is stored in the source's files."""

    name: str
    units: str
    dtype: str  # as stored in the source file
    nodata: float | None  # the stored value that means "no data" (None: the file says, or there is none)
    scale: float = 1.0  # physical value = stored value * scale + offset
    offset: float = 0.0
    resampling: str = "bilinear"
    kind: str = "continuous"
    description: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """A source beside the Earth Engine recipes in the catalogue."""

    name: str
    title: str
    default_root: str
    layout: str  # the file naming, with placeholders
    native_grid: str
    temporal: str
    licence: str
    citation: str
    variables: tuple[Variable, ...]
    m3leo: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name or v.name.lower() == name.lower():
                return v
        raise UsageError(f"{self.name} has no variable {name!r}; use one of "
                         f"{', '.join(v.name for v in self.variables)}")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "source": "external", "root": self.default_root,
                "layout": self.layout, "native_grid": self.native_grid, "temporal": self.temporal,
                "licence": self.licence, "citation": self.citation, "m3leo": self.m3leo,
                "options": dict(self.options),
                "variables": [{"name": v.name, "units": v.units, "stored_dtype": v.dtype, "nodata": v.nodata,
                               "scale": v.scale, "offset": v.offset, "resampling": v.resampling, "kind": v.kind,
                               "description": v.description} for v in self.variables]}


# -- where the files are --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Root:
    """A source's root: object storage, an http(s) mirror or a local folder, and the GDAL options to read it."""

    text: str
    kind: str  # "s3" | "http" | "local"
    base: str  # the GDAL path prefix: /vsis3/bucket/prefix, /vsicurl/https://host/prefix, or a folder
    gdal_env: tuple[tuple[str, str], ...] = ()

    def path(self, rel: str) -> str:
        return f"{self.base.rstrip('/')}/{rel.lstrip('/')}"

    @property
    def env(self) -> dict[str, str]:
        return dict(self.gdal_env)


def s3_env(endpoint_url: str | None = None, region: str = "us-west-2",
           environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """GDAL options for anonymous reads from S3 or an S3-compatible server (`endpoint_url`, else
    $AWS_ENDPOINT_URL_S3 / $AWS_ENDPOINT_URL, else AWS itself). Open-data buckets need no signature."""
    environ = os.environ if environ is None else environ
    env = {"AWS_NO_SIGN_REQUEST": "YES", "AWS_REGION": environ.get("AWS_REGION", region)}
    url = endpoint_url or environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if url:
        u = urlparse(url if "://" in url else f"https://{url}")
        if not u.hostname:
            raise UsageError(f"--endpoint-url {url!r} is not a URL; give e.g. http://127.0.0.1:9000")
        env["AWS_S3_ENDPOINT"] = u.netloc
        env["AWS_HTTPS"] = "NO" if u.scheme == "http" else "YES"
        env["AWS_VIRTUAL_HOSTING"] = "FALSE"  # path-style requests: what S3-compatible servers expect
    return env


def parse_root(text: str, endpoint_url: str | None = None) -> Root:
    """`s3://bucket/prefix`, `https://host/prefix` or a local folder."""
    if text.startswith("s3://"):
        rest = text[len("s3://"):].strip("/")
        if not rest:
            raise UsageError(f"--root {text!r} names no bucket; give s3://BUCKET/PREFIX")
        return Root(text, "s3", f"/vsis3/{rest}", tuple(sorted(s3_env(endpoint_url).items())))
    if text.startswith(("http://", "https://")):
        return Root(text, "http", f"/vsicurl/{text.rstrip('/')}")
    if "://" in text:
        raise UsageError(f"--root {text!r}: use s3://BUCKET/PREFIX, https://HOST/PREFIX or a local folder")
    p = Path(text).expanduser()
    if not p.is_dir():
        raise UsageError(f"--root {text}: no such folder; give the folder holding the source's files, or an "
                         "s3:// or https:// root")
    return Root(text, "local", str(p.resolve()))


# -- probing files ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceRaster:
    """The header of one source file (or NetCDF subdataset) as GDAL sees it."""

    path: str
    width: int
    height: int
    transform: tuple[float, float, float, float, float, float]
    crs_wkt: str
    dtype: str
    nodata: float | None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        a, _, c, _, e, f = self.transform
        x0, x1 = sorted((c, c + a * self.width))
        y0, y1 = sorted((f, f + e * self.height))
        return x0, y0, x1, y1


_MISSING = ("no such file", "does not exist", "not recognized as", "404", "not found", "nosuchkey")


def probe_file(path: str, env: Mapping[str, str] | None = None) -> SourceRaster | None:
    """The file's header, or None if it is not there. RasterError if it is there but unreadable."""
    import rasterio

    try:
        with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR", **dict(env or {})), rasterio.open(path) as src:
            if src.crs is None or src.transform.is_identity:
                raise RasterError(f"{path} is not georeferenced; is it a file of this source?")
            return SourceRaster(path, src.width, src.height, tuple(src.transform)[:6], src.crs.to_wkt(),
                                src.dtypes[0], None if src.nodata is None else float(src.nodata))
    except RasterError:
        raise
    except Exception as exc:  # rasterio raises RasterioIOError (and others) for absent and broken files alike
        text = str(exc).lower()
        if any(m in text for m in _MISSING):
            return None
        raise RasterError(f"{path} cannot be read ({str(exc).splitlines()[0]}); check --root and the network") from None


# -- the VRT ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VrtSource:
    raster: SourceRaster
    band: int = 1
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None  # the stored no-data value (pixels equal to it stay empty)


@dataclass(frozen=True)
class VrtBand:
    name: str
    sources: tuple[VrtSource, ...]


def _num(v: float) -> str:
    return "nan" if math.isnan(v) else repr(float(v))


def write_vrt(path: str | Path, bands: Sequence[VrtBand]) -> Path:
    """A Float32 VRT (nodata NaN) on the sources' common lattice, covering all of them: each band mosaics its
    sources (later sources win where they overlap), with each source's scale/offset and no-data applied."""
    rasters = [s.raster for b in bands for s in b.sources]
    if not rasters:
        raise RasterError("no source file to mosaic")
    first = rasters[0]
    res_x, res_y = first.transform[0], first.transform[4]
    for r in rasters:
        if not (math.isclose(r.transform[0], res_x, rel_tol=1e-9) and math.isclose(r.transform[4], res_y,
                                                                                    rel_tol=1e-9)):
            raise RasterError(f"{r.path} has a different pixel size from {first.path}; the files of one source "
                              "must share its grid")
    x0 = min(r.transform[2] for r in rasters)
    y0 = max(r.transform[5] for r in rasters) if res_y < 0 else min(r.transform[5] for r in rasters)
    xs = [round((r.transform[2] + r.transform[0] * r.width - x0) / res_x) for r in rasters]
    ys = [round((r.transform[5] + r.transform[4] * r.height - y0) / res_y) for r in rasters]
    width, height = max(xs), max(ys)
    lines = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f"  <SRS>{escape(first.crs_wkt)}</SRS>",
             f"  <GeoTransform>{x0!r}, {res_x!r}, 0, {y0!r}, 0, {res_y!r}</GeoTransform>"]
    for i, band in enumerate(bands, start=1):
        lines += [f'  <VRTRasterBand dataType="Float32" band="{i}">', "    <NoDataValue>nan</NoDataValue>",
                  f"    <Description>{escape(band.name)}</Description>"]
        for s in band.sources:
            r = s.raster
            xoff = round((r.transform[2] - x0) / res_x)
            yoff = round((r.transform[5] - y0) / res_y)
            lines += ["    <ComplexSource>",
                      f'      <SourceFilename relativeToVRT="0">{escape(r.path)}</SourceFilename>',
                      f"      <SourceBand>{s.band}</SourceBand>",
                      f'      <SrcRect xOff="0" yOff="0" xSize="{r.width}" ySize="{r.height}"/>',
                      f'      <DstRect xOff="{xoff}" yOff="{yoff}" xSize="{r.width}" ySize="{r.height}"/>']
            nodata = s.nodata if s.nodata is not None else r.nodata
            if nodata is not None:
                lines.append(f"      <NODATA>{_num(nodata)}</NODATA>")
            if s.scale != 1.0 or s.offset != 0.0:
                lines += [f"      <ScaleOffset>{s.offset!r}</ScaleOffset>",
                          f"      <ScaleRatio>{s.scale!r}</ScaleRatio>"]
            lines.append("    </ComplexSource>")
        lines.append("  </VRTRasterBand>")
    lines.append("</VRTDataset>")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out)
    return out


def source_spec(name: str, info: SourceInfo, variables: Sequence[Variable], resolution: float,
                band_names: Sequence[str] | None = None, **attrs: Any) -> Any:
    """The store's CollectionSpec for variables of a source: float32 physical values, NaN nodata."""
    from ..grid import CHIP_SIZE_M
    from ..store import CollectionAttrs, CollectionSpec

    kinds = {v.kind for v in variables}
    return CollectionSpec(
        name=name, bands=tuple(band_names or [v.name for v in variables]), dtype="float32", nodata=float("nan"),
        resolution=float(resolution), chip_px=int(round(CHIP_SIZE_M / resolution)),
        kind="categorical" if kinds == {"categorical"} else "continuous",
        attrs=CollectionAttrs(source=info.name, title=info.title, units=tuple(v.units for v in variables),
                              scale=(1.0,) * len(variables), offset=(0.0,) * len(variables), licence=info.licence,
                              m3leo=info.m3leo, extra=attrs))


def vrt_dir(store_dir: str | Path, source: str) -> Path:
    return Path(store_dir) / SOURCES_DIR / source
