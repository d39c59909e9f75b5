"""The store with the tools people already use: xarray, rioxarray, rasterio/GDAL (COGs), GeoParquet, TorchGeo.

The store is written with the store API from seeded random data shaped like the recipes' (S2 uint16 with a
scale, S1 float32 dB with NaN, ESA WorldCover codes): 20 px chips (200 m) over a box straddling the UTM zone
31/32 boundary at 6 E, so everything that has to handle several zones does.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import shapely

from m3leo_extract.catalog import load_catalog
from m3leo_extract.errors import StoreError
from m3leo_extract.grid import Chip, chips_for_geometry
from m3leo_extract.splits import DEMO_SPLIT, relabel
from m3leo_extract.store import ChipStore, open_dataset

ROOT = Path(__file__).resolve().parents[1]
RES, PX = 200.0, 20
PERIOD = "2020"
WC_CODES = np.array([10, 20, 30, 40, 50, 60, 80, 90], dtype="uint8")
AOI = shapely.box(5.9, 47.0, 6.1, 47.07)


def _make(chip: Chip, name: str) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(zlib.crc32(f"{chip.chip_id}/{name}".encode()))
    if name == "s2":
        a = rng.integers(200, 4000, size=(4, PX, PX), dtype="uint16")
        a[:, :3, :3] = 0  # a nodata corner
    elif name == "s1":
        a = rng.uniform(-25, 0, size=(4, PX, PX)).astype("float32")
        a[:, -2:, :] = np.nan
    else:
        a = rng.choice(WC_CODES, size=(1, PX, PX))
        a[0, 0, :] = 0
    ok = (a != 0) if name != "s1" else np.isfinite(a)
    return a, float(ok.any(axis=0).mean())


def build_store(directory: Path) -> list[Chip]:
    cat = load_catalog()
    st = ChipStore.open(directory, create=True)
    relabel(st, DEMO_SPLIT)  # one-chip-row bands: this small box holds every split
    chips = chips_for_geometry(AOI)
    for name in ("s2", "s1", "esa_worldcover"):
        st.ensure_collection(dataclasses.replace(cat[name].store_spec(), resolution=RES, chip_px=PX), shard_chips=4)
        idx = st.add_chips(name, chips)
        t = st.ensure_period(name, PERIOD)
        for shard in np.unique(idx // 4):
            sel = [c for c, i in zip(chips, idx, strict=True) if i // 4 == shard]
            made = [_make(c, name) for c in sel]
            st.write_shard(name, int(shard), t, [c.chip_id for c in sel], np.stack([a for a, _ in made]),
                           np.array([v for _, v in made]))
    return chips


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("eco") / "data"
    build_store(d)
    return d


def m3leo(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("m3leo")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


# -- xarray ---------------------------------------------------------------------------------------------------
def test_open_zarr_without_warnings_sees_coordinates(store_dir: Path) -> None:
    import xarray as xr

    st = ChipStore.open(store_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("s2", "s1", "esa_worldcover"):
            ds = xr.open_zarr(store_dir / "chips.zarr", group=name)
            assert ds["data"].dims == ("chip", "time", "band", "y", "x")
            assert set(ds.coords) >= {"chip", "time", "band", "split", "epsg", "x_min", "y_min"}
            assert list(ds["chip"].values) == st.chip_ids(name)
            assert sorted(set(ds["epsg"].values.tolist())) == [32631, 32632]
            assert ds.attrs["collection"] == name
            train = ds.sel(chip=(ds["split"] == "train").compute())
            assert train.sizes["chip"] == int((st.chip_table(name)["split"] == "train").sum()) > 0
            cid = st.chip_ids(name)[3]
            np.testing.assert_array_equal(ds["data"].sel(chip=cid, time=PERIOD).values, st.read_chip(name, cid))


def test_consolidated_metadata_follows_every_metadata_change(store_dir: Path, tmp_path: Path) -> None:
    import xarray as xr

    d = tmp_path / "grow"
    chips = build_store(d)
    st = ChipStore.open(d, mode="r+")
    extra = Chip(chips[0].zone, chips[0].south, chips[0].row + 40, chips[0].col)
    st.add_chips("s2", [extra])
    st.ensure_period("s2", "2021")
    st.update_attrs("s2", note="hello")
    st.record_period("s2", "2021", tool="test")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_zarr(d / "chips.zarr", group="s2")  # consolidated: one read, must not be stale
    assert ds.sizes["chip"] == len(chips) + 1 and list(ds["time"].values) == ["2020", "2021"]
    assert ds.attrs["note"] == "hello" and extra.chip_id in ds["chip"].values
    assert ds.attrs["periods"]["2021"]["tool"] == "test"
    _assert_consolidated_current(d)


def _assert_consolidated_current(store: Path) -> None:
    """xarray opens every collection without a warning, and the consolidated copy equals each node's own
    zarr.json: whatever wrote the store kept it current."""
    import xarray as xr
    import zarr

    live = zarr.open_group(store / "chips.zarr", mode="r", use_consolidated=False)
    cons = zarr.open_group(store / "chips.zarr", mode="r", use_consolidated=True)
    assert dict(cons.attrs) == dict(live.attrs)
    for name in live.group_keys():
        assert dict(cons[name].attrs) == dict(live[name].attrs), name
        for key in live[name].array_keys():
            a, b = (json.dumps(g[name][key].metadata.to_dict(), default=str, sort_keys=True) for g in (cons, live))
            assert a == b, (name, key)  # as JSON: NaN fill values compare equal
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ds = xr.open_zarr(store / "chips.zarr", group=name)
        assert "split" in ds.coords and ds.sizes["chip"] == live[name]["chip"].shape[0]


def test_extract_and_tile_leave_consolidated_metadata_current(emulator, shared_data: Path, tmp_path: Path) -> None:
    from m3leo_extract.catalog import parse_periods
    from m3leo_extract.extract import extract
    from m3leo_extract.tile import tile

    rep = extract(tmp_path / "ee", shapely.box(4.74, 45.67, 4.78, 45.70), [load_catalog()["esa_worldcover"]],
                  parse_periods("2020"), ee_url=emulator.url)
    assert rep.ok and rep.chips_done > 0
    _assert_consolidated_current(tmp_path / "ee")
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "Polygon", "coordinates": [[[-77.6, 24.4], [-77.45, 24.4], [-77.45, 24.55],
                                                                   [-77.6, 24.55], [-77.6, 24.4]]]}))
    rep = tile([shared_data / "RGB.byte.tif"], tmp_path / "tiled", "rgb", aoi=str(aoi), resolution=200.0)
    assert rep.ok and rep.chips_written > 0
    _assert_consolidated_current(tmp_path / "tiled")


def test_open_dataset_where_split_drops_other_chips(store_dir: Path) -> None:
    ds = open_dataset(store_dir, "s2")
    train = ds.where(ds["split"] == "train", drop=True)
    assert set(train["split"].values.tolist()) == {"train"}
    assert train.sizes["chip"] == int((ds["split"].values == "train").sum())


def _python_blocks(*files: Path) -> list[tuple[Path, str]]:
    out = []
    for f in files:
        for block in re.findall(r"```python\n(.*?)```", f.read_text(), flags=re.S):
            if re.search(r"\bxr\.|xarray|rioxarray|\.rio\.|zarr|georef", block):
                out.append((f, block))
    return out


def test_every_documented_xarray_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's and docs' xarray / rioxarray / zarr snippets, run against the test store (DIR -> its path,
    the docs' example chip id -> one of its chips) in one namespace, in order, with warnings as errors."""
    blocks = _python_blocks(ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
    assert len(blocks) >= 4, [str(f) for f, _ in blocks]
    monkeypatch.chdir(tmp_path)
    store_dir = tmp_path / "docs"  # the snippets may write: their own store
    build_store(store_dir)
    cid = ChipStore.open(store_dir).chip_ids("s2")[1]
    ns: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # rioxarray 0.19 itself multiplies Affines with `*` (affine's PendingDeprecationWarning): not ours.
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning, module="rioxarray")
        for f, code in blocks:
            code = code.replace('"DIR', f'"{store_dir}').replace("31N_1266_160", cid)
            try:
                exec(compile(code, f"{f.name} snippet", "exec"), ns)
            except Exception as exc:  # name the snippet that broke
                raise AssertionError(f"{f.name} snippet failed: {exc!r}\n{code}") from exc


