"""The catalogue as Earth Engine describes it: asset ids, native grids, image ids, asset records, listings.

The pixels and per-image properties come from `assets.py` (the synthetic world); this module adds what the
REST surface and getInfo() report about them: `system:id` / version / footprint of every image, the native
projection of every band (the world's lon/lat lattice of that asset: EPSG:4326 at 10 m, 1 arc-second, 100 m
or 250 m, anchored on the lattice so a native pixel is a lattice cell), and the asset records of
`assets.get` / `listAssets` / `listImages`.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from . import assets, landsat
from .errors import EEError
from .geometry import WORLD_RING
from .graph import Band, Coll, Img
from .native import lattice_grid, native_grids
from .values import Proj

landsat.register()  # Landsat 8 / 9 Collection 2 Level-2 join the catalogue
PUBLIC = "projects/earthengine-public/assets/"
VERSION = 1_700_000_000_000_000  # microseconds, as Earth Engine's asset versions are; one for the catalogue
UPDATE_TIME = "2023-11-14T22:13:20Z"

def native_grid(asset_id: str) -> tuple[Proj, list[int]]:
    """(projection, [width, height]) of the asset's globe-wide world lattice (`native.lattice_grid`)."""
    return lattice_grid(asset_id)


def _annotate(img: Img, image_id: str, asset_id: str) -> Img:
    """An asset image as the catalogue gives it: id, version, footprint and its native grids (`native.py`)."""
    (proj, dims), per_band = native_grids(asset_id, img.props, img.names)
    props = {k: v for k, v in img.props.items() if k != "_utm"}
    props.setdefault("system:id", image_id)
    props.setdefault("system:version", VERSION)
    props.setdefault("system:footprint", {"type": "LinearRing", "coordinates": WORLD_RING})
    props.setdefault("_projection", proj)
    props.setdefault("_dims", dims)
    bands = [Band(b.name, b.fn, b.dtype, per_band[b.name]) if b.name in per_band else b for b in img.bands]
    return Img(bands, props)


def load_collection(asset_id: str) -> Coll:
    coll = assets.load_collection(asset_id)
    if isinstance(coll, assets.LazyColl):  # scenes made for the region / dates asked: annotate as they come
        return coll.with_post(lambda i: _annotate(i, f"{asset_id}/{i.props.get('system:index')}", asset_id))
    imgs = [_annotate(i, f"{asset_id}/{i.props.get('system:index', n)}", asset_id)
            for n, i in enumerate(coll.images)]
    return Coll(imgs, coll.asset or asset_id)


def load_image(asset_id: str) -> Img:
    """Image.load: a standalone image asset, an image of a collection by its full id, or an exported asset."""
    if is_user_asset(asset_id):
        return user_image(asset_id)
    try:
        return _annotate(assets.load_image(asset_id), asset_id, asset_id)
    except EEError:
        parent, _, index = asset_id.rpartition("/")
        if parent in collections():
            coll = load_collection(parent)
            if isinstance(coll, assets.LazyColl):  # a scene of a lazy collection: found by its index
                found = coll.find("system:index", index)
                if found is not None:
                    return found
            hit = [i for i in coll.images if str(i.props.get("system:index")) == index]
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
    name = image_id if is_user_asset(image_id) else PUBLIC + image_id
    out: dict[str, Any] = {"type": "IMAGE", "name": name, "id": image_id, "updateTime": UPDATE_TIME}
    t = img.props.get("system:time_start")
    if t is not None:
        out["startTime"] = _iso(float(t))
        out["endTime"] = _iso(float(img.props.get("system:time_end", float(t) + 1000.0)))
    fp = img.props.get("system:footprint") or {}
    out["geometry"] = {"type": "Polygon", "coordinates": [fp.get("coordinates", WORLD_RING)]}
    if view != "BASIC":
        out["properties"] = {k: v for k, v in img.props.items() if not k.startswith(("system:", "_"))}
        out["properties"]["system:index"] = img.props.get("system:index")
        from .metadata import band_grids

        out["bands"] = [_band_record(b, proj, dims or [0, 0]) for b, (proj, dims) in zip(img.bands, band_grids(img),
                                                                                           strict=True)]
        out["sizeBytes"] = "0"
    return out


def asset_record(asset_id: str) -> dict[str, Any]:
    """`assets.get`: a collection, an image or a folder of the emulated catalogue; 404 otherwise."""
    if is_user_asset(asset_id):
        out = image_record(user_image(asset_id))
        out["name"] = asset_id
        return out
    if asset_id in collections():
        coll = load_collection(asset_id)
        info = assets.CATALOGUE.get(asset_id)
        if isinstance(coll, assets.LazyColl) and info is not None:  # the catalogue's dates, not a global scan
            end = min(info.end or assets.EMULATED_NOW, assets.EMULATED_NOW)
            times = [assets._ms(info.start), assets._ms(end)]
        else:
            times = [float(i.props["system:time_start"]) for i in coll.images if "system:time_start" in i.props]
        out: dict[str, Any] = {"type": "IMAGE_COLLECTION", "name": PUBLIC + asset_id, "id": asset_id,
                               "updateTime": UPDATE_TIME, "title": f"{asset_id} (synthetic, m3leo emulator)",
                               "properties": {"synthetic": True}}
        if times:
            out["startTime"], out["endTime"] = _iso(min(times)), _iso(max(times))
        if info is not None and info.deprecated:  # as the catalogue flags it: title and gee:status
            out["title"] += " [deprecated]"
            out["properties"].update({"gee:status": "deprecated", "successor": info.successor})
        return out
    try:
        return image_record(load_image(asset_id))
    except EEError:
        pass
    if any(a.startswith(asset_id + "/") for a in assets.known_assets()):
        return {"type": "FOLDER", "name": PUBLIC + asset_id, "id": asset_id, "updateTime": UPDATE_TIME}
    raise EEError(f"Asset '{PUBLIC + asset_id}' does not exist or caller does not have access.", code=404)


