"""`m3leo shift` equals an independent computation: numpy L1, scipy's Wasserstein-1, a hand-written sliced W1."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import shapely
from scipy.stats import wasserstein_distance

from m3leo_extract.grid import chip_arrays
from m3leo_extract.shift import ShiftOptions, embeddings, values, wasserstein1
from m3leo_extract.splits import LEGACY_SPLIT, relabel
from m3leo_extract.store import ChipStore, CollectionAttrs, CollectionSpec
from m3leo_extract.train import TrainConfig, train

PX = 16


def _m3leo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "m3leo_extract", *args], capture_output=True, text=True, timeout=300)


def _store(d, box, seed: int, shift: float):
    """Seeded store: continuous x (2 bands, NaN nodata; band 0 follows the land cover) and land cover lc."""
    st = ChipStore.open(d, create=True)
    relabel(st, LEGACY_SPLIT)
    chips = chip_arrays(shapely.box(*box)).chips()
    st.ensure_collection(CollectionSpec("x", ("a", "b"), "float32", float("nan"), 250.0, PX))
    st.ensure_collection(CollectionSpec("lc", ("map",), "uint8", 0, 250.0, PX, "categorical",
                                        attrs=CollectionAttrs(classes={"10": "tree", "30": "grass", "80": "water"})))
    rng = np.random.default_rng(seed)
    for period in ("2020", "2021"):
        for name in ("x", "lc"):
            st.add_chips(name, chips)
            st.ensure_period(name, period)
        t = st.periods("x").index(period)
        s = st.shard_chips("x")
        for lo in range(0, len(chips), s):
            part = chips[lo:lo + s]
            lc = rng.choice(np.array([10, 30, 80], "uint8"), size=(len(part), 1, PX, PX), p=[0.5, 0.3, 0.2])
            lc[:, :, :2, :2] = 0
            x = np.stack([lc[:, 0] / 10.0 + rng.normal(shift, 1.0, lc[:, 0].shape),
                          rng.gamma(2.0, 1.0 + shift, lc[:, 0].shape)], 1).astype("float32")
            x[:, :, 0, :3] = np.nan
            ids = [c.chip_id for c in part]
            st.write_shard("x", lo // s, t, ids, x, np.ones(len(part)))
            st.write_shard("lc", lo // s, t, ids, lc, np.ones(len(part)))
    return st


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("shift")
    _store(root / "r1", (2.0, 45.0, 2.2, 45.25), 1, 0.0)
    _store(root / "r2", (3.0, 46.0, 3.15, 46.2), 2, 0.5)
    return root / "r1", root / "r2"


def _raw(d, name: str, split: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(values (n, band, y, x) of every written chip/period of the split, nodata mask) read straight from zarr."""
    st = ChipStore.open(d)
    data = np.asarray(st.group[name]["data"][:])
    valid = st.read_valid(name)
    split_of = st.chip_table(name)["split"].astype(object)
    rows = np.arange(len(split_of)) if split is None else np.flatnonzero(split_of == split)
    blocks = [data[r, t] for t in range(data.shape[1]) for r in rows if not np.isnan(valid[r, t])]
    return np.stack(blocks), st.spec(name).nodata


def _independent(d1, s1, d2, s2) -> dict:
    out = {}
    x1, _ = _raw(d1, "x", s1)
    x2, _ = _raw(d2, "x", s2)
    for b, band in enumerate(("a", "b")):
        u, v = x1[:, b].ravel(), x2[:, b].ravel()
        out[("w1", band)] = wasserstein_distance(u[np.isfinite(u)], v[np.isfinite(v)])
    l1, _ = _raw(d1, "lc", s1)
    l2, _ = _raw(d2, "lc", s2)
    p = np.bincount(l1.ravel(), minlength=256)[1:].astype(float)
    q = np.bincount(l2.ravel(), minlength=256)[1:].astype(float)  # code 0 is nodata
    out[("l1", None)] = np.abs(p / p.sum() - q / q.sum()).sum()
    return out


