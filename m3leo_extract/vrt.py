"""GDAL VRT mosaics written as XML (no GDAL Python bindings needed): files of one CRS side by side, or
files of several UTM zones through one warped VRT each onto EPSG:4326."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import rasterio
import rasterio.shutil
from rasterio.vrt import WarpedVRT

from .nodata import is_nan

_GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16", "uint32": "UInt32",
               "int32": "Int32", "float32": "Float32", "float64": "Float64"}


def _num(v: float | int | None) -> str:
    if v is None:
        return ""
    return "nan" if is_nan(v) else repr(v)


def _info(path: Path) -> dict[str, Any]:
    with rasterio.open(path) as src:
        return {"path": path, "crs": src.crs, "transform": src.transform, "width": src.width,
                "height": src.height, "count": src.count, "dtype": src.dtypes[0], "nodata": src.nodata,
                "descriptions": src.descriptions, "scales": src.scales, "offsets": src.offsets,
                "colormap": _colormap(src)}


def _colormap(src: Any) -> dict[int, tuple[int, ...]] | None:
    try:
        return dict(src.colormap(1))
    except ValueError:  # no colour table
        return None


def _warp_to_4326(path: Path) -> Path:
    """A warped VRT of `path` in EPSG:4326 beside it (nearest: categorical layers stay codes)."""
    out = path.with_name(path.stem + ".4326.vrt")
    with rasterio.open(path) as src, WarpedVRT(src, crs="EPSG:4326") as vrt:
        tmp = out.with_name(f".{out.name}.part")
        rasterio.shutil.copy(vrt, str(tmp), driver="VRT")
    text = tmp.read_text().replace(str(path), path.name)  # relative to the VRT, so the folder can move
    text = text.replace('relativeToVRT="0"', 'relativeToVRT="1"')
    tmp.write_text(text)
    os.replace(tmp, out)
    return out


def write_vrt(path: str | Path, sources: Sequence[str | Path], band1_extra_xml: str = "") -> Path:
    """A VRT mosaic of `sources` (same bands and dtype) at `path`, written atomically; sources of several
    CRSs are mosaicked in EPSG:4326 through one warped VRT each. `band1_extra_xml` goes into band 1 (e.g.
    GDAL <CategoryNames>). Sources are referenced relative to the VRT."""
    path = Path(path)
    infos = [_info(Path(s)) for s in sources]
    if not infos:
        raise ValueError("write_vrt needs at least one source")
    if len({i["crs"].to_wkt() for i in infos}) > 1:
        infos = [_info(_warp_to_4326(i["path"])) for i in infos]
    res_x = min(abs(i["transform"].a) for i in infos)
    res_y = min(abs(i["transform"].e) for i in infos)
    x0 = min(i["transform"].c for i in infos)
    y0 = max(i["transform"].f for i in infos)
    x1 = max(i["transform"].c + i["width"] * abs(i["transform"].a) for i in infos)
    y1 = min(i["transform"].f - i["height"] * abs(i["transform"].e) for i in infos)
    width, height = round((x1 - x0) / res_x), round((y0 - y1) / res_y)
    first = infos[0]
    dtype = _GDAL_TYPES[first["dtype"]]
    nodata = _num(first["nodata"])
    parts = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f'  <SRS dataAxisToSRSAxisMapping="2,1">{escape(first["crs"].to_wkt())}</SRS>'
             if first["crs"].is_geographic else
             f'  <SRS dataAxisToSRSAxisMapping="1,2">{escape(first["crs"].to_wkt())}</SRS>',
             f"  <GeoTransform>{x0!r}, {res_x!r}, 0.0, {y0!r}, 0.0, {-res_y!r}</GeoTransform>"]
    for b in range(1, first["count"] + 1):
        parts.append(f'  <VRTRasterBand dataType="{dtype}" band="{b}">')
        if nodata:
            parts.append(f"    <NoDataValue>{nodata}</NoDataValue>")
        desc = first["descriptions"][b - 1]
        if desc:
            parts.append(f"    <Description>{escape(desc)}</Description>")
        parts.append(f"    <Offset>{first['offsets'][b - 1]!r}</Offset><Scale>{first['scales'][b - 1]!r}</Scale>")
        if b == 1 and first["colormap"]:
            parts.append("    <ColorInterp>Palette</ColorInterp><ColorTable>")
            top = max(first["colormap"])
            for code in range(top + 1):
                c = first["colormap"].get(code, (0, 0, 0, 0))
                parts.append(f'      <Entry c1="{c[0]}" c2="{c[1]}" c3="{c[2]}" c4="{c[3]}"/>')
            parts.append("    </ColorTable>")
        if b == 1 and band1_extra_xml:
            parts.append(f"    {band1_extra_xml}")
        for i in infos:
            t = i["transform"]
            dx, dy = (t.c - x0) / res_x, (y0 - t.f) / res_y
            dw, dh = i["width"] * abs(t.a) / res_x, i["height"] * abs(t.e) / res_y
            rel = os.path.relpath(i["path"], path.parent)
            parts += ["    <ComplexSource>",
                      f'      <SourceFilename relativeToVRT="1">{escape(rel)}</SourceFilename>',
                      f"      <SourceBand>{b}</SourceBand>",
                      f'      <SrcRect xOff="0" yOff="0" xSize="{i["width"]}" ySize="{i["height"]}"/>',
                      f'      <DstRect xOff="{dx!r}" yOff="{dy!r}" xSize="{dw!r}" ySize="{dh!r}"/>']
            if nodata:
                parts.append(f"      <NODATA>{nodata}</NODATA>")
            parts.append("    </ComplexSource>")
        parts.append("  </VRTRasterBand>")
    parts.append("</VRTDataset>\n")
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text("\n".join(parts))
    os.replace(tmp, path)
    return path
