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
    res = m3leo(*args, *extra, cwd=tmp_path)
    if args[0] == "show":  # show renders each collection's own latest period where it lacks the one asked for
        assert res.returncode == OK, res.stderr
        return
    one_line(res, USAGE, "2019", "holds 2020")
    assert listing(tmp_path) == set()


def test_tile_on_a_path_that_does_not_exist_is_one_line_exit_2(tmp_path: Path) -> None:
    one_line(m3leo("tile", "nope.tif", "--collection", "x", "--store", "t", cwd=tmp_path), USAGE, "nope.tif",
             "no such file")
    one_line(m3leo("tile", "nothing/*.tif", "--collection", "x", "--store", "t", cwd=tmp_path), USAGE,
             "matches no file")
    assert listing(tmp_path) == set()
