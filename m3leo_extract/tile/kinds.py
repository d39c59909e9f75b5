"""Whether a new collection's first raster holds classes or measurements, read from the raster itself.

A land-cover map interpolated bilinearly invents class values that do not exist (between 10 "tree cover" and
20 "shrubland" lie 11, 12, ...), so `tile` does not default to "continuous": it infers the kind from what the
file says, and where the file says nothing clear it refuses to guess and asks for `--kind`.

  categorical  integer values with a colour table or a raster attribute table, or few distinct values
  continuous   floating-point values, several bands, or many distinct integer values
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

from ..errors import UsageError
from .inputs import GDAL_ENV, RasterInput, is_url

MAX_CLASSES = 32  # an integer band with at most this many distinct values (nodata aside) is read as classes
MIN_MEASURED = 100  # ... and one with at least this many as measurements; in between, `tile` asks for --kind
SAMPLE_PX = 128  # the band is sampled in windows of this many pixels a side, not read whole ...
SAMPLE_WINDOWS = 4  # ... on a SAMPLE_WINDOWS x SAMPLE_WINDOWS grid across the raster


@dataclass(frozen=True)
class KindGuess:
    """The kind inferred for a raster and why, in words a user can check ("uint8 with a colour table")."""

    kind: str
    reason: str


def _has_rat(path: str, band: int) -> bool:
    """A raster attribute table in GDAL's side-car file (GDAL keeps a GeoTIFF's RAT there)."""
    if is_url(path):
        return False
    aux = Path(path + ".aux.xml")
    if not aux.is_file():
        return False
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(aux).getroot()
    except ET.ParseError:
        return False
    for node in root.iter("PAMRasterBand"):
        if int(node.get("band", "1")) == band and node.find("GDALRasterAttributeTable") is not None:
            return True
    return False


def _distinct(src: Any, band: int, nodata: float | None) -> int:
    """Distinct values of a band over SAMPLE_WINDOWS x SAMPLE_WINDOWS windows spread across it (a few blocks
    decoded, whatever the raster's size), nodata aside."""
    from rasterio.windows import Window

    size = min(SAMPLE_PX, src.width, src.height)
    seen: set[float] = set()
    for fy in np.linspace(0, 1, SAMPLE_WINDOWS):
        for fx in np.linspace(0, 1, SAMPLE_WINDOWS):
            col, row = int(fx * (src.width - size)), int(fy * (src.height - size))
            seen.update(np.unique(src.read(band, window=Window(col, row, size, size))).tolist())
            if len(seen) > MIN_MEASURED:
                break
    if nodata is not None:
        seen.discard(nodata)
    return len(seen)


def infer_kind(inp: RasterInput) -> KindGuess:
    """The kind of a raster's selected bands; UsageError (naming --kind) when the file does not tell."""
    dt = np.dtype(inp.dtype)
    if dt.kind == "f":
        return KindGuess("continuous", f"{dt} values")
    if dt.kind not in "iub":
        return KindGuess("continuous", f"{dt} values")
    if len(inp.bands) > 1:
        return KindGuess("continuous", f"{len(inp.bands)} {dt} bands")
    band = inp.bands[0]
    with rasterio.Env(**GDAL_ENV), rasterio.open(inp.path) as src:
        try:
            src.colormap(band)
            return KindGuess("categorical", f"{dt} with a colour table")
        except ValueError:  # rasterio: "NULL color table"
            pass
        if _has_rat(inp.path, band):
            return KindGuess("categorical", f"{dt} with a raster attribute table")
        n = _distinct(src, band, inp.nodata)
    if n <= MAX_CLASSES:
        return KindGuess("categorical", f"{dt} with {n} distinct values")
    if n >= MIN_MEASURED:
        return KindGuess("continuous", f"{dt} with {n} distinct values")
    raise UsageError(f"cannot tell whether {inp.name} holds classes or measurements ({dt}, {n} distinct values, "
                     "no colour table); pass --kind categorical (nearest resampling) or --kind continuous")
