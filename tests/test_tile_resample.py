"""tile/resample.py's pure arithmetic against rasterio/GDAL's warp on seeded in-memory arrays (no store, no file),
and the lanczos rule: a resampling GDAL's read does not reproduce always takes the warp."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
import shapely.geometry
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject

import m3leo_extract.tile.warp as warp_mod
from m3leo_extract.grid import Chip
from m3leo_extract.store import ChipStore
from m3leo_extract.tile import KINDS, READ_RESAMPLINGS, RESAMPLINGS, plan_tile, run_tile, tile
from m3leo_extract.tile.resample import (
    aligned,
    kernel_window,
    readable_chips,
    runs,
    same_lattice_family,
    shift_bilinear,
    spans,
)

CRS = "EPSG:32618"
CHIP = Chip(zone=18, south=False, row=678, col=65)  # x 260000..264000, y 2712000..2716000


def _field(rng: np.random.Generator, n: int, dtype: str) -> np.ndarray:
    """A smooth seeded field with noise, two bands: what imagery looks like to a resampling kernel."""
    yy, xx = np.mgrid[0:n, 0:n]
    v = 3000 + 900 * np.sin(xx / 7.3) + 700 * np.cos(yy / 4.1) + rng.normal(0, 40, (n, n))
    return np.stack([v, v[::-1] * 0.5]).astype(dtype)


def _warp(arr: np.ndarray, src: Affine, dst: Affine, shape: tuple[int, int], resampling: str,
          nodata: float | None = None) -> np.ndarray:
    out = np.zeros((arr.shape[0], *shape), arr.dtype)
    reproject(arr, out, src_transform=src, src_crs=CRS, dst_transform=dst, dst_crs=CRS, resampling=Resampling[
        resampling], src_nodata=nodata, dst_nodata=nodata)
    return out


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
@pytest.mark.parametrize("shift", [(0.37, 0.61), (0.5, 0.0), (0.0, 0.25), (0.9, 0.1)])
def test_shift_bilinear_equals_the_warp(dtype: str, shift: tuple[float, float]) -> None:
    rng = np.random.default_rng(3)
    arr = _field(rng, 64, dtype)
    src = Affine(10.0, 0, 500000.0, 0, -10.0, 4000000.0)
    col, row = 5 + shift[0], 7 + shift[1]
    got = shift_bilinear(arr, col, row, 40, 40, dtype)
    ref = _warp(arr, src, src @ Affine.translation(col, row), (40, 40), "bilinear")
    assert got.dtype == np.dtype(dtype) and got.shape == (2, 40, 40)
    if dtype == "uint16":  # GDAL rounds half up, as shift_bilinear does: at most 1 DN of float round-off
        assert np.abs(got.astype(int) - ref.astype(int)).max() <= 1
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-5)


@pytest.mark.parametrize("resampling", sorted(READ_RESAMPLINGS))
@pytest.mark.parametrize("src_res", [100.0, 50.0])
def test_kernel_window_holds_every_pixel_the_warp_reads(resampling: str, src_res: float) -> None:
    """Scrambling every source pixel outside `kernel_window` leaves the warp of the chip unchanged: the window
    the shortcut checks for nodata is all GDAL reads (so a chip judged readable equals its warp)."""
    rng = np.random.default_rng(7)
    n = int(8000 / src_res)
    arr = _field(rng, n, "uint16")
    src = Affine(src_res, 0, CHIP.x_min - 1000 - 37.0, 0, -src_res, CHIP.y_max + 1000 + 61.0)
    px = 40
    c0, r0, c1, r1 = kernel_window(src, CHIP, px, resampling)
    assert 0 <= c0 < c1 <= n and 0 <= r0 < r1 <= n
    scrambled = rng.integers(1, 60000, arr.shape).astype("uint16")
    scrambled[:, r0:r1, c0:c1] = arr[:, r0:r1, c0:c1]
    dst = CHIP.transform(4000 / px)
    np.testing.assert_array_equal(_warp(scrambled, src, dst, (px, px), resampling),
                                  _warp(arr, src, dst, (px, px), resampling))


def test_readable_chips_needs_the_kernel_inside_and_valid() -> None:
    res = 100.0
    n = 130
    src = Affine(res, 0, 260000.0 + 37.0, 0, -res, 2716000.0 + 61.0)  # off the chip grid by a fraction
    chips = [Chip(18, False, 678, c) for c in range(65, 68)]
    arr = np.full((1, n, n), 5, "uint16")
    ok = readable_chips(src, (n, n), 0, chips, arr, (0, 0), "bilinear", 40)
    assert ok == [False, True, True]  # the first chip's kernel crosses the raster's west edge
    c0, r0, c1, r1 = kernel_window(src, chips[2], 40, "bilinear")
    arr[0, r0, c1 - 1] = 0  # one nodata pixel in the last chip's kernel
    assert readable_chips(src, (n, n), 0, chips, arr, (0, 0), "bilinear", 40) == [False, True, False]
    assert readable_chips(src, (n, n), None, chips, arr, (0, 0), "bilinear", 40) == [False, True, True]
    nan = np.full((1, n, n), 1.0, "float32")
    nan[0, r0, c1 - 1] = np.nan
    assert readable_chips(src, (n, n), float("nan"), chips, nan, (0, 0), "bilinear", 40) == [False, True, False]


def test_lanczos_is_accepted_but_never_takes_the_read_shortcut() -> None:
    src = Affine(100.0, 0, 260037.0, 0, -100.0, 2715939.0)
    assert "lanczos" in RESAMPLINGS and "lanczos" not in READ_RESAMPLINGS
    assert READ_RESAMPLINGS == frozenset(RESAMPLINGS) - {"lanczos"}
    for rs in READ_RESAMPLINGS:
        assert same_lattice_family(src, 32618, CHIP, rs, 0.0, 0.0)
    assert not same_lattice_family(src, 32618, CHIP, "lanczos", 0.0, 0.0)
    assert not same_lattice_family(src, 32619, CHIP, "bilinear", 0.0, 0.0)  # another CRS
    assert not same_lattice_family(src, 32618, CHIP, "bilinear", 0.0, 255.0)  # the file's nodata is not ours
    assert same_lattice_family(src, 32618, CHIP, "bilinear", float("nan"), float("nan"))


def test_aligned_runs_and_spans() -> None:
    on = Affine(10.0, 0, 100000.0, 0, -10.0, 3000000.0)
    assert aligned(on, 32618, CHIP, 10.0)
    assert not aligned(on @ Affine.translation(0.5, 0), 32618, CHIP, 10.0)
    assert not aligned(on, 32618, CHIP, 20.0) and not aligned(on, 32617, CHIP, 10.0)
    chips = [Chip(18, False, 5, 3), Chip(18, False, 5, 1), Chip(18, False, 5, 2), Chip(18, False, 6, 2),
             Chip(17, False, 5, 4)]
    assert runs(chips, range(5)) == [[4], [1, 2, 0], [3]]
    assert runs(chips, [0, 1, 2], max_len=2) == [[1, 2], [0]]
    assert spans([True, True, False, True, False, False, True]) == [(0, 2), (3, 4), (6, 7)]
    assert spans([]) == [] and spans([False]) == []


def test_lanczos_tiles_through_the_warp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: lanczos chips never call read_resampled, and equal an independent lanczos warp."""
    calls: list[int] = []
    real = warp_mod.read_resampled
    monkeypatch.setattr(warp_mod, "read_resampled", lambda *a, **k: calls.append(1) or real(*a, **k))
    rng = np.random.default_rng(5)
    data = _field(rng, 100, "uint16")
    data[data == 0] = 1
    path = tmp_path / "shifted.tif"
    with rasterio.open(path, "w", driver="GTiff", width=100, height=100, count=2, dtype="uint16", nodata=0,
                       crs=CRS, transform=Affine(100.0, 0, 260037.0, 0, -100.0, 2715939.0)) as dst:
        dst.write(data)
    rep = tile([path], tmp_path / "s", "lz", resolution=100.0, resampling="lanczos")
    assert rep.chips_written == rep.chips >= 4 and not calls
    bilinear = tile([path], tmp_path / "b", "bl", resolution=100.0, resampling="bilinear")
    assert bilinear.chips_written == rep.chips and calls  # the same chips do take it with bilinear
    store = ChipStore.open(tmp_path / "s")
    for cid in store.chip_ids("lz"):
        chip = Chip.from_id(cid)
        ref = np.zeros((2, 40, 40), "uint16")
        with rasterio.open(path) as src:
            reproject(rasterio.band(src, [1, 2]), ref, dst_transform=chip.transform(100.0), dst_crs=chip.crs,
                      dst_nodata=0, resampling=Resampling.lanczos, init_dest_nodata=True)
        assert np.abs(store.read_chip("lz", cid).astype(int) - ref.astype(int)).max() <= 1, cid


