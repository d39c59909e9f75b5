"""Look at one chip: its metadata across collections, and a PNG of its modalities side by side.

Panels by what a collection holds: Sentinel-2 true colour (B4, B3, B2, each stretched between its 2nd and
98th percentile over the pixels clearer than 0.3 reflectance, so clouds saturate instead of darkening the
ground, then gamma 2.2), Sentinel-1 VV in dB on a fixed -25..0 dB grey scale with a colorbar, categorical labels in the
collection's class colours (ESA WorldCover's official palette for WorldCover codes) with a legend of class
names and their share, other continuous data as one band with a colorbar. matplotlib is
used through `Figure` with the Agg canvas only: no pyplot state, no display needed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .catalog.period import period_order
from .errors import NotInStoreError
from .grid import Chip, chip_outline_4326
from .nodata import is_nan, nodata_mask
from .splits import split_of
from .store import ChipStore

# matplotlib is imported inside the drawing functions: heavy, and only a PNG needs it (`m3leo show` without
# --png, and tasks.py's colour table, do not).

# ESA WorldCover 10 m v100/v200 legend, official colours (product user manual).
WORLDCOVER_COLOURS: dict[int, str] = {
    10: "#006400", 20: "#ffbb22", 30: "#ffff4c", 40: "#f096ff", 50: "#fa0000", 60: "#b4b4b4",
    70: "#f0f0f0", 80: "#0064c8", 90: "#0096a0", 95: "#00cf75", 100: "#fae6a0",
}
_NODATA_RGB = (0.85, 0.85, 0.85)


def class_colours(attrs: dict[str, Any], codes: list[int] | None = None) -> dict[int, str]:
    """Colour (#rrggbb) per class code of a categorical collection: its own `class_colours` attribute where
    it has one, ESA WorldCover's official palette when its codes are WorldCover's, else matplotlib's tab20."""
    legend = sorted({int(k) for k in (attrs.get("classes") or {})} | set(codes or []))
    own = {int(k): str(v) for k, v in (attrs.get("class_colours") or {}).items()}
    if own and set(legend) <= set(own):
        return {c: own[c] for c in legend}
    if legend and set(legend) <= set(WORLDCOVER_COLOURS):
        return {c: WORLDCOVER_COLOURS[c] for c in legend}
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    tab20 = colormaps["tab20"]
    return {c: to_hex(tab20(i % 20)) for i, c in enumerate(legend)}


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
                           "bounds_4326": [round(v, 6) for v in (lon0, lat0, lon1, lat1)],
                           "split": split_of(chip, store.split_scheme()), "collections": {}}
    for name in names:
        spec = store.spec(name)
        i = store.index_of(name, chip_id)
        valid = np.asarray(store.group[name]["valid"][i])
        periods = {label: (None if math.isnan(v) else round(float(v), 4))
                   for label, v in zip(store.periods(name), valid, strict=True)}
        out["collections"][name] = {"kind": spec.kind, "bands": list(spec.bands), "dtype": spec.dtype,
                                    "resolution": spec.resolution, "periods": periods}
    return out


BACKSCATTER_UNITS = ("db", "linear", "power", "")  # "" (a tiled file that says nothing): linear power, as before
S1_DB_RANGE = (-25.0, 0.0)  # VV backscatter in dB: water near -25, bright urban/forest edges near 0
S2_CLEAR_MAX = 0.3  # reflectance above which (clouds, snow) a pixel does not set the stretch: it saturates
STRETCH_PCT = (2.0, 98.0)
S2_GAMMA = 1 / 2.2  # after the linear stretch: vegetation and water sit low in reflectance, as the eye sees


def _stretch(band: np.ndarray, ok: np.ndarray, lo: float = STRETCH_PCT[0], hi: float = STRETCH_PCT[1]
             ) -> np.ndarray:
    vals = band[ok]
    if vals.size == 0:
        return np.zeros(band.shape)
    a, b = np.percentile(vals, [lo, hi])
    return np.clip((band - a) / (b - a if b > a else 1.0), 0, 1)


