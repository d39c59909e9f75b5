"""Training tasks: what a target asks of the loop, one class per task (as torchgeo's trainers do).

A task owns its output channels, loss, metrics (with the trivial baseline), the score that picks the best
checkpoint, the one-line summary and how a preview draws labels and predictions. `train.py`'s loop never asks
which task it runs. The target's `kind` picks the task (`TASKS`); a new task (e.g. chip classification) is a
class with the same methods, registered there.

    segmentation  categorical target: cross-entropy (inverse-sqrt-frequency class weights, nodata ignored);
                  loss, pixel accuracy, mIoU and the majority-class baseline; best = val mIoU
    regression    continuous target: MSE on the target normalised with its train stats (nodata masked); loss,
                  RMSE (stored units), R2 and the train-mean baseline; best = val R2
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from .dataset import IGNORE_INDEX, ChipDataset
from .errors import StoreError
from .metrics import RegMetrics, SegMetrics
from .render import WORLDCOVER_COLOURS
from .stats import band_mean_std


class Task:
    """The interface every task implements; `name` is what checkpoints and metrics.json record."""

    name: ClassVar[str]
    score_key: ClassVar[str]  # the val metric the best checkpoint maximises
    metric_keys: ClassVar[tuple[str, ...]]  # the headline metrics (each also as baseline_<key>)
    best_format: ClassVar[str]  # the summary's val part, formatted with the best epoch's metrics and `epoch`
    test_format: ClassVar[str]  # its test part, with the test metrics
    out_channels: int

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def metrics(self) -> Any:
        """A fresh accumulator: `update(out, y, loss)`, read by `result`."""
        raise NotImplementedError

    def result(self, m: Any, per_class: bool = False) -> dict[str, Any]:
        raise NotImplementedError

    def prediction(self, out: torch.Tensor) -> torch.Tensor:
        """One chip's model output as a prediction in the target's terms (class index, or stored units)."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Extra facts for metrics.json."""
        return {}

    def score(self, val: dict[str, Any]) -> float:
        return float(val[self.score_key])

    @classmethod
    def summary(cls, best: dict[str, Any], test: dict[str, Any]) -> str:
        """The run's line: the best epoch's val metrics against the baseline, then the test metrics."""
        return cls.best_format.format(**best) + (f"; test {cls.test_format.format(**test)}" if test
                                                 else "; no test chips")

    def draw(self, label_ax: Any, pred_ax: Any, y: torch.Tensor, pred: torch.Tensor) -> None:
        raise NotImplementedError


class SegmentationTask(Task):
    name = "segmentation"
    score_key = "miou"
    metric_keys = ("miou", "acc")
    # Each metric beside its own baseline, named (predicting the majority train class everywhere), so that no
    # baseline reads as another metric's.
    best_format = ("best val (epoch {epoch}): mIoU {miou:.3f} against {baseline_miou:.3f} for the majority class, "
                   "accuracy {acc:.3f} against {baseline_acc:.3f}")
    test_format = ("mIoU {miou:.3f} against {baseline_miou:.3f} for the majority class, accuracy {acc:.3f} against "
                   "{baseline_acc:.3f}")

    def __init__(self, ds: ChipDataset, device: torch.device, class_weights: bool = True) -> None:
        k = ds.num_classes
        counts = np.zeros(k)
        for code, c in ds.target_stats().get("class_counts", {}).items():
            if int(code) in ds.classes:
                counts[ds.classes.index(int(code))] = c
        if counts.sum() == 0:
            raise StoreError(f"the train split of {ds.target} holds no labelled pixel; check the extraction")
        self.classes, self.target, self.device = list(ds.classes), ds.target, device
        self.majority = int(counts.argmax())
        self.out_channels = k
        self.weight = None
        if class_weights:
            freq = counts / counts.sum()
            w = np.where(freq > 0, 1.0 / np.sqrt(np.maximum(freq, 1e-12)), 0.0)
            w = w / (w * freq).sum()  # mean weight over pixels = 1
            self.weight = torch.tensor(w, dtype=torch.float32, device=device)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out.float(), y, weight=self.weight, ignore_index=IGNORE_INDEX)

    def metrics(self) -> SegMetrics:
        return SegMetrics(self.out_channels, self.device)

    def result(self, m: SegMetrics, per_class: bool = False) -> dict[str, Any]:
        res: dict[str, Any] = m.result(self.majority)
        if per_class:
            res["iou_per_class"] = m.per_class_iou()
        return res

    def prediction(self, out: torch.Tensor) -> torch.Tensor:
        return out.argmax(0)

    def describe(self) -> dict[str, Any]:
        return {"majority_class": self.classes[self.majority]}

    def draw(self, label_ax: Any, pred_ax: Any, y: torch.Tensor, pred: torch.Tensor) -> None:
        # matplotlib is imported only when a preview is drawn (heavy, and the loop itself never needs it)
        from matplotlib import colormaps
        from matplotlib.colors import BoundaryNorm, ListedColormap

        tab = colormaps["tab20"]
        wc = self.target == "esa_worldcover"
        colours = [WORLDCOVER_COLOURS.get(c, tab(i % 20)) if wc else tab(i % 20) for i, c in enumerate(self.classes)]
        cmap = ListedColormap(colours).with_extremes(bad=(0.85, 0.85, 0.85))
        norm = BoundaryNorm(np.arange(len(self.classes) + 1) - 0.5, len(self.classes))
        label_ax.imshow(np.ma.masked_equal(y.numpy(), IGNORE_INDEX), cmap=cmap, norm=norm, interpolation="nearest")
        pred_ax.imshow(pred.numpy(), cmap=cmap, norm=norm, interpolation="nearest")


