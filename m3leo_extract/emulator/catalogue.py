"""The catalogue as Earth Engine describes it: asset ids, native grids, image ids, asset records, listings.

The pixels and per-image properties come from `assets.py` (the synthetic world); this module adds what the
REST surface and getInfo() report about them: `system:id` / version / footprint of every image, the native
projection of every band (the world's lon/lat lattice of that asset: EPSG:4326 at 10 m, 1 arc-second, 100 m
or 250 m, anchored on the lattice so a native pixel is a lattice cell), and the asset records of
`assets.get` / `listAssets` / `listImages`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from . import assets, world
from .errors import EEError
from .geometry import WORLD_RING
from .graph import Coll, Img
from .values import Proj

PUBLIC = "projects/earthengine-public/assets/"
VERSION = 1_700_000_000_000_000  # microseconds, as Earth Engine's asset versions are; one for the catalogue
UPDATE_TIME = "2023-11-14T22:13:20Z"

# Native lattice (degrees) of each asset family; anything else is on the 10 m lattice.
_LATTICE = {
    "COPERNICUS/DEM/GLO30": world.L30.deg,
    "JRC/GHSL/P2023A/GHS_BUILT_S": world.L100.deg,
    "MODIS/061/MOD44B": world.L250.deg,
}


def native_grid(asset_id: str) -> tuple[Proj, list[int]]:
    """(projection, [width, height]) of the asset's global native grid, aligned with its lattice cells."""
    deg = next((v for k, v in _LATTICE.items() if asset_id.startswith(k)), world.L10.deg)
    x0 = math.floor(-180.0 / deg + 1e-9) * deg
    y0 = math.ceil(90.0 / deg - 1e-9) * deg
    w = math.ceil((180.0 - x0) / deg - 1e-9)
    h = math.ceil((y0 + 90.0) / deg - 1e-9)
    return Proj.of("EPSG:4326", [deg, 0.0, x0, 0.0, -deg, y0]), [int(w), int(h)]


def _annotate(img: Img, image_id: str, asset_id: str) -> Img:
    proj, dims = native_grid(asset_id)
    props = dict(img.props)
    props.setdefault("system:id", image_id)
    props.setdefault("system:version", VERSION)
    props.setdefault("system:footprint", {"type": "LinearRing", "coordinates": WORLD_RING})
    props.setdefault("_projection", proj)
    props.setdefault("_dims", dims)
    return Img(list(img.bands), props)


def load_collection(asset_id: str) -> Coll:
    coll = assets.load_collection(asset_id)
    imgs = [_annotate(i, f"{asset_id}/{i.props.get('system:index', n)}", asset_id)
            for n, i in enumerate(coll.images)]
    return Coll(imgs, coll.asset or asset_id)


def load_image(asset_id: str) -> Img:
    """Image.load: a standalone image asset, or an image of a collection by its full id."""
    try:
        return _annotate(assets.load_image(asset_id), asset_id, asset_id)
    except EEError:
        parent, _, index = asset_id.rpartition("/")
        if parent in collections():
            hit = [i for i in load_collection(parent).images if str(i.props.get("system:index")) == index]
            if hit:
                return hit[0]
        raise


def collections() -> list[str]:
    return [a for a in assets.known_assets() if _is_collection(a)]


def _is_collection(asset_id: str) -> bool:
    try:
        assets.load_collection(asset_id)
    except EEError:
        return False
    return True


# -- asset records (REST `EarthEngineAsset`) -----------------------------------------------------------------
def asset_id_of(name: str) -> str:
    """`projects/earthengine-public/assets/X` (or any project's assets/X) -> X."""
    if "/assets/" in name:
        return name.split("/assets/", 1)[1].strip("/")
    return name.strip("/")


def _iso(ms: float) -> str:
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _band_record(band: Any, proj: Proj, dims: list[int]) -> dict[str, Any]:
    from .metadata import pixel_type

    pt = pixel_type(band.dtype)
    dtype: dict[str, Any] = {"precision": pt["precision"].upper()}
    if "min" in pt:
        dtype["range"] = {"min": pt["min"], "max": pt["max"]}
    a, b, c, d, e, f = proj["transform"]
    return {"id": band.name, "dataType": dtype, "pyramidingPolicy": "MEAN",
            "grid": {"crsCode": proj["crs"], "dimensions": {"width": dims[0], "height": dims[1]},
                     "affineTransform": {"scaleX": a, "shearX": b, "translateX": c, "shearY": d, "scaleY": e,
                                         "translateY": f}}}


def image_record(img: Img, view: str = "FULL") -> dict[str, Any]:
    """An image as `assets.get` / `listImages` describe it."""
    image_id = str(img.props["system:id"])
    out: dict[str, Any] = {"type": "IMAGE", "name": PUBLIC + image_id, "id": image_id, "updateTime": UPDATE_TIME}
    t = img.props.get("system:time_start")
    if t is not None:
        out["startTime"] = _iso(float(t))
        out["endTime"] = _iso(float(img.props.get("system:time_end", float(t) + 1000.0)))
    fp = img.props.get("system:footprint") or {}
    out["geometry"] = {"type": "Polygon", "coordinates": [fp.get("coordinates", WORLD_RING)]}
    if view != "BASIC":
        out["properties"] = {k: v for k, v in img.props.items() if not k.startswith(("system:", "_"))}
        out["properties"]["system:index"] = img.props.get("system:index")
        out["bands"] = [_band_record(b, img.props["_projection"], img.props["_dims"]) for b in img.bands]
        out["sizeBytes"] = "0"
    return out


def asset_record(asset_id: str) -> dict[str, Any]:
    """`assets.get`: a collection, an image or a folder of the emulated catalogue; 404 otherwise."""
    if asset_id in collections():
        coll = load_collection(asset_id)
        times = [float(i.props["system:time_start"]) for i in coll.images if "system:time_start" in i.props]
        out: dict[str, Any] = {"type": "IMAGE_COLLECTION", "name": PUBLIC + asset_id, "id": asset_id,
                               "updateTime": UPDATE_TIME, "title": f"{asset_id} (synthetic, m3leo emulator)",
                               "properties": {"synthetic": True}}
        if times:
            out["startTime"], out["endTime"] = _iso(min(times)), _iso(max(times))
        return out
    try:
        return image_record(load_image(asset_id))
    except EEError:
        pass
    if any(a.startswith(asset_id + "/") for a in assets.known_assets()):
        return {"type": "FOLDER", "name": PUBLIC + asset_id, "id": asset_id, "updateTime": UPDATE_TIME}
    raise EEError(f"Asset '{PUBLIC + asset_id}' does not exist or caller does not have access.", code=404)