# -- rioxarray: one chip as a georeferenced DataArray and back ------------------------------------------------
def test_chip_dataarray_to_raster_reads_back_with_rasterio(store_dir: Path, tmp_path: Path) -> None:
    import rasterio

    from m3leo_extract.georef import chip_dataarray, chip_dataarrays

    st = ChipStore.open(store_dir)
    for name in ("s2", "s1", "esa_worldcover"):
        cid = st.chip_ids(name)[-1]
        chip = Chip.from_id(cid)
        da = chip_dataarray(store_dir, name, cid, PERIOD)
        assert da.rio.crs.to_epsg() == chip.epsg and "spatial_ref" in da.coords
        assert tuple(da.rio.transform())[:6] == tuple(chip.transform(RES))[:6]
        assert float(da.x[0]) == chip.x_min + RES / 2 and float(da.y[0]) == chip.y_max - RES / 2
        path = tmp_path / f"{name}.tif"
        da.rio.to_raster(path)
        with rasterio.open(path) as src:
            assert src.crs.to_epsg() == chip.epsg
            assert tuple(src.transform)[:6] == tuple(chip.transform(RES))[:6]
            np.testing.assert_array_equal(src.read(), st.read_chip(name, cid))
            assert list(src.descriptions) == list(st.spec(name).bands)
            if name == "s2":
                assert src.nodata == 0 and src.scales == (0.0001,) * 4
            if name == "s1":
                assert np.isnan(src.nodata)
    das = chip_dataarrays(store_dir, "s2", st.chip_ids("s2")[:3])
    assert [d.attrs["chip_id"] for d in das] == st.chip_ids("s2")[:3]


