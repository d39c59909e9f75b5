"""`tile`: real rasters (RGB.byte.tif, a Landsat scene in UTM 18N; corrupt.tif) cut into chips in the store."""

from __future__ import annotations

import json
import multiprocessing as mp
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject

from m3leo_extract.errors import RasterError
from m3leo_extract.grid import Chip
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore, CollectionSpec
from m3leo_extract.tile import expand_inputs, tile

RES = 100.0
# A small box inside the scene (72 chips at 100 m) and one over its north-west corner, where the scene's
# rotated footprint leaves nodata: partial chips.
INSIDE = [[-77.6, 24.4], [-77.3, 24.4], [-77.3, 24.7], [-77.6, 24.7], [-77.6, 24.4]]
CORNER = [[-79.0, 25.15], [-78.55, 25.15], [-78.55, 25.6], [-79.0, 25.6], [-79.0, 25.15]]
# corrupt.tif lies in Korea (Pseudo-Mercator), a 600 m square.
KOREA = [[128.64, 37.66], [128.67, 37.66], [128.67, 37.68], [128.64, 37.68], [128.64, 37.66]]


def _aoi(tmp: Path, name: str, *rings: list[list[float]]) -> Path:
    feats = [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [r]}}
             for r in rings]
    p = tmp / f"{name}.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return p


def _reference(path: Path, chip: Chip, res: float, resampling: Resampling, bands: list[int]) -> np.ndarray:
    """An independent reprojection of the whole source onto the chip's grid."""
    h, w = chip.shape(res)
    with rasterio.open(path) as src:
        out = np.zeros((len(bands), h, w), dtype=src.dtypes[0])
        reproject(rasterio.band(src, bands), out, src_nodata=src.nodata, dst_transform=chip.transform(res),
                  dst_crs=chip.crs, dst_nodata=src.nodata, resampling=resampling)
    return out


@pytest.fixture(scope="module")
def rgb_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("rgb")
    aoi = _aoi(d, "inside", INSIDE)
    rep = tile([shared_data / "RGB.byte.tif"], d / "store", "rgb", aoi=str(aoi), resolution=RES, workers=2)
    assert rep.ok and rep.chips_written == rep.chips > 50
    return d / "store", aoi


def test_chips_equal_an_independent_reprojection(rgb_store: tuple[Path, Path], shared_data: Path) -> None:
    store = ChipStore.open(rgb_store[0])
    table = store.chip_table("rgb")
    assert store.spec("rgb").bands == ("b1", "b2", "b3") and store.spec("rgb").dtype == "uint8"
    valid = store.read_valid("rgb")[:, 0]
    for i, cid in enumerate(table["chip"]):
        chip = Chip.from_id(str(cid))
        # Footprints are the grid's.
        assert table["epsg"][i] == chip.epsg == 32618
        assert (table["x_min"][i], table["y_min"][i]) == (chip.x_min, chip.y_min)
        got = store.read_chip("rgb", str(cid))
        ref = _reference(shared_data / "RGB.byte.tif", chip, RES, Resampling.bilinear, [1, 2, 3])
        diff = np.abs(got.astype(int) - ref.astype(int))
        assert diff.max() <= 2 and (diff == 0).mean() > 0.99, (cid, diff.max())
        assert valid[i] == pytest.approx(((got != 0).any(axis=0)).mean())


def test_nearest_at_40m_is_exact(shared_data: Path, tmp_path: Path) -> None:
    ring = [[-77.5, 24.5], [-77.45, 24.5], [-77.45, 24.55], [-77.5, 24.55], [-77.5, 24.5]]
    rep = tile(shared_data / "RGB.byte.tif", tmp_path / "s", "rgb_nn", aoi=str(_aoi(tmp_path, "a", ring)),
               resolution=40, kind="categorical")
    store = ChipStore.open(tmp_path / "s")
    assert rep.chips_written == rep.chips > 0 and store.spec("rgb_nn").chip_px == 100
    for cid in store.chip_ids("rgb_nn"):
        ref = _reference(shared_data / "RGB.byte.tif", Chip.from_id(cid), 40, Resampling.nearest, [1, 2, 3])
        np.testing.assert_array_equal(store.read_chip("rgb_nn", cid), ref)