def test_plan_tile_writes_nothing_and_run_tile_writes_the_plan(tmp_path: Path, shared_data: Path) -> None:
    store_dir = tmp_path / "s"
    corner = shapely.box(-79.0, 25.15, -78.55, 25.6)  # the scene's north-west corner: partly covered chips
    kw = dict(aoi=corner, resolution=100.0, min_valid=0.5)
    plan = plan_tile(shared_data / "RGB.byte.tif", store_dir, "rgb", **kw)
    assert not store_dir.exists()
    assert plan.chips and len(plan.coverage.chip_inputs) == len(plan.chips)
    assert plan.coverage.found == len(plan.chips) + plan.coverage.dropped and plan.coverage.dropped > 0
    assert plan.resampling == "bilinear" and plan.spec.chip_px == 40 and plan.inputs[0].bands == (1, 2, 3)
    assert plan == plan_tile(shared_data / "RGB.byte.tif", store_dir, "rgb", **kw)
    assert pickle.loads(pickle.dumps(plan)) == plan and hash(pickle.loads(pickle.dumps(plan))) == hash(plan)
    with pytest.raises(AttributeError):
        plan.collection = "other"  # type: ignore[misc]
    rep = run_tile(plan, workers=1)
    assert len(ChipStore.open(store_dir).chip_ids("rgb")) == len(plan.chips)
    assert rep.chips == plan.coverage.found == rep.chips_written + rep.chips_dropped and rep.chips_written > 0


