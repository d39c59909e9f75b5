"""The Hugging Face dataset card: `OUT/README.md`, a YAML header (licence, task categories, size, one config per
collection over its Parquet files with a split per store split) and a body (components, sources, licences,
citations, periods, band tables, the split scheme and its border contacts, provenance, how to load it).

`datasets.load_dataset(OUT)` loads the default config (the first label collection, else the first one) and
`load_dataset(OUT, "s2")` any other, with no custom code: the configs point at plain Parquet files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .meta import CollectionInfo, StoreInfo
from .parquet import BLOCK_SHARDS

NAME = "README.md"
SIZES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
         (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]


def size_category(n: int) -> str:
    return next((label for limit, label in SIZES if n < limit), "100M<n<1B")


def header(info: StoreInfo, out: Path, title: str) -> dict[str, Any]:
    sources = info.sources()
    spdx = {s.spdx.lower() for s in sources if s.spdx}
    licence = spdx.pop() if len(spdx) == 1 and all(s.spdx for s in sources) else "other"
    default = next((c.name for c in info.collections if c.kind == "categorical"), info.collections[0].name)
    configs = []
    for c in info.collections:
        splits = sorted(p.name for p in (out / "data" / c.name).iterdir() if p.is_dir()) \
            if (out / "data" / c.name).is_dir() else []
        configs.append({"config_name": c.name, **({"default": True} if c.name == default else {}),
                        "data_files": [{"split": s, "path": f"data/{c.name}/{s}/*.parquet"} for s in splits]})
    tasks = ["image-segmentation"] if any(c.kind == "categorical" for c in info.collections) else []
    head: dict[str, Any] = {"license": licence}
    if licence == "other":
        head["license_name"] = "mixed-source-terms"
        head["license_link"] = "README.md#sources-licences-and-citations"
    head.update({"task_categories": tasks + ["image-feature-extraction"], "tags": [
        "earth-observation", "remote-sensing", "geospatial", "m3leo", "stac", "croissant",
        *(["synthetic"] if info.synthetic else [])], "size_categories": [size_category(info.n_chips)],
        "pretty_name": title, "configs": configs})
    return head


def _bands(c: CollectionInfo) -> list[str]:
    rows = ["| band | unit | scale | offset | source | stored dtype | nodata |", "|---|---|---|---|---|---|---|"]
    rows += [f"| {b['name']} | {b['unit']} | {b['scale']:g} | {b['offset']:g} | {b['source']} | {b['dtype']} | "
             f"{b['nodata']} |" for b in c.band_table()]
    classes = c.attrs.get("classes") or {}
    if classes:
        rows += ["", "Classes: " + ", ".join(f"{k} {v}" for k, v in classes.items()) + "."]
    return rows


def body(info: StoreInfo, title: str, incomplete: str) -> list[str]:
    counts = info.split_counts()
    touch, held = info.border_contacts()
    lines = [f"# {title}", ""]
    if info.synthetic:
        lines += ["> **SYNTHETIC DATA.** Every chip was made by the Earth Engine emulator (m3leo's offline stand-in),"
                  " not from real observations: for tests and demos only, never for science.", ""]
    if incomplete:
        lines += [f"> **INCOMPLETE.** Published with `--allow-incomplete`: {incomplete}.", ""]
    lines += [f"{info.n_chips} chips of 4 x 4 km on the M3LEO UTM chip grid (exact squares in each chip's UTM zone, "
              "corners on multiples of 4000 m), made by m3leo-extract. Also published beside this card: a STAC "
              "catalogue (`catalog.json`), a GeoParquet chip index (`chips.parquet`: footprint, split, Major-TOM cell,"
              " valid fractions) and a Croissant card (`croissant.json`).", "", "## Components", "",
              "| collection | M3LEO component | title | kind | chips | periods | resolution |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {c.name} | {c.attrs.get('m3leo') or ''} | {c.attrs.get('title') or ''} | {c.kind} | {c.n_chips} | "
              f"{', '.join(c.periods)} | {c.attrs['resolution']} m |" for c in info.collections]
    lines += ["", "## Sources, licences and citations", "", "| source | licence | citation |", "|---|---|---|"]
    lines += [f"| {s.id} | [{s.licence}]({s.licence_url}) | {s.citation} |" if s.licence_url else
              f"| {s.id} | {s.licence} | {s.citation} |" for s in info.sources()]
    lines += ["", "## Periods", ""]
    for c in info.collections:
        wins = ", ".join(f"{p} ({w[0]} to {w[1]})" if w else p for p, w in c.windows.items())
        lines.append(f"- **{c.name}**: {wins}")
    lines += ["", "## Bands", ""]
    for c in info.collections:
        lines += [f"### {c.name}", "", *_bands(c), ""]
    lines += ["## Splits", "", f"Scheme `{info.split_scheme}` (a function of each chip's position, so a chip has "
              "the same split in every dataset built with this scheme).", "",
              "| split | chips |", "|---|---|", *(f"| {s} | {n} |" for s, n in counts.items()), "",
              f"Border contacts: {touch} of {held} val/test chips have a train chip among their 8 neighbours in the "
              f"same UTM zone ({100 * touch / held:.1f}%)." if held else
              "Border contacts: no val/test chip in this dataset.", ""]
    lines += ["## Provenance", "", "Per collection and period, as the store recorded it (the whole record: each "
              "STAC collection's `m3leo:provenance`):", "",
              "| collection | period | made by | recipe (version) | from | endpoint | client | synthetic | updated |",
              "|---|---|---|---|---|---|---|---|---|"]
    for c in info.collections:
        for p, rec in (c.attrs.get("periods") or {}).items():
            src = ", ".join(rec.get("assets") or []) or (f"{rec.get('n_inputs')} input file(s)" if rec.get("n_inputs")
                                                         else json.dumps(rec.get("source", "")))
            lines.append(f"| {c.name} | {p} | {rec.get('tool', '')} | {rec.get('recipe', '')} "
                         f"({rec.get('recipe_version', '')}) | {src} | {rec.get('endpoint', '')} | "
                         f"{rec.get('client', '')} | {rec.get('synthetic', '')} | {rec.get('updated', '')} |")
    lines.append("")
    first = info.collections[0]
    lines += ["## How to load", "", "```python", "import datasets, numpy as np", "",
              f'ds = datasets.load_dataset("path/to/this/folder", "{first.name}", split="train")',
              'row = ds.with_format("numpy")[0]',
              'pixels = row["pixels"]            # (band, y, x), stored values; physical = x scale + offset',
              'print(row["chip_id"], row["period"], row["crs"], row["transform"])', "```", "",
              "Each row is one chip and period: `chip_id`, `period`, `split`, `epsg`/`crs`, `x_min`/`y_min`, "
              "`transform` (rasterio's affine), `bbox` (lon/lat), `majortom_cell`, `valid`, `start`/`end`, `pixels`. "
              f"Files hold {BLOCK_SHARDS} shards of chips of one period each (`data/<collection>/<split>/`).",
              "", "With the STAC catalogue: `pystac.Catalog.from_file(\"catalog.json\")`; with Croissant: "
              "`mlcroissant.Dataset(\"croissant.json\").records(\"" + first.name + "\")`.", ""]
    return lines


def write_card(info: StoreInfo, work: Path, title: str, incomplete: str) -> str:
    head = yaml.safe_dump(header(info, work, title), sort_keys=False)
    text = "---\n" + head + "---\n\n" + "\n".join(body(info, title, incomplete))
    (work / NAME).write_text(text)
    return NAME
