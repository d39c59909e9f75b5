"""The Croissant card (JSON-LD, Croissant 1.1 with the GeoCroissant 1.0 and RAI vocabularies): `OUT/croissant.json`.

One record set per collection over its Parquet files (parquet.py: a record per chip and period: chip id,
period, split, georeference, Major-TOM cell, valid fraction, pixels as a (band, y, x) array with the
collection's bands as a `geocr:bandConfiguration`), and one over the chip index (`chips.parquet`). Dataset
level: spatial and temporal coverage, `geocr:coordinateReferenceSystem`, `geocr:spatialResolution`, the
bands of every collection, the chip grid and split scheme as `geocr:samplingStrategy`, licences and
citations per source, `rai:hasSyntheticData`. `mlcroissant.Dataset(OUT/croissant.json).records("s2")` yields
the chips offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from ..grid import CHIP_SIZE_M
from .meta import CollectionInfo, StoreInfo
from .stac import bounds

NAME = "croissant.json"
CONFORMS = ["http://mlcommons.org/croissant/1.1", "http://mlcommons.org/croissant/geo/1.0",
            "http://mlcommons.org/croissant/RAI/1.0"]
# Croissant 1.1's @context (as mlcroissant writes it) plus the GeoCroissant and RAI prefixes.
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "geocr": "http://mlcommons.org/croissant/geo/", "dct": "http://purl.org/dc/terms/",
    "arrayShape": "cr:arrayShape", "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet", "format": "cr:format",
    "includes": "cr:includes", "isArray": "cr:isArray", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
    "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace",
    "samplingRate": "cr:samplingRate", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}
DTYPES = {"uint8": "cr:UInt8", "uint16": "cr:UInt16", "uint32": "cr:UInt32", "int8": "cr:Int8", "int16": "cr:Int16",
          "int32": "cr:Int32", "int64": "cr:Int64", "float32": "cr:Float32", "float64": "cr:Float64"}
PARQUET = "application/x-parquet"


def _field(rs: str, name: str, dtype: str, desc: str, source: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"@type": "cr:Field", "@id": f"{rs}/{name}", "name": name, "description": desc, "dataType": dtype,
            "source": {**source, "extract": {"column": name}}, **extra}


def _bands(c: CollectionInfo) -> dict[str, Any]:
    return {"@type": "geocr:BandConfiguration", "geocr:totalBands": len(c.bands), "geocr:bandNameList": c.bands}


def _collection_records(info: StoreInfo, c: CollectionInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    files = f"{c.name}-parquet"
    fileset = {"@type": "cr:FileSet", "@id": files, "name": files, "encodingFormat": PARQUET,
               "includes": f"data/{c.name}/*/*.parquet",
               "description": f"{c.name}: one Parquet file per split and block of shards (data/{c.name}/<split>/)"}
    src = {"fileSet": {"@id": files}}
    px = int(c.attrs["chip_px"])
    units = ", ".join(f"{b['name']} [{b['unit']}] x {b['scale']} + {b['offset']}" for b in c.band_table())
    fields = [
        _field(c.name, "chip_id", "sc:Text", "chip id on the 4 km UTM grid (zone+hemisphere_row_col)", src),
        _field(c.name, "period", "sc:Text", "period label: 2020, 2020-JJA, 2020-06, static, ...", src),
        _field(c.name, "split", "sc:Text", f"train / val / test / none under the split scheme {info.split_scheme}",
               src),
        _field(c.name, "epsg", "sc:Integer", "the chip's UTM CRS, EPSG code (326zz north, 327zz south)", src),
        _field(c.name, "crs", "sc:Text", "the chip's CRS as EPSG:code", src),
        _field(c.name, "x_min", "sc:Float", "lower-left corner easting in the chip's CRS (m)", src),
        _field(c.name, "y_min", "sc:Float", "lower-left corner northing in the chip's CRS (m)", src),
        _field(c.name, "transform", "sc:Float", "affine transform a, b, c, d, e, f (north-up, top-left corner)",
               src, isArray=True, arrayShape="6"),
        _field(c.name, "bbox", "sc:Float", "lon/lat bounding box: west, south, east, north (EPSG:4326)", src,
               isArray=True, arrayShape="4"),
        _field(c.name, "majortom_cell", "sc:Text", "the Major-TOM 10 km grid cell of the chip's centre", src),
        _field(c.name, "valid", "cr:Float32", "fraction of the chip's pixels holding data", src),
        _field(c.name, "pixels", DTYPES[str(c.attrs["dtype"])],
               f"stored values (band, y, x); nodata {c.attrs['nodata']}; physical = stored x scale + offset: {units}",
               src, isArray=True, arrayShape=f"{len(c.bands)},{px},{px}", **{"geocr:bandConfiguration": _bands(c)}),
    ]
    rs = {"@type": "cr:RecordSet", "@id": c.name, "name": c.name,
          "description": f"{c.attrs.get('title') or c.name}: one record per chip and period",
          "key": [{"@id": f"{c.name}/chip_id"}, {"@id": f"{c.name}/period"}], "field": fields,
          "geocr:spatialResolution": {"@type": "QuantitativeValue", "value": float(c.attrs["resolution"]),
                                      "unitText": "m"}}
    return fileset, rs


def _sha256(path: Path) -> str:
    """The file's sha256, read 1 MB at a time (the chip index of a continental store is hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _index_records(work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    path = work / "chips.parquet"
    obj = {"@type": "cr:FileObject", "@id": "chip-index", "name": "chip-index", "contentUrl": "chips.parquet",
           "encodingFormat": PARQUET, "sha256": _sha256(path),
           "description": "GeoParquet chip index: one row per chip (footprint, split, Major-TOM cell, valid fractions)"}
    src = {"fileObject": {"@id": "chip-index"}}
    fields = [_field("chips", "chip_id", "sc:Text", "chip id", src),
              _field("chips", "split", "sc:Text", "the chip's split", src),
              _field("chips", "majortom_cell", "sc:Text", "Major-TOM 10 km grid cell", src),
              _field("chips", "epsg", "sc:Integer", "UTM CRS EPSG code", src),
              _field("chips", "valid_fraction", "cr:Float32", "lowest valid fraction over collections and periods",
                     src)]
    return obj, {"@type": "cr:RecordSet", "@id": "chips", "name": "chips", "key": {"@id": "chips/chip_id"},
                 "description": "every chip of the store", "field": fields}


