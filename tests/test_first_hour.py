"""A new user's first-hour mistakes (issue 25), through the installed `m3leo` entry point in subprocesses.

A slip never damages a store, a refusal is one line with its exit code and leaves nothing behind, and what the
tools print is true (class rasters stay classes, the README's DEM example runs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
SMALL = [[4.80, 45.70], [4.83, 45.70], [4.83, 45.72], [4.80, 45.72], [4.80, 45.70]]  # 2 chips near Lyon
OK, FAILED, USAGE = 0, 1, 2


def m3leo(*args: object, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")}
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


def one_line(res: subprocess.CompletedProcess[str], code: int, *patterns: str) -> str:
    """Exit `code`, exactly one stderr line, no traceback, holding every pattern; returns the line."""
    err = res.stderr.strip()
    assert res.returncode == code, (res.returncode, res.stdout[-2000:], err[-3000:])
    assert "Traceback" not in err + res.stdout, err[-3000:]
    assert len(err.splitlines()) == 1 and err.startswith("m3leo: error: "), err
    for p in patterns:
        assert p.lower() in err.lower(), (p, err)
    return err


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("first_hour")
    (d / "small.geojson").write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [SMALL]}}))
    return d


@pytest.fixture(scope="module")
def dataset(work: Path) -> Path:
    """A 2-chip store (esa_worldcover and dem, 2020) made by `m3leo extract` against the in-process emulator."""
    res = m3leo("extract", "--aoi", "small.geojson", "--collections", "esa_worldcover,dem", "--period", "2020",
                "--store", "ds", "--ee-url", "local", "--shard-chips", "1", cwd=work)
    assert res.returncode == 0, res.stderr
    return work / "ds"


def _copy(dataset: Path, to: Path) -> Path:
    shutil.copytree(dataset, to)
    return to


# -- 1. a --store inside a dataset or a Zarr hierarchy ---------------------------------------------------------
def test_a_store_path_inside_a_dataset_is_understood_by_every_command(tmp_path: Path, dataset: Path,
                                                                      shared_data: Path) -> None:
    from m3leo_extract.store import ChipStore

    ds = _copy(dataset, tmp_path / "ds")
    (tmp_path / "small.geojson").write_text((dataset.parent / "small.geojson").read_text())
    chip = str(ChipStore.open(ds).chip_table("dem")["chip"][0])
    slip = "ds/chips.zarr"
    before = listing(ds)
    runs = {
        "extract": ["extract", "--aoi", "small.geojson", "--collections", "esa_worldcover,dem", "--period", "2020",
                    "--store", slip, "--ee-url", "local", "--shard-chips", "1"],
        "status": ["status", "--store", slip],
        "verify": ["verify", "--store", slip],
        "show": ["show", chip, "--store", "ds/state.sqlite"],
        "split": ["split", "--store", f"{slip}/dem"],
        "stats": ["stats", "--store", slip, "--collection", "dem"],
        "export": ["export", "--store", slip, "--collection", "dem", "--out", "cogs"],
        "retry": ["retry", "--store", slip, "--ee-url", "local"],
        "cancel": ["cancel", "--store", slip],
        "refresh": ["refresh", "--store", slip],
        "train": ["train", "--store", slip, "--input", "dem", "--target", "esa_worldcover", "--epochs", "1",
                  "--device", "cpu", "--out", "run", "--crop", "64"],
        "tile": ["tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", slip, "--resolution",
                 "400"],
    }
    # the 2-chip store has no val chip, so train is refused (exit 2), after it took the right dataset
    codes = {"train": USAGE}
    for name, args in runs.items():
        res = m3leo(*args, cwd=tmp_path)
        assert res.returncode == codes.get(name, OK), (name, res.stdout[-1500:], res.stderr[-1500:])
        assert "Traceback" not in res.stderr, (name, res.stderr)
        said = [line for line in res.stderr.splitlines() if "using --store ds" in line]
        assert len(said) == 1, (name, res.stderr)  # says, in one line, which dataset it took
    res = m3leo("init", "--store", slip, "--aoi", "small.geojson", "--collections", "dem", "--period", "2020",
                cwd=tmp_path)
    assert res.returncode == USAGE and res.stderr.splitlines() == [
        "m3leo: --store ds/chips.zarr is inside the dataset ds; using --store ds",
        "m3leo: error: ds/m3leo.toml exists already; edit it by hand"], res.stderr
    res = m3leo("verify", "--store", "ds", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    new = listing(ds) - before
    assert new and all(p.startswith(("chips.zarr/rgb", "splits", ".m3leo.lock")) or "/" not in p for p in new), new
    nested = [p for p in listing(ds / "chips.zarr") if Path(p).name in ("chips.zarr", "state.sqlite", "m3leo.toml")]
    assert nested == []


@pytest.mark.parametrize("store, message", [
    ("ds/notes", "lies inside the dataset ds"),
    ("ds/chips.zarr/../sub/x", "lies inside the dataset"),
    ("bare.zarr", "is the Zarr hierarchy bare.zarr"),
    ("bare.zarr/inner/new", "lies inside the Zarr hierarchy bare.zarr"),
])
def test_a_store_path_inside_something_else_is_refused_before_any_write(tmp_path: Path, dataset: Path, store: str,
                                                                       message: str) -> None:
    ds = _copy(dataset, tmp_path / "ds")
    (tmp_path / "bare.zarr" / "inner").mkdir(parents=True)
    (tmp_path / "bare.zarr" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    (tmp_path / "bare.zarr" / "inner" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    (tmp_path / "small.geojson").write_text((dataset.parent / "small.geojson").read_text())
    before = listing(tmp_path)
    for args in (["extract", "--aoi", "small.geojson", "--collections", "dem", "--period", "2020", "--store", store,
                  "--ee-url", "local"], ["status", "--store", store], ["verify", "--store", store]):
        one_line(m3leo(*args, cwd=tmp_path), USAGE, message)
    assert listing(tmp_path) == before
    assert m3leo("verify", "--store", ds, cwd=tmp_path).returncode == 0


# -- issue 24 bug 5: refusals that leave nothing behind, with the right code ------------------------------------
def test_a_training_run_refused_for_its_device_leaves_no_out_folder(tmp_path: Path, dataset: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: --device cuda is not refused here")
    one_line(m3leo("train", "--store", dataset, "--input", "dem", "--target", "esa_worldcover", "--device", "cuda",
                   "--out", tmp_path / "run", cwd=tmp_path), USAGE, "--device cuda", "--device cpu")
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("args", [["train", "--period", "2019"], ["train", "--input", "dem:2019"],
                                  ["export", "--period", "2019"], ["show", "--period", "2019"]])
def test_a_period_the_store_does_not_hold_is_bad_input_listing_what_it_holds(tmp_path: Path, dataset: Path,
                                                                             args: list[str]) -> None:
    from m3leo_extract.store import ChipStore

    chip = str(ChipStore.open(dataset).chip_table("dem")["chip"][0])
    extra = {"train": ["--store", dataset, "--target", "esa_worldcover", "--out", tmp_path / "run"]
             + ([] if "--input" in args else ["--input", "dem"]),
             "export": ["--store", dataset, "--collection", "dem", "--out", tmp_path / "cogs"],
             "show": [chip, "--store", dataset, "--collections", "dem", "--png", tmp_path / "c.png"]}[args[0]]
    one_line(m3leo(*args, *extra, cwd=tmp_path), USAGE, "2019", "hold" + ("" if args[0] == "show" else "s") + " 2020")
    assert listing(tmp_path) == set()


def test_tile_on_a_path_that_does_not_exist_is_one_line_exit_2(tmp_path: Path) -> None:
    one_line(m3leo("tile", "nope.tif", "--collection", "x", "--store", "t", cwd=tmp_path), USAGE, "nope.tif",
             "no such file")
    one_line(m3leo("tile", "nothing/*.tif", "--collection", "x", "--store", "t", cwd=tmp_path), USAGE,
             "matches no file")
    assert listing(tmp_path) == set()


# -- 3. class rasters stay classes ------------------------------------------------------------------------------
CLASSES = np.array([10, 20, 30, 40, 50, 60, 80, 90, 95, 100], "uint8")  # WorldCover-like codes


def _class_tif(path: Path, *, colormap: bool, values: np.ndarray = CLASSES, dtype: str = "uint8") -> Path:
    """A seeded 30 m class map of 10 x 10-pixel blocks in UTM 18N, off the 10 m chip grid (so it is warped)."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(25)
    blocks = rng.choice(values, size=(30, 30))
    data = np.kron(blocks, np.ones((10, 10), dtype=blocks.dtype)).astype(dtype)
    data[:15, :15] = 0  # a corner of nodata
    with rasterio.open(path, "w", driver="GTiff", width=300, height=300, count=1, dtype=dtype, nodata=0,
                       crs="EPSG:32618", transform=Affine(30.0, 0, 260013.0, 0, -30.0, 2716007.0)) as dst:
        dst.write(data, 1)
        if colormap:
            dst.write_colormap(1, {int(v): (int(v), 255 - int(v), 128, 255) for v in values})
    return path


