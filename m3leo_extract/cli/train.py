"""`m3leo train` and `m3leo stats`: parse, validate, delegate to m3leo_extract.train / m3leo_extract.stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import NotInStoreError, UsageError
from . import app

# The library modules behind these commands (torch, zarr) are imported inside them, so `m3leo --help` and the
# other commands never pay for loading torch.


def _epoch_line(ev: dict[str, Any]) -> str:
    head = f"epoch {ev['epoch']}/{ev['epochs']}  train_loss {ev['train_loss']:.4f}  val_loss {ev['val_loss']:.4f}"
    if "val_miou" in ev:
        body = (f"  val_acc {ev['val_acc']:.3f}  val_miou {ev['val_miou']:.3f}  (majority baseline acc "
                f"{ev['val_baseline_acc']:.3f} mIoU {ev['val_baseline_miou']:.3f})")
    else:
        body = (f"  val_rmse {ev['val_rmse']:.4g}  val_r2 {ev['val_r2']:.3f}  (mean baseline rmse "
                f"{ev['val_baseline_rmse']:.4g} r2 {ev['val_baseline_r2']:.3f})")
    return f"{head}{body}  lr {ev['lr']:.2e}  {ev['seconds']:.1f}s"


def _print_event(ev: dict[str, Any]) -> None:
    kind = ev.get("event")
    if kind == "start":
        typer.echo(f"train: {ev['task']} on {ev['device']}, {ev['params']:,} parameters, chips train "
                   f"{ev['train_chips']} / val {ev['val_chips']} / test {ev['test_chips']}, epochs "
                   f"{ev['first_epoch']}..{ev['epochs']}")
    elif kind == "epoch":
        typer.echo(_epoch_line(ev))
    elif kind == "test":
        if "miou" in ev:
            typer.echo(f"test ({ev['chips']} chips, best checkpoint): acc {ev['acc']:.3f}  miou {ev['miou']:.3f}  "
                       f"(majority baseline acc {ev['baseline_acc']:.3f} mIoU {ev['baseline_miou']:.3f})")
        elif "rmse" in ev:
            typer.echo(f"test ({ev['chips']} chips, best checkpoint): rmse {ev['rmse']:.4g}  r2 {ev['r2']:.3f}  "
                       f"(mean baseline rmse {ev['baseline_rmse']:.4g} r2 {ev['baseline_r2']:.3f})")
        else:
            typer.echo("test: no test chips in the store; predictions.png shows val chips")


def _check_collections(cfg: Any) -> None:
    """The store and every input/target collection exist: exit 2 before a run directory is made."""
    # zarr and the training stack load in ~0.5 s: every `m3leo` start imports this module to register it
    from ..inputs import parse_inputs
    from ..store import ChipStore

    stores = cfg.store if isinstance(cfg.store, (list, tuple)) else [cfg.store]
    names = [spec.collection for spec in parse_inputs(cfg.inputs)] + [cfg.target]
    for store in stores:
        have = set(ChipStore.open(store).collections())
        for name in names:
            if name not in have:
                listed = ", ".join(sorted(have)) or "nothing yet"
                raise NotInStoreError(f"collection {name!r} is not in {store} (it has {listed}); extract or tile it "
                                      "first, or pick another --input/--target")


@app.command()
def train(
    store: Annotated[list[Path] | None, typer.Option("--store", help="Dataset directory (Zarr store + state); "
                                                     "repeat it to train on several regions as one dataset.")]
    = None,
    inputs: Annotated[str | None, typer.Option("--input", help=(
        "Inputs, comma-separated: s1[,s2]; periods stacked as channels: s1:2020-DJF,2020-MAM or s1:2020-*; "
        "derived bands: s1:2020-*[VV_ASC-VH_ASC]."))] = None,
    holdout: Annotated[Path | None, typer.Option("--holdout", help="One of the --store directories: test on all its "
                                                 "chips, train and validate on the others.")] = None,
    target: Annotated[str | None, typer.Option(help="Target collection (default: esa_worldcover).")] = None,
    model: Annotated[str | None, typer.Option(help="Model (default: unet).")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs (default: 6).")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="Batch size (default: 8).")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate (AdamW, cosine) (default: 3e-3).")]
    = None,
    device: Annotated[str | None, typer.Option(help="auto | cpu | cuda (default: auto).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run directory (default: ./m3leo-run).")] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory.")]
    = None,
    workers: Annotated[int | None, typer.Option(min=0, help="DataLoader workers (default: 0 on CPU, up to 8 on CUDA).")]
    = None,
    pin_memory: Annotated[bool | None, typer.Option("--pin-memory/--no-pin-memory",
                                                       help="Pin host memory (default: on with CUDA).")] = None,
    prefetch_factor: Annotated[int | None, typer.Option("--prefetch-factor", min=1, help="Batches per worker ahead.")]
    = None,
    crop: Annotated[int | None, typer.Option(min=0, help="Training crop size in px, 0 = whole chips (default: 128).")]
    = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: 0).")] = None,
    period: Annotated[str | None, typer.Option(help="Period to train on (default: each collection's latest).")]
    = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a finished or interrupted run in --out.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the final result as JSON.")] = False,
) -> None:
    """Train a small UNet on the chips: segmentation for a categorical target, regression otherwise."""
    from ..train import TrainConfig, load_config
    from ..train import train as run_train

    given: dict[str, Any] = {"store": store, "inputs": inputs, "target": target, "model": model, "epochs": epochs,
             "batch_size": batch_size, "lr": lr, "device": device, "out": out, "workers": workers,
             "pin_memory": pin_memory, "prefetch_factor": prefetch_factor, "crop": crop, "seed": seed,
             "period": period, "holdout": holdout}
    given = {k: v for k, v in given.items() if v is not None}
    if "store" in given:
        given["store"] = [str(p) for p in given["store"]]
    if resume is not None:
        base = load_config(resume).to_json()
        base.update(given)
        base["resume"] = resume
        base["out"] = None
        cfg = TrainConfig(**base)
    else:
        if "store" not in given or "inputs" not in given:
            raise UsageError("train needs --store DIR and --input COLLECTIONS (or --resume RUN_DIR)")
        cfg = TrainConfig(**given)
        run_dir = Path(cfg.out or "m3leo-run")
        if (run_dir / "last.pt").exists() and not overwrite:
            raise UsageError(f"{run_dir} already holds a run; continue it with --resume {run_dir}, or pass "
                             "--overwrite (or another --out) to start over")
    _check_collections(cfg)
    result = run_train(cfg, progress=None if as_json else _print_event)
    if as_json:
        typer.echo(json.dumps(result.to_json(), default=float))
    else:
        typer.echo(f"train: {result.summary()}")


@app.command()
def stats(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")] = Path(
        "m3leo-data"),
    collection: Annotated[str | None, typer.Option(help="Collections, comma-separated (default: all).")] = None,
    max_chips: Annotated[int | None, typer.Option("--max-chips", min=1, help="Sample whole shards up to this many "
                                                     "train chips (default: every train chip).")] = None,
) -> None:
    """Recompute per-band normalisation stats (train split, nodata ignored) under the dataset's run lock, save
    them in the store, print JSON. Readers (train, ChipDataset) use saved stats while fresh and never write."""
    from ..stats import store_stats

    names = [c.strip() for c in collection.split(",") if c.strip()] if collection else None
    typer.echo(json.dumps(store_stats(store, names, max_chips=max_chips), indent=2))
