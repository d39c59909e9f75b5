"""Large shards (`--shard-chips 1024`): the same chips, verified and loaded the same as with the default size.

Through the installed `m3leo` in a subprocess, on a local recipe (the `lonlat` builder at 200 m: computed here,
no Earth Engine) over a box of a few hundred chips, so a whole shard of 1024 chips spans many grid rows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from m3leo_extract.defaults import DEFAULT_SHARD_CHIPS, MAX_SHARD_CHIPS

# ~0.8 x 0.6 degrees near Lyon: 281 chips of 4 km in UTM 31N, ~20 grid rows
BOX = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
    "type": "Polygon", "coordinates": [[[4.6, 45.5], [5.4, 45.5], [5.4, 46.1], [4.6, 46.1], [4.6, 45.5]]]}}]}
RECIPE = """
[coarse_lonlat]
title = "Per-pixel longitude / latitude at 200 m (computed locally, no request)"
asset = ""
builder = "lonlat"
kind = "continuous"
dtype = "float32"
nodata = nan
resolution = 200
native_resolution = 200
temporal = "single"
reducer = "none"
version = 1
remote = false
bands = [
  { name = "lon", source = "lon", units = "degrees" },
  { name = "lat", source = "lat", units = "degrees" },
]
"""


def m3leo(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("m3leo")
    assert exe, "the m3leo entry point is not installed"
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    work = tmp_path_factory.mktemp("shardsize")
    (work / "box.geojson").write_text(json.dumps(BOX))
    (work / "coarse.toml").write_text(RECIPE)
    out = {}
    for size in (None, 1024):
        store = work / f"s{size or DEFAULT_SHARD_CHIPS}"
        flags = ["--shard-chips", str(size)] if size else []
        res = m3leo("extract", "--aoi", "box.geojson", "--collections", "coarse_lonlat", "--period", "2020",
                    "--catalog", "coarse.toml", "--store", store, "--yes", *flags, cwd=work)
        assert res.returncode == 0, res.stderr
        assert "Traceback" not in res.stderr
        out[size or DEFAULT_SHARD_CHIPS] = store
    return out


def _files(store: Path) -> list[Path]:
    data = store / "chips.zarr" / "coarse_lonlat" / "data" / "c"
    return sorted(p for p in data.rglob("*") if p.is_file())


def test_large_shards_hold_the_same_chips_in_fewer_files(stores: dict[int, Path]) -> None:
    import zarr

    small, big = (zarr.open_group(str(stores[s] / "chips.zarr"), mode="r")["coarse_lonlat"]
                  for s in (DEFAULT_SHARD_CHIPS, 1024))
    n = small["chip"].shape[0]
    assert 200 <= n <= 1024  # a few hundred chips: one shard of 1024 holds them all
    assert dict(big.attrs)["shard_chips"] == 1024 and dict(small.attrs)["shard_chips"] == DEFAULT_SHARD_CHIPS
    assert len(_files(stores[1024])) == 1
    assert len(_files(stores[DEFAULT_SHARD_CHIPS])) == -(-n // DEFAULT_SHARD_CHIPS)
    assert list(small["chip"][:]) == list(big["chip"][:])
    a, b = small["data"][:], big["data"][:]
    assert a.shape == b.shape == (n, 1, 2, 20, 20)
    assert np.isfinite(a).all() and np.array_equal(a, b)
    assert np.array_equal(small["valid"][:], big["valid"][:]) and (big["valid"][:] == 1).all()


def test_large_shards_verify_and_load_the_same_pixels(stores: dict[int, Path]) -> None:
    from torch.utils.data import DataLoader

    from m3leo_extract.dataset import ChipDataset, collate

    for size, store in stores.items():
        res = m3leo("verify", "--store", store, cwd=store.parent)
        assert res.returncode == 0, res.stderr
        assert "0 error(s)" in res.stdout + res.stderr and "Traceback" not in res.stderr
        st = m3leo("status", "--store", store, "--json", cwd=store.parent)
        assert st.returncode == 0, st.stderr
        (coll,) = json.loads(st.stdout)["collections"]
        n = coll["done"]
        # one work unit per shard: resume granularity is the shard size
        assert coll["failed"] == coll["pending"] == 0 and coll["units"] == -(-n // size)
    loaded = {}
    for size, store in stores.items():
        ds = ChipDataset(store, inputs=["coarse_lonlat"], target=None, split=None, normalize=False)
        order = list(np.random.default_rng(0).permutation(len(ds)))  # random access, as a training epoch
        batches = list(DataLoader(ds, batch_size=32, sampler=order, num_workers=2, collate_fn=collate))
        loaded[size] = ([c for b in batches for c in b["chip_id"]],
                        np.concatenate([b["coarse_lonlat"].numpy() for b in batches]))
    (ids_a, px_a), (ids_b, px_b) = loaded[DEFAULT_SHARD_CHIPS], loaded[1024]
    assert ids_a == ids_b and len(set(ids_a)) == len(ids_a)
    assert np.array_equal(px_a, px_b)
    lon = px_b[:, 0]
    assert 4.5 < lon.min() < lon.max() < 5.5  # real coordinates of the box, not fill


def test_a_shard_size_out_of_range_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "coarse.toml").write_text(RECIPE)
    res = m3leo("extract", "--aoi", "demo", "--collections", "coarse_lonlat", "--period", "2020", "--catalog",
                "coarse.toml", "--store", tmp_path / "s", "--shard-chips", str(MAX_SHARD_CHIPS + 1), cwd=tmp_path)
    assert res.returncode == 2
    assert "--shard-chips" in res.stderr and str(MAX_SHARD_CHIPS) in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "s").exists()


def test_a_pinned_shard_size_out_of_range_is_one_line(tmp_path: Path) -> None:
    """m3leo.toml's options.shard_chips bypasses the CLI's bounds: refresh refuses it the same way, writing
    nothing (before, 0 ran and made a store)."""
    (tmp_path / "coarse.toml").write_text(RECIPE)
    store = tmp_path / "s"
    store.mkdir()
    (store / "m3leo.toml").write_text(f'aoi = "demo"\ncollections = ["coarse_lonlat"]\nperiods = ["2020"]\n'
                                      f'catalog = ["{tmp_path / "coarse.toml"}"]\n\n[options]\nshard_chips = 0\n')
    res = m3leo("refresh", "--store", store, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "shard_chips = 0" in lines[0] and "m3leo.toml" in lines[0]
    assert sorted(p.name for p in store.iterdir()) == ["m3leo.toml"]