def _stored_values(store: Path, collection: str) -> set[int]:
    from m3leo_extract.store import ChipStore

    return {int(v) for v in np.unique(np.asarray(ChipStore.open(store).group[collection]["data"][:]))}


def test_a_class_raster_with_a_colour_table_is_tiled_without_inventing_classes(tmp_path: Path) -> None:
    src = _class_tif(tmp_path / "classes.tif", colormap=True)
    res = m3leo("tile", src, "--collection", "landcover", "--store", "s", "--resolution", "10", cwd=tmp_path)
    assert res.returncode == OK, res.stderr
    assert "landcover is a new categorical collection (classes.tif: uint8 with a colour table)" in res.stdout
    stored = _stored_values(tmp_path / "s", "landcover")
    assert stored <= {0, *CLASSES.tolist()} and len(stored) > 5, stored  # no invented class, most classes kept
    one_line(m3leo("tile", src, "--collection", "lc2", "--store", "s", "--resampling", "bilinear", cwd=tmp_path),
             USAGE, "would invent class values", "nearest")
    # the catalog recipe's kind wins over the file: esa_worldcover is categorical, asking continuous is refused
    one_line(m3leo("tile", src, "--collection", "esa_worldcover", "--store", "s", "--kind", "continuous",
                   cwd=tmp_path), USAGE, "categorical")