def card(info: StoreInfo, work: Path, title: str, incomplete: str, base_url: str | None) -> dict[str, Any]:
    w, s, e, n = bounds(info.all_keys())
    spans = [c.span() for c in info.collections if c.span()]
    sources = info.sources()
    desc = (f"{title}: {info.n_chips} chips of 4 x 4 km on the M3LEO UTM chip grid, collections "
            f"{', '.join(c.name for c in info.collections)}.")
    if info.synthetic:
        desc = "SYNTHETIC DATA (Earth Engine emulator): not real observations. " + desc
    if incomplete:
        desc += f" INCOMPLETE: {incomplete}."
    dist, records = [], []
    for c in info.collections:
        fs, rs = _collection_records(info, c)
        dist.append(fs)
        records.append(rs)
    obj, rs = _index_records(work)
    dist.append(obj)
    records.append(rs)
    res = sorted({float(c.attrs["resolution"]) for c in info.collections})
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "name": title.replace(":", "").replace(" ", "_"),
        "description": desc, "conformsTo": CONFORMS, "version": "1.0.0",
        "datePublished": dt.date.today().isoformat(), "url": base_url or "./",
        "creator": {"@type": "sc:Organization", "name": "m3leo-extract"},
        "license": sorted({s.licence_url for s in sources if s.licence_url}) or ["other"],
        "citeAs": " ".join(f"[{s.id}] {s.citation}" for s in sources),
        "keywords": ["earth observation", "remote sensing", "M3LEO"] + (["synthetic"] if info.synthetic else []),
        "isLiveDataset": False,
        "spatialCoverage": {"@type": "Place", "geo": {"@type": "GeoShape", "box": f"{s} {w} {n} {e}"}},
        "temporalCoverage": f"{min(x[0] for x in spans)}/{max(x[1] for x in spans)}" if spans else None,
        "geocr:coordinateReferenceSystem": "EPSG:4326",
        "geocr:spatialResolution": {"@type": "QuantitativeValue", "value": res[0], "unitText": "m"},
        "geocr:bandConfiguration": {"@type": "geocr:BandConfiguration",
                                    "geocr:totalBands": sum(len(c.bands) for c in info.collections),
                                    "geocr:bandNameList": [f"{c.name}:{b}" for c in info.collections for b in c.bands]},
        "geocr:samplingStrategy": (
            f"every {CHIP_SIZE_M // 1000} x {CHIP_SIZE_M // 1000} km chip of the M3LEO grid (exact squares in the "
            "chip's UTM zone, corners on multiples of 4000 m: pixels are in the chip's UTM CRS, fields crs/"
            "transform; EPSG:4326 is the coverage's) that the AOI covers; splits by the spatial scheme "
            f"{info.split_scheme}"),
        "geocr:spatialBias": "the AOI the dataset was made for; see the chip index for where chips are",
        "rai:hasSyntheticData": info.synthetic,
        "rai:dataCollection": "; ".join(
            f"{c.name}: {c.attrs.get('title')}, {c.attrs.get('reducer') or ''} {c.attrs.get('temporal') or ''} "
            f"composites from {', '.join(s.id for s in c.sources)}" for c in info.collections),
        "rai:dataCollectionMissingData": incomplete or "chips never written are absent from the record sets",
        "distribution": dist, "recordSet": records,
    }


def write_croissant(info: StoreInfo, work: Path, title: str, incomplete: str, base_url: str | None) -> str:
    d = card(info, work, title, incomplete, base_url)
    (work / NAME).write_text(json.dumps({k: v for k, v in d.items() if v is not None}, indent=1))
    return NAME
