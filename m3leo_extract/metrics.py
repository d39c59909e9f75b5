"""Evaluation metrics of `m3leo train`: confusion-matrix accuracy / mIoU (segmentation), RMSE / R2 (regression),
each with its trivial baseline (the majority train class, the train mean)."""

from __future__ import annotations

import torch

from .dataset import IGNORE_INDEX


class SegMetrics:
    def __init__(self, k: int, device: torch.device) -> None:
        self.k = k
        self.conf = torch.zeros(k * k, dtype=torch.int64, device=device)
        self.loss = 0.0
        self.n = 0

    def update(self, logits: torch.Tensor, mask: torch.Tensor, loss: float) -> None:
        pred = logits.argmax(1)
        ok = mask != IGNORE_INDEX
        self.conf += torch.bincount(mask[ok] * self.k + pred[ok], minlength=self.k * self.k)
        self.loss += loss * int(ok.sum())
        self.n += int(ok.sum())

    def result(self, majority: int) -> dict[str, float]:
        conf = self.conf.view(self.k, self.k).double().cpu()
        base = torch.zeros_like(conf)
        base[:, majority] = conf.sum(1)
        acc, miou, _ = acc_miou(conf)
        bacc, bmiou, _ = acc_miou(base)
        return {"loss": self.loss / max(self.n, 1), "acc": acc, "miou": miou, "baseline_acc": bacc,
                "baseline_miou": bmiou}

    def per_class_iou(self) -> list[float | None]:
        return acc_miou(self.conf.view(self.k, self.k).double().cpu())[2]


def acc_miou(conf: torch.Tensor) -> tuple[float, float, list[float | None]]:
    """Pixel accuracy, mean IoU over the classes present in the labels, and per-class IoU (None if absent)."""
    total = conf.sum()
    tp = conf.diag()
    rows, cols = conf.sum(1), conf.sum(0)
    iou = tp / (rows + cols - tp).clamp(min=1)
    present = rows > 0
    acc = float(tp.sum() / total) if total > 0 else float("nan")
    miou = float(iou[present].mean()) if present.any() else float("nan")
    return acc, miou, [float(v) if p else None for v, p in zip(iou, present, strict=True)]


class RegMetrics:
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.mean, self.std = mean, std  # per band, the train split's
        c = mean.numel()
        self.n = torch.zeros(c, dtype=torch.float64)
        self.sy = torch.zeros(c, dtype=torch.float64)
        self.syy = torch.zeros(c, dtype=torch.float64)
        self.sse = torch.zeros(c, dtype=torch.float64)
        self.sse_base = torch.zeros(c, dtype=torch.float64)
        self.loss = 0.0
        self.count = 0

    def update(self, pred_norm: torch.Tensor, target: torch.Tensor, loss: float) -> None:
        pred = (pred_norm.double() * self.std.view(1, -1, 1, 1) + self.mean.view(1, -1, 1, 1)).cpu()
        y = target.double().cpu()
        ok = torch.isfinite(y)
        y0 = torch.where(ok, y, torch.zeros_like(y))
        err = torch.where(ok, pred - y0, torch.zeros_like(y))
        berr = torch.where(ok, self.mean.view(1, -1, 1, 1) - y0, torch.zeros_like(y))
        dims = (0, 2, 3)
        self.n += ok.sum(dims)
        self.sy += y0.sum(dims)
        self.syy += (y0 * y0).sum(dims)
        self.sse += (err * err).sum(dims)
        self.sse_base += (berr * berr).sum(dims)
        self.loss += loss * int(ok.sum())
        self.count += int(ok.sum())

    def result(self) -> dict[str, float]:
        n = self.n.clamp(min=1)
        sst = (self.syy - self.sy * self.sy / n).clamp(min=1e-12)
        r2 = 1.0 - self.sse / sst
        br2 = 1.0 - self.sse_base / sst
        return {"loss": self.loss / max(self.count, 1), "rmse": float(torch.sqrt(self.sse.sum() / n.sum())),
                "r2": float(r2.mean()), "baseline_rmse": float(torch.sqrt(self.sse_base.sum() / n.sum())),
                "baseline_r2": float(br2.mean())}