def test_the_kind_is_inferred_from_few_values_or_refused_when_unclear(tmp_path: Path) -> None:
    few = _class_tif(tmp_path / "few.tif", colormap=False)
    res = m3leo("tile", few, "--collection", "few", "--store", "s", "--resolution", "10", cwd=tmp_path)
    assert res.returncode == OK and "categorical collection (few.tif: uint8 with 10 distinct values)" in res.stdout
    assert _stored_values(tmp_path / "s", "few") <= {0, *CLASSES.tolist()}
    unclear = _class_tif(tmp_path / "unclear.tif", colormap=False, values=np.arange(1, 61), dtype="int16")
    before = listing(tmp_path)
    one_line(m3leo("tile", unclear, "--collection", "unclear", "--store", "s", cwd=tmp_path), USAGE,
             "unclear.tif", "60 distinct values", "--kind categorical", "--kind continuous")
    assert listing(tmp_path) == before
    res = m3leo("tile", unclear, "--collection", "unclear", "--store", "s", "--kind", "continuous", "--json",
                cwd=tmp_path)
    assert res.returncode == OK and json.loads(res.stdout)["chips_written"] > 0, res.stderr


# -- 6. the README's DEM example: slope and aspect derived as the dem recipe stores them ------------------------
PLANE = (0.05, 0.02)  # dz/dx (east), dz/dy (north) of the planar DEM


def _dem_tif(path: Path, x0: float, y1: float, z: np.ndarray) -> Path:
    import rasterio
    from affine import Affine

    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype="float32",
                       nodata=-9999.0, crs="EPSG:32631", transform=Affine(30.0, 0, x0, 0, -30.0, y1)) as dst:
        dst.write(z.astype("float32"), 1)
    return path


def _readme_dem_exports(d: Path) -> tuple[Path, Path]:
    """Two one-band 30 m DEM exports in UTM 31N, off the chip grid: a plane, and a seeded rough surface."""
    (d / "exports").mkdir(parents=True)
    n = 300  # 9 km: the plane holds whole chips
    yy, xx = np.mgrid[0:n, 0:n] * 30.0  # metres east (xx) and south (yy) of the corner
    plane = 300.0 + PLANE[0] * xx - PLANE[1] * yy
    rng = np.random.default_rng(6)
    waves = sum(a * np.sin(2 * np.pi * (xx * kx + yy * ky) / 6000 + ph) for a, kx, ky, ph in
                zip(rng.uniform(20, 80, 5), rng.uniform(-3, 3, 5), rng.uniform(-3, 3, 5), rng.uniform(0, 6, 5),
                    strict=True))
    a = _dem_tif(d / "exports" / "dem_a.tif", 640010.0, 5064020.0, plane)
    b = _dem_tif(d / "exports" / "dem_b.tif", 660010.0, 5064020.0, (500.0 + waves)[:150, :150])
    return a, b


