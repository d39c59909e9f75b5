"""Normalisation statistics: one numerically stable moment merge, fingerprints that catch stale stats, and the
`m3leo stats` writer under the dataset's run lock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from m3leo_extract.dataset import ChipDataset
from m3leo_extract.grid import chip_arrays
from m3leo_extract.inputs import parse_inputs
from m3leo_extract.splits import relabel
from m3leo_extract.state import RunLock
from m3leo_extract.stats import (
    Moments,
    combine_stats,
    compute_stats,
    derived_stats,
    fresh_stats,
    load_stats,
    update_stats,
)
from m3leo_extract.store import ChipStore, CollectionSpec

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
NARROW = "bands:width=4km,angle=0,guard=0"
PX = 8


def _store(d: Path, make, name: str = "x", bands: tuple[str, ...] = ("a", "b"), dtype: str = "float32"
           ) -> tuple[ChipStore, list]:
    st = ChipStore.open(d, create=True)
    relabel(st, NARROW)
    chips = chip_arrays(shapely.box(2.0, 45.0, 2.25, 45.3)).chips()
    st.ensure_collection(CollectionSpec(name, bands, dtype, float("nan"), 500.0, PX))
    idx = st.add_chips(name, chips)
    t = st.ensure_period(name, "2020")
    s = st.shard_chips(name)
    rng = np.random.default_rng(0)
    for shard in np.unique(idx // s):
        sel = [c for c, i in zip(chips, idx, strict=True) if i // s == shard]
        data = np.stack([make(rng) for _ in sel]).astype(dtype)
        st.write_shard(name, int(shard), t, [c.chip_id for c in sel], data, np.ones(len(sel)))
    return st, chips


def _train_values(st: ChipStore, name: str) -> np.ndarray:
    """(band, values) of every train chip, float64: the oracle is numpy on the concatenation."""
    rows = np.flatnonzero(st.chip_table(name)["split"].astype(object) == "train")
    data = np.asarray(st.group[name]["data"][:])[rows, 0]
    return data.transpose(1, 0, 2, 3).reshape(data.shape[1], -1).astype("float64")


def test_moments_merge_matches_numpy_on_the_concatenation() -> None:
    rng = np.random.default_rng(1)
    parts = [1e8 + rng.normal(0, 1.0, n) for n in (1, 7, 1000, 3, 250)]
    total = Moments.empty(1)
    for p in parts:
        total = total.merge(Moments.of([p]))
    whole = np.concatenate(parts)
    assert total.count[0] == whole.size
    np.testing.assert_allclose(total.mean[0], whole.mean(), rtol=1e-15)
    np.testing.assert_allclose(total.std[0], whole.std(), rtol=1e-9)
    assert total.lo[0] == whole.min() and total.hi[0] == whole.max()
    # Empty batches change nothing; saved-and-reloaded moments merge the same way.
    again = Moments.from_bands(total.to_bands(["v"]), ["v"]).merge(Moments.of([np.zeros(0)]))
    np.testing.assert_allclose(again.std, total.std, rtol=1e-12)


def test_derived_band_stats_keep_their_precision_far_from_zero(tmp_path) -> None:
    """Bug 4: derived-band stats summed squares (var = E[x^2] - E[x]^2), which loses every digit of a small
    variance around a large mean; now every accumulation is the one stable merge."""
    st, _ = _store(tmp_path / "d", lambda rng: np.stack([1e9 + rng.normal(0, 100, (PX, PX)),
                                                         np.zeros((PX, PX))]))
    spec = parse_inputs("x[a+b]")[0]
    stack = ChipDataset(st, inputs=[spec], target=None, split="train", normalize=False).stacks["x"]
    got = derived_stats(st, spec, stack)["bands"]["a+b"]
    # The oracle: float64 numpy over the values derived_stats itself sees (a+b evaluated in float32).
    v = _train_values(st, "x")
    want = (v[0].astype("float32") + v[1].astype("float32")).astype("float64")
    assert got["count"] == want.size
    np.testing.assert_allclose(got["mean"], want.mean(), rtol=1e-12)
    np.testing.assert_allclose(got["std"], want.std(), rtol=1e-6)


def test_compute_and_combine_stats_are_exact_far_from_zero(tmp_path) -> None:
    st, _ = _store(tmp_path / "d", lambda rng: np.stack([1e8 + rng.normal(0, 1.0, (PX, PX)),
                                                         rng.normal(-3, 2, (PX, PX))]), dtype="float64")
    stats = compute_stats(st, "x")
    v = _train_values(st, "x")
    for b, band in enumerate(("a", "b")):
        np.testing.assert_allclose(stats["bands"][band]["mean"], v[b].mean(), rtol=1e-14)
        np.testing.assert_allclose(stats["bands"][band]["std"], v[b].std(), rtol=1e-9)
    both = combine_stats([stats, stats])
    np.testing.assert_allclose(both["bands"]["a"]["std"], v[0].std(), rtol=1e-9)
    assert both["bands"]["a"]["count"] == 2 * v[0].size


def test_stale_stats_are_detected_by_their_fingerprint(tmp_path) -> None:
    st, chips = _store(tmp_path / "d", lambda rng: rng.normal(0, 1, (2, PX, PX)))
    saved = update_stats(st, ["x"])["x"]
    assert load_stats(tmp_path / "d", "x") == saved
    assert fresh_stats(tmp_path / "d", "x") == saved  # fresh: read, not recomputed
    # Rewrite one train chip with other values and another valid fraction: the saved stats are stale.
    rows = np.flatnonzero(st.chip_table("x")["split"].astype(object) == "train")
    cid = st.chip_ids("x")[rows[0]]
    st.write_shard("x", int(rows[0]) // st.shard_chips("x"), 0, [cid], np.full((1, 2, PX, PX), 50.0, "float32"),
                   np.array([0.5]))
    assert load_stats(tmp_path / "d", "x") is None
    recomputed = fresh_stats(tmp_path / "d", "x")
    assert recomputed["bands"]["a"]["max"] == 50.0 and recomputed["fingerprint"] != saved["fingerprint"]
    assert st.attrs("x")["stats"] == saved  # a reader's recomputation is never written


def test_a_read_only_store_refuses_writes_in_one_line(tmp_path) -> None:
    _store(tmp_path / "d", lambda rng: rng.normal(0, 1, (2, PX, PX)))
    ro = ChipStore.open(tmp_path / "d")
    from m3leo_extract.errors import StoreError

    with pytest.raises(StoreError, match="read-only"):
        ro.update_attrs("x", stats={})
    with pytest.raises(StoreError, match="read-only"):
        ro.ensure_period("x", "2021")


def _m3leo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)


def test_cli_stats_takes_the_run_lock(tmp_path) -> None:
    d = tmp_path / "d"
    _store(d, lambda rng: rng.normal(5, 2, (2, PX, PX)))
    before = (d / "chips.zarr" / "x" / "zarr.json").read_bytes()
    with RunLock(d):
        res = _m3leo("stats", "--store", str(d))
    assert res.returncode == 75, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "another m3leo run" in lines[0] and "Traceback" not in res.stderr
    assert (d / "chips.zarr" / "x" / "zarr.json").read_bytes() == before  # nothing written
    res = _m3leo("stats", "--store", str(d))
    assert res.returncode == 0, res.stderr
    printed = json.loads(res.stdout)
    assert printed["x"]["fingerprint"] == load_stats(d, "x")["fingerprint"]
    bad = _m3leo("stats", "--store", str(d), "--collection", "nope")
    assert bad.returncode == 2 and "not in the store" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = _m3leo("stats", "--store", str(tmp_path / "none"))
    assert missing.returncode == 2 and not (tmp_path / "none").exists()
