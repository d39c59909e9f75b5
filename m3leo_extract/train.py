"""A thin, plain PyTorch training loop over the chip store: segmentation or regression, chosen by the target.

    result = train(TrainConfig(store="m3leo-data", inputs=["s1"], target="esa_worldcover", epochs=6))

The target's kind picks a task (`tasks.py`: categorical -> segmentation, continuous -> regression) that owns
the output channels, loss, metrics with their trivial baseline (the majority train class, or the train
mean), the score of the best checkpoint, the summary and the preview; the loop here is the same for every
task. The run directory gets config.json, metrics.csv, metrics.json, best.pt, last.pt
and predictions.png. Every random choice (crop windows, flips, order) is a function of (seed, epoch), and
last.pt carries the model, optimizer, scaler and RNG states, so `resume` continues exactly: an interrupted
N-epoch run resumed from epoch k ends with the same metrics as an uninterrupted one (on CPU).
"""

from __future__ import annotations

import csv
import json
import math
import os
import pickle
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from .dataset import ChipDataset, collate
from .errors import UsageError
from .inputs import parse_inputs
from .models import MODELS, build_model, count_parameters
from .multistore import split_datasets
from .tasks import BY_NAME, Task, make_task

Progress = Callable[[dict[str, Any]], None]


@dataclass
class TrainConfig:
    """Everything a run depends on; saved as RUN_DIR/config.json."""

    store: str | Path | Sequence[str | Path]  # one store, or several (regions) trained as one dataset
    inputs: Sequence[str] | str = ("s1",)  # InputSpec texts: "s1", "s1:2020-*", "s1:2020-*[VV_ASC-VH_ASC]"
    target: str = "esa_worldcover"
    epochs: int = 6
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    out: str | Path | None = None  # run directory (default: ./m3leo-run)
    batch_size: int = 8
    lr: float = 3e-3
    weight_decay: float = 1e-4
    model: str = "unet"
    base_channels: int = 16
    depth: int = 3
    crop: int | None = 128  # random training crops (px); None/0 = whole chips. Evaluation is on whole chips.
    crops_per_chip: int = 4  # training windows drawn per chip and epoch
    class_weights: bool = True  # segmentation: inverse-sqrt-frequency class weights (helps mIoU)
    workers: int | None = None  # DataLoader workers; None = 0 on CPU, up to 8 on CUDA
    pin_memory: bool | None = None  # None = on for CUDA
    prefetch_factor: int = 2
    seed: int = 0
    period: str | None = None  # None = each collection's latest period
    amp: bool = True  # mixed precision (CUDA only)
    channels_last: bool = True  # CUDA only
    eval_batch_size: int = 4
    preview_chips: int = 4
    resume: str | Path | None = None  # a run directory to continue from its last.pt
    holdout: str | Path | None = None  # one of the stores: test on all its chips, train/val on the others

    def __post_init__(self) -> None:
        self.inputs = [str(spec) for spec in parse_inputs(self.inputs)]
        if isinstance(self.store, (list, tuple)):
            self.store = [str(s) for s in self.store] if len(self.store) != 1 else str(self.store[0])
            if not self.store:
                raise UsageError("no store given; use --store DIR (repeat it for several regions)")
        if self.holdout is not None and not isinstance(self.store, list):
            raise UsageError("--holdout needs several --store directories, one of them the held-out region")
        if self.epochs < 1:
            raise UsageError(f"--epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise UsageError("--batch-size must be >= 1")
        if not self.lr > 0:
            raise UsageError(f"--lr must be > 0, got {self.lr}")
        if self.model not in MODELS:
            raise UsageError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.crop is not None and self.crop < 0:
            raise UsageError(f"--crop must be >= 0 (0 = whole chips), got {self.crop}")
        if self.workers is not None and self.workers < 0:
            raise UsageError(f"--workers must be >= 0, got {self.workers}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("out", "resume", "holdout"):
            d[k] = None if d[k] is None else str(d[k])
        d["store"] = [str(s) for s in self.store] if isinstance(self.store, list) else str(self.store)
        return d


def load_config(run_dir: str | Path) -> TrainConfig:
    """The TrainConfig a run directory was made with (for --resume)."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a training run directory (no config.json); pass the --out of a run")
    data = json.loads(path.read_text())
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in data.items() if k in known})


@dataclass
class TrainResult:
    """What a run gives back. `best_val` holds the best epoch's val metrics as the task reports them (e.g. miou,
    acc, baseline_miou, baseline_acc for segmentation; rmse, r2, baseline_* for regression) and its `epoch`."""

    run_dir: Path
    task: str
    target: str
    inputs: list[str]
    epochs: int
    best_epoch: int
    history: list[dict[str, Any]]
    test: dict[str, Any]
    best_val: dict[str, Any] = field(default_factory=dict)
    params: int = 0
    chips: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain data (what `m3leo train --json` prints): the headline metrics also under their flat names."""
        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "history"}
        d["run_dir"] = str(self.run_dir)
        for key in BY_NAME[self.task].metric_keys:
            d[f"best_val_{key}"] = self.best_val.get(key)
            d[f"baseline_val_{key}"] = self.best_val.get(f"baseline_{key}")
        return d

    def summary(self) -> str:
        best = {**self.best_val, "epoch": self.best_epoch}
        return (f"{'+'.join(self.inputs)} -> {self.target}: {BY_NAME[self.task].summary(best, self.test)}; "
                f"{self.seconds:.0f}s, {self.run_dir}")