def _rgb(channels: list[np.ndarray], ok: np.ndarray, stat_ok: np.ndarray | None = None) -> np.ndarray:
    """Each channel stretched between its percentiles over `stat_ok` (default: `ok`); nodata in grey."""
    use = ok if stat_ok is None else stat_ok
    img = np.stack([np.where(ok, _stretch(c.astype("float64"), use & np.isfinite(c)), 0) for c in channels],
                   axis=-1)
    img[~ok] = _NODATA_RGB
    return img


def _valid_mask(data: np.ndarray, nodata: float | int) -> np.ndarray:
    """(y, x) pixels where any band holds data."""
    if is_nan(nodata):
        return np.isfinite(data).any(axis=0)
    return (~nodata_mask(data, nodata)).any(axis=0)


def _find(bands: list[str], *prefixes: str) -> int | None:
    for p in prefixes:
        if p in bands:
            return bands.index(p)
    for p in prefixes:
        for i, b in enumerate(bands):
            if b.upper().startswith(p):
                return i
    return None


def _band_list(attrs: dict[str, Any], key: str, n: int, default: Any) -> list[Any]:
    v = attrs.get(key)
    return [default if x is None else x for x in v] if isinstance(v, list) and len(v) == n else [default] * n


def _draw_categorical(ax: Any, data: np.ndarray, attrs: dict[str, Any], ok: np.ndarray) -> str:
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    names = {int(k): str(v) for k, v in (attrs.get("classes") or {}).items()}
    lab = data[0]
    present = sorted(int(v) for v in np.unique(lab[ok]))
    colours = class_colours(attrs, present)
    codes = sorted(colours) or [0]
    cmap = ListedColormap([colours.get(c, "#000000") for c in codes])
    cmap = cmap.with_extremes(bad=_NODATA_RGB)
    bounds = [codes[0] - 0.5] + [(a + b) / 2 for a, b in zip(codes, codes[1:], strict=False)] + [codes[-1] + 0.5]
    ax.imshow(np.ma.masked_array(lab.astype("float64"), mask=~ok), cmap=cmap, norm=BoundaryNorm(bounds, cmap.N),
              interpolation="nearest")
    total = max(1, int(ok.sum()))
    handles = [Patch(facecolor=colours[c], edgecolor="0.3",
                     label=f"{c} {names.get(c, '')} ({(lab[ok] == c).sum() / total:.0%})") for c in present]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
                  title="classes", title_fontsize=8)
    wc = bool(codes) and set(codes) <= set(WORLDCOVER_COLOURS) and not attrs.get("class_colours")
    return "labels" + (" (ESA WorldCover colours)" if wc else "")


def _draw_s2(ax: Any, data: np.ndarray, attrs: dict[str, Any], ok: np.ndarray, rgb: list[int]) -> str:
    """True colour, each band stretched between its 2nd and 98th percentile over the clear pixels (below
    S2_CLEAR_MAX reflectance: clouds and snow would otherwise set the top and leave the ground nearly black)."""
    scales = _band_list(attrs, "scale", data.shape[0], 1.0)
    refl = [data[i].astype("float64") * float(scales[i]) for i in rgb]
    clear = ok
    if all(float(scales[i]) < 1 for i in rgb):  # reflectance known: leave clouds and snow out of the stats
        clear = ok & np.all([np.isfinite(r) & (r < S2_CLEAR_MAX) for r in refl], axis=0)
    if clear.sum() < 0.05 * max(1, ok.sum()):  # mostly cloud: stretch over everything
        clear = ok
    img = _rgb(refl, ok, clear)
    img[ok] = img[ok] ** S2_GAMMA
    ax.imshow(img, interpolation="nearest")
    return f"true colour B4/B3/B2 ({STRETCH_PCT[0]:g}-{STRETCH_PCT[1]:g}%, gamma {1 / S2_GAMMA:g})"