def test_write_dataarray_round_trip_and_new_collection(store_dir: Path, tmp_path: Path) -> None:
    from m3leo_extract.georef import chip_dataarray, write_dataarray

    d = tmp_path / "rt"
    build_store(d)
    st = ChipStore.open(d)
    cid = st.chip_ids("s2")[2]
    da = chip_dataarray(d, "s2", cid, PERIOD)
    edited = (da + 1).astype("uint16").rio.write_nodata(0, encoded=False)
    edited = edited.rio.write_crs(da.rio.crs).rio.write_transform(da.rio.transform())
    assert write_dataarray(d, "s2", edited, "2021") == cid
    back = ChipStore.open(d)
    assert back.periods("s2") == ["2020", "2021"]
    np.testing.assert_array_equal(back.read_chip("s2", cid, "2021"), da.values + 1)
    np.testing.assert_array_equal(back.read_chip("s2", cid, "2020"), da.values)  # untouched
    assert back.read_valid("s2")[back.index_of("s2", cid), 1] == 1.0
    # Bands in another order are put back in the collection's order.
    swapped = da.isel(band=[3, 2, 1, 0])
    write_dataarray(d, "s2", swapped, "2022")
    np.testing.assert_array_equal(ChipStore.open(d).read_chip("s2", cid, "2022"), da.values)
    # A single band (y, x) into a collection that does not exist yet: created from the DataArray.
    ndvi = (da.sel(band="B8").astype("float32") / 10000).rio.write_nodata(np.nan, encoded=False)
    write_dataarray(d, "ndvi", ndvi, "2020")
    st2 = ChipStore.open(d)
    spec = st2.spec("ndvi")
    assert spec.dtype == "float32" and spec.resolution == RES and spec.chip_px == PX
    np.testing.assert_allclose(st2.read_chip("ndvi", cid)[0], da.sel(band="B8").values / 10000, rtol=1e-6)