class RegressionTask(Task):
    name = "regression"
    score_key = "r2"
    metric_keys = ("rmse", "r2")
    best_format = ("best val (epoch {epoch}): R2 {r2:.3f} against {baseline_r2:.3f} for the train mean, RMSE "
                   "{rmse:.4g} against {baseline_rmse:.4g}")
    test_format = ("R2 {r2:.3f} against {baseline_r2:.3f} for the train mean, RMSE {rmse:.4g} against "
                   "{baseline_rmse:.4g}")

    def __init__(self, ds: ChipDataset, device: torch.device, class_weights: bool = True) -> None:
        bands = ds.modalities[ds.target].bands  # type: ignore[index]
        mean, std = band_mean_std(ds.target_stats(), bands)
        self.t_mean = torch.tensor(mean, dtype=torch.float64)
        self.t_std = torch.tensor(std, dtype=torch.float64)
        self.out_channels = len(bands)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = out.float()
        yn = (y - self.t_mean.to(y).view(1, -1, 1, 1)) / self.t_std.to(y).view(1, -1, 1, 1)
        ok = torch.isfinite(yn)
        if not ok.any():
            return out.sum() * 0.0
        return F.mse_loss(out[ok], yn[ok])

    def metrics(self) -> RegMetrics:
        return RegMetrics(self.t_mean, self.t_std)

    def result(self, m: RegMetrics, per_class: bool = False) -> dict[str, Any]:
        return m.result()

    def prediction(self, out: torch.Tensor) -> torch.Tensor:
        return out.double().cpu() * self.t_std.view(-1, 1, 1) + self.t_mean.view(-1, 1, 1)

    def draw(self, label_ax: Any, pred_ax: Any, y: torch.Tensor, pred: torch.Tensor) -> None:
        y0 = y[0].numpy()
        vmin, vmax = np.nanpercentile(y0, [2, 98]) if np.isfinite(y0).any() else (0, 1)
        label_ax.imshow(np.ma.masked_invalid(y0), cmap="viridis", vmin=vmin, vmax=vmax)
        pred_ax.imshow(pred[0].numpy(), cmap="viridis", vmin=vmin, vmax=vmax)


# The task each target kind trains; `m3leo train` picks by the target collection's `kind`.
TASKS: dict[str, type[Task]] = {"categorical": SegmentationTask, "continuous": RegressionTask}
BY_NAME: dict[str, type[Task]] = {t.name: t for t in TASKS.values()}


def make_task(ds: ChipDataset, device: torch.device, class_weights: bool = True) -> Task:
    """The task of `ds`'s target (its kind), built from the train split's statistics."""
    kind = ds.modalities[ds.target].kind  # type: ignore[index]
    return TASKS.get(kind, RegressionTask)(ds, device, class_weights)  # any other kind: continuous values