def test_cli_lists_and_takes_every_resampling(tmp_path: Path, shared_data: Path) -> None:
    """`m3leo tile --help` names every resampling the library knows; --resampling lanczos runs; an unknown one
    is one line naming the known ones, exit 2, nothing written."""
    m3leo = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
    helptext = " ".join(subprocess.run([m3leo, "tile", "--help"], capture_output=True, text=True,
                                       timeout=120).stdout.split())
    assert all(rs in helptext for rs in RESAMPLINGS) and all(k in helptext for k in KINDS)
    aoi = tmp_path / "a.geojson"
    aoi.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(
        shapely.box(-77.6, 24.4, -77.45, 24.55))}))
    args = [m3leo, "tile", str(shared_data / "RGB.byte.tif"), "--collection", "rgb", "--aoi", str(aoi),
            "--resolution", "200", "--json"]
    ok = subprocess.run([*args, "--store", str(tmp_path / "s"), "--resampling", "lanczos"], capture_output=True,
                        text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["chips_written"] > 0
    bad = subprocess.run([*args, "--store", str(tmp_path / "t"), "--resampling", "sinc"], capture_output=True,
                         text=True, timeout=120)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "sinc" in lines[0] and "lanczos" in lines[0]
    assert not (tmp_path / "t").exists()


# -- a source in another CRS: tile/remap.py against GDAL's warper ----------------------------------------------
LONLAT = Affine(0.0007, 0, 2.2, 0, -0.0005, 45.1)  # ~55 m pixels west of UTM 31N's central meridian


def _lonlat_tif(path: Path, dtype: str = "uint16", classes: bool = False, n: int = 220) -> Path:
    rng = np.random.default_rng(11)
    if classes:  # blocky land cover: nearest must pick exactly the warper's pixel
        data = np.asarray([10, 20, 30, 40, 50, 60, 80], "uint8")[rng.integers(0, 7, (1, n, n))]
    else:
        data = _field(rng, n, dtype)
        data[data == 0] = 1
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=data.shape[0], dtype=data.dtype.name,
                       nodata=0, crs="EPSG:4326", transform=LONLAT) as dst:
        dst.write(data)
    return path


def _warped_vrt(path: Path, chip: Chip, res: float, resampling: str, **kw: object) -> np.ndarray:
    from rasterio.vrt import WarpedVRT

    px = chip.shape(res)[0]
    with rasterio.open(path) as src, WarpedVRT(src, crs=chip.crs, transform=chip.transform(res), width=px,
                                               height=px, resampling=Resampling[resampling], nodata=0,
                                               **kw) as vrt:
        return vrt.read()


