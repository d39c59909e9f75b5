"""The STAC catalogue of a published store (pystac, STAC 1.1): one collection per store collection, one item per
shard, zone catalogues between them, and a stac-geoparquet table of each collection's items.

    OUT/catalog.json                                  the root catalogue
    OUT/<collection>/collection.json                  extent, bands, sources (licences, citations), splits
    OUT/<collection>/<zone>/catalog.json              one per UTM zone + hemisphere (31N): links its items
    OUT/<collection>/<zone>/<collection>_<period>_<shard>.json  one item per Zarr shard: S chips, one period
    OUT/<collection>/items.parquet                    the same items as stac-geoparquet (DuckDB, pgstac, ...)

Why per shard, not per chip (docs/publishing.md): a shard (16 chips of one period, one file) is the store's
unit of storage, writing and download, so an item's one data asset is one real file with its checksum (file
extension), items number chips / 16 per period, and a refresh that adds a period adds items without
touching the others. Each chip's footprint, split, Major-TOM
cell and valid fractions are in the GeoParquet chip index (`OUT/chips.parquet`), which the collections link.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pystac
import shapely
from pystac.extensions.file import FileExtension
from pystac.extensions.grid import GridExtension
from pystac.extensions.label import LabelClasses, LabelExtension, LabelType
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import DataType, RasterBand, RasterExtension

from ..grid import Chip, ChipArrays, outlines_4326, utm_epsg, zone_name
from ..shards import array_path, shard_file
from .meta import CollectionInfo, StoreInfo, multihash_sha256

ZARR_TYPE = "application/vnd+zarr"
SHARD_TYPE = "application/octet-stream"
PARQUET_TYPE = "application/vnd.apache.parquet"
GRID_PREFIX = "M3LEO4KM"  # grid:code of a chip of the 4 km grid: M3LEO4KM-31N_1350_120


@dataclass(frozen=True)
class Hrefs:
    """Where the store's files are, seen from the published catalogue: under `base_url`, or relative paths
    from the output folder (its final place, not the temporary one it is written in) to the store."""

    store: Path
    out: Path
    base_url: str | None

    def store_file(self, path: Path | str, from_dir: str) -> str:
        rel = os.path.relpath(Path(path), self.store).replace(os.sep, "/")
        if self.base_url:
            return f"{self.base_url.rstrip('/')}/{rel}"
        return os.path.relpath(Path(path), self.out / from_dir).replace(os.sep, "/")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _chips(ids: list[str]) -> ChipArrays:
    cs = [Chip.from_id(c) for c in ids]
    return ChipArrays(np.array([c.zone for c in cs]), np.array([c.south for c in cs]), np.array([c.row for c in cs]),
                      np.array([c.col for c in cs]))


def footprint(ids: list[str]) -> shapely.Geometry:
    """The union of the chips' lon/lat outlines."""
    return shapely.union_all(outlines_4326(_chips(ids))).normalize()


def bounds(keys: np.ndarray, chunk: int = 65_536) -> tuple[float, float, float, float]:
    """The lon/lat bounding box of many chips (int64 keys), a chunk at a time (no union of every outline)."""
    boxes = [shapely.bounds(outlines_4326(ChipArrays.from_keys(keys[i:i + chunk])))
             for i in range(0, len(keys), chunk)]
    b = np.concatenate(boxes)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def zone_of(chip_id: str) -> str:
    return chip_id.split("_", 1)[0]


def item_path(c: CollectionInfo, shard: int, period: str) -> str:
    zh = int(c.keys[shard * c.shard_chips]) >> 32
    return f"{c.name}/{zone_name(zh // 2, bool(zh % 2))}/{c.name}_{period}_{shard:06d}.json"


def _bands(c: CollectionInfo) -> list[RasterBand]:
    out = []
    for b in c.band_table():
        nodata = b["nodata"] if b["nodata"] != "NaN" else "nan"
        out.append(RasterBand.create(nodata=nodata, data_type=DataType(b["dtype"]), unit=b["unit"] or None,
                                     scale=float(b["scale"]), offset=float(b["offset"]),
                                     spatial_resolution=float(c.attrs["resolution"])))
    return out