def _draw_s1(fig: Any, ax: Any, data: np.ndarray, attrs: dict[str, Any], ok: np.ndarray, vv: int,
             bands: list[str]) -> str:
    from matplotlib import colormaps

    units = [str(u).lower() for u in _band_list(attrs, "units", data.shape[0], "")]
    v = data[vv].astype("float64")
    if units[vv] != "db":  # linear power -> dB
        with np.errstate(divide="ignore", invalid="ignore"):
            v = 10 * np.log10(v)
    cmap = colormaps["gray"].with_extremes(bad=_NODATA_RGB)
    lo, hi = S1_DB_RANGE
    im = ax.imshow(np.ma.masked_array(v, mask=~ok | ~np.isfinite(v)), cmap=cmap, vmin=lo, vmax=hi,
                   interpolation="nearest")
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label(f"{bands[vv]} (dB)", fontsize=8)
    return f"{bands[vv]} backscatter, {lo:g}..{hi:g} dB"


def _backscatter(unit: object) -> bool:
    """A VV/VH band in these units is radar backscatter (drawn in dB); in any other (GSSIC's "coherence
    (0-1)", an amplitude DN) it is drawn as the value it is, labelled with the recipe's units."""
    return str(unit).strip().lower() in BACKSCATTER_UNITS


def _draw_band(fig: Any, ax: Any, name: str, data: np.ndarray, attrs: dict[str, Any], ok: np.ndarray,
               bands: list[str]) -> str:
    from matplotlib import colormaps

    band = np.ma.masked_array(data[0].astype("float64"), mask=~ok | ~np.isfinite(data[0].astype("float64")))
    cmap = colormaps["viridis"].with_extremes(bad=_NODATA_RGB)
    im = ax.imshow(band, cmap=cmap, interpolation="nearest")
    units = list(attrs.get("units", []))
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label(f"{bands[0] if bands else name}" + (f" ({units[0]})" if units and units[0] else ""), fontsize=8)
    return f"band {bands[0] if bands else 1}"


def _panel(fig: Any, ax: Any, name: str, data: np.ndarray, attrs: dict[str, Any], nodata: float | int) -> str:
    """Draw one collection on `ax`; returns what was drawn (for the title)."""
    bands = [str(b) for b in attrs.get("bands", [])]
    ok = _valid_mask(data, nodata)
    upper = [b.upper() for b in bands]
    r, g, b = (_find(upper, x) for x in ("B4", "B3", "B2"))
    vv = _find(upper, "VV")
    if attrs.get("kind", "continuous") == "categorical":
        return _draw_categorical(ax, data, attrs, ok)
    if r is not None and g is not None and b is not None:
        return _draw_s2(ax, data, attrs, ok, [r, g, b])
    if vv is not None and _backscatter(_band_list(attrs, "units", data.shape[0], "")[vv]):
        return _draw_s1(fig, ax, data, attrs, ok, vv, bands)
    if len(bands) == 3 and np.dtype(data.dtype) == np.uint8:
        ax.imshow(_rgb([data[0], data[1], data[2]], ok), interpolation="nearest")
        return f"RGB {', '.join(bands)}"
    return _draw_band(fig, ax, name, data, attrs, ok, bands)


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
    held = {name: store.periods(name) for name in names}
    if period is not None and not any(period in labels for labels in held.values()):
        have = sorted({p for labels in held.values() for p in labels}, key=period_order)
        raise NotInStoreError(f"no collection of chip {chip_id} has period {period!r}; they hold "
                              f"{', '.join(have) or 'none yet'}")
    fig = Figure(figsize=(4.6 * len(names), 4.6), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        labels = store.periods(name)
        use = period if period in labels else None
        t = store.time_of(name, use)
        data = store.read_chip(name, chip_id, labels[t])  # damaged data: one-line CorruptChunkError
        valid = float(np.asarray(store.group[name]["valid"][store.index_of(name, chip_id), t]))
        spec = store.spec(name)
        what = _panel(fig, ax, name, data, store.attrs(name), spec.nodata)
        vtxt = "absent" if math.isnan(valid) else f"valid {valid:.0%}"
        ax.set_title(f"{name} [{labels[t]}], {vtxt}\n{what}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"chip {chip_id}  {chip.crs}  x {chip.x_min:.0f}..{chip.x_max:.0f}  "
                 f"y {chip.y_min:.0f}..{chip.y_max:.0f}  ({split_of(chip, store.split_scheme())})", fontsize=10)
    out = Path(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