@pytest.mark.parametrize(("dtype", "resampling", "classes"), [("uint16", "bilinear", False),
                                                             ("float32", "bilinear", False),
                                                             ("uint8", "nearest", True)])
def test_tile_from_4326_equals_the_warped_vrt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dtype: str,
                                             resampling: str, classes: bool) -> None:
    """Every chip of a seeded EPSG:4326 raster tiled onto UTM chips (edge chips included) takes remap.py, not
    the warp, and equals the per-chip WarpedVRT: within 1 DN for bilinear, exactly for nearest (classes)."""
    import m3leo_extract.tile.remap as remap_mod

    path = _lonlat_tif(tmp_path / "ll.tif", dtype, classes)
    warped: list[int] = []
    real = warp_mod.reproject
    monkeypatch.setattr(warp_mod, "reproject", lambda *a, **k: warped.append(1) or real(*a, **k))
    remapped: list[bool] = []
    real_remap = remap_mod.remap_chip
    monkeypatch.setattr(warp_mod, "remap_chip", lambda *a, **k: remapped.append(True) or real_remap(*a, **k))
    rep = tile([path], tmp_path / "s", "ll", resolution=40.0, resampling=resampling)
    store = ChipStore.open(tmp_path / "s")
    ids = store.chip_ids("ll")
    assert rep.chips_written == len(ids) >= 9 and len(remapped) == len(ids) and not warped
    edge = 0
    for cid in ids:
        ref = _warped_vrt(path, Chip.from_id(cid), 40.0, resampling)
        got = store.read_chip("ll", cid)
        np.testing.assert_array_equal(got == 0, ref == 0)  # the same pixels past the raster's edge
        edge += int((ref == 0).any())
        if classes:
            np.testing.assert_array_equal(got, ref)
        elif dtype == "uint16":
            assert np.abs(got.astype(int) - ref.astype(int)).max() <= 1, cid
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-5)
    assert edge >= 4  # chips across the raster's edges were compared too


def test_source_coords_follow_the_approximate_transformer() -> None:
    """A tight tolerance makes GDAL split its rows; source_coords splits them the same way (the samples then
    equal the WarpedVRT of that tolerance), and with tolerance 0 they are the exact transform."""
    from m3leo_extract.tile import remap

    chip = Chip(31, False, 1247, 110)  # inside the raster
    fn = remap.chip_to_source(chip, 40.0, rasterio.crs.CRS.from_epsg(4326).to_wkt(), LONLAT)
    exact = remap.source_coords(fn, 100, 0)
    approx = remap.source_coords(fn, 100)
    assert 0 < np.abs(approx[0] - exact[0]).max() <= remap.TOLERANCE
    tight = remap.source_coords(fn, 100, 1e-4)
    assert np.abs(tight[0] - exact[0]).max() < np.abs(approx[0] - exact[0]).max()


def test_remap_leaves_nodata_and_coarse_chips_to_the_warp(tmp_path: Path) -> None:
    from m3leo_extract.tile import remap

    path = _lonlat_tif(tmp_path / "ll.tif")
    with rasterio.open(path) as src:
        arr, wkt = src.read(), src.crs.to_wkt()
    chip = Chip(31, False, 1247, 110)  # inside the raster
    args = (chip, 40.0, 100, wkt, LONLAT, "bilinear", "uint16", 0, 0)
    got = remap.remap_chip(arr, (0, 0), (220, 220), *args)
    assert got is not None and np.abs(got.astype(int) - _warped_vrt(path, chip, 40.0, "bilinear")).max() <= 1
    holed = arr.copy()
    sx, sy = remap.source_coords(remap.chip_to_source(chip, 40.0, wkt, LONLAT), 100)
    holed[:, int(sy[50, 50]), int(sx[50, 50])] = 0  # one nodata pixel under the chip: the warper renormalises
    assert remap.remap_chip(holed, (0, 0), (220, 220), *args) is None
    coarse = (chip, 200.0, 20, wkt, LONLAT, "bilinear", "uint16", 0, 0)  # 200 m chip pixels from 55 m ones
    assert remap.remap_chip(arr, (0, 0), (220, 220), *coarse) is None
    nearest = (chip, 200.0, 20, wkt, LONLAT, "nearest", "uint16", 0, 0)  # nearest does not widen
    np.testing.assert_array_equal(remap.remap_chip(arr, (0, 0), (220, 220), *nearest),
                                  _warped_vrt(path, chip, 200.0, "nearest"))
    assert remap.remap_chip(arr[:, 5:], (0, 5), (220, 220), *args) is not None  # cut where no sample goes
    assert remap.remap_chip(arr[:, :, 90:], (90, 0), (220, 220), *args) is None  # cut where samples go