def _independent_slope_aspect(z: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray]:
    """Interior pixels only, written out as differences (not np.gradient): Earth Engine's 4-neighbour rule."""
    dzdx = (z[1:-1, 2:] - z[1:-1, :-2]) / (2 * res)
    dzdy = (z[:-2, 1:-1] - z[2:, 1:-1]) / (2 * res)  # the row above is north
    slope = np.degrees(np.arctan(np.sqrt(dzdx ** 2 + dzdy ** 2)))
    aspect = np.degrees(np.arctan2(-dzdx, -dzdy)) % 360
    return slope, aspect


def test_the_readme_tile_example_derives_slope_and_aspect_from_a_one_band_dem(tmp_path: Path) -> None:
    from m3leo_extract.grid import Chip
    from m3leo_extract.store import ChipStore

    _readme_dem_exports(tmp_path)
    res = m3leo("tile", "exports/*.tif", "--collection", "dem", "--store", "data/europe", cwd=tmp_path)  # README
    assert res.returncode == OK, res.stderr
    st = ChipStore.open(tmp_path / "data" / "europe")
    assert st.spec("dem").bands == ("elevation", "slope", "aspect")
    plane_deg = np.degrees(np.arctan(np.hypot(*PLANE)))
    # downhill is (east, north) = (-0.05, -0.02): west-south-west, 248.2 degrees clockwise from north
    plane_aspect = 180 + np.degrees(np.arctan2(PLANE[0], PLANE[1]))
    checked = planar = 0
    for cid in st.chip_ids("dem"):
        elev, slope, aspect = st.read_chip("dem", cid).astype("float64")
        want_s, want_a = _independent_slope_aspect(elev, 10.0)
        ok = np.isfinite(want_s)
        np.testing.assert_allclose(slope[1:-1, 1:-1][ok], want_s[ok], atol=1e-3)
        da = (aspect[1:-1, 1:-1][ok] - want_a[ok] + 180) % 360 - 180
        assert np.abs(da).max() < 1e-2 if ok.any() else True
        checked += int(ok.sum())
        chip = Chip.from_id(cid)
        x0, y1, size = 640010.0, 5064020.0, 9000.0  # the plane's extent, a pixel's margin inside
        if x0 + 30 <= chip.x_min and chip.x_max <= x0 + size - 30 and y1 - size + 30 <= chip.y_min and \
                chip.y_max <= y1 - 30:
            np.testing.assert_allclose(slope, plane_deg, atol=1e-3)  # a plane stays a plane under bilinear
            np.testing.assert_allclose(aspect, plane_aspect, atol=1e-2)
            planar += 1
    assert checked > 100_000 and planar >= 1, (checked, planar)


# -- 7. what the tools print is true ---------------------------------------------------------------------------
def test_show_labels_gssic_coherence_with_its_own_units_not_db() -> None:
    from matplotlib.figure import Figure

    from m3leo_extract.render import _panel
    from m3leo_extract.sources import gssic
    from m3leo_extract.sources.base import source_spec

    v = gssic.validate("winter", "COH12", "vv")
    spec = source_spec("gssic_vv_coh12", gssic.INFO, [v], 10.0, band_names=["vv_COH12"], season="winter",
                       pol="vv", variable=v.name)
    attrs = {**spec.attrs.to_zarr(), "bands": list(spec.bands), "kind": spec.kind}
    data = np.random.default_rng(0).uniform(0.1, 0.9, (1, 40, 40)).astype("float32")
    fig = Figure()
    ax = fig.subplots()
    what = _panel(fig, ax, "gssic_vv_coh12", data, attrs, spec.nodata)
    labels = [a.get_ylabel() for a in fig.axes if a is not ax]
    assert "dB" not in what and labels == ["vv_COH12 (coherence (0-1))"], (what, labels)
    s1 = {"bands": ["VV_ASC"], "units": ["dB"], "kind": "continuous"}  # S1 backscatter keeps its dB scale
    fig = Figure()
    ax = fig.subplots()
    assert "dB" in _panel(fig, ax, "s1", np.full((1, 8, 8), -12.0, "float32"), s1, float("nan"))


