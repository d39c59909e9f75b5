"""Writing the chip grid out: GeoParquet (streamed in batches), a JSON summary and a PNG map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from .errors import AOIError
from .grid import CHIP_SIZE_M, ChipArrays, chip_arrays, outlines_4326, outlines_wkb, zone_name
from .splits.schemes import DEFAULT_SCHEME, NO_SPLIT, SPLIT_NAMES, SplitScheme, split_of

# pyarrow, matplotlib, geopandas and pandas are imported where they are used (~1.5 s together).

BATCH_CHIPS = 65_536  # rows per Parquet row group: bounds memory (~40 MB a batch) whatever the AOI size


def summary(chips: ChipArrays, scheme: SplitScheme = DEFAULT_SCHEME) -> dict[str, Any]:
    """{"chips": N, "split": scheme, "splits": {...}, "zones": [...], "per_zone": {...}} for `m3leo grid --json`."""
    codes = chips.split_codes(scheme)
    splits = {s: int((codes == i).sum()) for i, s in enumerate(SPLIT_NAMES)}
    epsg = chips.epsg
    per_zone: dict[str, dict[str, int]] = {}
    for code in np.unique(epsg):
        sel = epsg == code
        name = zone_name(int(code) % 100, int(code) >= 32700)
        per_zone[name] = {"chips": int(sel.sum()),
                          **{s: int((codes[sel] == i).sum()) for i, s in enumerate(SPLIT_NAMES)}}
    return {"chips": len(chips), "split": str(scheme), "splits": splits, "zones": sorted(per_zone),
            "per_zone": per_zone}


def _batches(chips: ChipArrays, size: int) -> Iterator[ChipArrays]:
    for lo in range(0, len(chips), size):
        sl = slice(lo, lo + size)
        yield ChipArrays(chips.zone[sl], chips.south[sl], chips.row[sl], chips.col[sl])


def _geo_metadata() -> bytes:
    # GeoParquet 1.0 "geo" key; bbox is optional and left out so the file can be streamed in one pass.
    return json.dumps({
        "version": "1.0.0", "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Polygon"],
                                 "crs": CRS.from_epsg(4326).to_json_dict()}},
    }).encode()


def write_parquet(chips: ChipArrays, path: str | Path, batch: int = BATCH_CHIPS,
                  scheme: SplitScheme = DEFAULT_SCHEME) -> Path:
    """One row per chip: chip_id, epsg, x_min, y_min, split, geometry (EPSG:4326 outline), as GeoParquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    schema = pa.schema([("chip_id", pa.string()), ("epsg", pa.int32()), ("x_min", pa.float64()),
                        ("y_min", pa.float64()), ("split", pa.string()), ("geometry", pa.binary())],
                       metadata={b"geo": _geo_metadata()})
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for part in _batches(chips, batch):
            # WKB straight from the outline coordinates: no shapely object per chip (grid.outlines_wkb)
            wkb, offsets, _ = outlines_wkb(part)
            split_names = np.array(SPLIT_NAMES, dtype=object)[part.split_codes(scheme)]
            writer.write_table(pa.table({
                "chip_id": part.ids(), "epsg": part.epsg.astype("int32"),
                "x_min": part.col.astype("float64") * CHIP_SIZE_M, "y_min": part.row.astype("float64") * CHIP_SIZE_M,
                "split": split_names.tolist(),
                "geometry": pa.Array.from_buffers(pa.binary(), len(part), [None, pa.py_buffer(offsets),
                                                                         pa.py_buffer(wkb.ravel())]),
            }, schema=schema))
    tmp.replace(path)
    return path


def write_png(chips: ChipArrays, path: str | Path, aoi: Any = None, title: str = "",
              scheme: SplitScheme = DEFAULT_SCHEME) -> Path:
    """A map of the chips coloured by split, with the AOI outline (lon/lat)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    colours = {"train": "#4c72b0", "val": "#dd8452", "test": "#55a868", NO_SPLIT: "#bbbbbb"}
    fig, ax = plt.subplots(figsize=(8, 8), dpi=120)
    step = max(1, len(chips) // 200_000)  # a continent: draw a sample, the map reads the same
    sample = ChipArrays(chips.zone[::step], chips.south[::step], chips.row[::step], chips.col[::step])
    outlines = outlines_4326(sample, points_per_side=1)
    verts = [np.asarray(p.exterior.coords) for p in outlines]
    names = np.array(SPLIT_NAMES)[sample.split_codes(scheme)]
    ax.add_collection(PolyCollection(verts, facecolors=[colours[s] for s in names],
                                     edgecolors="white" if len(sample) < 2000 else "none", linewidths=0.3))
    if aoi is not None:
        for g in getattr(aoi, "geoms", [aoi]):
            ax.plot(*g.exterior.xy, color="black", linewidth=0.8)
            for ring in g.interiors:
                ax.plot(*ring.xy, color="black", linewidth=0.8)
    ax.autoscale_view()
    ax.set_aspect(1 / np.cos(np.deg2rad(np.mean(ax.get_ylim()))))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title or f"{len(chips)} chips (4 x 4 km)")
    ax.legend(handles=[Patch(color=c, label=s) for s, c in colours.items()], loc="best")
    path = Path(path)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def map_m3leo(chips_file: str | Path, splits_csv: str | Path | None = None, keep_split: bool = False,
              scheme: SplitScheme = DEFAULT_SCHEME) -> Any:
    """Map M3LEO's published chips (~4.48 km squares with hashed ids) onto our grid.

    Returns a DataFrame with one row per (M3LEO chip, our chip) pair that overlap: m3leo_id, chip_id, overlap
    (the fraction of the M3LEO chip's area inside our chip) and split (ours, or theirs with `keep_split`).
    """
    import geopandas as gpd
    import pandas as pd

    try:
        src = gpd.read_file(chips_file)
    except Exception as exc:  # GDAL raises many types
        raise AOIError(f"cannot read M3LEO chip file {chips_file} ({str(exc).splitlines()[0]}); give their "
                       "*_aschips_*.geojson") from None
    src = src.set_crs(4326) if src.crs is None else src.to_crs(4326)
    id_col = next((c for c in ("identifier", "id", "chip_id", "tile_id", "name") if c in src.columns),
                  next((c for c in src.columns if c != "geometry" and src[c].dtype == object), None))
    if id_col is None:
        raise AOIError(f"{chips_file} has no id column; M3LEO chip files carry an 'identifier' property")
    theirs: dict[str, str] = {}
    if splits_csv is not None:
        table = pd.read_csv(splits_csv)
        key = id_col if id_col in table.columns else table.columns[0]
        col = next((c for c in table.columns if "split" in c.lower()), table.columns[-1])
        theirs = dict(zip(table[key].astype(str), table[col].astype(str), strict=False))
    rows = []
    for mid, geom in zip(src[id_col].astype(str), src.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        arr = chip_arrays(geom)
        chips = arr.chips()
        outlines = outlines_4326(arr, points_per_side=8)
        # Areas in an equal-area CRS: lon/lat degrees are not comparable across latitudes.
        g = gpd.GeoSeries([geom, *outlines], crs=4326).to_crs("EPSG:6933")
        whole = g.iloc[0]
        for chip, poly in zip(chips, g.iloc[1:], strict=True):
            frac = whole.intersection(poly).area / whole.area
            if frac > 0:
                rows.append({"m3leo_id": mid, "chip_id": chip.chip_id, "overlap": frac,
                             "split": theirs.get(mid, NO_SPLIT) if keep_split else split_of(chip, scheme)})
    return pd.DataFrame(rows, columns=["m3leo_id", "chip_id", "overlap", "split"])