def test_tile_from_the_next_utm_zone_equals_the_warped_vrt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A UTM 32N raster just east of 6 E onto zone 31 chips: remap.py too, equal to the per-chip WarpedVRT."""
    rng = np.random.default_rng(13)
    data = _field(rng, 200, "uint16")
    data[data == 0] = 1
    path = tmp_path / "z32.tif"
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=2, dtype="uint16", nodata=0,
                       crs="EPSG:32632", transform=Affine(50.0, 0, 262037.0, 0, -50.0, 4990061.0)) as dst:
        dst.write(data)
    warped: list[int] = []
    real = warp_mod.reproject
    monkeypatch.setattr(warp_mod, "reproject", lambda *a, **k: warped.append(1) or real(*a, **k))
    rep = tile([path], tmp_path / "s", "z", resolution=40.0, aoi=shapely.box(5.9, 45.0, 5.99, 45.05))
    store = ChipStore.open(tmp_path / "s")
    ids = store.chip_ids("z")
    assert rep.chips_written == len(ids) >= 2 and all(c.startswith("31N_") for c in ids) and not warped
    for cid in ids:
        ref = _warped_vrt(path, Chip.from_id(cid), 40.0, "bilinear")
        assert np.abs(store.read_chip("z", cid).astype(int) - ref.astype(int)).max() <= 1, cid


@pytest.mark.parametrize(("dtype", "resampling"), [("uint16", "bilinear"), ("int16", "bilinear"),
                                                   ("uint8", "bilinear"), ("uint16", "nearest"),
                                                   ("uint32", "bilinear")])
def test_remap_approximations_stay_within_1_dn_of_the_warper(tmp_path: Path, dtype: str, resampling: str) -> None:
    """remap.py's shortcuts (float32 arithmetic for <= 16-bit integers, pair gathers, the chip's compact crop,
    edge chips sampled only where they map inside) on seeded full-range noise, the hardest case for float32
    round-off: at most 1 DN from GDAL's WarpedVRT, the same pixels left to the fill, nearest exactly."""
    from m3leo_extract.tile import remap

    info = np.iinfo(dtype)
    rng = np.random.default_rng(2026)
    # Unsigned 1..max (uint32: to 2**20, its float64 path); signed all negative, so that no value interpolated
    # between samples is the nodata 0 (the warper moves a valid 0 off nodata: a behaviour of its own).
    lo, hi = (1, min(int(info.max), 2**20)) if info.min == 0 else (int(info.min), -1)
    data = rng.integers(lo, hi, (3, 220, 220), endpoint=True).astype(dtype)
    path = tmp_path / "noise.tif"
    with rasterio.open(path, "w", driver="GTiff", width=220, height=220, count=3, dtype=dtype, nodata=0,
                       crs="EPSG:4326", transform=LONLAT) as dst:
        dst.write(data)
    wkt = rasterio.crs.CRS.from_epsg(4326).to_wkt()
    assert remap.calc_dtype(np.dtype(dtype), np.dtype(dtype)) is (np.float64 if dtype == "uint32" else np.float32)
    worst, compared = 0, 0
    for chip in (Chip(31, False, 1247, 110), Chip(31, False, 1248, 111), Chip(31, False, 1246, 109)):
        got = remap.remap_chip(data, (0, 0), (220, 220), chip, 40.0, 100, wkt, LONLAT, resampling, dtype, 0, 0)
        assert got is not None
        ref = _warped_vrt(path, chip, 40.0, resampling)
        np.testing.assert_array_equal(got == 0, ref == 0)
        diff = np.abs(got.astype(np.int64) - ref.astype(np.int64))
        worst, compared = max(worst, int(diff.max())), compared + int((ref != 0).sum())
    assert compared > 10_000 and worst <= (0 if resampling == "nearest" else 1)