def test_status_counts_empty_chips_apart_and_lists_seasons_in_time_order(work: Path, tmp_path: Path) -> None:
    (tmp_path / "small.geojson").write_text((work / "small.geojson").read_text())
    res = m3leo("extract", "--aoi", "small.geojson", "--collections", "s1,modis_vcf", "--period", "2020,2025",
                "--store", "ds", "--ee-url", "local", cwd=tmp_path)  # MODIS VCF 2025 is not published: empty
    assert res.returncode == OK, res.stderr
    res = m3leo("status", "--store", "ds", "--json", cwd=tmp_path)
    st = json.loads(res.stdout)
    rows = {(r["collection"], r["period"]): r for r in st["collections"]}
    assert (rows["modis_vcf", "2025"]["done"], rows["modis_vcf", "2025"]["empty"]) == (0, 2)
    assert (rows["modis_vcf", "2020"]["done"], rows["modis_vcf", "2020"]["empty"]) == (2, 0)
    assert st["totals"] == {"done": 18, "pending": 0, "running": 0, "failed": 0, "empty": 2}
    assert [r["period"] for r in st["collections"] if r["collection"] == "s1"] == [
        "2020-DJF", "2020-MAM", "2020-JJA", "2020-SON", "2025-DJF", "2025-MAM", "2025-JJA", "2025-SON"]
    table = m3leo("status", "--store", "ds", cwd=tmp_path).stdout.splitlines()
    assert [line.split()[1] for line in table if line.startswith("s1 ")][:4] == [
        "2020-DJF", "2020-MAM", "2020-JJA", "2020-SON"]


def test_the_latest_period_is_the_latest_in_time_for_every_reader(work: Path, tmp_path: Path) -> None:
    from m3leo_extract.inputs import pick_period
    from m3leo_extract.store import ChipStore

    (tmp_path / "small.geojson").write_text((work / "small.geojson").read_text())
    for period in ("2021", "2020-JJA", "2019"):  # written out of time order: 2021 ends last
        res = m3leo("extract", "--aoi", "small.geojson", "--collections", "esa_worldcover", "--period", period,
                    "--store", "ds", "--ee-url", "local", cwd=tmp_path)
        assert res.returncode == OK, res.stderr
    st = ChipStore.open(tmp_path / "ds")
    labels = st.periods("esa_worldcover")
    assert labels == ["2021", "2020-JJA", "2019"]
    assert labels[st.time_of("esa_worldcover", None)] == "2021" == pick_period("esa_worldcover", labels, None)
    res = m3leo("export", "--store", "ds", "--collection", "esa_worldcover", "--out", "cogs", cwd=tmp_path)
    assert res.returncode == OK, res.stderr
    assert [p.name for p in (tmp_path / "cogs" / "esa_worldcover").iterdir()] == ["2021"]


def test_a_command_module_that_fails_to_import_fails_loudly(tmp_path: Path) -> None:
    # cli._register used to skip a command module that raised ModuleNotFoundError naming itself: its commands
    # then vanished without a word. Now the import error surfaces, whatever the module.
    code = ("import sys; sys.modules['m3leo_extract.cli.verify'] = None; from m3leo_extract.cli import main; "
            "sys.exit(main(['version']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert res.returncode != 0 and "ModuleNotFoundError" in res.stderr and "m3leo_extract.cli.verify" in res.stderr


def test_every_store_option_of_every_command_goes_through_the_one_resolver() -> None:
    from m3leo_extract.cli import _command, _register

    _register()
    todo, seen = [("", _command())], {}
    while todo:
        path, cmd = todo.pop()
        todo.extend((f"{path} {n}".strip(), c) for n, c in getattr(cmd, "commands", {}).items())
        for p in cmd.params:
            if "--store" in getattr(p, "opts", ()):
                seen[path] = p.callback is not None and "_store_callback" in p.callback.__qualname__
    expected = {"extract", "tile", "split", "stats", "export", "train", "verify", "status", "show", "init",
                "refresh", "retry", "cancel", "grid", "shift", "plan"}
    assert expected <= set(seen) and all(seen.values()), seen


def test_a_file_url_names_the_same_absolute_folder(tmp_path: Path, dataset: Path) -> None:
    """`--store file:///abs/ds` is the folder /abs/ds, from any working directory (typer's Path folds the URL's
    `///` to `/`; it must not come back relative)."""
    ds = _copy(dataset, tmp_path / "ds")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    res = m3leo("status", "--store", f"file://{ds}", cwd=elsewhere)
    assert res.returncode == OK, res.stderr
    assert "esa_worldcover" in res.stdout and list(elsewhere.iterdir()) == []
    res = m3leo("verify", "--store", f"file://{ds}", cwd=elsewhere)
    assert res.returncode == OK and list(elsewhere.iterdir()) == [], res.stderr
