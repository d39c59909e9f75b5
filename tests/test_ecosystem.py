"""The store with the tools people already use: xarray, rioxarray, rasterio/GDAL (COGs), GeoParquet, TorchGeo.

The store is written with the store API from seeded random data shaped like the recipes' (S2 uint16 with a
scale, S1 float32 dB with NaN, ESA WorldCover codes): 20 px chips (200 m) over a box straddling the UTM zone
31/32 boundary at 6 E, so everything that has to handle several zones does.
"""

from __future__ import annotations

import dataclasses
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
    st = ChipStore.open(d)
    extra = Chip(chips[0].zone, chips[0].south, chips[0].row + 40, chips[0].col)
    st.add_chips("s2", [extra])
    st.ensure_period("s2", "2021")
    st.update_attrs("s2", note="hello")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_zarr(d / "chips.zarr", group="s2")  # consolidated: one read, must not be stale
    assert ds.sizes["chip"] == len(chips) + 1 and list(ds["time"].values) == ["2020", "2021"]
    assert ds.attrs["note"] == "hello" and extra.chip_id in ds["chip"].values


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
            code = code.replace('"DIR', f'"{store_dir}').replace("31N_1350_120", cid)
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