def test_write_dataarray_refuses_what_is_not_one_chip(store_dir: Path, tmp_path: Path) -> None:
    from m3leo_extract.georef import chip_dataarray, write_dataarray

    d = tmp_path / "bad"
    build_store(d)
    cid = ChipStore.open(d).chip_ids("s2")[0]
    da = chip_dataarray(d, "s2", cid)
    with pytest.raises(StoreError, match="UTM zone"):
        write_dataarray(d, "s2", da.rio.write_crs("EPSG:4326"), PERIOD)
    shifted = da.assign_coords(x=da["x"] + 30.0)  # rioxarray derives the transform from x/y
    with pytest.raises(StoreError, match="not on the 4000 m chip grid"):
        write_dataarray(d, "s2", shifted, PERIOD)
    with pytest.raises(StoreError, match="not one 4000 m chip"):
        write_dataarray(d, "s2", da.isel(x=slice(0, 10)), PERIOD)
    with pytest.raises(StoreError, match="bands"):
        write_dataarray(d, "s2", da.assign_coords(band=["a", "b", "c", "d"]), PERIOD)
    with pytest.raises(StoreError, match="do not fit"):
        write_dataarray(d, "s2", (da.astype("float32") + 0.5).rio.write_nodata(0, encoded=False), PERIOD)
    assert ChipStore.open(d).periods("s2") == [PERIOD]


# -- COG export (m3leo export) ----------------------------------------------------------------------------------
def _window_of(chip: Chip, src) -> tuple[slice, slice]:
    row, col = src.index(chip.x_min + RES / 2, chip.y_max - RES / 2)
    return slice(row, row + PX), slice(col, col + PX)


def test_export_chip_cogs_are_valid_cogs_equal_to_the_store(store_dir: Path, tmp_path: Path) -> None:
    import rasterio
    from rio_cogeo.cogeo import cog_validate

    st = ChipStore.open(store_dir)
    r = m3leo("export", "--store", str(store_dir), "--collection", "esa_worldcover", "--format", "cog",
              "--out", str(tmp_path / "cogs"))
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "cogs" / "esa_worldcover" / PERIOD
    ids = st.chip_ids("esa_worldcover")
    assert sorted(p.stem for p in folder.glob("*.tif")) == sorted(ids)
    classes = st.attrs("esa_worldcover")["classes"]
    for cid in ids:
        path = folder / f"{cid}.tif"
        valid, errors, _ = cog_validate(str(path))
        assert valid, errors
        chip = Chip.from_id(cid)
        with rasterio.open(path) as src:
            assert src.crs.to_epsg() == chip.epsg and tuple(src.transform)[:6] == tuple(chip.transform(RES))[:6]
            np.testing.assert_array_equal(src.read(), st.read_chip("esa_worldcover", cid))
            assert src.descriptions == ("landcover",) and src.nodata == 0
            assert src.colormap(1)[10][:3] == (0, 100, 0) and src.colormap(1)[80][:3] == (0, 100, 200)
            assert json.loads(src.tags(1)["CLASSES"]) == classes
            assert src.tags()["COLLECTION"] == "esa_worldcover" and src.tags()["CHIP_ID"] == cid
        aux = (folder / f"{cid}.tif.aux.xml").read_text()
        assert "<Category>Tree cover</Category>" in aux and aux.count("<Category>") == 101
    # One VRT per UTM zone over that zone's chips, equal to them where they are.
    for zone, epsg in (("31N", 32631), ("32N", 32632)):
        with rasterio.open(folder / f"{zone}.vrt") as vrt:
            assert vrt.crs.to_epsg() == epsg
            for cid in (c for c in ids if Chip.from_id(c).epsg == epsg):
                rows, cols = _window_of(Chip.from_id(cid), vrt)
                np.testing.assert_array_equal(vrt.read(1)[rows, cols], st.read_chip("esa_worldcover", cid)[0])
    assert not list(folder.glob(".*")), "temporary files left behind"


