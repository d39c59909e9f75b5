"""Pixels out of the emulator: the grid a request renders (given, or the image's own), visualisation, and
the encodings Earth Engine's ImageFileFormat names (NPY, GEO_TIFF, ZIPPED_GEO_TIFF(_PER_BAND), PNG, JPEG)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Img
from .images import visualize
from .metadata import band_grid
from .projections import _grid
from .render import render, stack, to_geotiff, to_npy

NPY_FORMATS = ("NUMPY_NDARRAY", "NPY")
TIFF_FORMATS = ("GEO_TIFF", "ZIPPED_GEO_TIFF", "ZIPPED_GEO_TIFF_PER_BAND")
IMAGE_FORMATS = ("PNG", "JPEG", "AUTO_JPEG_PNG")
FORMATS = NPY_FORMATS + TIFF_FORMATS + IMAGE_FORMATS
CTYPE = {"NUMPY_NDARRAY": "application/octet-stream", "NPY": "application/octet-stream", "GEO_TIFF": "image/tiff",
         "ZIPPED_GEO_TIFF": "application/zip", "ZIPPED_GEO_TIFF_PER_BAND": "application/zip", "PNG": "image/png",
         "JPEG": "image/jpeg"}


def file_format(body: dict[str, Any], default: str = "AUTO_JPEG_PNG") -> str:
    fmt = str(body.get("fileFormat") or default).upper()
    if fmt not in FORMATS:
        raise EEError(f"Invalid value at 'file_format' (type.googleapis.com/google.earthengine.v1.ImageFileFormat), "
                      f"\"{fmt}\"")
    return fmt


def default_grid(img: Img, grid: dict[str, Any] | None) -> dict[str, Any]:
    """The request's grid, completed from the image's native grid (its projection and footprint)."""
    grid = dict(grid or {})
    if grid.get("dimensions") and (grid.get("affineTransform") or grid.get("crsCode")):
        grid.setdefault("crsCode", "EPSG:4326")
        return grid
    own = img.props.get("_grid")
    if own:
        return {**own, **{k: v for k, v in grid.items() if v}}
    proj, dims = band_grid(img)
    if dims is None:
        raise EEError("Unable to compute pixels of an image with no fixed footprint: clip it or give a grid "
                      "(crsCode, affineTransform, dimensions).")
    g = _grid(proj["crs"], list(proj["transform"]), dims[0], dims[1])
    if grid.get("dimensions"):
        g["dimensions"] = grid["dimensions"]
    return g


def vis_options(img: Img, options: dict[str, Any] | None) -> Img:
    """Apply computePixels' / thumbnails' visualizationOptions (ranges, paletteColors, gamma, opacity)."""
    options = options or {}
    ranges = options.get("ranges") or []
    kw: dict[str, Any] = {}
    if ranges:
        kw["min"] = [float(r.get("min", 0)) for r in ranges]
        kw["max"] = [float(r.get("max", 1)) for r in ranges]
    elif not all(b.dtype == "uint8" for b in img.bands):
        kw.update(min=0.0, max=255.0)
    if options.get("paletteColors"):
        kw["palette"] = options["paletteColors"]
    if options.get("gamma"):
        kw["gamma"] = float(options["gamma"].get("value", 1.0))
    if len(img.bands) not in (1, 3):
        if len(img.bands) > 3:
            raise EEError(f"Image.visualize: Expected 1 or 3 bands, got {len(img.bands)}. Use bandIds to choose.")
        raise EEError("Image.visualize: Image has no bands.")
    return visualize(img, **kw)


def encode(img: Img, grid: dict[str, Any], fmt: str, byte_limit: int,
           band_ids: list[str] | None = None, vis: dict[str, Any] | None = None, prefix: str = "download",
           ) -> tuple[bytes, str, dict[str, Any]]:
    """(body, content type, log fields) of a rendered image."""
    if band_ids:
        img = Img([img.band(b) for b in band_ids], img.props)
        band_ids = None
    if fmt in IMAGE_FORMATS or vis:
        img = vis_options(img, vis)
    arr, names, crs, tr = render(img, grid, byte_limit, band_ids)
    log = {"crs": crs, "bands": names, "width": arr.shape[1], "height": arr.shape[0], "format": fmt}
    if fmt in NPY_FORMATS:
        return to_npy(arr), CTYPE[fmt], log
    if fmt == "GEO_TIFF":
        return to_geotiff(arr, names, crs, tr), CTYPE[fmt], log
    if fmt in ("ZIPPED_GEO_TIFF", "ZIPPED_GEO_TIFF_PER_BAND"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            if fmt == "ZIPPED_GEO_TIFF":
                z.writestr(f"{prefix}.tif", to_geotiff(arr, names, crs, tr))
            else:
                for n in names:
                    z.writestr(f"{prefix}.{n}.tif", to_geotiff(arr[[n]], [n], crs, tr))
        return buf.getvalue(), CTYPE[fmt], log
    return _picture(arr, names, "JPEG" if fmt == "JPEG" else "PNG"), CTYPE["JPEG" if fmt == "JPEG" else "PNG"], log


def _picture(arr: np.ndarray, names: list[str], kind: str) -> bytes:
    from PIL import Image

    rgb = np.moveaxis(stack(arr, names), 0, -1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format=kind)
    return buf.getvalue()