def test_aligned_input_is_copied_exactly(tmp_path: Path) -> None:
    # A seeded raster already on the chip grid of zone 18N (origin on a 4 km corner + 2 pixels): a window copy.
    rng = np.random.default_rng(7)
    res, x0, y1 = 100.0, 260000.0 + 200, 2716000.0 - 300
    data = rng.integers(1, 60000, size=(2, 100, 130), dtype="uint16")
    path = tmp_path / "aligned.tif"
    with rasterio.open(path, "w", driver="GTiff", width=130, height=100, count=2, dtype="uint16", nodata=0,
                       crs="EPSG:32618", transform=Affine(res, 0, x0, 0, -res, y1), tiled=True) as dst:
        dst.write(data)
    rep = tile([path], tmp_path / "s", "aligned", resolution=res)
    store = ChipStore.open(tmp_path / "s")
    assert rep.chips_written == rep.chips == 12  # 130 x 100 px at 100 m = 13 x 10 km: 4 x 3 chips
    for cid in store.chip_ids("aligned"):
        chip = Chip.from_id(cid)
        got = store.read_chip("aligned", cid)
        ref = np.zeros((2, 40, 40), "uint16")
        r0, c0 = int((y1 - chip.y_max) / res), int((chip.x_min - x0) / res)
        rs, cs = slice(max(r0, 0), min(r0 + 40, 100)), slice(max(c0, 0), min(c0 + 40, 130))
        ref[:, rs.start - r0:rs.stop - r0, cs.start - c0:cs.stop - c0] = data[:, rs, cs]
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("resampling", ["bilinear", "cubic", "nearest", "average", "mode"])
def test_resampled_reads_equal_the_warp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resampling: str) -> None:
    """Inputs in the chips' CRS, shifted off their grid (and at 2x finer pixels): chips whose source pixels are
    all inside and valid take GDAL's resampled read, the rest the warp; both must equal an independent warp."""
    import m3leo_extract.tile.warp as tile_mod

    used: list[int] = []
    real = tile_mod.read_resampled

    def spy(*args, **kwargs):
        used.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(tile_mod, "read_resampled", spy)
    rng = np.random.default_rng(11)
    for res_src, shift in ((100.0, (37.0, -61.0)), (50.0, (25.0, -25.0))):
        n = int(13000 / res_src)
        yy, xx = np.mgrid[0:n, 0:n]
        data = (3000 + 900 * np.sin(xx * res_src / 1700) + 700 * np.cos(yy * res_src / 900)
                + rng.normal(0, 30, (n, n))).astype("uint16")[None].repeat(2, axis=0)
        data[:, n // 2:n // 2 + 3, n // 3:n // 3 + 4] = 0  # a nodata hole: the chips around it must warp
        x0, y1 = 260000.0 + shift[0], 2716000.0 + shift[1]
        path = tmp_path / f"shifted_{res_src:g}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=2, dtype="uint16", nodata=0,
                           crs="EPSG:32618", transform=Affine(res_src, 0, x0, 0, -res_src, y1)) as dst:
            dst.write(data)
        used.clear()
        store_dir = tmp_path / f"s_{resampling}_{res_src:g}"
        rep = tile([path], store_dir, "shifted", resolution=100.0, resampling=resampling)
        assert rep.chips_written == rep.chips >= 16 and 0 < sum(used) < rep.chips
        store = ChipStore.open(store_dir)
        for cid in store.chip_ids("shifted"):
            chip = Chip.from_id(cid)
            ref = np.zeros((2, 40, 40), "uint16")
            with rasterio.open(path) as src:
                reproject(rasterio.band(src, [1, 2]), ref, dst_transform=chip.transform(100.0), dst_crs=chip.crs,
                          dst_nodata=0, resampling=Resampling[resampling], init_dest_nodata=True)
            got = store.read_chip("shifted", cid).astype(int)
            assert np.abs(got - ref.astype(int)).max() <= 1, (resampling, res_src, cid)


def _const_tif(path: Path, values: np.ndarray, x0: float, y1: float, res: float = 100.0) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype="uint8", nodata=0, crs="EPSG:32618", transform=Affine(res, 0, x0, 0, -res, y1)) as dst:
        dst.write(values, 1)
    return path


