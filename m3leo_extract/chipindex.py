"""The chip index of a store as GeoParquet (colour a map by it in QGIS), and a PNG map of where a run stands.

One row per chip of any collection: chip_id, epsg, x_min, y_min, split, geometry (the chip's outline in
EPSG:4326), then per collection C and period P two columns:

    valid_<C>_<P>    float   the chip's valid-pixel fraction (NaN: never written, or the chip is not in C)
    status_<C>_<P>   string  done | empty | failed | pending | running | absent

`status` comes from the state database's work units: a chip of a done unit is `done`, or `empty` when it
holds no valid pixel (valid 0, or dropped by `tile --min-valid`); `failed`, `pending` (planned) and
`running` are its unit's. A chip that no unit covers is `done` / `empty` by its valid fraction, or `absent`
when nothing was ever written for it (a collection that does not have the chip at all is `absent` too).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .defaults import STATE_FILE
from .errors import StoreError
from .grid import Chip, ChipArrays, outlines_4326
from .state import StateDB
from .store import ChipStore

# geopandas and matplotlib are imported inside the functions that draw or write: seconds at import, and the
# status columns (`status_columns`) need neither.

STATUSES = ("done", "empty", "failed", "pending", "running", "absent")
STATUS_COLOURS = {"done": "#2ca02c", "empty": "#b0b0b0", "failed": "#d62728", "pending": "#ffbf00",
                  "running": "#1f77b4", "absent": "#ffffff"}
MAP_MAX_CHIPS = 200_000  # chips drawn at most by write_status_png
_UNIT_STATUS = {"planned": "pending", "running": "running", "failed": "failed", "done": "done"}


def column(kind: str, collection: str, period: str) -> str:
    """The index's column name for `kind` ("valid" or "status") of a collection and period."""
    return f"{kind}_{collection}_{period}"


def _unit_status(store_dir: Path) -> dict[tuple[str, str, str], str]:
    """(collection, period, chip id) -> status of the unit holding it, from the state database if any."""
    path = store_dir / STATE_FILE
    if not path.exists():
        return {}
    db = StateDB(path)
    try:
        return {(u.collection, u.period, c): _UNIT_STATUS[u.status] for u in db.units() for c in u.chips}
    finally:
        db.close()


def _status(unit: str | None, valid: float) -> str:
    written = not math.isnan(valid)
    if unit == "done" or (unit is None and written):
        return "done" if written and valid > 0 else "empty"
    return unit or "absent"


def status_columns(st: ChipStore, store_dir: Path, order: list[str]) -> dict[str, Any]:
    """valid_<C>_<P> and status_<C>_<P> for the chips `order` (those a collection lacks: NaN / absent)."""
    units = _unit_status(store_dir)
    frame: dict[str, Any] = {}
    for name in st.collections():
        row_of = {str(c): i for i, c in enumerate(st.chip_table(name)["chip"])}
        valid = st.read_valid(name)
        for t, period in enumerate(st.periods(name)):
            v = np.array([valid[row_of[c], t] if c in row_of else np.nan for c in order], dtype="float32")
            frame[column("valid", name, period)] = v
            frame[column("status", name, period)] = [
                _status(units.get((name, period, c)), float(x)) if c in row_of else "absent"
                for c, x in zip(order, v, strict=True)]
    return frame


def chip_index(store_dir: str | Path) -> Any:
    """The store's chip index (see the module docstring) as a GeoDataFrame in EPSG:4326."""
    import geopandas as gpd
    import pandas as pd

    store_dir = Path(store_dir)
    st = ChipStore.open(store_dir, mode="r")
    ids: dict[str, str] = {}
    for name in st.collections():
        table = st.chip_table(name)
        for cid, split in zip(map(str, table["chip"]), map(str, table["split"]), strict=True):
            ids.setdefault(cid, split)
    chips = sorted(Chip.from_id(c) for c in ids)
    order = [c.chip_id for c in chips]
    frame: dict[str, Any] = {
        "chip_id": order, "epsg": np.array([c.epsg for c in chips], dtype="int32"),
        "x_min": np.array([c.x_min for c in chips]), "y_min": np.array([c.y_min for c in chips]),
        "split": [ids[c] for c in order], **status_columns(st, store_dir, order)}
    arr = ChipArrays(np.array([c.zone for c in chips], dtype="int64"), np.array([c.south for c in chips]),
                     np.array([c.row for c in chips], dtype="int64"), np.array([c.col for c in chips], dtype="int64"))
    geometry = outlines_4326(arr) if chips else []
    gdf = gpd.GeoDataFrame(pd.DataFrame(frame), geometry=list(geometry), crs="EPSG:4326")
    gdf.attrs["panels"] = [(name, period) for name in st.collections() for period in st.periods(name)]
    return gdf


def add_status_to_parquet(path: str | Path, store_dir: str | Path) -> Path:
    """Add a store's valid/status columns to a chip GeoParquet (`m3leo grid --out`), by its chip_id column;
    chips the store does not have get NaN / absent. Rewritten atomically."""
    import geopandas as gpd

    path, store_dir = Path(path), Path(store_dir)
    st = ChipStore.open(store_dir, mode="r")
    gdf = gpd.read_parquet(path)
    if "chip_id" not in gdf.columns:
        raise StoreError(f"{path} has no chip_id column; it is not a chip index")
    for key, values in status_columns(st, store_dir, [str(c) for c in gdf["chip_id"]]).items():
        gdf[key] = values
    tmp = path.with_name(f".{path.name}.part")
    gdf.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_chip_index(store_dir: str | Path, path: str | Path) -> Path:
    """The chip index as GeoParquet at `path` (written to a temporary name, then renamed)."""
    gdf = chip_index(store_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    gdf.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_status_png(store_dir: str | Path, path: str | Path, *, dpi: int = 100) -> Path:
    """A map of the chips (lon/lat), one panel per collection and period, coloured by status, with counts."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    gdf = chip_index(store_dir)
    panels = gdf.attrs["panels"]
    if not panels or not len(gdf):
        raise StoreError(f"{store_dir} has no chips yet; nothing to map")
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(3.0 * cols + 1.4, 3.0 * rows + 0.4), dpi=dpi, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    n = len(gdf)
    step = max(1, n // MAP_MAX_CHIPS)  # a continent: draw a sample, the map reads the same
    drawn = gdf.iloc[::step]
    verts = [np.asarray(g.exterior.coords) for g in drawn.geometry]
    lat = float(np.mean([v[:, 1].mean() for v in verts]))
    for ax, (name, period) in zip(axes, panels, strict=False):
        key = column("status", name, period)
        status = gdf[key].to_numpy()  # counts of all chips, colours of the drawn ones
        ax.add_collection(PolyCollection(verts, facecolors=[STATUS_COLOURS[s] for s in drawn[key]],
                                         edgecolors="0.4" if len(verts) < 3000 else "none", linewidths=0.3))
        ax.autoscale_view()
        ax.set_aspect(1 / max(0.05, math.cos(math.radians(lat))))
        counts = {s: int((status == s).sum()) for s in STATUSES if (status == s).any()}
        ax.set_title(f"{name} [{period}]\n" + ", ".join(f"{s} {k}" for s, k in counts.items()), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.legend(handles=[Patch(facecolor=STATUS_COLOURS[s], edgecolor="0.4", label=s) for s in STATUSES],
               loc="outside right center", fontsize=8, title="chip status", title_fontsize=8)
    sampled = f", every {step}th drawn" if step > 1 else ""
    fig.suptitle(f"{Path(store_dir)}: {n} chips (lon/lat{sampled})", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
