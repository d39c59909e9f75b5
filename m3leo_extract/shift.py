"""Distribution shift between splits and between regions (M3LEO's analysis, as code).

Per collection of the given stores:

- categorical (e.g. ESA WorldCover): the L1 distance sum_k |p_k - q_k| between the class distributions
  (pixel fractions of each class code, nodata left out) of two chip sets: 0 = identical, 2 = disjoint;
- continuous: the Wasserstein-1 distance per band between the two sets' valid pixel values (stored units),
  on all of them, or on `max_pixels` drawn with `seed` from each set when there are more;
- with a checkpoint of `m3leo train`: the sliced Wasserstein distance between the model's embeddings (the
  encoder's deepest features, averaged over the chip) of the run's train and test chips, over `projections`
  random directions drawn with `seed`.

Comparisons: within each store, train vs val and train vs test; between every two stores, all chips vs all
chips. Values are read as stored (every period written, or `period`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StoreError, UsageError
from .nodata import is_nan, nodata_mask
from .store import ChipStore

# torch (and the training modules) only for --checkpoint embeddings, matplotlib only for --png: imported inside
# those functions, so the distances themselves load neither.

SPLIT_PAIRS = (("train", "val"), ("train", "test"))


@dataclass(frozen=True)
class ShiftOptions:
    max_pixels: int = 200_000  # per chip set and band; more are sampled with `seed`
    seed: int = 0
    period: str | None = None  # None: every period written
    projections: int = 128  # sliced Wasserstein directions

    def __post_init__(self) -> None:
        if self.max_pixels < 1 or self.projections < 1:
            raise UsageError("--max-pixels and --projections must be >= 1")


@dataclass(frozen=True)
class ShiftRow:
    collection: str
    kind: str  # categorical | continuous | embedding
    metric: str  # l1 | w1 | sliced_w1
    band: str | None
    a: str  # "STORE:split" or "STORE:all"
    b: str
    value: float
    n_a: int  # pixels (or chips, for embeddings) on each side
    n_b: int


# -------------------------------------------------------------------------------------------- the distances


def l1_distance(p: dict[int, int] | np.ndarray, q: dict[int, int] | np.ndarray) -> float:
    """L1 distance between two class distributions given as counts ({code: count} or bincount arrays)."""
    pa, qa = (_as_dict(x) for x in (p, q))
    tp, tq = sum(pa.values()), sum(qa.values())
    if tp == 0 or tq == 0:
        return math.nan
    return float(sum(abs(pa.get(k, 0) / tp - qa.get(k, 0) / tq) for k in set(pa) | set(qa)))


def _as_dict(x: dict[int, int] | np.ndarray) -> dict[int, int]:
    if isinstance(x, dict):
        return {int(k): int(v) for k, v in x.items()}
    return {int(k): int(x[k]) for k in np.flatnonzero(x)}


def wasserstein1(u: np.ndarray, v: np.ndarray) -> float:
    """W1 between two 1-D empirical distributions: the integral of |F_u - F_v| (sorted samples, exact)."""
    u = np.sort(np.asarray(u, dtype="float64").ravel())
    v = np.sort(np.asarray(v, dtype="float64").ravel())
    if u.size == 0 or v.size == 0:
        return math.nan
    xs = np.sort(np.concatenate([u, v]))
    deltas = np.diff(xs)
    fu = np.searchsorted(u, xs[:-1], side="right") / u.size
    fv = np.searchsorted(v, xs[:-1], side="right") / v.size
    return float(np.sum(np.abs(fu - fv) * deltas))


def projections(dim: int, n: int, seed: int = 0) -> np.ndarray:
    """(n, dim) random unit directions (Gaussian, normalised) drawn with `seed`."""
    theta = np.random.default_rng(seed).normal(size=(n, dim))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, proj: np.ndarray) -> float:
    """Mean over the directions of W1 between the projections of two point sets (rows)."""
    pa, pb = np.asarray(a, "float64") @ proj.T, np.asarray(b, "float64") @ proj.T
    return float(np.mean([wasserstein1(pa[:, i], pb[:, i]) for i in range(proj.shape[0])]))


# ------------------------------------------------------------------------------------------- reading values


def _rows(st: ChipStore, name: str, split: str | None) -> np.ndarray:
    table = st.chip_table(name)
    if split is None:
        return np.arange(table["chip"].shape[0])
    return np.flatnonzero(table["split"].astype(object) == split)


def values(st: ChipStore, name: str, split: str | None, opts: ShiftOptions) -> tuple[Any, int]:
    """Categorical: ({code: pixel count}, pixels). Continuous: ([per-band valid values], pixels of band 0),
    each band sampled down to opts.max_pixels with opts.seed."""
    spec = st.spec(name)
    data: Any = st.group[name]["data"]
    valid = st.read_valid(name)
    times = range(valid.shape[1]) if opts.period is None else [st.time_of(name, opts.period)]
    nan_nodata = is_nan(spec.nodata)
    rows = _rows(st, name, split)
    counts: dict[int, int] = {}
    per_band: list[list[np.ndarray]] = [[] for _ in spec.bands]
    s = st.shard_chips(name)
    for t in times:
        written = rows[~np.isnan(valid[rows, t])] if rows.size else rows
        for shard in np.unique(written // s):
            sel = written[written // s == shard]
            lo, hi = int(sel.min()), int(sel.max()) + 1
            block = np.asarray(data[lo:hi, t])[sel - lo]
            for b in range(block.shape[1]):
                x = block[:, b].ravel()
                ok = np.isfinite(x) if np.issubdtype(x.dtype, np.floating) else np.ones(x.shape, bool)
                if not nan_nodata:  # NaN is not finite: already out
                    ok &= ~nodata_mask(x, spec.nodata)
                if spec.kind == "categorical":
                    for k, c in zip(*np.unique(x[ok].astype("int64"), return_counts=True), strict=True):
                        counts[int(k)] = counts.get(int(k), 0) + int(c)
                    break
                per_band[b].append(x[ok])
    if spec.kind == "categorical":
        return counts, sum(counts.values())
    rng = np.random.default_rng(opts.seed)
    out = []
    for parts in per_band:
        v = np.concatenate(parts) if parts else np.zeros(0)
        if v.size > opts.max_pixels:
            v = v[np.sort(rng.choice(v.size, opts.max_pixels, replace=False))]
        out.append(v)
    return out, int(sum(p.size for p in per_band[0]))


def _compare(st_a: ChipStore, la: str, split_a: str | None, st_b: ChipStore, lb: str, split_b: str | None,
             name: str, opts: ShiftOptions) -> list[ShiftRow]:
    spec = st_a.spec(name)
    va, na = values(st_a, name, split_a, opts)
    vb, nb = values(st_b, name, split_b, opts)
    if na == 0 or nb == 0:
        return []
    a, b = f"{la}:{split_a or 'all'}", f"{lb}:{split_b or 'all'}"
    if spec.kind == "categorical":
        return [ShiftRow(name, "categorical", "l1", None, a, b, l1_distance(va, vb), na, nb)]
    return [ShiftRow(name, "continuous", "w1", band, a, b, wasserstein1(x, y), int(x.size), int(y.size))
            for band, x, y in zip(spec.bands, va, vb, strict=True)]


def _labels(stores: Sequence[str | Path]) -> list[str]:
    names = [Path(str(s)).name or str(s) for s in stores]
    return names if len(set(names)) == len(names) else [str(s) for s in stores]


def shift(stores: Sequence[str | Path], collections: Sequence[str] | None = None,
          opts: ShiftOptions | None = None, checkpoint: str | Path | None = None) -> list[ShiftRow]:
    """Every comparison (see the module docstring) as rows."""
    opts = opts or ShiftOptions()
    if not stores:
        raise UsageError("give at least one --store")
    opened = [ChipStore.open(s) for s in stores]
    labels = _labels(stores)
    have = [set(st.collections()) for st in opened]
    names = list(collections) if collections else sorted(set.intersection(*have))
    for name in names:
        missing = [str(s) for s, h in zip(stores, have, strict=True) if name not in h]
        if missing:
            raise UsageError(f"collection {name!r} is not in {', '.join(missing)}")
        for st in opened:
            if opts.period is not None and opts.period not in st.periods(name):
                raise UsageError(f"--period {opts.period}: collection {name!r} of {st.root} has "
                                 f"{', '.join(st.periods(name)) or 'no period'}")
    rows: list[ShiftRow] = []
    for name in names:
        for st, lab in zip(opened, labels, strict=True):
            for sa, sb in SPLIT_PAIRS:
                rows += _compare(st, lab, sa, st, lab, sb, name, opts)
        for i in range(len(opened)):
            for j in range(i + 1, len(opened)):
                rows += _compare(opened[i], labels[i], None, opened[j], labels[j], None, name, opts)
    if checkpoint is not None:
        rows.append(embedding_shift(checkpoint, opts))
    return rows


# ------------------------------------------------------------------------------------------------ embeddings


def embeddings(checkpoint: str | Path, split: str, *, batch_size: int = 4) -> np.ndarray:
    """(chips, features): the checkpoint's encoder output, averaged over each chip, for its run's `split` chips
    ("train" or "test"; with a held-out region, test = every chip of it)."""
    import torch
    import torch.nn.functional as F

    from .models import build_model
    from .train import TrainConfig, make_datasets

    path = Path(checkpoint)
    if not path.is_file():
        raise UsageError(f"--checkpoint {path} is not a file; give a run's best.pt or last.pt")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
        cfg = TrainConfig(**{k: v for k, v in ck["config"].items() if k in TrainConfig.__dataclass_fields__})
    except Exception as exc:  # torch.load raises many types (UnpicklingError, RuntimeError, EOFError, ...)
        raise UsageError(f"--checkpoint {path} is not a checkpoint of `m3leo train` ({type(exc).__name__})") from None
    train_ds, _, test_ds = make_datasets(cfg)
    ds = train_ds if split == "train" else test_ds
    if len(ds) == 0:
        raise StoreError(f"the run of {path} has no {split} chips to embed")
    in_ch = sum(ds.channels().values())
    model = build_model(cfg.model, in_ch, len(ck.get("classes") or []) or _out_channels(ck), base=cfg.base_channels,
                        depth=cfg.depth)
    model.load_state_dict(ck["model"])
    model.eval()
    feats = []
    keys = list(ds.inputs)
    with torch.no_grad():
        for lo in range(0, len(ds), batch_size):
            samples = [ds[i] for i in range(lo, min(lo + batch_size, len(ds)))]
            x = torch.cat([torch.stack([s[k] for s in samples]) for k in keys], 1)
            for k, enc in enumerate(model.enc):
                x = enc(x if k == 0 else F.max_pool2d(x, 2))
            feats.append(x.mean((-2, -1)).double().numpy())
    return np.concatenate(feats)


def _out_channels(ck: dict[str, Any]) -> int:
    return int(ck["model"]["head.weight"].shape[0])


def embedding_shift(checkpoint: str | Path, opts: ShiftOptions) -> ShiftRow:
    a, b = embeddings(checkpoint, "train"), embeddings(checkpoint, "test")
    value = sliced_wasserstein(a, b, projections(a.shape[1], opts.projections, opts.seed))
    return ShiftRow("embedding", "embedding", "sliced_w1", None, "run:train", "run:test", value, len(a), len(b))


# ---------------------------------------------------------------------------------------------------- output


def as_dicts(rows: Sequence[ShiftRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def table(rows: Sequence[ShiftRow]) -> list[str]:
    head = f"{'collection':16} {'metric':9} {'band':14} {'a':24} {'b':24} {'value':>10}"
    return [head] + [f"{r.collection:16} {r.metric:9} {r.band or '-':14} {r.a:24} {r.b:24} {r.value:10.4f}"
                     for r in rows]


def write_png(rows: Sequence[ShiftRow], path: str | Path) -> Path:
    """Horizontal bars, one per comparison, grouped by collection and metric."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, max(2.5, 0.3 * len(rows) + 1)))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    labels = [f"{r.collection} {r.band or r.metric}: {r.a} vs {r.b}" for r in rows]
    colours = {"l1": "#dd8452", "w1": "#4c72b0", "sliced_w1": "#55a868"}
    ax.barh(range(len(rows)), [r.value for r in rows], color=[colours[r.metric] for r in rows])
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("distance (L1 of class fractions; W1 in stored units; sliced W1 of embeddings)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=90)
    return path