def test_overlapping_inputs_first_valid_wins(tmp_path: Path) -> None:
    # One chip (18N_0678_065) covered by A (1s, its west half nodata) and B (2s, shifted by half a pixel: warped).
    a_vals = np.ones((40, 40), "uint8")
    a_vals[:, :20] = 0
    a = _const_tif(tmp_path / "a.tif", a_vals, 260000.0, 2716000.0)
    b = _const_tif(tmp_path / "b.tif", np.full((60, 60), 2, "uint8"), 259050.0, 2716950.0)
    chip = "18N_0678_065"
    ring = [[-77.36, 24.51], [-77.34, 24.51], [-77.34, 24.53], [-77.36, 24.53], [-77.36, 24.51]]
    aoi = str(_aoi(tmp_path, "one", ring))
    tile([a, b], tmp_path / "ab", "m", resolution=100, aoi=aoi, kind="categorical")
    tile([b, a], tmp_path / "ba", "m", resolution=100, aoi=aoi, kind="categorical")
    ab = ChipStore.open(tmp_path / "ab").read_chip("m", chip)[0]
    ba = ChipStore.open(tmp_path / "ba").read_chip("m", chip)[0]
    assert np.all(ab[:, 20:] == 1) and np.all(ab[:, :20] == 2)
    assert np.all(ba == 2)


def test_corrupt_input_is_reported_and_the_rest_tiled(shared_data: Path, tmp_path: Path) -> None:
    aoi = _aoi(tmp_path, "both", INSIDE, KOREA)
    events: list[dict] = []
    rep = tile([shared_data / "corrupt.tif", shared_data / "RGB.byte.tif"], tmp_path / "s", "rgb", aoi=str(aoi),
               resolution=RES, progress=events.append)
    assert not rep.ok
    assert len(rep.failures) == 1 and "corrupt.tif" in rep.failures[0] and "RGB" not in rep.failures[0]
    assert [e for e in events if e["event"] == "input_failed"][0]["error"] == rep.failures[0]
    store = ChipStore.open(tmp_path / "s")
    korea = [c for c in store.chip_ids("rgb") if c.startswith("52N")]
    assert korea and rep.chips_failed == len(korea)
    assert rep.chips_written == len(store.chip_ids("rgb")) - len(korea) >= 72
    valid = store.read_valid("rgb")[:, 0]
    assert all(np.isnan(valid[store.index_of("rgb", c)]) for c in korea)  # never written
    assert np.all(valid[[store.index_of("rgb", c) for c in store.chip_ids("rgb") if c not in korea]] > 0.9)
    state = StateDB(tmp_path / "s" / "state.sqlite")
    failed = state.units(status="failed")
    assert failed and all("corrupt.tif" in (u.error or "") for u in failed)
    assert "corrupt.tif" in json.loads(state.last_run()["summary"])["failures"][0]
    state.close()