# ----------------------------------------------------------------------------------------------- sampling


class _Augmented(Dataset):
    """Training view: key (index, y0, x0, size, k) = a window of chip `index`, rotated k*90 deg (k>=4: flipped)."""

    def __init__(self, ds: ChipDataset) -> None:
        self.ds = ds

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, key: tuple[int, int, int, int, int]) -> dict[str, Any]:
        i, y0, x0, size, k = key
        s = self.ds.sample(i, None if size <= 0 else (y0, x0, size, size))
        for name in [*self.ds.inputs, "mask"]:
            if name in s:
                t = s[name]
                if k >= 4:
                    t = torch.flip(t, (-1,))
                s[name] = torch.rot90(t, k % 4, (-2, -1)).contiguous()
        return s


class _EpochSampler(Sampler):
    """Training keys for one epoch, a pure function of (seed, epoch): what makes resume exact."""

    def __init__(self, n: int, chip_px: int, crop: int, per_chip: int, seed: int) -> None:
        self.n, self.chip_px, self.crop, self.per_chip, self.seed = n, chip_px, crop, per_chip, seed
        self.epoch = 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """The epoch's (index, y0, x0, k) as int64 arrays and the window size (0: whole chips): ~32 bytes a key,
        where a list of key tuples would hold ~150 (1.5 GB an epoch at 10M chips)."""
        rng = np.random.default_rng([self.seed, self.epoch])
        whole = self.crop <= 0 or self.crop >= self.chip_px
        per = 1 if whole else self.per_chip
        idx = np.repeat(np.arange(self.n), per)
        rng.shuffle(idx)
        hi = 0 if whole else self.chip_px - self.crop + 1
        ys = rng.integers(0, max(hi, 1), idx.size)
        xs = rng.integers(0, max(hi, 1), idx.size)
        ks = rng.integers(0, 8, idx.size)
        return idx, ys, xs, ks, 0 if whole else self.crop

    def keys(self) -> list[tuple[int, int, int, int, int]]:
        return list(self)

    def __iter__(self) -> Iterator[tuple[int, int, int, int, int]]:
        idx, ys, xs, ks, size = self.arrays()
        for lo in range(0, idx.size, 4096):  # tuples made a batch of keys at a time, as the loader asks
            part = zip(idx[lo:lo + 4096].tolist(), ys[lo:lo + 4096].tolist(), xs[lo:lo + 4096].tolist(),
                       ks[lo:lo + 4096].tolist(), strict=True)
            yield from ((i, y, x, size, k) for i, y, x, k in part)

    def __len__(self) -> int:
        whole = self.crop <= 0 or self.crop >= self.chip_px
        return self.n * (1 if whole else self.per_chip)


def _lr_at(step: int, total: int, base: float) -> float:
    """Short linear warm-up, then cosine decay to 5% of `base`: a function of the step, so no scheduler state."""
    warm = max(1, min(20, total // 10))
    if step < warm:
        return base * (step + 1) / warm
    p = (step - warm) / max(1, total - warm)
    return base * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, p))))


# ---------------------------------------------------------------------------------------------- the loop


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda asked for, but torch sees no CUDA GPU; use --device cpu or auto")
    try:
        return torch.device(name)
    except RuntimeError:
        raise UsageError(f"unknown --device {name!r}; use auto, cpu or cuda") from None


