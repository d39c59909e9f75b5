"""Native projections as Google's catalogue gives them: what each image's bands report as their own grid.

- Sentinel-2 SR granules (COPERNICUS/S2_SR_HARMONIZED) are in their MGRS tile's UTM zone (EPSG:326zz north,
  327zz south), each band at its own resolution (10 m: B2 B3 B4 B8; 20 m: B5 B6 B7 B8A B11 B12 SCL; 60 m: B1
  B9 QA60), anchored at the tile's upper-left corner: a 10 m band is 10980 x 10980 pixels, 20 m 5490, 60 m
  1830 (the catalogue's `gsd` per band, and the granules' `proj:transform`, e.g. [10, 0, 600000, 0, -10,
  5100000] for 31TFL in our MGRS lattice). Cloud Score+ images share their granule's 10 m grid.
- Sentinel-1 GRD scenes are in the UTM zone of the scene centre at 10 m, on a 10 m lattice covering the
  scene; the `angle` band, a tie-point grid in Earth Engine, is a coarse EPSG:4326 grid over the scene.
- ESA WorldCover (v100, v200): EPSG:4326 at 1/12000 degree (~8.3 m), anchored at 180 W / 84 N, 4 320 000 x
  1 728 000 pixels (84 N to 60 S).
- Copernicus GLO-30 DEM tiles: EPSG:4326 at 1 arc-second, 3600 x 3600 pixels over their 1 x 1 degree cell.
- The other assets (GHSL, MODIS) and the emulator's representative global images (a collection listed
  without filterBounds) keep the world's lon/lat lattice, globe-wide.

Pixel values stay functions of ground position on the world's own lattices (`world.py`), whatever grid a
band reports: a native-grid request resamples them (nearest), as any grid does. So the grids a recipe asks
for give the same chips as before; only what `getInfo()`, `assets.get`, `projection()` and a computePixels
without a grid see has changed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import world
from .footprints import TILE_M, footprint_box, utm_xy
from .values import Proj

Grid = tuple[Proj, list[int]]

S2_SCALE = {"B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20, "B8": 10, "B8A": 20, "B9": 60,
            "B11": 20, "B12": 20, "AOT": 10, "WVP": 10, "SCL": 20, "TCI_R": 10, "TCI_G": 10, "TCI_B": 10,
            "MSK_CLDPRB": 20, "MSK_SNWPRB": 20, "QA10": 10, "QA20": 20, "QA60": 60}
WORLDCOVER_DEG = 1.0 / 12000.0
WORLDCOVER_TOP, WORLDCOVER_BOTTOM = 84.0, -60.0
DEM_DEG = 1.0 / 3600.0
S1_ANGLE_CELLS = (21, 10)  # the angle band's coarse grid over a scene (columns, rows)

# Assets whose images carry their own grids; anything else keeps the world lattice (`lattice_grid`).
_LATTICE = {
    "COPERNICUS/DEM/GLO30": world.L30.deg,
    "JRC/GHSL/P2023A/GHS_BUILT_S": world.L100.deg,
    "MODIS/061/MOD44B": world.L250.deg,
}


def utm_epsg(zone: int, south: bool) -> str:
    return f"EPSG:{(32700 if south else 32600) + zone}"


def _north_up(crs: str, scale: float, x0: float, y1: float, w: int, h: int) -> Grid:
    return Proj.of(crs, [scale, 0.0, x0, 0.0, -scale, y1]), [int(w), int(h)]


def lattice_grid(asset_id: str) -> Grid:
    """The globe-wide grid of an asset's world lattice (EPSG:4326), aligned with its cells."""
    deg = next((v for k, v in _LATTICE.items() if asset_id.startswith(k)), world.L10.deg)
    x0 = math.floor(-180.0 / deg + 1e-9) * deg
    y0 = math.ceil(90.0 / deg - 1e-9) * deg
    w = math.ceil((180.0 - x0) / deg - 1e-9)
    h = math.ceil((y0 + 90.0) / deg - 1e-9)
    return _north_up("EPSG:4326", deg, x0, y0, w, h)


