"""Look at one chip: its metadata across collections, and a PNG of its modalities side by side.

Panels by what a collection holds: Sentinel-2 true colour (B4, B3, B2, percentile-stretched), Sentinel-1
false colour (VV, VH, VV/VH), categorical labels with a legend of class names (ESA WorldCover's official
colours when the codes are WorldCover's), other continuous data as one band with a colorbar. matplotlib is
used through `Figure` with the Agg canvas only: no pyplot state, no display needed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import NotInStoreError
from .grid import Chip, chip_outline_4326, split_of
from .store import ChipStore

# ESA WorldCover 10 m v100/v200 legend, official colours (product user manual).
WORLDCOVER_COLOURS: dict[int, str] = {
    10: "#006400", 20: "#ffbb22", 30: "#ffff4c", 40: "#f096ff", 50: "#fa0000", 60: "#b4b4b4",
    70: "#f0f0f0", 80: "#0064c8", 90: "#0096a0", 95: "#00cf75", 100: "#fae6a0",
}
_NODATA_RGB = (0.85, 0.85, 0.85)


def _collections_with(store: ChipStore, chip_id: str) -> list[str]:
    return [name for name in store.collections() if chip_id in set(store.chip_ids(name))]


def chip_info(store_dir: str | Path, chip_id: str) -> dict[str, Any]:
    """Where the chip is (CRS, bounds, split) and, per collection holding it, its periods and valid fractions."""
    chip = Chip.from_id(chip_id)
    store = ChipStore.open(store_dir)
    names = _collections_with(store, chip_id)
    if not names:
        raise NotInStoreError(f"chip {chip_id} is in none of the collections of {store_dir} "
                         f"({', '.join(store.collections()) or 'none yet'}); list chips with xarray or tile/extract "
                         "its ground first")
    lon0, lat0, lon1, lat1 = chip_outline_4326(chip).bounds
    out: dict[str, Any] = {"chip": chip_id, "crs": chip.crs, "epsg": chip.epsg, "bounds": list(chip.bounds),
                           "bounds_4326": [round(v, 6) for v in (lon0, lat0, lon1, lat1)], "split": split_of(chip),
                           "collections": {}}
    for name in names:
        spec = store.spec(name)
        i = store.index_of(name, chip_id)
        valid = np.asarray(store.group[name]["valid"][i])
        periods = {label: (None if math.isnan(v) else round(float(v), 4))
                   for label, v in zip(store.periods(name), valid, strict=True)}
        out["collections"][name] = {"kind": spec.kind, "bands": list(spec.bands), "dtype": spec.dtype,
                                    "resolution": spec.resolution, "periods": periods}
    return out


def _stretch(band: np.ndarray, ok: np.ndarray, lo: float = 2, hi: float = 98) -> np.ndarray:
    vals = band[ok]
    if vals.size == 0:
        return np.zeros(band.shape)
    a, b = np.percentile(vals, [lo, hi])
    return np.clip((band - a) / (b - a if b > a else 1.0), 0, 1)


def _rgb(channels: list[np.ndarray], ok: np.ndarray) -> np.ndarray:
    img = np.stack([_stretch(c.astype("float64"), ok & np.isfinite(c)) for c in channels], axis=-1)
    img[~ok] = _NODATA_RGB
    return img


def _valid_mask(data: np.ndarray, nodata: float | int) -> np.ndarray:
    """(y, x) pixels where any band holds data."""
    if isinstance(nodata, float) and math.isnan(nodata):
        return np.isfinite(data).any(axis=0)
    return (data != nodata).any(axis=0)


def _find(bands: list[str], *prefixes: str) -> int | None:
    for p in prefixes:
        if p in bands:
            return bands.index(p)
    for p in prefixes:
        for i, b in enumerate(bands):
            if b.upper().startswith(p):
                return i
    return None


def _panel(fig: Any, ax: Any, name: str, data: np.ndarray, attrs: dict[str, Any], nodata: float | int) -> str:
    """Draw one collection on `ax`; returns what was drawn (for the title)."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    bands = [str(b) for b in attrs.get("bands", [])]
    kind = attrs.get("kind", "continuous")
    ok = _valid_mask(data, nodata)
    upper = [b.upper() for b in bands]
    r, g, b = (_find(upper, x) for x in ("B4", "B3", "B2"))
    vv, vh = _find(upper, "VV"), _find(upper, "VH")
    if kind == "categorical":
        codes_all = {int(k): str(v) for k, v in (attrs.get("classes") or {}).items()}
        lab = data[0]
        present = sorted(int(v) for v in np.unique(lab[ok]))
        codes = sorted(set(codes_all) | set(present))
        if not codes:
            codes = [0]
        wc = set(codes) <= set(WORLDCOVER_COLOURS)
        if wc:
            colours = [WORLDCOVER_COLOURS[c] for c in codes]
        else:
            from matplotlib import colormaps

            cmap20 = colormaps["tab20"]
            colours = [cmap20(i % 20) for i in range(len(codes))]
        cmap = ListedColormap(colours)
        cmap.set_bad(_NODATA_RGB)
        bounds = [codes[0] - 0.5] + [(a + b2) / 2 for a, b2 in zip(codes, codes[1:], strict=False)] + [codes[-1] + 0.5]
        img = np.ma.masked_array(lab.astype("float64"), mask=~ok)
        ax.imshow(img, cmap=cmap, norm=BoundaryNorm(bounds, cmap.N), interpolation="nearest")
        handles = [Patch(facecolor=colours[codes.index(c)], edgecolor="0.3", label=f"{c} {codes_all.get(c, '')}")
                   for c in present]
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
                      title="classes", title_fontsize=8)
        return "labels" + (" (WorldCover colours)" if wc else "")
    if None not in (r, g, b):
        ax.imshow(_rgb([data[r], data[g], data[b]], ok), interpolation="nearest")
        return "true colour B4/B3/B2"
    if vv is not None and vh is not None:
        units = [str(u) for u in attrs.get("units", [])]
        db = bool(units) and units[vv].lower() == "db"
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = data[vv] - data[vh] if db else data[vv] / data[vh]
        ratio = np.where(np.isfinite(ratio), ratio, np.nan)
        ax.imshow(_rgb([data[vv], data[vh], ratio], ok & np.isfinite(ratio)), interpolation="nearest")
        return f"false colour {bands[vv]}, {bands[vh]}, {'VV-VH dB' if db else 'VV/VH'}"
    if len(bands) == 3 and np.dtype(data.dtype) == np.uint8:
        ax.imshow(_rgb([data[0], data[1], data[2]], ok), interpolation="nearest")
        return f"RGB {', '.join(bands)}"
    band = np.ma.masked_array(data[0].astype("float64"), mask=~ok | ~np.isfinite(data[0].astype("float64")))
    from matplotlib import colormaps

    cmap = colormaps["viridis"].copy()
    cmap.set_bad(_NODATA_RGB)
    im = ax.imshow(band, cmap=cmap, interpolation="nearest")
    units = list(attrs.get("units", []))
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label(f"{bands[0] if bands else name}" + (f" ({units[0]})" if units and units[0] else ""), fontsize=8)
    return f"band {bands[0] if bands else 1}"


