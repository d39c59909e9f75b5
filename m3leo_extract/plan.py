"""What a run will cost, before a single request: chips, units, requests, bytes, store size, wall time.

The arithmetic mirrors what `extract` does: chips in id order are cut into shards of `shard_chips` (one work
unit per collection, composite period and shard), each unit into blocks that fit one computePixels request
(`ee.sizing.plan_blocks`), and the runner keeps `max_concurrency` requests in flight at most `max_rps` per
second. Wall time is then requests / min(max_rps, max_concurrency / latency).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import Period, Recipe
from .ee.sizing import REQUEST_BYTE_LIMIT, plan_blocks
from .grid import ChipArrays, chip_arrays

PLAN_OVERHEAD_S = 0.3  # grid, store and state set-up before the first request (small AOIs; grows with chips)
DEFAULT_LATENCY_S = 0.4  # typical computePixels latency for a few-MB composite; measure yours with extract
MAX_QUEUED_TASKS = 3000  # Earth Engine's per-project export queue
# Zstd(3) compressed / raw bytes, measured on the emulator's synthetic chips (docs/benchmarks.md); real data
# compresses differently, and `plan --store DIR` measures the ratio of an existing store instead.
DEFAULT_CODEC_RATIO = {"float32": 0.85, "float64": 0.85, "uint16": 0.55, "int16": 0.6, "uint8": 0.12}
# Non-commercial Earth Engine tiers (2025): EECU-hours of batch + online compute per month.
NONCOMMERCIAL_EECU_HOURS = {"community": 150.0, "contributor": 1000.0, "partner": 100_000.0}
# Assumed EECU-seconds per megapixel-band of a median composite (order of magnitude, not a quote).
EECU_S_PER_MPX_BAND = 0.2


def _shard_pattern(rows: np.ndarray, cols: np.ndarray) -> tuple[tuple[int, int], ...]:
    r0, c0 = int(rows.min()), int(cols.min())
    return tuple(zip((rows - r0).tolist(), (cols - c0).tolist(), strict=True))


def count_requests(chips: ChipArrays, shard_chips: int, chip_px: int, n_bands: int, dtype: str,
                   byte_limit: int = REQUEST_BYTE_LIMIT) -> tuple[int, int]:
    """(units, requests) for one collection and composite: shards of consecutive chips, blocks per shard."""
    n = len(chips)
    epsg = chips.epsg
    cache: dict[tuple[Any, ...], int] = {}
    requests = 0
    units = 0
    for lo in range(0, n, shard_chips):
        sl = slice(lo, lo + shard_chips)
        units += 1
        zs = epsg[sl]
        key: tuple[Any, ...] = (tuple(np.unique(zs).tolist()) if zs.min() != zs.max() else (),
                                _shard_pattern(chips.row[sl], chips.col[sl]))
        if key not in cache:
            blocks = plan_blocks(zip(zs.tolist(), chips.row[sl].tolist(), chips.col[sl].tolist(), strict=True),
                                 chip_px, n_bands, dtype, byte_limit)
            cache[key] = len(blocks)
        requests += cache[key]
    return units, requests


def measured_ratio(store_dir: str | Path | None, collection: str) -> float | None:
    """On-disk / raw bytes of a collection in an existing store, if there is one with data."""
    if store_dir is None:
        return None
    data = Path(store_dir) / "chips.zarr" / collection / "data"
    if not data.is_dir():
        return None
    try:
        from .store import ChipStore

        store = ChipStore.open(store_dir)
        spec = store.spec(collection)
        written = int(np.sum(np.isfinite(store.read_valid(collection))))
    except Exception:
        return None
    if written == 0:
        return None
    raw = written * spec.chip_px ** 2 * len(spec.bands) * np.dtype(spec.dtype).itemsize
    disk = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    return disk / raw


def measured_latency(store_dir: str | Path | None) -> float | None:
    """Effective seconds per request of the last extract into `store_dir`: fetch-phase wall x in-flight / requests.

    This folds in everything a request really costs on this machine (Earth Engine's latency, the client's own
    CPU per request), so `plan --store DIR` predicts the next run from the last one.
    """
    if store_dir is None or not (Path(store_dir) / "state.sqlite").exists():
        return None
    import json

    from .state import StateDB

    db = StateDB(Path(store_dir) / "state.sqlite")
    try:
        rows = db.conn.execute("SELECT summary FROM runs WHERE finished_at IS NOT NULL AND command='extract' "
                               "ORDER BY id DESC").fetchall()
    finally:
        db.close()
    for row in rows:
        s = json.loads(row["summary"] or "{}")
        secs = s.get("fetch_seconds") or s.get("seconds")
        if s.get("requests") and secs and s.get("peak_in_flight"):
            return float(secs) * float(s["peak_in_flight"]) / float(s["requests"])
    return None


def estimate(geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], *, mode: str = "pixels",
             shard_chips: int = 16, max_concurrency: int = 40, max_rps: float = 100.0,
             latency_s: float | None = None, byte_limit: int = REQUEST_BYTE_LIMIT,
             store_dir: str | Path | None = None, state_path: str | Path | None = None,
             chips: ChipArrays | None = None) -> dict[str, Any]:
    """The plan's figures as JSON-able data. `state_path` also records every unit in a state database."""
    chips = chip_arrays(geometry) if chips is None else chips
    n = len(chips)
    latency_source = "given"
    if latency_s is None:
        latency_s = measured_latency(store_dir)
        latency_source = "measured" if latency_s is not None else "assumed"
        latency_s = latency_s if latency_s is not None else DEFAULT_LATENCY_S
    per: dict[str, Any] = {}
    tot_units = tot_req = tot_raw = tot_disk = 0
    mpx_bands = 0.0
    rows_for_state: list[tuple[str, str, int, list[str], int, str]] = []
    ids = chips.ids() if state_path else []
    for r in recipes:
        comps = sorted({c for p in periods for c in r.periods(p)})
        nb = len(r.bands)
        if r.remote:
            units, reqs = count_requests(chips, shard_chips, r.chip_px, nb, r.dtype, byte_limit)
        else:
            units, reqs = math.ceil(n / shard_chips), 0
        raw = n * r.chip_px ** 2 * nb * np.dtype(r.dtype).itemsize
        ratio = measured_ratio(store_dir, r.name) or DEFAULT_CODEC_RATIO.get(r.dtype, 0.7)
        k = len(comps)
        per[r.name] = {"periods": [c.label for c in comps], "units": units * k, "requests": reqs * k,
                       "raw_bytes": raw * k, "store_bytes": int(raw * k * ratio), "codec_ratio": round(ratio, 3)}
        tot_units += units * k
        tot_req += reqs * k
        tot_raw += raw * k
        tot_disk += int(raw * k * ratio)
        if r.remote:
            mpx_bands += n * r.chip_px ** 2 * nb * k / 1e6
        if state_path:
            for c in comps:
                for s, lo in enumerate(range(0, n, shard_chips)):
                    rows_for_state.append((r.name, c.label, s, ids[lo:lo + shard_chips], r.version, mode))
    # Requests run in waves of `max_concurrency`; a partial last wave still costs a whole latency.
    rate = min(max_rps, max_concurrency / max(latency_s, 1e-6))
    waves = math.ceil(tot_req / max_concurrency) if tot_req else 0
    tasks = tot_req if mode == "export" else 0
    eecu_h = mpx_bands * EECU_S_PER_MPX_BAND / 3600
    warnings = []
    if tasks > MAX_QUEUED_TASKS:
        warnings.append(f"{tasks} export tasks exceed Earth Engine's {MAX_QUEUED_TASKS}-task queue: they will be "
                        f"submitted in {math.ceil(tasks / MAX_QUEUED_TASKS)} waves")
    for tier, hours in NONCOMMERCIAL_EECU_HOURS.items():
        if eecu_h > hours:
            warnings.append(f"about {eecu_h:,.0f} EECU-hours (assumed {EECU_S_PER_MPX_BAND} EECU-s per megapixel-"
                            f"band) exceeds the non-commercial {tier} tier's {hours:,.0f} EECU-hours a month")
            break
    out = {
        "chips": n, "collections": per, "units": tot_units, "requests": tot_req, "raw_bytes": tot_raw,
        "store_bytes": tot_disk, "export_tasks": tasks, "mode": mode,
        "quota": {"max_concurrency": max_concurrency, "max_rps": max_rps, "latency_s": round(latency_s, 3),
                  "latency_source": latency_source},
        "wall_s": round(PLAN_OVERHEAD_S + max(tot_req / rate, waves * latency_s), 2) if tot_req else 0.0,
        "eecu_hours": round(eecu_h, 2),
        "warnings": warnings,
    }
    if state_path:
        from .state import StateDB

        db = StateDB(state_path)
        try:
            db.upsert_units(rows_for_state)
        finally:
            db.close()
    return out


