"""Seasonal stacks, derived bands, several stores as one dataset and a held-out region, end to end.

Two small regions are extracted with `m3leo extract --ee-url local` (the emulator's synthetic world), then
`m3leo train` fits the 16-channel S1 seasonal stack (4 seasons x VV/VH x ascending/descending) on one region
and is tested on the other, held out.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from m3leo_extract.dataset import ChipDataset
from m3leo_extract.errors import UsageError
from m3leo_extract.inputs import parse_inputs
from m3leo_extract.multistore import MultiStoreDataset, holdout_datasets, union_stats
from m3leo_extract.stats import compute_stats
from m3leo_extract.store import ChipStore

NARROW = "bands:width=4km,angle=0,guard=0"  # small AOIs: one chip row per band


def _m3leo(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    # One intra-op thread: tiny batches on a shared 2-core machine train ~3x faster than with torch's default.
    return subprocess.run([sys.executable, "-m", "m3leo_extract", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "OMP_NUM_THREADS": "1"})


def _m3leo_each(runs: list[list[str]]) -> list[subprocess.CompletedProcess]:
    """Independent `m3leo` runs two at a time (each is its own process with its own output folder)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda args: _m3leo(*args), runs))


def _aoi(path: Path, lon0: float, lat0: float, lon1: float, lat1: float) -> Path:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": path.stem}, "geometry": geometry}]}))
    return path


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("regions")
    # Region a: 5 chip rows x 3 columns near Lyon (every split of the narrow scheme); region b: 20 km east.
    boxes = {"a": (4.80, 45.70, 4.93, 45.87), "b": (5.20, 45.72, 5.30, 45.80)}
    stores = [root / name for name in boxes]
    runs = [["extract", "--aoi", str(_aoi(root / f"{name}.geojson", *box)), "--collections", "s1,esa_worldcover",
             "--period", "2020", "--store", str(root / name), "--ee-url", "local", "--split", NARROW, "--json"]
            for name, box in boxes.items()]
    for store, res in zip(stores, _m3leo_each(runs), strict=True):
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout.strip().splitlines()[-1])["chips_failed"] == 0
        assert f'split = "{NARROW}"' in (store / "m3leo.toml").read_text()
    return stores[0], stores[1]


def test_seasonal_stack_is_16_channels_in_period_order(regions) -> None:
    a, _ = regions
    st = ChipStore.open(a)
    seasons = ["2020-DJF", "2020-MAM", "2020-JJA", "2020-SON"]
    assert st.periods("s1") == seasons  # written in time order
    ds = ChipDataset(a, inputs="s1:2020-*", target="esa_worldcover", split="train")
    listed = ChipDataset(a, inputs="s1:2020-DJF,2020-MAM,2020-JJA,2020-SON", target="esa_worldcover", split="train")
    assert ds.channels() == {"s1": 16} and ds.channel_names() == listed.channel_names()
    assert ds.channel_names()["s1"][:5] == ["VV_ASC@2020-DJF", "VH_ASC@2020-DJF", "VV_DSC@2020-DJF",
                                            "VH_DSC@2020-DJF", "VV_ASC@2020-MAM"]
    s = ds[0]
    assert s["s1"].shape == (16, 400, 400) and s["s1"].dtype == torch.float32
    # Channel 4*k+b is band b of season k, normalised with the train split's pooled per-band stats.
    stats = compute_stats(st, "s1")
    cid = ds.chip_ids[0]
    for k, season in enumerate(seasons):
        raw = st.read_chip("s1", cid, season)
        for b, band in enumerate(("VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC")):
            ref = (raw[b] - stats["bands"][band]["mean"]) / stats["bands"][band]["std"]
            ref = np.where(np.isfinite(ref), ref, 0.0)
            np.testing.assert_allclose(s["s1"][4 * k + b].numpy(), ref, atol=2e-3)