def _loader(ds: Dataset, cfg: TrainConfig, device: torch.device, *, batch_size: int,
            sampler: Any = None) -> DataLoader:
    cuda = device.type == "cuda"
    workers = cfg.workers if cfg.workers is not None else (min(8, max(1, (os.cpu_count() or 2) - 1)) if cuda else 0)
    kw: dict[str, Any] = {}
    if workers > 0:
        kw = {"prefetch_factor": cfg.prefetch_factor, "persistent_workers": True}
    return DataLoader(ds, batch_size=batch_size, sampler=sampler, num_workers=workers, collate_fn=collate,
                      pin_memory=cfg.pin_memory if cfg.pin_memory is not None else cuda, **kw)


class _Run:
    """State of one training run (datasets, model, optimiser), split out of `train` to keep steps readable."""

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.device = _device(cfg.device)
        self.cuda = self.device.type == "cuda"
        self.train_ds, self.val_ds, self.test_ds = make_datasets(cfg)
        for name, ds in (("train", self.train_ds), ("val", self.val_ds)):
            if len(ds) == 0:
                raise UsageError(
                    f"no {name} chips with all of {', '.join(cfg.inputs)} and {cfg.target} (skipped: "
                    f"{ds.skipped}); extract them, or, for a small AOI, choose a narrower split scheme "
                    "(`m3leo split --store DIR --scheme bands:width=4km,angle=0,guard=0`)")
        self.keys = list(self.train_ds.inputs)
        mods = self.train_ds.modalities
        px = {mods[n].chip_px for n in [*self.keys, cfg.target]}
        if len(px) > 1:
            raise UsageError(f"inputs and target have different chip sizes ({sorted(px)} px); store them at one "
                             "resolution to train on them together")
        self.chip_px = px.pop()
        in_ch = sum(self.train_ds.channels().values())
        self.task: Task = make_task(self.train_ds, self.device, cfg.class_weights)
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed)
        random.seed(cfg.seed)
        self.model = build_model(cfg.model, in_ch, self.task.out_channels, base=cfg.base_channels,
                                 depth=cfg.depth).to(self.device)
        if self.cuda and cfg.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.params = count_parameters(self.model)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.amp_dtype = None
        if self.cuda and cfg.amp:
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.sampler = _EpochSampler(len(self.train_ds), self.chip_px, cfg.crop or 0, cfg.crops_per_chip, cfg.seed)
        self.train_loader = _loader(_Augmented(self.train_ds), cfg, self.device, batch_size=cfg.batch_size,
                                    sampler=self.sampler)
        self.steps_per_epoch = math.ceil(len(self.sampler) / cfg.batch_size)
        self._eval_loaders: dict[int, DataLoader] = {}

    # -- one batch -------------------------------------------------------------------------------------------
    def _x(self, batch: dict[str, Any]) -> torch.Tensor:
        x = torch.cat([batch[n] for n in self.keys], 1).to(self.device, non_blocking=True)
        return x.contiguous(memory_format=torch.channels_last) if self.cuda and self.cfg.channels_last else x

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.amp_dtype is not None:
            with torch.autocast("cuda", dtype=self.amp_dtype):
                return self.model(x)
        return self.model(x)

    def train_epoch(self, epoch: int) -> tuple[float, float]:
        self.model.train()
        self.sampler.epoch = epoch
        total, n = 0.0, 0
        step = (epoch - 1) * self.steps_per_epoch
        lr = self.cfg.lr
        for batch in self.train_loader:
            lr = _lr_at(step, self.cfg.epochs * self.steps_per_epoch, self.cfg.lr)
            for g in self.opt.param_groups:
                g["lr"] = lr
            x = self._x(batch)
            y = batch["mask"].to(self.device, non_blocking=True)
            loss = self.task.loss(self._forward(x), y)
            self.opt.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
            total += float(loss.detach()) * x.shape[0]
            n += x.shape[0]
            step += 1
        return total / max(n, 1), lr

    @torch.no_grad()
    def evaluate(self, ds: ChipDataset, keep: int = 0) -> tuple[dict[str, float], list[dict[str, Any]]]:
        """Metrics over whole chips of `ds`; the first `keep` chips' inputs, labels and predictions too."""
        self.model.eval()
        m = self.task.metrics()
        kept: list[dict[str, Any]] = []
        loader = self._eval_loaders.get(id(ds))
        if loader is None:  # one per dataset, so persistent workers are not restarted every epoch
            loader = self._eval_loaders[id(ds)] = _loader(ds, self.cfg, self.device,
                                                          batch_size=self.cfg.eval_batch_size)
        for batch in loader:
            x = self._x(batch)
            y = batch["mask"].to(self.device, non_blocking=True)
            out = self._forward(x).float()
            m.update(out, y, float(self.task.loss(out, y)))
            for j in range(x.shape[0]):
                if len(kept) < keep:
                    kept.append({"chip_id": batch["chip_id"][j], "x": x[j].float().cpu(), "y": y[j].cpu(),
                                 "pred": self.task.prediction(out[j]).cpu()})
        return self.task.result(m, per_class=keep > 0), kept

    # -- checkpoints -----------------------------------------------------------------------------------------
    def state(self, epoch: int, history: list[dict[str, Any]], best: dict[str, Any]) -> dict[str, Any]:
        return {
            "epoch": epoch, "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
            "scaler": self.scaler.state_dict(), "history": history, "best": best, "config": self.cfg.to_json(),
            "task": self.task.name, "classes": self.train_ds.classes, "class_names": self.train_ds.class_names,
            "rng": {"torch": torch.get_rng_state(), "numpy": _numpy_rng_plain(), "python": random.getstate(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None},
        }

    def load(self, ck: dict[str, Any]) -> None:
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optimizer"])
        self.scaler.load_state_dict(ck["scaler"])
        rng = ck["rng"]
        torch.set_rng_state(rng["torch"])
        np.random.set_state(_numpy_rng_restore(rng["numpy"]))
        random.setstate(rng["python"])
        if rng.get("cuda") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])