def render_chip(store_dir: str | Path, chip_id: str, png: str | Path, *, period: str | None = None,
                collections: list[str] | None = None, dpi: int = 100) -> Path:
    """Write a PNG of the chip's collections side by side (period: that label where a collection has it,
    else the collection's latest). Returns the PNG path."""
    from matplotlib.figure import Figure

    chip = Chip.from_id(chip_id)
    store = ChipStore.open(store_dir)
    names = collections or _collections_with(store, chip_id)
    if not names:
        raise NotInStoreError(f"chip {chip_id} is in none of the collections of {store_dir}; nothing to render")
    fig = Figure(figsize=(4.6 * len(names), 4.6), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        labels = store.periods(name)
        use = period if period in labels else None
        t = store.time_of(name, use)
        data = np.asarray(store.group[name]["data"][store.index_of(name, chip_id), t])
        valid = float(np.asarray(store.group[name]["valid"][store.index_of(name, chip_id), t]))
        spec = store.spec(name)
        what = _panel(fig, ax, name, data, spec.attrs, spec.nodata)
        vtxt = "absent" if math.isnan(valid) else f"valid {valid:.0%}"
        ax.set_title(f"{name} [{labels[t]}]\n{what}, {vtxt}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"chip {chip_id}  {chip.crs}  x {chip.x_min:.0f}..{chip.x_max:.0f}  "
                 f"y {chip.y_min:.0f}..{chip.y_max:.0f}  ({split_of(chip)})", fontsize=10)
    out = Path(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