def test_derived_band_is_the_difference_of_stored_bands(regions) -> None:
    a, _ = regions
    ds = ChipDataset(a, inputs="s1:2020-JJA[VV_ASC-VH_ASC]", target="esa_worldcover", split="train")
    assert ds.channel_names()["s1"] == ["VV_ASC@2020-JJA", "VH_ASC@2020-JJA", "VV_DSC@2020-JJA", "VH_DSC@2020-JJA",
                                        "VV_ASC-VH_ASC@2020-JJA"]
    st = ChipStore.open(a)
    # Derived stats over every train chip (the sample holds them all here), computed independently.
    diffs = []
    for cid in ds.chip_ids:
        raw = st.read_chip("s1", cid, "2020-JJA")
        d = (raw[0] - raw[1]).astype("float64")
        diffs.append(d[np.isfinite(d)])
    allv = np.concatenate(diffs)
    i = 1
    raw = st.read_chip("s1", ds.chip_ids[i], "2020-JJA")
    want = (raw[0] - raw[1] - allv.mean()) / allv.std()
    want = np.where(np.isfinite(want), want, 0.0)
    np.testing.assert_allclose(ds[i]["s1"][4].numpy(), want, atol=2e-3)
    with pytest.raises(UsageError, match="no band 'HH'"):
        ChipDataset(a, inputs="s1[VV_ASC-HH]", target="esa_worldcover")


