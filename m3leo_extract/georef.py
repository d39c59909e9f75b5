"""Chips as georeferenced xarray DataArrays (what rioxarray, GDAL and QGIS understand), and back.

`chip_dataarray` gives one chip of a collection and period as a (band, y, x) DataArray with pixel-centre x/y
coordinates, a `spatial_ref` coordinate holding its CRS (the chip's UTM zone) and GeoTransform, the nodata as
`_FillValue`, band names as `long_name` and the per-band `scales` / `offsets` (physical = stored x scale +
offset). `da.rio.to_raster("chip.tif")` writes a georeferenced GeoTIFF with all of that.

`write_dataarray` is the inverse: a georeferenced DataArray whose pixels are exactly one chip of the grid (in
its UTM zone, north-up, at the collection's resolution) goes into the store as that chip. It changes the
store's metadata (new chip, new period), so call it from one process at a time, like `m3leo tile`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StoreError
from .grid import CHIP_SIZE_M, Chip, lonlat_transformer, zone_name, zone_of
from .nodata import is_nan, nodata_mask
from .store import ChipStore, CollectionAttrs, CollectionSpec

# xarray / rioxarray are imported inside the functions that build DataArrays: seconds to import, and the
# store's own readers and writers never need them.

_TOL = 1e-6  # metres: how far a transform may sit from the chip grid and still be that chip


def _open(store: ChipStore | str | Path, create: bool = False) -> ChipStore:
    return store if isinstance(store, ChipStore) else ChipStore.open(store, create=create)


def _band_attrs(spec: CollectionSpec) -> dict[str, Any]:
    """Per-band metadata as rioxarray writes it into a GeoTIFF (descriptions, scales, offsets, units)."""
    n = len(spec.bands)
    a = spec.attrs

    def per_band(key: str, default: Any) -> tuple[Any, ...]:
        return tuple(a.per_band(key, n, default))

    out: dict[str, Any] = {"long_name": tuple(spec.bands), "scales": tuple(float(v) for v in per_band("scale", 1.0)),
                           "offsets": tuple(float(v) for v in per_band("offset", 0.0))}
    units = per_band("units", "")
    if any(units):
        out["units"] = ",".join(str(u) for u in units)
    if spec.kind == "categorical" and a.classes:
        out["classes"] = json.dumps(dict(a.classes), sort_keys=True)
    return out


def chip_dataarray(store: ChipStore | str | Path, collection: str, chip_id: str, period: str | None = None) -> Any:
    """One chip (band, y, x) of `collection` at `period` (default: the latest) as a rioxarray DataArray."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    st = _open(store)
    spec = st.spec(collection)
    chip = Chip.from_id(chip_id)
    t = st.time_of(collection, period)
    arr = st.read_chip(collection, chip_id, st.periods(collection)[t])
    res = spec.resolution
    h, w = arr.shape[1:]
    xs = chip.x_min + (np.arange(w) + 0.5) * res
    ys = chip.y_max - (np.arange(h) + 0.5) * res
    attrs = {"collection": collection, "chip_id": chip_id, "period": st.periods(collection)[t], "kind": spec.kind,
             **_band_attrs(spec)}
    da = xr.DataArray(arr, dims=("band", "y", "x"), name=collection, attrs=attrs,
                      coords={"band": list(spec.bands), "y": ys, "x": xs})
    da = da.rio.write_crs(chip.crs).rio.write_transform(chip.transform(res))
    return da.rio.write_nodata(spec.nodata, encoded=False)


def chip_dataarrays(store: ChipStore | str | Path, collection: str, chip_ids: Sequence[str],
                    period: str | None = None) -> list[Any]:
    """`chip_dataarray` for each of `chip_ids` (they may sit in different UTM zones, hence a list)."""
    st = _open(store)
    return [chip_dataarray(st, collection, c, period) for c in chip_ids]


def chip_of(da: Any, resolution: float | None = None) -> Chip:
    """The grid chip a georeferenced DataArray covers exactly; StoreError saying why when it covers none."""
    import rioxarray  # noqa: F401

    crs = da.rio.crs
    epsg = crs.to_epsg() if crs is not None else None
    if epsg is None or not (32601 <= epsg <= 32660 or 32701 <= epsg <= 32760):
        raise StoreError(f"the DataArray's CRS is {crs or 'not set'}; chips live in their UTM zone (EPSG:326zz/"
                         "327zz): reproject with da.rio.reproject('EPSG:326..') or set it with da.rio.write_crs")
    tr = da.rio.transform()
    res = abs(tr.a)
    if tr.b != 0 or tr.d != 0 or tr.e != -tr.a or tr.a <= 0:
        raise StoreError(f"the DataArray's transform {tuple(tr)[:6]} is not north-up with square pixels; "
                         "reproject it onto the chip grid first")
    if resolution is not None and abs(res - resolution) > _TOL:
        raise StoreError(f"the DataArray has {res:g} m pixels but the collection has {resolution:g} m; resample "
                         "it (da.rio.reproject(..., resolution=...))")
    h, w = da.shape[-2:]
    if abs(w * res - CHIP_SIZE_M) > _TOL or abs(h * res - CHIP_SIZE_M) > _TOL:
        raise StoreError(f"the DataArray is {w} x {h} px of {res:g} m, not one {CHIP_SIZE_M} m chip; clip it to one "
                         "chip")
    col, row = tr.c / CHIP_SIZE_M, (tr.f - CHIP_SIZE_M) / CHIP_SIZE_M
    if abs(col - round(col)) * CHIP_SIZE_M > _TOL or abs(row - round(row)) * CHIP_SIZE_M > _TOL:
        raise StoreError(f"the DataArray's corner ({tr.c}, {tr.f}) is not on the {CHIP_SIZE_M} m chip grid of {crs}")
    chip = Chip(epsg % 100, epsg >= 32700, int(round(row)), int(round(col)))
    _check_zone(chip)
    return chip