def test_export_mosaic_per_zone_and_vrt_over_zones(store_dir: Path, tmp_path: Path) -> None:
    import rasterio
    from rio_cogeo.cogeo import cog_validate

    from m3leo_extract.cogs import export_cogs

    st = ChipStore.open(store_dir)
    rep = export_cogs(store_dir, "s2", tmp_path, mosaic=True)
    assert rep.written == 2 and rep.files == ("s2_2020_31N.tif", "s2_2020_32N.tif")
    for name in rep.files:
        assert cog_validate(str(rep.out / name))[0]
        with rasterio.open(rep.out / name) as src:
            assert src.descriptions == ("B2", "B3", "B4", "B8") and src.scales == (0.0001,) * 4
            data = src.read()
            zone_chips = [c for c in st.chip_ids("s2") if Chip.from_id(c).epsg == src.crs.to_epsg()]
            assert len(zone_chips) == 6
            for cid in zone_chips:
                rows, cols = _window_of(Chip.from_id(cid), src)
                np.testing.assert_array_equal(data[:, rows, cols], st.read_chip("s2", cid))
    with rasterio.open(rep.out / "s2_2020.vrt") as vrt:  # two zones: one VRT in EPSG:4326
        assert vrt.crs.to_epsg() == 4326 and vrt.count == 4 and vrt.descriptions[2] == "B4"
        img = vrt.read(3)
        assert (img > 0).mean() > 0.8  # both zones' chips show through
        assert img.max() < 4000


def test_export_resumes_and_selects_chips(store_dir: Path, tmp_path: Path) -> None:
    from m3leo_extract.cogs import export_cogs

    ids = ChipStore.open(store_dir).chip_ids("s1")
    listing = tmp_path / "chips.txt"
    listing.write_text("# three chips\n" + "\n".join(ids[:3]) + "\n")
    out = tmp_path / "out"
    r = m3leo("export", "--store", str(store_dir), "--collection", "s1", "--chips", str(listing), "--out",
              str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["written"] == 3
    folder = out / "s1" / PERIOD
    import rasterio

    with rasterio.open(folder / f"{ids[0]}.tif") as src:  # float32 dB with NaN nodata, as stored
        assert np.isnan(src.nodata) and src.descriptions[0] == "VV_ASC" and src.tags(1)["UNITS"] == "dB"
        np.testing.assert_array_equal(src.read(), ChipStore.open(store_dir).read_chip("s1", ids[0]))
    first = (folder / f"{ids[0]}.tif").stat().st_mtime_ns
    (folder / f"{ids[1]}.tif").unlink()
    (folder / f".{ids[2]}.tif.part").write_bytes(b"half a file from a killed run")
    rep = export_cogs(store_dir, "s1", out, chip_ids=ids[:3])
    assert (rep.written, rep.skipped) == (1, 2)
    assert (folder / f"{ids[0]}.tif").stat().st_mtime_ns == first
    # --aoi: the chips of the AOI that the collection has (a box around the zone-31 chips only).
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "Polygon", "coordinates": [[[5.92, 47.01], [5.97, 47.01], [5.97, 47.05],
                                                                   [5.92, 47.05], [5.92, 47.01]]]}))
    r = m3leo("export", "--store", str(store_dir), "--collection", "s1", "--aoi", str(aoi), "--out",
              str(tmp_path / "aoi_out"), "--json")
    assert r.returncode == 0, r.stderr
    names = sorted(p.stem for p in (tmp_path / "aoi_out" / "s1" / PERIOD).glob("*.tif"))
    assert names and all(n.startswith("31N_") for n in names) and len(names) < len(ids)