def test_all_inputs_unreadable_raise(shared_data: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(RasterError, match="junk.tif"):
        tile([junk, tmp_path / "missing.tif"], tmp_path / "s", "x")
    with pytest.raises(RasterError, match="corrupt.tif"):
        tile([shared_data / "corrupt.tif"], tmp_path / "s2", "x", resolution=RES)


def test_cli_exits_1_naming_the_failed_input(shared_data: Path, tmp_path: Path) -> None:
    aoi = _aoi(tmp_path, "both", INSIDE, KOREA)
    res = subprocess.run([sys.executable, "-m", "m3leo_extract", "tile", str(shared_data / "RGB.byte.tif"),
                          str(shared_data / "corrupt.tif"), "--collection", "rgb", "--store", str(tmp_path / "s"),
                          "--aoi", str(aoi), "--resolution", "100", "--json"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 1, res.stderr
    assert [ln for ln in res.stderr.splitlines() if "corrupt.tif" in ln]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["chips_written"] >= 72 and len(out["failures"]) == 1


def test_min_valid_drops_partial_chips(shared_data: Path, tmp_path: Path) -> None:
    aoi = str(_aoi(tmp_path, "corner", CORNER))
    full = tile(shared_data / "RGB.byte.tif", tmp_path / "all", "rgb", aoi=aoi, resolution=RES)
    part = tile(shared_data / "RGB.byte.tif", tmp_path / "half", "rgb", aoi=aoi, resolution=RES, min_valid=0.5)
    s_all, s_half = ChipStore.open(tmp_path / "all"), ChipStore.open(tmp_path / "half")
    v_all = dict(zip(s_all.chip_ids("rgb"), s_all.read_valid("rgb")[:, 0], strict=True))
    v_half = dict(zip(s_half.chip_ids("rgb"), s_half.read_valid("rgb")[:, 0], strict=True))
    assert min(v_all.values()) < 0.5 < max(v_all.values())  # the corner really has partial chips
    written = {c for c, v in v_half.items() if not np.isnan(v)}
    assert written == {c for c, v in v_all.items() if v >= 0.5}
    assert part.chips_written == len(written) and part.chips_dropped + part.chips_written == part.chips
    assert full.chips_written == len(v_all) and part.chips_dropped > 0
    for c in written:
        np.testing.assert_array_equal(s_half.read_chip("rgb", c), s_all.read_chip("rgb", c))


def test_dask_cluster_gives_the_threaded_arrays(rgb_store: tuple[Path, Path], shared_data: Path,
                                                tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        rep = tile([shared_data / "RGB.byte.tif"], tmp_path / "s", "rgb", aoi=str(rgb_store[1]), resolution=RES,
                   dask=client)
    assert rep.ok and rep.chips_written > 50
    a, b = ChipStore.open(rgb_store[0]), ChipStore.open(tmp_path / "s")
    assert a.chip_ids("rgb") == b.chip_ids("rgb")
    np.testing.assert_array_equal(a.group["rgb"]["data"][:], b.group["rgb"]["data"][:])
    np.testing.assert_array_equal(a.read_valid("rgb"), b.read_valid("rgb"))


def test_cli_tiles_on_a_local_cluster_into_the_threaded_chunks(rgb_store: tuple[Path, Path], shared_data: Path,
                                                              tmp_path: Path) -> None:
    """`m3leo tile --dask local:2`: cluster.cluster_client's LocalCluster, runner.run_units on its executor;
    the chunk files equal the threaded run's byte for byte, and the run is recorded ok by the coordinator."""
    pytest.importorskip("distributed")
    res = subprocess.run([sys.executable, "-m", "m3leo_extract", "tile", str(shared_data / "RGB.byte.tif"),
                          "--collection", "rgb", "--store", str(tmp_path / "s"), "--aoi", str(rgb_store[1]),
                          "--resolution", str(RES), "--dask", "local:2", "--json"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1])["chips_written"] > 50

    def chunks(root: Path) -> dict[str, bytes]:
        z = root / "chips.zarr" / "rgb"
        return {str(p.relative_to(z)): p.read_bytes() for p in sorted(z.rglob("*"))
                if p.is_file() and "/c/" in f"/{p.relative_to(z).as_posix()}"}

    a, b = chunks(rgb_store[0]), chunks(tmp_path / "s")
    assert a and a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    db = StateDB(tmp_path / "s" / "state.sqlite")
    try:
        assert db.last_run()["status"] == "ok" and {u.status for u in db.units()} == {"done"}
    finally:
        db.close()


def _write_shards(args: tuple[str, list[int]]) -> None:
    directory, shards = args
    store = ChipStore.open(directory, mode="r+")
    ids = store.chip_ids("p")
    for s in shards:
        chunk = ids[s * 4:(s + 1) * 4]
        data = np.stack([_pattern(c) for c in chunk])
        store.write_shard("p", s, 0, chunk, data, np.ones(len(chunk), "float32"))


def _pattern(chip_id: str) -> np.ndarray:
    seed = int.from_bytes(chip_id.encode(), "little") % (2**32)
    return np.random.default_rng(seed).integers(0, 65535, size=(2, 20, 20), dtype="uint16")


def test_parallel_writes_from_processes_read_back_exactly(tmp_path: Path) -> None:
    store = ChipStore.open(tmp_path, create=True)
    store.ensure_collection(CollectionSpec("p", ("a", "b"), "uint16", 0, 200.0, 20), shard_chips=4)
    chips = [Chip(31, False, 1300 + r, 100 + c) for r in range(4) for c in range(6)]  # 24 chips, 6 shards
    store.add_chips("p", chips)
    store.ensure_period("p", "2020")
    jobs = [(str(tmp_path), [0, 3]), (str(tmp_path), [1, 4]), (str(tmp_path), [2, 5])]
    with mp.get_context("spawn").Pool(3) as pool:
        pool.map(_write_shards, jobs)
    back = ChipStore.open(tmp_path)
    for c in chips:
        np.testing.assert_array_equal(back.read_chip("p", c.chip_id), _pattern(c.chip_id))
    assert np.all(back.read_valid("p") == 1)


def test_xarray_and_chip_dataarray(rgb_store: tuple[Path, Path]) -> None:
    import xarray as xr

    ds = xr.open_zarr(rgb_store[0] / "chips.zarr", group="rgb", consolidated=False)
    store = ChipStore.open(rgb_store[0])
    ids = store.chip_ids("rgb")
    assert ds["data"].dims == ("chip", "time", "band", "y", "x")
    assert list(ds["chip"].values) == ids and list(ds["band"].values) == ["b1", "b2", "b3"]
    cid = ids[5]
    np.testing.assert_array_equal(ds["data"].sel(chip=cid, time="static").values, store.read_chip("rgb", cid))
    from m3leo_extract.georef import chip_dataarray

    da = chip_dataarray(store, "rgb", cid)
    chip = Chip.from_id(cid)
    assert da.rio.crs.to_epsg() == chip.epsg
    assert tuple(da.rio.transform())[:6] == tuple(chip.transform(RES))[:6]
    assert da.rio.nodata == 0


def test_render_and_show(rgb_store: tuple[Path, Path], shared_data: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from m3leo_extract.render import chip_info, render_chip

    d, aoi = rgb_store
    # A categorical layer (WorldCover codes from the red band) and a single continuous band beside the RGB.
    with rasterio.open(shared_data / "RGB.byte.tif") as src:
        prof = src.profile | {"count": 1}
        red = src.read(1)
    classes = np.where(red == 0, 0, np.array([10, 40, 50, 80], "uint8")[np.minimum(red // 64, 3)])
    lc = tmp_path / "lc.tif"
    with rasterio.open(lc, "w", **prof) as dst:
        dst.write(classes.astype("uint8"), 1)
    tile([lc], d, "esa_worldcover", aoi=str(aoi), resolution=RES)
    tile([shared_data / "RGB.byte.tif"], d, "red", aoi=str(aoi), resolution=RES, bands=[1])
    cid = ChipStore.open(d).chip_ids("rgb")[40]
    info = chip_info(d, cid)
    assert set(info["collections"]) == {"esa_worldcover", "red", "rgb"}
    assert info["crs"] == "EPSG:32618" and info["collections"]["rgb"]["periods"]["static"] == 1.0
    from m3leo_extract.cli import main

    assert main(["show", cid, "--store", str(d)]) == 0
    printed = capsys.readouterr().out
    assert cid in printed and "esa_worldcover" in printed and "EPSG:32618" in printed
    assert main(["show", cid, "--store", str(d), "--png", str(tmp_path / "cli.png")]) == 0
    assert (tmp_path / "cli.png").stat().st_size > 1000
    out = render_chip(d, cid, tmp_path / "chip.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    assert mpimg.imread(out).shape[1] > 3 * 300  # three panels side by side


def test_expand_inputs(shared_data: Path, tmp_path: Path) -> None:
    paths, fails = expand_inputs([shared_data, str(shared_data / "*.tif"), f"file://{shared_data}/RGB.byte.tif",
                                  tmp_path / "nope.tif"])
    assert sorted(Path(p).name for p in paths) == ["RGB.byte.tif", "corrupt.tif"]
    assert len(fails) == 1 and "nope.tif" in fails[0]


def test_bands_are_matched_by_description(tmp_path: Path) -> None:
    # The second file names the same bands in another order: they land in the collection's order.
    vals = np.stack([np.full((40, 40), v, "uint8") for v in (1, 2, 3)])
    for name, desc in (("a", ("x", "y", "z")), ("b", ("z", "x", "y"))):
        with rasterio.open(tmp_path / f"{name}.tif", "w", driver="GTiff", width=40, height=40, count=3,
                           dtype="uint8", nodata=0, crs="EPSG:32618",
                           transform=Affine(100, 0, 260000, 0, -100, 2716000)) as dst:
            dst.write(vals)
            dst.descriptions = desc
    tile([tmp_path / "a.tif"], tmp_path / "s", "n", resolution=100)
    tile([tmp_path / "b.tif"], tmp_path / "s", "n", resolution=100, period="p2")
    store = ChipStore.open(tmp_path / "s")
    assert store.spec("n").bands == ("x", "y", "z") and store.periods("n") == ["static", "p2"]
    assert list(store.read_chip("n", "18N_0678_065", "p2")[:, 0, 0]) == [2, 3, 1]
