"""ChipDataset, normalisation stats and the training loop on a small seeded store made from the synthetic world.

The store is written with the store API (no Earth Engine): 32 px chips (125 m) over ~24 chips of UTM 31N, where
ESA WorldCover-like labels drive S1 backscatter and S2 reflectance exactly as in the emulator (world.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import torch
from pyproj import Transformer
from torch.utils.data import DataLoader

from ee_emulator import world
from m3leo_extract.catalog import load_catalog
from m3leo_extract.dataset import IGNORE_INDEX, ChipDataset, collate, pick_period
from m3leo_extract.errors import StoreError, UsageError
from m3leo_extract.grid import Chip, chips_for_geometry
from m3leo_extract.splits import LEGACY_SPLIT, relabel
from m3leo_extract.stats import compute_stats, fresh_stats, load_stats, update_stats
from m3leo_extract.store import ChipStore, CollectionSpec
from m3leo_extract.train import TrainConfig, train

RES = 125.0
PX = 32


def _lonlat(chip: Chip) -> tuple[np.ndarray, np.ndarray]:
    xs = chip.x_min + (np.arange(PX) + 0.5) * RES
    ys = chip.y_max - (np.arange(PX) + 0.5) * RES
    x, y = np.meshgrid(xs, ys)
    return Transformer.from_crs(chip.epsg, 4326, always_xy=True).transform(x, y)


def _spec(name: str, **kw: object) -> CollectionSpec:
    base = load_catalog()[name].store_spec()
    return dataclasses.replace(base, resolution=RES, chip_px=PX, **kw)


def _write(st: ChipStore, name: str, period: str, chips: list[Chip], make) -> None:
    """Write chips (in the given order) of one period, shard by shard; `make(chip) -> (array, valid)`."""
    idx = st.add_chips(name, chips)
    t = st.ensure_period(name, period)
    for shard in np.unique(idx // st.shard_chips(name)):
        sel = [i for i in range(len(chips)) if idx[i] // st.shard_chips(name) == shard]
        out = [make(chips[i]) for i in sel]
        st.write_shard(name, int(shard), t, [chips[i].chip_id for i in sel], np.stack([a for a, _ in out]),
                       np.array([v for _, v in out]))


def _s1(chip: Chip, month: int) -> tuple[np.ndarray, float]:
    lon, lat = _lonlat(chip)
    a = np.stack([world.s1(lon, lat, pol, month, orbit) for orbit in ("ASCENDING", "DESCENDING")
                  for pol in ("VV", "VH")]).astype("float32")
    a[:, a[0] < -30] = np.nan  # the recipe's edge mask: some water pixels are nodata
    return a, float(np.isfinite(a[0]).mean())


def _s2(chip: Chip) -> tuple[np.ndarray, float]:
    lon, lat = _lonlat(chip)
    return np.stack([world.s2(lon, lat, b, 7, 2020) for b in ("B2", "B3", "B4", "B8")]), 1.0


def _landcover(chip: Chip) -> tuple[np.ndarray, float]:
    lon, lat = _lonlat(chip)
    lc = world.landcover(lon, lat)
    lc[:2, :2] = 0  # a nodata corner
    return lc[None], float((lc != 0).mean())


def _tree(chip: Chip) -> tuple[np.ndarray, float]:
    lon, lat = _lonlat(chip)
    v = world.modis_vcf(lon, lat, "Percent_Tree_Cover", 2020).astype("float32")
    v[v == 200] = np.nan  # water: no tree-cover value
    return v[None], float(np.isfinite(v).mean())


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny 32 px batches: one intra-op thread is faster, and immune to a busy machine's thread contention."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("chips")
    chips = chips_for_geometry(shapely.box(2.0, 45.0, 2.16, 45.2))
    st = ChipStore.open(d, create=True)
    relabel(st, LEGACY_SPLIT)  # one-chip-row bands: this ~5 x 3 chip store holds every split
    st.ensure_collection(_spec("s1"))
    st.ensure_collection(_spec("s2"))
    st.ensure_collection(_spec("esa_worldcover"))
    st.ensure_collection(CollectionSpec("tree", ("tree",), "float32", float("nan"), RES, PX, "continuous"))
    _write(st, "esa_worldcover", "2020", chips, _landcover)
    _write(st, "tree", "2020", chips, _tree)
    # S1 chips in reverse order: their rows differ from the labels', so alignment must go by id.
    _write(st, "s1", "2020-JJA", chips[::-1], lambda c: _s1(c, 7))
    _write(st, "s1", "2020-SON", chips[::-1], lambda c: _s1(c, 10))
    # S2: chip 0 absent, chip 1 added but never written (valid NaN), chip 2 written but empty (valid 0).
    st.add_chips("s2", chips[1:2])
    _write(st, "s2", "2020", chips[3:], _s2)
    _write(st, "s2", "2020", chips[2:3], lambda c: (np.zeros((4, PX, PX), "uint16"), 0.0))
    return d, chips


def test_sample_keys_shapes_dtypes(store_dir) -> None:
    d, _ = store_dir
    ds = ChipDataset(d, inputs=["s1", "s2"], target="esa_worldcover", split="train")
    assert len(ds) > 5
    s = ds[0]
    assert set(s) == {"s1", "s2", "mask", "chip_id", "crs", "bounds"}
    assert s["s1"].shape == (4, PX, PX) and s["s1"].dtype == torch.float32
    assert s["s2"].shape == (4, PX, PX) and s["s2"].dtype == torch.float32
    assert s["mask"].shape == (PX, PX) and s["mask"].dtype == torch.int64
    assert torch.isfinite(s["s1"]).all() and torch.isfinite(s["s2"]).all()  # nodata -> 0, never NaN
    chip = Chip.from_id(s["chip_id"])
    assert s["crs"] == chip.crs == "EPSG:32631"
    assert s["bounds"].tolist() == list(chip.bounds)
    assert ds.classes == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]
    assert s["mask"][0, 0] == IGNORE_INDEX  # nodata corner
    m = s["mask"][s["mask"] != IGNORE_INDEX]
    assert m.min() >= 0 and m.max() < ds.num_classes
    assert ds.task == "segmentation" and ds.channels() == {"s1": 4, "s2": 4}
    # A window (what the training sampler asks for) has the window's footprint as bounds.
    w = ds[(0, 8, 4, 16, 16)]
    assert w["s1"].shape == (4, 16, 16) and w["mask"].shape == (16, 16)
    assert torch.equal(w["s1"], s["s1"][:, 8:24, 4:20])
    assert w["bounds"].tolist() == [chip.x_min + 4 * RES, chip.y_max - 24 * RES, chip.x_min + 20 * RES,
                                    chip.y_max - 8 * RES]
    img = ChipDataset(d, inputs=["s1", "s2"], target="esa_worldcover", as_image=True)[0]
    assert img["image"].shape == (8, PX, PX) and "s1" not in img


def test_alignment_by_chip_id_and_values(store_dir) -> None:
    d, _ = store_dir
    st = ChipStore.open(d)
    ds = ChipDataset(d, inputs=["s1", "s2"], target="esa_worldcover", split=None)
    assert st.index_of("s1", ds.chip_ids[0]) != st.index_of("esa_worldcover", ds.chip_ids[0])  # rows differ
    s1_stats = fresh_stats(d, "s1")
    mean = np.array([s1_stats["bands"][b]["mean"] for b in ("VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC")])
    std = np.array([s1_stats["bands"][b]["std"] for b in ("VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC")])
    lut = {c: i for i, c in enumerate(ds.classes)}
    for i in range(0, len(ds), 3):
        cid = ds.chip_ids[i]
        s = ds[i]
        raw = st.read_chip("s1", cid, "2020-SON")  # the latest period by default
        assert np.array_equal(ds.read_raw("s1", i), raw, equal_nan=True)
        want = np.nan_to_num((raw - mean[:, None, None]) / std[:, None, None], nan=0.0)
        np.testing.assert_allclose(s["s1"].numpy(), want, rtol=1e-5, atol=1e-5)
        lc = st.read_chip("esa_worldcover", cid)[0]
        assert np.array_equal(s["mask"].numpy(), np.vectorize(lambda v: lut.get(v, IGNORE_INDEX))(lc))
        # The world's S1 is a function of land cover: water (class 80) is dark in VV.
        water = lc == 80
        if water.sum() > 3 and (~water).sum() > 3:
            assert np.nanmean(raw[0][water]) < np.nanmean(raw[0][~water]) - 5
    # The direct shard reader and zarr agree, and zarr is used when the fast path is off.
    r = ds._reader("s2")
    got = r.read(int(ds._rows["s2"][1]))
    assert r._fast is True  # the store's codecs are ones the direct reader decodes
    r._fast = False
    assert np.array_equal(r.read(int(ds._rows["s2"][1])), got)
    assert np.array_equal(got, st.read_chip("s2", ds.chip_ids[1]))


def test_periods(store_dir) -> None:
    d, _ = store_dir
    labels = ["2020-JJA", "2020-SON"]
    assert pick_period("s1", labels, None) == "2020-SON"
    assert pick_period("s1", labels, "2020") == "2020-SON"
    assert pick_period("s1", labels, "2020-JJA") == "2020-JJA"
    assert pick_period("wc", ["2020"], "2020-JJA") == "2020"
    with pytest.raises(StoreError, match="no period matching"):
        pick_period("s1", labels, "2019")
    ds = ChipDataset(d, inputs="s1", target="esa_worldcover", period="2020-JJA")
    assert ds.modalities["s1"].period == "2020-JJA" and ds.modalities["esa_worldcover"].period == "2020"
    st = ChipStore.open(d)
    assert np.array_equal(ds.read_raw("s1", 0), st.read_chip("s1", ds.chip_ids[0], "2020-JJA"), equal_nan=True)


def test_missing_modality_is_skipped_and_counted(store_dir) -> None:
    d, chips = store_dir
    ds = ChipDataset(d, inputs=["s1", "s2"], target="esa_worldcover", split=None)
    assert ds.skipped == {"s1": 0, "s2": 3, "esa_worldcover": 0}
    assert ds.n_skipped == 3 and len(ds) == len(chips) - 3
    assert not {c.chip_id for c in chips[:3]} & set(ds.chip_ids)
    only_s1 = ChipDataset(d, inputs=["s1"], target="esa_worldcover", split=None)
    assert len(only_s1) == len(chips) and only_s1.n_skipped == 0
    with pytest.raises(StoreError, match="not in the store"):
        ChipDataset(d, inputs=["dem"], target="esa_worldcover")
    with pytest.raises(UsageError):
        ChipDataset(d, inputs=["esa_worldcover"], target="esa_worldcover")


def test_dataloader_with_workers(store_dir) -> None:
    d, _ = store_dir
    ds = ChipDataset(d, inputs=["s1", "s2"], target="esa_worldcover", split="train")
    ds[0]  # open readers in this process first: they must not travel to the workers
    state = pickle.loads(pickle.dumps(ds))
    assert state._readers == {}
    loader = DataLoader(ds, batch_size=4, num_workers=2, collate_fn=collate)
    ids, s1 = [], []
    for batch in loader:
        assert batch["s1"].shape[1:] == (4, PX, PX) and batch["mask"].dtype == torch.int64
        assert batch["bounds"].shape[1] == 4
        ids += batch["chip_id"]
        s1.append(batch["s1"])
    assert ids == ds.chip_ids
    assert torch.equal(torch.cat(s1), torch.stack([ds[i]["s1"] for i in range(len(ds))]))
    # torch's default collate works as well (TorchGeo-style dict samples)
    batch = next(iter(DataLoader(ds, batch_size=2, num_workers=2)))
    assert batch["s2"].shape == (2, 4, PX, PX) and len(batch["crs"]) == 2


def test_stats_from_train_split_only(store_dir) -> None:
    d, _ = store_dir
    st = ChipStore.open(d)
    stats = compute_stats(st, "s1")
    table = st.chip_table("s1")
    split = table["split"].astype(object)
    data = np.asarray(st.group["s1"]["data"][:])  # (chip, time, band, y, x), both periods

    def moments(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = data[rows].transpose(2, 0, 1, 3, 4).reshape(4, -1).astype("float64")
        return np.nanmean(x, 1), np.nanstd(x, 1)

    mean, std = moments(np.flatnonzero(split == "train"))
    all_mean, _ = moments(np.arange(len(split)))
    got_mean = np.array([stats["bands"][b]["mean"] for b in ("VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC")])
    got_std = np.array([stats["bands"][b]["std"] for b in ("VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC")])
    np.testing.assert_allclose(got_mean, mean, rtol=1e-9)
    np.testing.assert_allclose(got_std, std, rtol=1e-9)
    assert not np.allclose(got_mean, all_mean, rtol=1e-6)
    assert stats["chips"] == int((split == "train").sum()) and stats["chip_periods"] == 2 * stats["chips"]
    # Big stores: whole shards spread over the split, flagged as sampled.
    sampled = compute_stats(st, "s1", max_chips=5)
    assert sampled["sampled"] and 0 < sampled["chips"] < stats["chips"]
    assert abs(sampled["bands"]["VV_ASC"]["mean"] - stats["bands"]["VV_ASC"]["mean"]) < 2.0
    # s2's stats ignore nodata (0): the empty chip and unwritten chips do not pull the mean down.
    s2 = compute_stats(st, "s2")
    assert s2["bands"]["B2"]["min"] >= 1
    # Saved in the store by a writer, reused by readers while the store is unchanged, recomputed by the CLI.
    update_stats(ChipStore.open(d, mode="r+"), ["s1"])
    assert ChipStore.open(d).attrs("s1")["stats"]["fingerprint"] == stats["fingerprint"]
    assert load_stats(d, "s1")["fingerprint"] == stats["fingerprint"]
    wc = compute_stats(st, "esa_worldcover")
    lc = np.asarray(st.group["esa_worldcover"]["data"][:])[np.flatnonzero(split == "train")]
    assert wc["class_counts"]["10"] == int((lc == 10).sum()) and "0" not in wc["class_counts"]

    from m3leo_extract.cli import main

    assert main(["stats", "--store", str(d), "--collection", "s1"]) == 0


def test_training_beats_majority_baseline(store_dir, tmp_path) -> None:
    d, _ = store_dir
    events = []
    res = train(TrainConfig(store=d, inputs=["s1"], target="esa_worldcover", epochs=4, device="cpu",
                            out=tmp_path / "run", crop=0, batch_size=4, lr=5e-3), progress=events.append)
    assert res.task == "segmentation"
    best = res.best_val
    assert best["miou"] > 2 * best["baseline_miou"] and best["miou"] > 0.2
    assert not hasattr(res, "best_val_miou")  # no attribute shim: best_val["miou"], or to_json()'s flat names
    assert res.to_json()["best_val_miou"] == best["miou"]
    assert res.test and res.test["miou"] > res.test["baseline_miou"]
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [1, 2, 3, 4]
    for f in ("config.json", "metrics.csv", "metrics.json", "best.pt", "last.pt", "predictions.png"):
        assert (tmp_path / "run" / f).is_file(), f
    doc = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert len(doc["history"]) == 4 and doc["test"]["miou"] == res.test["miou"]
    assert "mIoU" in res.summary() and str(tmp_path / "run") in res.summary()
    lines = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,epochs,train_loss,val_loss") and len(lines) == 5


class _Stop(Exception):
    pass


def test_resume_is_exact(store_dir, tmp_path) -> None:
    d, _ = store_dir
    kw = dict(store=d, inputs=["s1", "s2"], target="esa_worldcover", epochs=2, device="cpu", crop=16,
              crops_per_chip=2, batch_size=4)
    full = train(TrainConfig(**kw, out=tmp_path / "full"))

    def stop_after_first(ev: dict) -> None:
        if ev["event"] == "epoch" and ev["epoch"] == 1:
            raise _Stop

    with pytest.raises(_Stop):
        train(TrainConfig(**kw, out=tmp_path / "cut"), progress=stop_after_first)
    assert len(json.loads((tmp_path / "cut" / "metrics.json").read_text())["history"]) == 1
    resumed = train(TrainConfig(**kw, resume=tmp_path / "cut"))
    drop = ("seconds",)
    strip = [{k: v for k, v in h.items() if k not in drop} for h in full.history]
    assert [{k: v for k, v in h.items() if k not in drop} for h in resumed.history] == strip
    assert resumed.test == full.test
    with pytest.raises(UsageError, match="different"):
        train(TrainConfig(**{**kw, "lr": 0.1}, resume=tmp_path / "cut"))


def test_regression_target(store_dir, tmp_path) -> None:
    d, _ = store_dir
    res = train(TrainConfig(store=d, inputs=["s1"], target="tree", epochs=3, device="cpu", out=tmp_path / "reg",
                            crop=0, batch_size=4, lr=5e-3))
    best = res.best_val
    assert res.task == "regression" and "miou" not in best
    assert math.isfinite(best["rmse"]) and best["r2"] > best["baseline_r2"]
    assert best["rmse"] < best["baseline_rmse"]
    assert res.to_json()["best_val_r2"] == best["r2"] and "best_val_miou" not in res.to_json()
    assert "R2" in res.summary() and res.test["rmse"] > 0
    ds = ChipDataset(d, inputs=["s1"], target="tree")
    s = ds[0]
    assert s["mask"].dtype == torch.float32 and s["mask"].shape == (1, PX, PX)


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` (relative path -> sha256 of its bytes)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_train_leaves_the_store_byte_identical(store_dir, tmp_path) -> None:
    """Readers never write: `m3leo train` (stats computed in memory, datasets built, one epoch) changes no byte of
    the store, and the store may even be read-only."""
    d, _ = store_dir
    copy = tmp_path / "store"
    shutil.copytree(d, copy)
    for name in ChipStore.open(copy).collections():  # no saved stats: the reader has to compute them itself
        attrs = dict(ChipStore.open(copy, mode="r+").attrs(name))
        if "stats" in attrs:
            st = ChipStore.open(copy, mode="r+")
            st._coll(name).attrs.put({k: v for k, v in attrs.items() if k != "stats"})
            st.consolidate()
    before = _tree_digest(copy)
    exe = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
    res = subprocess.run([exe, "train", "--store", str(copy), "--input", "s1", "--target", "esa_worldcover",
                          "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "run"), "--crop", "16",
                          "--batch-size", "8", "--json"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout.splitlines()[-1])["epochs"] == 1
    after = _tree_digest(copy)
    assert after == before, sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def test_cli_train(store_dir, tmp_path, capsys) -> None:
    from m3leo_extract.cli import main

    d, _ = store_dir
    run = tmp_path / "cli"
    args = ["train", "--store", str(d), "--input", "s1", "--target", "esa_worldcover", "--epochs", "1",
            "--device", "cpu", "--out", str(run), "--crop", "16", "--batch-size", "4", "--seed", "3"]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("epoch 1/1") and "val_miou" in line and "baseline" in line for line in out)
    assert out[-1].startswith("train: s1 -> esa_worldcover")
    assert main(args) == 2  # the run is there: --resume or --overwrite
    assert "--resume" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--epochs", "2"]) == 0
    assert "epoch 2/2" in capsys.readouterr().out
    assert json.loads((run / "config.json").read_text())["epochs"] == 2
    assert main(["train", "--store", str(d), "--input", "s1", "--device", "nope"]) == 2
