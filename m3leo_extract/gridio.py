"""Writing the chip grid out: GeoParquet (streamed in batches), a JSON summary and a PNG map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .grid import SPLITS, ChipArrays, outlines_4326

BATCH_CHIPS = 250_000  # rows per Parquet row group: bounds memory whatever the AOI size


def summary(chips: ChipArrays) -> dict[str, Any]:
    """{"chips": N, "splits": {...}, "zones": [...], "per_zone": {...}} for `m3leo grid --json`."""
    codes = chips.split
    splits = {s: int((codes == i).sum()) for i, s in enumerate(SPLITS)}
    epsg = chips.epsg
    per_zone: dict[str, dict[str, int]] = {}
    for code in np.unique(epsg):
        sel = epsg == code
        name = f"{int(code) % 100:02d}{'S' if int(code) >= 32700 else 'N'}"
        per_zone[name] = {"chips": int(sel.sum()),
                          **{s: int((codes[sel] == i).sum()) for i, s in enumerate(SPLITS)}}
    return {"chips": len(chips), "splits": splits, "zones": sorted(per_zone), "per_zone": per_zone}


def _batches(chips: ChipArrays, size: int) -> Iterator[ChipArrays]:
    for lo in range(0, len(chips), size):
        sl = slice(lo, lo + size)
        yield ChipArrays(chips.zone[sl], chips.south[sl], chips.row[sl], chips.col[sl])


def _geo_metadata() -> bytes:
    # GeoParquet 1.0 "geo" key; bbox is optional and left out so the file can be streamed in one pass.
    from pyproj import CRS

    return json.dumps({
        "version": "1.0.0", "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Polygon"],
                                 "crs": CRS.from_epsg(4326).to_json_dict()}},
    }).encode()


def write_parquet(chips: ChipArrays, path: str | Path, batch: int = BATCH_CHIPS) -> Path:
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
            outlines = outlines_4326(part)
            split_names = np.array(SPLITS, dtype=object)[part.split]
            writer.write_table(pa.table({
                "chip_id": part.ids(), "epsg": part.epsg.astype("int32"),
                "x_min": part.col.astype("float64") * 4000.0, "y_min": part.row.astype("float64") * 4000.0,
                "split": split_names.tolist(), "geometry": shapely.to_wkb(outlines).tolist(),
            }, schema=schema))
    tmp.replace(path)
    return path


def write_png(chips: ChipArrays, path: str | Path, aoi: Any = None, title: str = "") -> Path:
    """A map of the chips coloured by split, with the AOI outline (lon/lat)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    colours = {"train": "#4c72b0", "val": "#dd8452", "test": "#55a868"}
    fig, ax = plt.subplots(figsize=(8, 8), dpi=120)
    step = max(1, len(chips) // 200_000)  # a continent: draw a sample, the map reads the same
    sample = ChipArrays(chips.zone[::step], chips.south[::step], chips.row[::step], chips.col[::step])
    outlines = outlines_4326(sample, points_per_side=1)
    verts = [np.asarray(p.exterior.coords) for p in outlines]
    names = np.array(SPLITS)[sample.split]
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