def native_grids(asset_id: str, props: dict[str, Any], band_names: list[str]) -> tuple[Grid, dict[str, Grid]]:
    """(the image's default grid, {band: its own grid where it differs}) for one image of `asset_id`."""
    utm = props.get("_utm")  # set by the scene makers: (zone, south, x0, y1) of the tile / scene
    if asset_id.startswith("COPERNICUS/S2") and utm is not None:
        zone, south, x0, y1 = utm
        crs = utm_epsg(zone, south)
        per = {b: _north_up(crs, float(s), x0, y1, round(TILE_M / s), round(TILE_M / s))
               for b in band_names if (s := S2_SCALE.get(b, 10)) != 10}
        return _north_up(crs, 10.0, x0, y1, round(TILE_M / 10), round(TILE_M / 10)), per
    if asset_id.startswith("GOOGLE/CLOUD_SCORE_PLUS") and utm is not None:
        zone, south, x0, y1 = utm
        return _north_up(utm_epsg(zone, south), 10.0, x0, y1, round(TILE_M / 10), round(TILE_M / 10)), {}
    if asset_id.startswith("COPERNICUS/S1_GRD") and props.get("system:footprint") and \
            not str(props.get("system:index", "")).endswith("_GLOBAL"):
        return _s1_grids(props, band_names)
    if asset_id.startswith("LANDSAT/") and props.get("system:footprint"):
        return _landsat_grid(props), {}
    if asset_id.startswith("ESA/WorldCover"):
        d = WORLDCOVER_DEG
        return _north_up("EPSG:4326", d, -180.0, WORLDCOVER_TOP, round(360 / d),
                         round((WORLDCOVER_TOP - WORLDCOVER_BOTTOM) / d)), {}
    if asset_id.startswith("COPERNICUS/DEM/GLO30") and props.get("system:footprint"):
        box = footprint_box(props)
        if box is not None and box[2] - box[0] <= 1.0 + 1e-9:
            return _north_up("EPSG:4326", DEM_DEG, box[0], box[3], 3600, 3600), {}
    return lattice_grid(asset_id), {}


def _utm_cover(props: dict[str, Any], scale: float, offset: float, north_only: bool) -> Grid:
    """A north-up grid in the UTM zone of the footprint's centre covering it: pixel corners at `offset` plus
    multiples of `scale` (Landsat: north zones even south of the equator, negative northings)."""
    lo, la, hi, ha = footprint_box(props) or (-180.0, -90.0, 180.0, 90.0)
    lon_c, lat_c = (lo + hi) / 2.0, (la + ha) / 2.0
    zone, south = min(60, int((lon_c + 180.0) // 6.0) + 1), lat_c < 0 and not north_only
    t = np.linspace(0.0, 1.0, 9)
    lon = np.concatenate([lo + (hi - lo) * t, np.full(9, hi), lo + (hi - lo) * t, np.full(9, lo)])
    lat = np.concatenate([np.full(9, la), la + (ha - la) * t, np.full(9, ha), la + (ha - la) * t])
    x, y = utm_xy(lon, lat, zone, south)
    x0 = math.floor((float(x.min()) - offset) / scale) * scale + offset
    x1 = math.ceil((float(x.max()) - offset) / scale) * scale + offset
    y0 = math.floor((float(y.min()) - offset) / scale) * scale + offset
    y1 = math.ceil((float(y.max()) - offset) / scale) * scale + offset
    return _north_up(utm_epsg(zone, south), scale, x0, y1, round((x1 - x0) / scale), round((y1 - y0) / scale))


def _landsat_grid(props: dict[str, Any]) -> Grid:
    return _utm_cover(props, 30.0, 15.0, north_only=True)


def _s1_grids(props: dict[str, Any], band_names: list[str]) -> tuple[Grid, dict[str, Grid]]:
    lo, la, hi, ha = footprint_box(props) or (-180.0, -90.0, 180.0, 90.0)
    grid = _utm_cover(props, 10.0, 0.0, north_only=False)
    cw, ch = S1_ANGLE_CELLS
    angle = (Proj.of("EPSG:4326", [(hi - lo) / cw, 0.0, lo, 0.0, -(ha - la) / ch, ha]), [cw, ch])
    return grid, ({"angle": angle} if "angle" in band_names else {})


def same_grid(a: Grid | None, b: Grid | None) -> bool:
    if a is None or b is None:
        return a is b
    return a[0]["crs"] == b[0]["crs"] and list(a[0]["transform"]) == list(b[0]["transform"]) and \
        list(a[1]) == list(b[1])