@pytest.mark.parametrize("args, message", [
    (["--collection", "nope"], "collection 'nope' is not in"),
    (["--collection", "s2", "--period", "1999"], "has no period '1999'"),
    (["--collection", "s2", "--format", "png"], "--format 'png' is not known"),
    (["--collection", "s2", "--aoi", "demo", "--chips", "x.txt"], "not both"),
    (["--collection", "s2", "--chips", "BADIDS"], "is not a chip id"),
    (["--collection", "s2", "--chips", "MISSING"], "are not in 's2'"),
    (["--collection", "s2", "--chips", "nofile.txt"], "no such file"),
])
def test_export_bad_input_is_one_line_exit_2_nothing_written(store_dir: Path, tmp_path: Path, args: list[str],
                                                             message: str) -> None:
    (tmp_path / "BADIDS").write_text("31N_1302_180\nnot-a-chip\n")
    (tmp_path / "MISSING").write_text("31N_1302_180\n31N_0001_001\n")
    args = [str(tmp_path / a) if a in ("BADIDS", "MISSING", "nofile.txt") else a for a in args]
    out = tmp_path / "out"
    r = m3leo("export", "--store", str(store_dir), "--out", str(out), *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_export_of_a_missing_store_is_a_usage_error(tmp_path: Path) -> None:
    r = m3leo("export", "--store", str(tmp_path / "none"), "--collection", "s2", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "no chip store at" in r.stderr and not (tmp_path / "o").exists()


# -- the chip index (GeoParquet) and the status map ---------------------------------------------------------
def test_status_out_is_geoparquet_with_valid_and_status_per_collection_and_period(tmp_path: Path) -> None:
    import geopandas as gpd

    from m3leo_extract.state import StateDB

    d = tmp_path / "st"
    chips = build_store(d)
    st = ChipStore.open(d, mode="r+")
    ids = st.chip_ids("s2")
    # One chip of esa_worldcover written with no data at all: valid 0 -> "empty".
    empty = ids[5]
    st.write_shard("esa_worldcover", st.shard_of("esa_worldcover", 5), 0, [empty],
                   np.zeros((1, 1, PX, PX), dtype="uint8"), np.array([0.0]))
    # s2's units: shard 0 done, 1 failed, 2 still planned; s1 and esa_worldcover have none (made by the API).
    db = StateDB(d / "state.sqlite")
    db.upsert_units([("s2", PERIOD, s, ids[4 * s:4 * s + 4], 1, "pixels") for s in range(3)])
    by_shard = {u.shard: u for u in db.units(collection="s2")}
    db.mark(by_shard[0].id, "done")
    db.mark(by_shard[1].id, "failed", error="boom", error_kind="permanent")
    db.close()
    out, png = tmp_path / "chips.parquet", tmp_path / "status.png"
    r = m3leo("status", "--store", str(d), "--out", str(out), "--png", str(png))
    assert r.returncode == 0, r.stderr
    gdf = gpd.read_parquet(out)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == len(chips)
    assert {"chip_id", "epsg", "split", "geometry", "valid_s2_2020", "status_s2_2020", "valid_s1_2020",
            "status_esa_worldcover_2020"} <= set(gdf.columns)
    s2 = dict(zip(gdf["chip_id"], gdf["status_s2_2020"], strict=True))
    assert [s2[c] for c in ids] == ["done"] * 4 + ["failed"] * 4 + ["pending"] * 4
    wc = dict(zip(gdf["chip_id"], gdf["status_esa_worldcover_2020"], strict=True))
    assert wc[empty] == "empty" and sum(v == "done" for v in wc.values()) == len(chips) - 1
    valid = dict(zip(gdf["chip_id"], gdf["valid_esa_worldcover_2020"], strict=True))
    assert valid[empty] == 0.0 and valid[ids[0]] == pytest.approx(st.read_valid("esa_worldcover")[0, 0])
    # Each outline holds its chip's centre.
    row = gdf.set_index("chip_id").loc[ids[0]]
    from pyproj import Transformer

    c = Chip.from_id(ids[0])
    lon, lat = Transformer.from_crs(c.epsg, 4326, always_xy=True).transform(c.x_min + 2000, c.y_min + 2000)
    assert row.geometry.contains(shapely.Point(lon, lat))
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grid_out_with_store_carries_valid_and_status(store_dir: Path, tmp_path: Path) -> None:
    import geopandas as gpd

    aoi = tmp_path / "bigger.geojson"  # the store's box and more to the north: chips it does not have
    aoi.write_text(json.dumps({"type": "Polygon", "coordinates": [[[5.9, 47.0], [6.1, 47.0], [6.1, 47.15],
                                                                   [5.9, 47.15], [5.9, 47.0]]]}))
    out = tmp_path / "grid.parquet"
    r = m3leo("grid", "--aoi", str(aoi), "--out", str(out), "--store", str(store_dir))
    assert r.returncode == 0, r.stderr
    gdf = gpd.read_parquet(out)
    st = ChipStore.open(store_dir)
    have = set(st.chip_ids("s2"))
    assert have < set(gdf["chip_id"]) and {"split", "geometry", "valid_s2_2020", "status_s1_2020"} <= set(gdf.columns)
    inside = gdf["chip_id"].isin(have)
    assert set(gdf.loc[inside, "status_s2_2020"]) == {"done"} and set(gdf.loc[~inside, "status_s2_2020"]) == {"absent"}
    assert gdf.loc[~inside, "valid_s2_2020"].isna().all() and (gdf.loc[inside, "valid_s2_2020"] > 0.9).all()
    r = m3leo("grid", "--aoi", str(aoi), "--store", str(store_dir))
    assert r.returncode == 2 and "--out FILE.parquet" in r.stderr


def test_status_png_of_a_store_without_state_is_one_line(tmp_path: Path) -> None:
    build_store(tmp_path / "nostate")
    r = m3leo("status", "--store", str(tmp_path / "nostate"), "--png", str(tmp_path / "s.png"))
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "state database" in r.stderr
    assert not (tmp_path / "s.png").exists()


# -- quicklooks (m3leo show) ------------------------------------------------------------------------------------
def _draw(name: str, data: np.ndarray) -> object:
    from matplotlib.figure import Figure

    from m3leo_extract.render import _panel

    spec = dataclasses.replace(load_catalog()[name].store_spec(), resolution=RES, chip_px=PX)
    attrs = {**spec.attrs.to_zarr(), "bands": list(spec.bands), "kind": spec.kind}
    fig = Figure()
    ax = fig.subplots()
    what = _panel(fig, ax, name, data, attrs, spec.nodata)
    return ax, what


def test_s2_true_colour_is_not_darkened_by_clouds() -> None:
    rng = np.random.default_rng(1)
    ground = rng.uniform(300, 800, size=(4, 40, 40))  # vegetation: 3-8 % reflectance
    ground[:, :8, :] = rng.uniform(5000, 9000, size=(4, 8, 40))  # a 20 % cloud bank
    ax, what = _draw("s2", ground.astype("uint16"))
    img = np.asarray(ax.images[0].get_array())
    assert "true colour" in what and "2-98%" in what
    assert np.median(img[8:]) > 0.3  # the ground is visible, not near black
    assert img[:8].min() > 0.95  # the clouds saturate white


def test_s1_is_db_on_a_fixed_range_and_worldcover_in_its_palette() -> None:
    from matplotlib.colors import to_hex

    rng = np.random.default_rng(2)
    s1 = rng.uniform(-20, -5, size=(4, 20, 20)).astype("float32")
    ax, what = _draw("s1", s1)
    assert ax.images[0].get_clim() == (-25.0, 0.0) and "dB" in what
    wc = rng.choice(np.array([10, 50, 80], dtype="uint8"), size=(1, 20, 20))
    ax, what = _draw("esa_worldcover", wc)
    im = ax.images[0]
    assert "WorldCover" in what
    assert to_hex(im.cmap(im.norm(10))) == "#006400" and to_hex(im.cmap(im.norm(80))) == "#0064c8"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("10 Tree cover") and any("Built-up" in t for t in labels) and len(labels) == 3


def test_show_png_of_the_store(store_dir: Path, tmp_path: Path) -> None:
    cid = ChipStore.open(store_dir).chip_ids("s2")[0]
    r = m3leo("show", cid, "--store", str(store_dir), "--png", str(tmp_path / "show.png"))
    assert r.returncode == 0, r.stderr
    import matplotlib.image as mpimg

    img = mpimg.imread(tmp_path / "show.png")
    assert img.shape[1] > 3 * 300


# -- TorchGeo: sample keys and types -----------------------------------------------------------------------------
def _samples(store_dir: Path, n: int = 3) -> tuple[object, list[dict]]:
    from m3leo_extract.dataset import ChipDataset

    ds = ChipDataset(store_dir, inputs=["s2"], target="esa_worldcover", split=None, as_image=True, normalize=False)
    return ds, [ds[i] for i in range(n)]


def test_samples_go_through_torchgeo_transforms(store_dir: Path) -> None:
    import torch

    K = pytest.importorskip("kornia.augmentation", reason="kornia (TorchGeo's transform engine) not installed")
    T = pytest.importorskip("torchgeo.transforms", reason="torchgeo not installed (pip install torchgeo)")
    from m3leo_extract.dataset import collate

    ds, samples = _samples(store_dir)
    s = samples[0]
    assert s["image"].dtype == torch.float32 and s["mask"].dtype == torch.int64 and s["bounds"].dtype == torch.float64
    assert s["image"].shape == (4, PX, PX) and s["mask"].shape == (PX, PX) and isinstance(s["crs"], str)
    batch = collate(samples)
    aug = K.AugmentationSequential(T.AppendNDVI(index_nir=3, index_red=2), K.RandomHorizontalFlip(p=1.0),
                                   data_keys=None, keepdim=True)
    out = aug(dict(batch))
    raw = torch.stack([torch.from_numpy(ds.read_raw("s2", i).astype("float32")) for i in range(3)])
    ndvi = (raw[:, 3] - raw[:, 2]) / (raw[:, 3] + raw[:, 2] + 1e-10)
    assert out["image"].shape == (3, 5, PX, PX)
    torch.testing.assert_close(out["image"][:, 4], ndvi.flip(-1), rtol=1e-5, atol=1e-6)
    assert out["mask"].dtype == torch.int64 and torch.equal(out["mask"], batch["mask"].flip(-1))
    assert out["chip_id"] == batch["chip_id"] and torch.equal(out["bounds"], batch["bounds"])


def test_stack_and_unbind_samples_with_torchgeo(store_dir: Path) -> None:
    import torch

    try:
        from torchgeo.datasets.utils import stack_samples, unbind_samples
    except ImportError as exc:
        pytest.skip(f"torchgeo not installed: {exc}")
    except Exception as exc:  # torchgeo.datasets imports torchvision, whose PyPI wheels need CUDA torch
        pytest.skip(f"torchgeo.datasets does not import with this torch ({type(exc).__name__}: {exc}); PyPI's "
                    "torchvision wheels are built for CUDA torch, this environment has the CPU build")
    _, samples = _samples(store_dir)
    batch = stack_samples(samples)
    assert batch["image"].shape == (3, 4, PX, PX) and batch["mask"].dtype == torch.int64
    assert batch["bounds"].shape == (3, 4) and batch["crs"] == [s["crs"] for s in samples]
    back = unbind_samples(dict(batch))
    assert len(back) == 3
    for a, b in zip(back, samples, strict=True):
        assert set(a) == set(b) and a["chip_id"] == b["chip_id"] and a["crs"] == b["crs"]
        assert torch.equal(a["image"], b["image"]) and torch.equal(a["mask"], b["mask"])


def test_a_store_written_before_consolidation_is_upgraded_by_the_next_planning(tmp_path: Path) -> None:
    import xarray as xr
    import zarr

    d = tmp_path / "old"
    build_store(d)
    root = d / "chips.zarr"
    meta = json.loads((root / "zarr.json").read_text())
    meta.pop("consolidated_metadata")
    (root / "zarr.json").write_text(json.dumps(meta))
    for name in ("s2", "s1", "esa_worldcover"):
        for key in ("data", "valid"):
            del zarr.open_group(root / name, mode="r+", use_consolidated=False)[key].attrs["coordinates"]
    with pytest.warns(RuntimeWarning, match="consolidated"):  # what users saw before
        xr.open_zarr(root, group="s2")
    st = ChipStore.open(d, mode="r+")
    st.ensure_collection(st.spec("s2"))  # what extract / tile do first on every run
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_zarr(root, group="s2")
    assert "split" in ds.coords