def _numpy_rng_plain() -> dict[str, Any]:
    """numpy's global RNG state as tensors and plain values: loadable with torch.load(weights_only=True)."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": str(name), "keys": torch.from_numpy(np.asarray(keys).astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}


def _numpy_rng_restore(st: Any) -> Any:
    if isinstance(st, dict):
        return (st["name"], st["keys"].numpy().astype(np.uint32), st["pos"], st["has_gauss"], st["cached_gaussian"])
    return st


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint with tensors and plain data only (weights_only): a crafted file cannot run code."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, AttributeError, TypeError, ValueError) as exc:
        first = (str(exc).splitlines() or [""])[0][:160]
        raise UsageError(f"{path} is not a checkpoint m3leo can load safely ({type(exc).__name__}: {first}); it "
                         "holds more than tensors and plain data, or is damaged: start a new run with --out") from None


_RESUME_KEYS = ("store", "inputs", "target", "model", "base_channels", "depth", "crop", "crops_per_chip",
                "class_weights", "batch_size", "lr", "weight_decay", "seed", "period", "holdout")


def make_datasets(cfg: TrainConfig) -> tuple[Any, Any, Any]:
    """(train, val, test) datasets of a run (see `multistore.split_datasets`)."""
    return split_datasets(cfg.store, cfg.inputs, cfg.target, period=cfg.period, holdout=cfg.holdout)


def train(cfg: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train, validate every epoch, test the best checkpoint; everything goes to the run directory."""
    t0 = time.monotonic()
    emit = progress or (lambda ev: None)
    if cfg.resume is not None:
        run_dir = Path(cfg.resume)
        if cfg.out is not None and Path(cfg.out).resolve() != run_dir.resolve():
            raise UsageError("--resume continues a run in its own directory; drop --out or make it the same")
        last = run_dir / "last.pt"
        if not last.is_file():
            raise UsageError(f"{run_dir} has no last.pt to resume from; start a new run with --out")
        ck = load_checkpoint(last)
        saved = ck["config"]
        mine = cfg.to_json()
        diff = [k for k in _RESUME_KEYS if str(saved.get(k)) != str(mine.get(k))]
        if diff:
            raise UsageError(f"--resume with different {', '.join(diff)} than the run in {run_dir}; resume with the "
                             "run's own settings (only --epochs, --device and loader options may change)")
    else:
        run_dir = Path(cfg.out) if cfg.out is not None else Path("m3leo-run")
        ck = None
    run = _Run(cfg)  # device, datasets and model first: a run refused for any of them leaves no --out folder
    run_dir.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, Any]] = []
    best: dict[str, Any] = {"epoch": 0, "score": -math.inf}
    start = 1
    if ck is not None:
        run.load(ck)
        history, best, start = list(ck["history"]), dict(ck["best"]), int(ck["epoch"]) + 1
    (run_dir / "config.json").write_text(json.dumps({**cfg.to_json(), "resume": None, "out": str(run_dir)}, indent=2))
    emit({"event": "start", "task": run.task.name, "device": str(run.device), "params": run.params,
          "train_chips": len(run.train_ds), "val_chips": len(run.val_ds), "test_chips": len(run.test_ds),
          "first_epoch": start, "epochs": cfg.epochs})
    for epoch in range(start, cfg.epochs + 1):
        te = time.monotonic()
        train_loss, lr = run.train_epoch(epoch)
        val, _ = run.evaluate(run.val_ds)
        ev: dict[str, Any] = {"event": "epoch", "epoch": epoch, "epochs": cfg.epochs, "train_loss": train_loss}
        ev.update({f"val_{k}": v for k, v in val.items()})
        ev["lr"] = lr
        ev["seconds"] = round(time.monotonic() - te, 2)
        history.append(ev)
        score = run.task.score(val)
        if score > best["score"] or best["epoch"] == 0:
            best = {"epoch": epoch, "score": score, **{f"val_{k}": v for k, v in val.items()}}
            torch.save({"model": run.model.state_dict(), "epoch": epoch, "config": cfg.to_json(), "task": run.task.name,
                        "classes": run.train_ds.classes, "class_names": run.train_ds.class_names, "val": val},
                       run_dir / "best.pt")
        torch.save(run.state(epoch, history, best), run_dir / "last.pt")
        _write_metrics(run_dir, run, history, best, None)
        emit(ev)
    # Test with the best checkpoint.
    test: dict[str, Any] = {}
    best_ck = load_checkpoint(run_dir / "best.pt")
    run.model.load_state_dict(best_ck["model"])
    if len(run.test_ds):
        test, kept = run.evaluate(run.test_ds, keep=cfg.preview_chips)
        _preview(run_dir / "predictions.png", run, kept)
    elif cfg.preview_chips:
        _, kept = run.evaluate(run.val_ds, keep=cfg.preview_chips)
        _preview(run_dir / "predictions.png", run, kept)
    emit({"event": "test", "chips": len(run.test_ds), **{k: v for k, v in test.items() if k != "iou_per_class"}})
    seconds = time.monotonic() - t0
    _write_metrics(run_dir, run, history, best, test)
    best_val = {k[4:]: v for k, v in best.items() if k.startswith("val_")}
    return TrainResult(run_dir=run_dir, task=run.task.name, target=cfg.target, inputs=list(cfg.inputs),
                       epochs=cfg.epochs, best_epoch=int(best["epoch"]), history=history, test=test, best_val=best_val,
                       params=run.params, chips={"train": len(run.train_ds), "val": len(run.val_ds),
                                                 "test": len(run.test_ds)}, seconds=round(seconds, 1))