def shard_item(info: StoreInfo, c: CollectionInfo, shard: int, t: int, hrefs: Hrefs, cogs: Path | None = None
               ) -> dict[str, Any]:
    """The item of one shard file (chips of `shard`, period `t`) as a JSON dict, its links relative."""
    ids = c.shard_ids(shard)
    period = c.periods[t]
    path = Path(shard_file(array_path(info.root, c.name), shard, t))
    geom = footprint(ids)
    lo = shard * c.shard_chips
    valid = np.asarray(info.store.group[c.name]["valid"][lo:lo + len(ids), t])
    props: dict[str, Any] = {"m3leo:collection": c.name, "m3leo:period": period, "m3leo:shard": shard,
                             "m3leo:time_index": t, "m3leo:chips": ids,
                             "m3leo:splits": c.shard_splits(shard),
                             "m3leo:valid": [None if np.isnan(v) else round(float(v), 4) for v in valid]}
    if info.synthetic:
        props["m3leo:synthetic"] = True
    win = c.windows.get(period)
    item = pystac.Item(id=f"{c.name}_{period}_{shard:06d}", geometry=shapely.geometry.mapping(geom),
                       bbox=list(geom.bounds), datetime=None if win else _when(str(c.attrs.get("created"))[:19]),
                       start_datetime=_when(win[0]) if win else None, end_datetime=_when(win[1]) if win else None,
                       properties=props, collection=c.name)
    _projection(item, ids, c)
    if len(ids) == 1:
        GridExtension.ext(item, add_if_missing=True).apply(code=f"{GRID_PREFIX}-{ids[0]}")
    here = str(Path(item_path(c, shard, period)).parent)
    asset = pystac.Asset(href=hrefs.store_file(path, here), media_type=SHARD_TYPE, roles=["data"],
                         title=f"{c.name} {period}: chips {ids[0]} .. {ids[-1]} (one Zarr v3 shard file of "
                               f"chips.zarr/{c.name}/data: rows {lo} .. {lo + len(ids) - 1}, time {t})")
    item.add_asset("data", asset)
    FileExtension.ext(asset, add_if_missing=True).apply(checksum=multihash_sha256(path), size=path.stat().st_size)
    RasterExtension.ext(asset, add_if_missing=True).apply(bands=_bands(c))
    _cogs(item, c, period, ids, cogs, here, hrefs)
    if c.kind == "categorical":
        _label(item, c)
    item.add_asset("zarr", pystac.Asset(href=hrefs.store_file(info.root / "chips.zarr" / c.name, here),
                                        media_type=ZARR_TYPE, roles=["data"],
                                        title=f"the {c.name} Zarr group (all chips and periods)"))
    d = item.to_dict(include_self_link=False, transform_hrefs=False)
    d["links"] = [{"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                  {"rel": "parent", "href": "./catalog.json", "type": "application/json"},
                  {"rel": "collection", "href": "../collection.json", "type": "application/json"}]
    return d


def _projection(item: pystac.Item, ids: list[str], c: CollectionInfo) -> None:
    chips = [Chip.from_id(i) for i in ids]
    epsgs = {ch.epsg for ch in chips}
    if len(epsgs) != 1:  # a shard across two UTM zones: no single CRS for the item
        return
    px = int(c.attrs["chip_px"])
    proj = ProjectionExtension.ext(item, add_if_missing=True)
    bbox = [min(ch.x_min for ch in chips), min(ch.y_min for ch in chips), max(ch.x_max for ch in chips),
            max(ch.y_max for ch in chips)]
    res = float(c.attrs["resolution"])
    proj.apply(code=f"EPSG:{epsgs.pop()}", bbox=bbox,
               shape=[px, px] if len(ids) == 1 else [int((bbox[3] - bbox[1]) / res), int((bbox[2] - bbox[0]) / res)],
               transform=[res, 0.0, bbox[0], 0.0, -res, bbox[3]])


def _label(item: pystac.Item, c: CollectionInfo) -> None:
    classes = c.attrs.get("classes") or {}
    text = str(c.attrs.get("m3leo") or c.attrs.get("title") or c.name)
    names = "; ".join(f"{k} = {v}" for k, v in classes.items())
    LabelExtension.ext(item, add_if_missing=True).apply(
        label_description=f"{text}: raster class codes ({names})" if names else text, label_type=LabelType.RASTER,
        label_properties=None, label_classes=[LabelClasses.create(classes=sorted(int(k) for k in classes))],
        label_tasks=["segmentation", "classification"], label_methods=["automated"])
    item.assets["data"].roles = ["data", "labels", "labels-raster"]


def _cogs(item: pystac.Item, c: CollectionInfo, period: str, ids: list[str], cogs: Path | None, here: str,
          hrefs: Hrefs) -> None:
    """COGs `m3leo export` wrote (COGS/<collection>/<period>/<chip>.tif), one asset per chip."""
    if cogs is None:
        return
    for cid in ids:
        tif = cogs / c.name / period / f"{cid}.tif"
        if tif.exists():
            rel = os.path.relpath(tif, hrefs.out / here).replace(os.sep, "/")
            href = f"{hrefs.base_url.rstrip('/')}/cogs/{c.name}/{period}/{cid}.tif" if hrefs.base_url else rel
            a = pystac.Asset(href=href, media_type=pystac.MediaType.COG, roles=["data", "overview"],
                             title=f"{c.name} {period} {cid} (Cloud-Optimised GeoTIFF)")
            item.add_asset(f"cog_{cid}", a)
            FileExtension.ext(a, add_if_missing=True).apply(checksum=multihash_sha256(tif), size=tif.stat().st_size)


def _description(info: StoreInfo, c: CollectionInfo, incomplete: str) -> str:
    text = (f"{c.attrs.get('title') or c.name}. M3LEO component: {c.attrs.get('m3leo') or 'none'}. "
            f"{c.n_chips} chips of 4 x 4 km ({c.attrs['chip_px']} x {c.attrs['chip_px']} px at "
            f"{c.attrs['resolution']} m) on the M3LEO UTM chip grid, periods {', '.join(c.periods)}.")
    if info.synthetic:
        text = ("SYNTHETIC DATA: made by the Earth Engine emulator, not real observations; for tests and demos only. "
                + text)
    return text + (f" INCOMPLETE: {incomplete}." if incomplete else "")


def collection(info: StoreInfo, c: CollectionInfo, zones: dict[str, list[str]], incomplete: str
               ) -> pystac.Collection:
    """The collection (links to its zone catalogues added by `write_tree`)."""
    box = bounds(c.keys)
    span = c.span()
    interval = [_when(span[0]), _when(span[1])] if span else [_when(str(c.attrs.get("created"))[:19]), None]
    spdx = {s.spdx for s in c.sources}
    licence = spdx.pop() if len(spdx) == 1 and None not in spdx else "other"
    keywords = ["m3leo", "earth observation", "machine learning", c.name] + (["synthetic"] if info.synthetic else [])
    coll = pystac.Collection(
        id=c.name, title=str(c.attrs.get("title") or c.name), description=_description(info, c, incomplete),
        extent=pystac.Extent(pystac.SpatialExtent([list(box)]), pystac.TemporalExtent([interval])),
        license=licence, keywords=keywords,
        providers=[pystac.Provider(name=p, roles=[pystac.ProviderRole.PRODUCER, pystac.ProviderRole.LICENSOR])
                   for p in sorted({s.provider for s in c.sources if s.provider})]
        + [pystac.Provider(name="m3leo-extract", roles=[pystac.ProviderRole.PROCESSOR])],
        summaries=pystac.Summaries({
            "bands": c.band_table(), "proj:code": _codes(c),
            "gsd": [float(c.attrs["resolution"])], "m3leo:periods": c.periods}),
        extra_fields={"m3leo:sources": [s.as_dict() for s in c.sources], "m3leo:synthetic": info.synthetic,
                      "m3leo:split_scheme": info.split_scheme, "m3leo:kind": c.kind,
                      "m3leo:splits": {s: c.split_count(s) for s in ("train", "val", "test", "none")},
                      "m3leo:classes": c.attrs.get("classes") or {}, "m3leo:incomplete": incomplete or None,
                      "m3leo:provenance": c.attrs.get("periods") or {}})
    for s in c.sources:
        if s.licence_url:
            coll.add_link(pystac.Link("license", s.licence_url, media_type="text/html", title=f"{s.id}: {s.licence}"))
    coll.add_asset("chip_index", pystac.Asset(href="../chips.parquet", media_type=PARQUET_TYPE, roles=["metadata"],
                                              title="every chip: footprint, split, Major-TOM cell, valid fractions"))
    coll.add_asset("items", pystac.Asset(href="./items.parquet", media_type=PARQUET_TYPE,
                                         roles=["metadata", "stac-items"], title="this collection's items "
                                         "as stac-geoparquet"))
    return coll


def _codes(c: CollectionInfo) -> list[str]:
    return sorted({f"EPSG:{utm_epsg(int(zh) // 2, bool(zh % 2))}" for zh in np.unique(c.keys >> 32)})


def write_tree(info: StoreInfo, out: Path, items: dict[str, list[str]], incomplete: str, title: str,
               models: Iterable[str] = ()) -> None:
    """catalog.json, each collection.json and zone catalogue, linking the item files (`items`: collection ->
    item paths relative to `out`). Items themselves are written by the caller (resumably)."""
    root = pystac.Catalog(id="m3leo", title=title, description=title + (
        " SYNTHETIC DATA from the Earth Engine emulator." if info.synthetic else "")
        + (f" INCOMPLETE: {incomplete}." if incomplete else ""))
    links = []
    for c in info.collections:
        zones: dict[str, list[str]] = {}
        for p in items.get(c.name, []):
            zones.setdefault(p.split("/")[1], []).append(p)
        coll = collection(info, c, zones, incomplete)
        d = coll.to_dict(include_self_link=False, transform_hrefs=False)
        d["links"] = [ln for ln in d["links"] if ln["rel"] == "license"] + [
            {"rel": "root", "href": "../catalog.json", "type": "application/json"},
            {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
            *({"rel": "child", "href": f"./{z}/catalog.json", "type": "application/json", "title": f"UTM zone {z}"}
              for z in sorted(zones))]
        _dump(out / c.name / "collection.json", d)
        for z, paths in zones.items():
            cat = pystac.Catalog(id=f"{c.name}-{z}", description=f"{c.name} items of UTM zone {z}").to_dict(
                include_self_link=False, transform_hrefs=False)
            cat["links"] = [{"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                            {"rel": "parent", "href": "../collection.json", "type": "application/json"},
                            *({"rel": "item", "href": f"./{Path(p).name}", "type": "application/geo+json"}
                              for p in sorted(paths))]
            _dump(out / c.name / z / "catalog.json", cat)
        links.append({"rel": "child", "href": f"./{c.name}/collection.json", "type": "application/json",
                      "title": str(c.attrs.get("title") or c.name)})
    d = root.to_dict(include_self_link=False, transform_hrefs=False)
    links += [{"rel": "item", "href": f"./{m}", "type": "application/geo+json", "title": "a model trained on it"}
              for m in models]
    d["links"] = [{"rel": "root", "href": "./catalog.json", "type": "application/json"}, *links]
    if info.synthetic:
        d["keywords"] = ["synthetic"]
    _dump(out / "catalog.json", d)


def write_items_parquet(out: Path, collection_name: str, paths: list[str]) -> None:
    """The collection's items (read back from their JSON files, in chunks) as one stac-geoparquet file."""
    import stac_geoparquet.arrow as sga

    def dicts() -> Iterable[dict[str, Any]]:
        for p in sorted(paths):
            yield json.loads((out / p).read_text())

    dest = out / collection_name / "items.parquet"
    if not paths:
        return
    sga.to_parquet(sga.parse_stac_items_to_arrow(dicts(), chunk_size=1024), dest)


def _dump(path: Path, d: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(d, indent=1))