def test_shift_json_equals_numpy_and_scipy(stores, tmp_path) -> None:
    r1, r2 = stores
    res = _m3leo("shift", "--store", str(r1), "--store", str(r2), "--json", "--max-pixels", "10000000",
                 "--png", str(tmp_path / "shift.png"))
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert (tmp_path / "shift.png").stat().st_size > 1000
    pairs = {(r["a"], r["b"]) for r in rows}
    assert pairs == {("r1:train", "r1:val"), ("r1:train", "r1:test"), ("r2:train", "r2:val"),
                     ("r2:train", "r2:test"), ("r1:all", "r2:all")}
    dirs = {"r1": r1, "r2": r2}
    for a, b in pairs:
        (sa, ka), (sb, kb) = a.split(":"), b.split(":")
        want = _independent(dirs[sa], None if ka == "all" else ka, dirs[sb], None if kb == "all" else kb)
        got = {(r["metric"], r["band"]): r["value"] for r in rows if (r["a"], r["b"]) == (a, b)}
        assert set(got) == set(want)
        for k, v in want.items():
            assert abs(got[k] - v) <= 1e-6, (a, b, k, got[k], v)
    # The regions differ (r2 is shifted by 0.5 and wider), the splits of one region hardly.
    w1 = {(r["a"], r["b"], r["band"]): r["value"] for r in rows if r["metric"] == "w1"}
    assert w1[("r1:all", "r2:all", "a")] > 3 * w1[("r1:train", "r1:test", "a")]


def test_sampling_is_seeded_and_close_to_the_full_distance(stores) -> None:
    r1, _ = stores
    st = ChipStore.open(r1)
    full, n = values(st, "x", "train", ShiftOptions(max_pixels=10**9))
    s1, _ = values(st, "x", "train", ShiftOptions(max_pixels=2000, seed=3))
    s2, _ = values(st, "x", "train", ShiftOptions(max_pixels=2000, seed=3))
    s3, _ = values(st, "x", "train", ShiftOptions(max_pixels=2000, seed=4))
    assert n > 2000 and s1[0].size == 2000 and np.array_equal(s1[0], s2[0]) and not np.array_equal(s1[0], s3[0])
    assert set(s1[0].tolist()) <= set(full[0].tolist())
    test, _ = values(st, "x", "test", ShiftOptions(max_pixels=10**9))
    assert abs(wasserstein1(s1[0], test[0]) - wasserstein1(full[0], test[0])) < 0.1
    rng = np.random.default_rng(0)
    u, v = rng.normal(0, 1, 777), rng.gamma(2, 1, 555)
    assert abs(wasserstein1(u, v) - wasserstein_distance(u, v)) < 1e-9


def test_sliced_wasserstein_of_a_checkpoints_embeddings(stores, tmp_path) -> None:
    r1, _ = stores
    train(TrainConfig(store=r1, inputs=["x"], target="lc", epochs=1, crop=0, base_channels=4, depth=2,
                      device="cpu", out=tmp_path / "run", preview_chips=0))
    ck = tmp_path / "run" / "best.pt"
    res = _m3leo("shift", "--store", str(r1), "--collection", "lc", "--checkpoint", str(ck), "--projections", "50",
                 "--seed", "9", "--json")
    assert res.returncode == 0, res.stderr
    row = json.loads(res.stdout)[-1]
    assert row["metric"] == "sliced_w1" and (row["a"], row["b"]) == ("run:train", "run:test")
    a, b = embeddings(ck, "train"), embeddings(ck, "test")
    assert a.shape[1] == 8 and row["n_a"] == len(a) and row["n_b"] == len(b)  # depth 2: widths 4, 6, 8
    # Hand-written: the same 50 Gaussian directions (seed 9), normalised; scipy's W1 per direction.
    theta = np.random.default_rng(9).normal(size=(50, a.shape[1]))
    theta /= np.sqrt((theta ** 2).sum(1))[:, None]
    want = np.mean([wasserstein_distance(a @ t, b @ t) for t in theta])
    assert abs(row["value"] - want) <= 1e-6


def test_shift_text_table_and_bad_input(stores, tmp_path) -> None:
    r1, r2 = stores
    res = _m3leo("shift", "--store", str(r1), "--collection", "lc")
    assert res.returncode == 0 and res.stdout.splitlines()[0].split()[:3] == ["collection", "metric", "band"]
    assert len(res.stdout.splitlines()) == 3  # header + train/val + train/test
    bad = [
        (["--store", str(tmp_path / "none")], "no chip store"),
        (["--store", str(r1), "--collection", "s9"], "not in"),
        (["--store", str(r1), "--period", "1999"], "--period 1999"),
        (["--store", str(r1), "--max-pixels", "0"], ">= 1"),
        (["--store", str(r1), "--checkpoint", str(tmp_path / "x.pt")], "is not a file"),
    ]
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    bad.append((["--store", str(r1), "--collection", "lc", "--checkpoint", str(tmp_path / "junk.pt")],
                "not a checkpoint"))
    for args, match in bad:
        res = _m3leo("shift", *args)
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1 and match in lines[0] and "Traceback" not in res.stderr, (
            args, res.returncode, res.stderr)
