"""A `m3leo train` run's best checkpoint as a STAC item with the Machine Learning Model (MLM) extension.

Read from the run directory's plain JSON (config.json, metrics.json: inputs and their channels, classes,
parameters, scores), never by loading the checkpoint; the checkpoint is the item's `model` asset with its
checksum (file extension). `OUT/models/<run>.json`, linked from the root catalogue.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pystac
from pystac.extensions.file import FileExtension
from pystac.extensions.mlm import (
    AssetGeneralMLMExtension,
    InputStructure,
    MLMExtension,
    ModelInput,
    ModelOutput,
    ResultStructure,
)
from pystac.extensions.raster import DataType

from ..errors import UsageError
from .meta import multihash_sha256

TASKS = {"segmentation": "semantic-segmentation", "regression": "regression"}


def _run(path: Path) -> tuple[Path, Path, dict[str, Any]]:
    ckpt = path / "best.pt" if path.is_dir() else path
    run = ckpt.parent
    try:
        metrics = json.loads((run / "metrics.json").read_text())
    except (OSError, ValueError):
        raise UsageError(f"--checkpoint {path}: no metrics.json of a finished `m3leo train` run beside it; "
                         "give the run's --out folder or its best.pt") from None
    if not ckpt.is_file():
        raise UsageError(f"--checkpoint {path}: {ckpt} is not there; give the run's --out folder or its best.pt")
    return run, ckpt, metrics


def model_item(path: str | Path, out: Path, item_dir: str = "models") -> tuple[str, dict[str, Any]]:
    """(path relative to `out`, item dict) of the run's checkpoint."""
    run, ckpt, m = _run(Path(path).absolute())
    cfg = m.get("config", {})
    task = str(m.get("task", "segmentation"))
    crop = cfg.get("crop") or -1
    inputs = []
    for name, channels in (m.get("channels") or {}).items():
        inputs.append(ModelInput.create(
            name=name, bands=list(channels), description=f"{name}: normalised with the store's train-split stats",
            input=InputStructure.create(shape=[-1, len(channels), crop, crop],
                                        dim_order=["batch", "channel", "height", "width"], data_type=DataType.FLOAT32)))
    classes = list(m.get("classes") or [])
    names = list(m.get("class_names") or classes)
    k = len(classes) if task == "segmentation" else 1
    output = ModelOutput.create(
        name=str(cfg.get("target", "target")), tasks=[TASKS.get(task, task)],
        description=f"{task} of {cfg.get('target')}" + (": classes " + ", ".join(
            f"{i} = {c} ({n})" for i, (c, n) in enumerate(zip(classes, names, strict=False))) if classes else ""),
        result=ResultStructure.create(shape=[-1, k, crop, crop], dim_order=["batch", "channel", "height", "width"],
                                      data_type=DataType.FLOAT32))
    bands = [{"name": b, "description": f"input {name}: {b}"}  # STAC 1.1 bands (item and model asset)
             for name, chans in (m.get("channels") or {}).items() for b in chans]
    when = datetime.fromtimestamp(ckpt.stat().st_mtime, timezone.utc).replace(microsecond=0)
    item = pystac.Item(id=f"model-{run.name}", geometry=None, bbox=None, datetime=when,
                       properties={"description": f"m3leo train run {run.name}: {cfg.get('model')} on "
                                   f"{', '.join(m.get('channels') or {})} -> {cfg.get('target')}",
                                   "m3leo:best": m.get("best"), "m3leo:test": m.get("test"),
                                   "m3leo:chips": m.get("chips"), "m3leo:periods": m.get("periods"),
                                   "bands": bands})
    MLMExtension.ext(item, add_if_missing=True).apply(
        name=f"m3leo-{cfg.get('model', 'unet')}-{run.name}", architecture=str(cfg.get("model", "unet")).upper(),
        tasks=[TASKS.get(task, task)], input=inputs, output=[output], framework="pytorch",
        total_parameters=int(m["params"]) if m.get("params") else None, pretrained=False,
        batch_size_suggestion=int(cfg.get("batch_size", 8)))
    rel = f"{item_dir}/{run.name}.json"
    asset = pystac.Asset(href=os.path.relpath(ckpt, out / item_dir).replace(os.sep, "/"),
                         media_type="application/octet-stream; application=pytorch", roles=["mlm:model", "mlm:weights"],
                         title="best checkpoint (torch.save dict: model state_dict, config, classes)",
                         extra_fields={"bands": bands})
    item.add_asset("model", asset)
    AssetGeneralMLMExtension.ext(asset, add_if_missing=True).apply(artifact_type="torch.save")
    FileExtension.ext(asset, add_if_missing=True).apply(checksum=multihash_sha256(ckpt), size=ckpt.stat().st_size)
    d = _drop_none(item.to_dict(include_self_link=False, transform_hrefs=False))
    d["geometry"] = None
    d["links"] = [{"rel": "root", "href": "../catalog.json", "type": "application/json"},
                  {"rel": "parent", "href": "../catalog.json", "type": "application/json"}]
    return rel, d


def _drop_none(x: Any) -> Any:
    """pystac's MLM objects write unset optional fields as null, which the schema refuses for some."""
    if isinstance(x, dict):
        return {k: _drop_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_drop_none(v) for v in x]
    return x