def _write_metrics(run_dir: Path, run: _Run, history: list[dict[str, Any]], best: dict[str, Any],
                   test: dict[str, Any] | None) -> None:
    cols = [k for k in history[0] if k != "event"] if history else []
    tmp = run_dir / "metrics.csv.tmp"
    with tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(history)
    tmp.replace(run_dir / "metrics.csv")
    doc = {"task": run.task.name, "config": run.cfg.to_json(), "params": run.params,
           "chips": {"train": len(run.train_ds), "val": len(run.val_ds), "test": len(run.test_ds)},
           "skipped": {"train": run.train_ds.skipped, "val": run.val_ds.skipped, "test": run.test_ds.skipped},
           "periods": {n: [m.period for m in stack] for n, stack in run.train_ds.stacks.items()},
           "channels": run.train_ds.channel_names(), "holdout": run.cfg.to_json()["holdout"],
           "classes": run.train_ds.classes, "class_names": run.train_ds.class_names,
           "history": history, "best": {k: v for k, v in best.items() if k != "score"}, "test": test,
           **run.task.describe()}
    tmp = run_dir / "metrics.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2, default=float))
    tmp.replace(run_dir / "metrics.json")


def _preview(path: Path, run: _Run, kept: list[dict[str, Any]]) -> None:
    """A PNG grid: per chip, the first input band, the label and the prediction (the task draws those two)."""
    if not kept:
        return
    # A bare Figure on the Agg canvas: no pyplot, so the caller's backend and figure list stay untouched.
    # matplotlib is imported here only: heavy, and only the preview needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3 * len(kept)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(kept), 3, squeeze=False)
    for row, p in zip(axes, kept, strict=True):
        x = p["x"][0].numpy()
        lo, hi = np.percentile(x, [2, 98])
        row[0].imshow(x, cmap="gray", vmin=lo, vmax=hi)
        row[0].set_title(f"{p['chip_id']} {run.cfg.inputs[0]} band 1", fontsize=8)
        run.task.draw(row[1], row[2], p["y"], p["pred"])
        row[1].set_title(f"label ({run.cfg.target})", fontsize=8)
        row[2].set_title("prediction", fontsize=8)
        for ax in row:
            ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