def test_union_stats_merge_exactly_and_chips_align_by_id(regions) -> None:
    a, b = regions
    u = union_stats([a, b], "s1", "esa_worldcover", max_chips=None)
    # Independent: pool every train chip/period of both stores.
    vals = []
    for d in (a, b):
        st = ChipStore.open(d)
        t = st.chip_table("s1")
        for cid in t["chip"][t["split"].astype(object) == "train"]:
            for p in st.periods("s1"):
                x = st.read_chip("s1", str(cid), p)[0].astype("float64")
                vals.append(x[np.isfinite(x)])
    v = np.concatenate(vals)
    assert math.isclose(u["s1"]["bands"]["VV_ASC"]["mean"], v.mean(), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(u["s1"]["bands"]["VV_ASC"]["std"], v.std(), rel_tol=1e-7)
    ca = compute_stats(a, "esa_worldcover")["class_counts"]
    cb = compute_stats(b, "esa_worldcover")["class_counts"]
    assert u["esa_worldcover"]["class_counts"] == {k: ca.get(k, 0) + cb.get(k, 0) for k in sorted(
        set(ca) | set(cb), key=int)}
    # The same store twice is refused; a chip in two stores is read once (from the first).
    with pytest.raises(UsageError, match="twice"):
        MultiStoreDataset([a, a], "s1", "esa_worldcover", split=None)
    both = MultiStoreDataset([a, b], "s1", "esa_worldcover", split=None)
    assert len(set(both.chip_ids)) == len(both.chip_ids) == len(ChipDataset(a, "s1", split=None)) + len(
        ChipDataset(b, "s1", split=None))
    overlap = MultiStoreDataset([a, b], "s1", "esa_worldcover", split=None,
                                exclude=ChipDataset(b, "s1", split=None).chip_ids[:3])
    assert len(overlap) == len(both) - 3


def test_holdout_trains_on_other_stores_and_tests_on_every_held_out_chip(regions) -> None:
    a, b = regions
    train, val, test = holdout_datasets([a, b], b, "s1:2020-*", "esa_worldcover")
    held = set(ChipDataset(b, "s1:2020-*", split=None).chip_ids)
    assert set(test.chip_ids) == held and not held & (set(train.chip_ids) | set(val.chip_ids))
    assert set(train.chip_ids) == set(ChipDataset(a, "s1:2020-*", split="train").chip_ids)
    # Normalisation comes from the training region only.
    own = compute_stats(a, "s1")["bands"]["VV_ASC"]["mean"]
    assert test.stats["s1"]["bands"]["VV_ASC"]["mean"] == pytest.approx(own)
    with pytest.raises(UsageError, match="not one of"):
        holdout_datasets([a], b, "s1", "esa_worldcover")


def test_m3leo_train_16_channel_stack_beats_the_majority_baseline_on_the_held_out_region(regions, tmp_path) -> None:
    a, b = regions
    run = tmp_path / "run"
    res = _m3leo("train", "--store", str(a), "--store", str(b), "--holdout", str(b), "--input", "s1:2020-*",
                 "--target", "esa_worldcover", "--epochs", "2", "--device", "cpu", "--out", str(run), "--json",
                 timeout=900)
    assert res.returncode == 0, res.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    assert len(metrics["channels"]["s1"]) == 16 and metrics["holdout"] == str(b)
    assert metrics["chips"]["test"] == len(ChipDataset(b, "s1:2020-*", split=None))
    test = metrics["test"]
    assert test["miou"] > test["baseline_miou"] + 0.05 and test["acc"] > test["baseline_acc"], test


def test_cli_train_rejects_bad_multistore_and_input_options(regions, tmp_path) -> None:
    a, b = regions
    cases = [
        (["--store", str(a), "--holdout", str(b), "--input", "s1"], "--holdout needs several"),
        (["--store", str(a), "--store", str(a), "--input", "s1"], "twice"),
        (["--store", str(a), "--input", "s1:"], "has ':' but no period"),
        (["--store", str(a), "--input", "s1:2019-*"], "no stored period matches"),
        (["--store", str(a), "--input", "s1[VV_ASC^VH_ASC]"], "is not A-B"),
        (["--store", str(a), "--input", "s1,s1:2020-JJA"], "twice"),
    ]
    runs = [["train", *args, "--target", "esa_worldcover", "--epochs", "1", "--out", str(tmp_path / f"r{i}")]
            for i, (args, _) in enumerate(cases)]
    for (args, match), res in zip(cases, _m3leo_each(runs), strict=True):
        assert res.returncode == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and match in lines[0] and "Traceback" not in res.stderr, (args, res.stderr)


def test_input_text_parses_into_specs() -> None:
    specs = parse_inputs("s1:2020-DJF,2020-MAM[VV_ASC-VH_ASC,nd(VV_DSC,VH_DSC)],s2:2020,esa_worldcover")
    assert [s.collection for s in specs] == ["s1", "s2", "esa_worldcover"]
    assert specs[0].periods == ("2020-DJF", "2020-MAM") and [d.text for d in specs[0].derived] == [
        "VV_ASC-VH_ASC", "nd(VV_DSC,VH_DSC)"]
    assert str(specs[0]) == "s1:2020-DJF,2020-MAM[VV_ASC-VH_ASC,nd(VV_DSC,VH_DSC)]"
    assert parse_inputs([str(s) for s in specs]) == specs
    with pytest.raises(UsageError, match="unbalanced"):
        parse_inputs("s1[VV_ASC-VH_ASC")


def test_lightning_datamodule_serves_the_same_samples_and_fits(regions, tmp_path) -> None:
    L = pytest.importorskip("lightning")
    from m3leo_extract.datamodule import ChipDataModule
    from m3leo_extract.models import build_model

    a, b = regions
    dm = ChipDataModule([a, b], inputs="s1:2020-JJA,2020-SON", target="esa_worldcover", holdout=b, batch_size=2)
    dm.setup("fit")
    train, _, test = holdout_datasets([a, b], b, "s1:2020-JJA,2020-SON", "esa_worldcover")
    assert dm.channels == {"s1": 8} and dm.num_classes == train.num_classes and len(dm.test_ds) == len(test)
    batch = next(iter(dm.val_dataloader()))
    assert batch["s1"].shape == (2, 8, 400, 400) and batch["mask"].dtype == torch.int64
    torch.testing.assert_close(batch["s1"][0], dm.val_ds[0]["s1"])

    class Seg(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = build_model("unet", 8, dm.num_classes, base=4, depth=2)

        def training_step(self, batch, _):
            return torch.nn.functional.cross_entropy(self.net(batch["s1"][..., :64, :64]),
                                                     batch["mask"][..., :64, :64], ignore_index=-100)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    trainer = L.Trainer(fast_dev_run=True, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, default_root_dir=str(tmp_path))
    trainer.fit(Seg(), datamodule=dm)
    assert trainer.state.finished