def human(est: dict[str, Any]) -> list[str]:
    """The plan as a few lines for a terminal."""
    def size(b: float) -> str:
        for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
            if b < 1024 or unit == "PB":
                return f"{b:,.1f} {unit}"
            b /= 1024
        return ""

    t = est["wall_s"]
    wall = f"{t / 3600:.1f} h" if t > 3600 else f"{t / 60:.1f} min" if t > 60 else f"{t:.0f} s"
    q = est["quota"]
    lines = [f"plan: {est['chips']:,} chips, {est['units']:,} work units, {est['requests']:,} requests, "
             f"{size(est['raw_bytes'])} uncompressed, ~{size(est['store_bytes'])} in the store, ~{wall} at "
             f"{q['max_concurrency']} in flight / {q['max_rps']:g} rps / {q['latency_s']:g} s latency"]
    if est["export_tasks"]:
        lines.append(f"  {est['export_tasks']:,} export tasks")
    for name, c in est["collections"].items():
        lines.append(f"  {name:16} periods {','.join(c['periods'])}: {c['units']:,} units, {c['requests']:,} "
                     f"requests, ~{size(c['store_bytes'])} (codec ratio {c['codec_ratio']})")
    lines += [f"  warning: {w}" for w in est["warnings"]]
    return lines