# -- assets written by exports (Export.image.toAsset) ------------------------------------------------------
# Kept in memory and, like Earth Engine's assets, on disk: under the export root's `ASSET_DIR`, one `.npy`
# raster and one `.json` record per asset, reloaded when an emulator starts on that root.
ASSET_DIR = "_assets"
_USER: dict[str, dict[str, Any]] = {}  # "projects/P/assets/NAME" -> raster, grid, creation time, root
_user_lock = threading.Lock()


def is_user_asset(name: str) -> bool:
    return not name.startswith(PUBLIC) and "/assets/" in name


def _asset_path(root: Path, name: str) -> Path:
    from .operations import confined

    return confined(root, ASSET_DIR, *name.split("/"))


def store_user_image(name: str, arr: np.ndarray, names: list[str], crs: str, transform: tuple[float, ...],
                     overwrite: bool = False, root: Path | None = None) -> None:
    with _user_lock:
        if name in _USER and not overwrite:
            raise EEError(f"Cannot overwrite asset '{name}'.")
        rec = {"arr": arr, "names": list(names), "crs": crs, "transform": tuple(float(v) for v in transform),
               "time": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               "root": str(root) if root is not None else None}
        if root is not None:  # raster first, record last: a record on disk always has its raster
            path = _asset_path(root, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path.parent / f"{path.name}.npy", arr, allow_pickle=False)
            meta = {k: rec[k] for k in ("names", "crs", "transform", "time")}
            tmp = path.parent / f"{path.name}.json.tmp"
            tmp.write_text(json.dumps({"name": name, **meta}))
            tmp.replace(path.parent / f"{path.name}.json")
        _USER[name] = rec


def load_user_assets(root: Path) -> int:
    """The assets earlier exports wrote under `root` (an emulator starting on it): how many were loaded."""
    base = Path(root) / ASSET_DIR
    n = 0
    for rec_path in sorted(base.rglob("*.json")) if base.is_dir() else []:
        meta = json.loads(rec_path.read_text())
        arr = np.load(rec_path.with_suffix(".npy"), allow_pickle=False)
        with _user_lock:
            _USER[meta["name"]] = {"arr": arr, "names": meta["names"], "crs": meta["crs"],
                                   "transform": tuple(meta["transform"]), "time": meta["time"], "root": str(root)}
        n += 1
    return n


def forget_user_assets(root: Path) -> None:
    """An emulator on `root` stopped: its assets leave memory (they stay on disk for the next start)."""
    with _user_lock:
        for name in [n for n, r in _USER.items() if r.get("root") == str(root)]:
            del _USER[name]


def user_image(name: str) -> Img:
    """An exported asset as an image: its pixels on its own grid (nearest), masked outside it."""
    with _user_lock:
        rec = _USER.get(name)
    if rec is None:
        raise EEError(f"Image.load: Image asset '{name}' not found (does not exist or caller does not have "
                      "access).")
    arr, crs = rec["arr"], rec["crs"]
    a, b, c, d, e, f = rec["transform"]
    h, w = arr.shape

    def band(field: str, dtype: str) -> Band:
        def fn(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            from pyproj import Transformer

            x, y = (lon, lat) if crs in ("EPSG:4326", "WGS84") else Transformer.from_crs(
                4326, crs, always_xy=True).transform(lon, lat)
            col = np.floor((np.asarray(x) - c) / a).astype(np.int64)
            row = np.floor((np.asarray(y) - f) / e).astype(np.int64)
            ok = (col >= 0) & (col < w) & (row >= 0) & (row < h)
            v = np.zeros(np.shape(lon), dtype=np.float64)
            v[ok] = arr[field][row[ok], col[ok]]
            return v, ok
        return Band(field, fn, dtype)

    bands = [band(n, arr.dtype[n].name) for n in rec["names"]]
    proj = Proj.of(crs, rec["transform"])
    return Img(bands, {"system:id": name, "system:version": VERSION, "system:index": name.rsplit("/", 1)[-1],
                       "_projection": proj, "_dims": [w, h],
                       "system:footprint": {"type": "LinearRing", "coordinates": _ring(rec["transform"], w, h, crs)}})


def _ring(tr: tuple[float, ...], w: int, h: int, crs: str) -> list[list[float]]:
    a, _, c, _, e, f = tr
    xs, ys = [c, c + a * w, c + a * w, c, c], [f, f, f + e * h, f + e * h, f]
    if crs not in ("EPSG:4326", "WGS84"):
        from pyproj import Transformer

        xs, ys = Transformer.from_crs(crs, 4326, always_xy=True).transform(xs, ys)
    return [[float(x), float(y)] for x, y in zip(xs, ys, strict=True)]


def user_assets(project: str) -> list[dict[str, Any]]:
    """listAssets of `projects/P/assets`: the images exports wrote there."""
    prefix = f"projects/{project}/assets/"
    with _user_lock:
        names = sorted(n for n in _USER if n.startswith(prefix))
    return [{"type": "IMAGE", "name": n, "id": n, "updateTime": _USER[n]["time"]} for n in names]