def _check_zone(chip: Chip) -> None:
    lon, lat = lonlat_transformer(chip.epsg).transform(chip.x_min + CHIP_SIZE_M / 2, chip.y_min + CHIP_SIZE_M / 2)
    if int(zone_of(lon)) != chip.zone or (lat < 0) != chip.south:
        raise StoreError(f"the DataArray's chip centre ({lon:.4f}, {lat:.4f}) lies outside UTM zone "
                         f"{zone_name(chip.zone, chip.south)}; reproject it into the zone it lies in")


def _spec_from(collection: str, da: Any, bands: tuple[str, ...]) -> CollectionSpec:
    nodata = da.rio.nodata if da.rio.nodata is not None else da.rio.encoded_nodata
    if nodata is None:
        nodata = float("nan") if np.issubdtype(da.dtype, np.floating) else 0
    nodata = float(nodata) if np.issubdtype(da.dtype, np.floating) else int(nodata)  # JSON-able, not numpy
    return CollectionSpec(name=collection, bands=bands, dtype=np.dtype(da.dtype).name, nodata=nodata,
                          resolution=abs(da.rio.transform().a), chip_px=int(da.shape[-1]),
                          kind=str(da.attrs.get("kind", "continuous")),
                          attrs=CollectionAttrs(source="m3leo_extract.georef.write_dataarray"))


def _bands_of(da: Any) -> tuple[str, ...]:
    if "band" in da.coords and da["band"].ndim == 1:
        return tuple(str(b) for b in da["band"].values)
    names = da.attrs.get("long_name")
    if isinstance(names, (tuple, list)) and len(names) == da.shape[0]:
        return tuple(str(b) for b in names)
    return tuple(f"b{i + 1}" for i in range(da.shape[0]))


def write_dataarray(store: ChipStore | str | Path, collection: str, da: Any, period: str) -> str:
    """Write a georeferenced (band, y, x) or (y, x) DataArray covering exactly one chip into `collection` at
    `period`; returns the chip id. A collection not in the store yet is created from the DataArray (bands from
    its `band` coordinate or `long_name`, dtype, nodata, resolution). Pixels equal to the DataArray's nodata
    become the collection's nodata."""
    import rioxarray  # noqa: F401

    if da.ndim == 2:
        da = da.expand_dims("band")
    if da.ndim != 3:
        raise StoreError(f"write_dataarray takes a (band, y, x) or (y, x) DataArray, not dims {da.dims}")
    st = _open(store, create=True)
    exists = collection in st.collections()
    spec = st.spec(collection) if exists else None
    chip = chip_of(da, spec.resolution if spec else None)
    bands = _bands_of(da)
    if spec is None:
        spec = _spec_from(collection, da, bands)
        st.ensure_collection(spec)
    data = np.asarray(da.values)
    if bands != spec.bands:
        if sorted(bands) != sorted(spec.bands):
            raise StoreError(f"the DataArray's bands {list(bands)} are not {collection!r}'s {list(spec.bands)}")
        data = data[[bands.index(b) for b in spec.bands]]
    if data.shape[1:] != (spec.chip_px, spec.chip_px):
        raise StoreError(f"the DataArray is {data.shape[2]} x {data.shape[1]} px; {collection!r} chips are "
                         f"{spec.chip_px} x {spec.chip_px}")
    data = _to_store_values(data, da.rio.nodata, spec)
    ok = _valid(data, spec.nodata)
    index = int(st.add_chips(collection, [chip])[0])
    new_period = period not in st.periods(collection)
    t = st.ensure_period(collection, period)
    st.write_shard(collection, st.shard_of(collection, index), t, [chip.chip_id], data[None], np.array([ok]))
    if new_period:
        st.record_period(collection, period, tool="m3leo_extract.georef.write_dataarray")
    return chip.chip_id


def _to_store_values(data: np.ndarray, nodata: Any, spec: CollectionSpec) -> np.ndarray:
    """The DataArray's values in the collection's dtype, its nodata (and NaN) as the collection's nodata."""
    dtype = np.dtype(spec.dtype)
    missing = np.zeros(data.shape, dtype=bool)
    if nodata is not None:
        missing |= nodata_mask(data, nodata)
    if np.issubdtype(data.dtype, np.floating):
        missing |= ~np.isfinite(data)
    vals = data[~missing]
    if vals.size and np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if np.any(vals != np.round(vals)) or vals.min() < info.min or vals.max() > info.max:
            raise StoreError(f"the DataArray's values do not fit the collection's {dtype.name} (non-integers or "
                             f"outside {info.min}..{info.max}); scale and round them first")
    out = np.where(missing, 0, data).astype(dtype)
    out[missing] = spec.nodata
    return out


def _valid(data: np.ndarray, nodata: float | int) -> float:
    if is_nan(nodata):
        return float(np.isfinite(data).any(axis=0).mean())
    return float((~nodata_mask(data, nodata)).any(axis=0).mean())
