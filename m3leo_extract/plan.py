"""What a run will cost, before a single request: chips, units, requests, bytes, store size, wall time.

The arithmetic mirrors what `extract` does: chips in id order are cut into shards of `shard_chips` (one work
unit per collection, composite period and shard), each unit into blocks that fit one computePixels request
(`ee.sizing.plan_blocks`), and `max_concurrency` worker threads run the units, each its requests one after
another, at most `max_rps` starts per second.

Wall time comes from `simulate_fetch`, a small event simulation of that runner: every request waits
`latency_s` on Earth Engine, then needs `cpu_s` of this client's CPU (the ee client, decoding, cutting,
encoding and writing), which one Python process does one at a time (the GIL). So a run is latency-bound
while few requests are in flight and CPU-bound when many are: a plan that only divides requests by the
concurrency misses the second, which is what a 2-core machine hits first. `calibrate` fits both from the last
run into a store (`plan --store DIR`).
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import defaults
from .catalog import Period, Recipe, check_coverage
from .ee.sizing import REQUEST_BYTE_LIMIT, plan_blocks
from .grid import ChipArrays, chip_arrays
from .planner import PlannedUnit, composites, plan_units, shard_sizes
from .quota import NONCOMMERCIAL_EECU_HOURS, tier_for
from .shards import store_exists
from .state import StateDB

# Grid, store and state set-up before the first request: ~0.2 s for a small AOI plus ~30 us per chip (the plan
# of South America's 1.1 M chips took ~30 s, docs/benchmarks.md).
PLAN_OVERHEAD_S = 0.2
PLAN_OVERHEAD_S_PER_CHIP = 3e-5
DEFAULT_LATENCY_S = 0.4  # typical computePixels latency for a few-MB composite; measure yours with extract
# CPU seconds this client spends per computePixels request: a fixed part (the unmodified ee client alone is
# ~24 ms in a yappi profile) and a part per MB of pixels (HTTP, NPY decoding, cutting, Blosc, the shard write).
# Fitted to extracts through the emulator on a 2-core machine: 19 ms at 0.12 MB, 49 ms at 1.9 MB, 306 ms at
# 15.4 MB a request (docs/scaling.md). A calibrated plan rescales its measured CPU with the same shape.
CLIENT_CPU_S = 0.015
CLIENT_CPU_S_PER_MB = 0.019
CALIBRATION_RUNS = 3  # `plan --store` pools the last few extracts: one small run's CPU per request is noisy
SIM_MAX_REQUESTS = 20_000  # beyond this the simulation runs a prefix of the units and scales (steady state)
# Zstd(3) compressed / raw bytes, measured on the emulator's synthetic chips (docs/benchmarks.md); real data
# compresses differently, and `plan --store DIR` measures the ratio of an existing store instead.
DEFAULT_CODEC_RATIO = {"float32": 0.85, "float64": 0.85, "uint16": 0.55, "int16": 0.6, "uint8": 0.12}
# Assumed EECU-seconds per megapixel-band of a median composite (order of magnitude, not a quote).
EECU_S_PER_MPX_BAND = 0.2


def _shard_pattern(rows: np.ndarray, cols: np.ndarray) -> tuple[tuple[int, int], ...]:
    r0, c0 = int(rows.min()), int(cols.min())
    return tuple(zip((rows - r0).tolist(), (cols - c0).tolist(), strict=True))


def unit_requests(chips: ChipArrays, shard_chips: int, chip_px: int, n_bands: int, dtype: str,
                  byte_limit: int = REQUEST_BYTE_LIMIT) -> list[int]:
    """computePixels requests of each unit (shard of consecutive chips) for one collection and composite."""
    n = len(chips)
    epsg = chips.epsg
    cache: dict[tuple[Any, ...], int] = {}
    out: list[int] = []
    for lo in range(0, n, shard_chips):
        sl = slice(lo, lo + shard_chips)
        zs = epsg[sl]
        key: tuple[Any, ...] = (tuple(np.unique(zs).tolist()) if zs.min() != zs.max() else (),
                                _shard_pattern(chips.row[sl], chips.col[sl]))
        if key not in cache:
            blocks = plan_blocks(zip(zs.tolist(), chips.row[sl].tolist(), chips.col[sl].tolist(), strict=True),
                                 chip_px, n_bands, dtype, byte_limit)
            cache[key] = len(blocks)
        out.append(cache[key])
    return out


def count_requests(chips: ChipArrays, shard_chips: int, chip_px: int, n_bands: int, dtype: str,
                   byte_limit: int = REQUEST_BYTE_LIMIT) -> tuple[int, int]:
    """(units, requests) for one collection and composite."""
    per = unit_requests(chips, shard_chips, chip_px, n_bands, dtype, byte_limit)
    return len(per), sum(per)


def simulate_fetch(unit_reqs: Iterable[int], workers: int, latency_s: float, cpu_s: float,
                   max_rps: float = math.inf, server_cpu_s: float = 0.0) -> float:
    """Seconds for `workers` threads to run the units, each unit's requests one after another.

    A request starts (no sooner than 1/max_rps after the previous start) and waits `latency_s`; then it
    queues (first come, first served) for `server_cpu_s` of a server that does one request at a time, and
    for `cpu_s` of this client's CPU (one Python process: one at a time); its thread then starts its next
    request. Earth Engine scales out, so its serial server cost is 0; the emulator is one Python process
    whose CPU per request is as large as the client's. Past SIM_MAX_REQUESTS the rest is extrapolated.
    """
    units = list(unit_reqs)
    total = sum(units)
    if total == 0 or workers < 1:
        return 0.0
    done = 0
    prefix: list[int] = []
    for k in units:  # simulate whole units up to the cap
        if done >= SIM_MAX_REQUESTS:
            break
        prefix.append(k)
        done += k
    gap = 0.0 if math.isinf(max_rps) else 1.0 / max_rps
    last_start = -math.inf
    it = iter(prefix)
    # Events (time, stage, worker, requests left in its unit); stage 0 = reaches the server's CPU, 1 = ours.
    events: list[tuple[float, int, int, int]] = []

    def start(t: float, w: int, k: int) -> None:
        nonlocal last_start
        last_start = max(t, last_start + gap)
        heapq.heappush(events, (last_start + latency_s, 0, w, k))

    for w in range(workers):
        k = next(it, None)
        if k is None:
            break
        start(0.0, w, k)
    server_free = client_free = 0.0
    while events:
        t, stage, w, k = heapq.heappop(events)
        if stage == 0:
            server_free = max(server_free, t) + server_cpu_s
            heapq.heappush(events, (server_free, 1, w, k))
            continue
        client_free = max(client_free, t) + cpu_s
        k -= 1
        if k == 0:
            k = next(it, None)
            if k is None:
                continue
        start(client_free, w, k)
    return client_free * total / done


def client_cpu_s(mb_per_request: float) -> float:
    """This client's CPU seconds for one computePixels request of `mb_per_request` MB of raw pixels."""
    return CLIENT_CPU_S + CLIENT_CPU_S_PER_MB * mb_per_request


@dataclass(frozen=True)
class Calibration:
    """Seconds per request on Earth Engine (latency_s) and of this client's CPU (cpu_s), fitted to runs whose
    requests brought back `mb_per_request` MB of raw pixels on average (None: not recorded)."""

    latency_s: float
    cpu_s: float
    mb_per_request: float | None = None

    def cpu_for(self, mb_per_request: float) -> float:
        """The measured CPU per request, rescaled to requests of another size (`client_cpu_s`'s shape)."""
        if self.mb_per_request is None:
            return self.cpu_s
        return self.cpu_s * client_cpu_s(mb_per_request) / client_cpu_s(self.mb_per_request)


def fit_run(fetch_s: float, per_unit: Sequence[int], workers: int, cpu_s: float,
            max_rps: float = math.inf) -> Calibration:
    """The latency that makes `simulate_fetch` take `fetch_s` for a run of units of `per_unit` requests.

    If even a zero latency is too slow, the CPU per request was overstated (e.g. work that released the GIL
    ran on a second core): then latency is ~0 and cpu_s is fitted instead.
    """
    def sim(lat: float, cpu: float) -> float:
        return simulate_fetch(per_unit, workers, lat, cpu, max_rps)

    if sim(0.0, cpu_s) >= fetch_s:
        return Calibration(0.0, _solve(lambda c: sim(0.0, c), fetch_s, cpu_s))
    return Calibration(_solve(lambda lat: sim(lat, cpu_s), fetch_s, fetch_s), cpu_s)


def _solve(f: Any, target: float, hi: float, steps: int = 40) -> float:
    """x in [0, hi] with f(x) = target, for f increasing (bisection)."""
    lo = 0.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
    return (lo + hi) / 2


def measured_ratio(store_dir: str | Path | None, collection: str) -> float | None:
    """On-disk / raw bytes of a collection in an existing store, if there is one with data."""
    if store_dir is None:
        return None
    data = Path(store_dir) / "chips.zarr" / collection / "data"
    if not data.is_dir():
        return None
    try:
        from .store import ChipStore  # zarr: only for a plan calibrated on a store

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


def _run_units(db: Any, run: Any, requests: int, units_done: int) -> list[int]:
    """Requests of each unit a run finished, in run order (from the state), else the run's requests spread."""
    per_unit = db.requests_done_between(run["started_at"], run["finished_at"])
    if sum(per_unit) == requests:
        return per_unit
    n_units = max(1, min(units_done or requests, requests))  # units touched again since that run
    base, extra = divmod(requests, n_units)
    return [base + (i < extra) for i in range(n_units)]


def calibrate(store_dir: str | Path | None, runs: int = CALIBRATION_RUNS) -> Calibration | None:
    """Latency and client CPU per request from the last `runs` extracts into `store_dir`, if it has any.

    Run summaries hold each run's fetch phase (planning excluded), requests and process CPU time; the state
    holds each unit's requests. The client CPU per request is measured (pooled over the runs); the latency
    is what makes the simulation of each run take as long as it did (averaged, weighted by requests). So
    `plan --store DIR` predicts the next run from the last ones, on this machine, against this Earth Engine.
    """
    if store_dir is None or not (Path(store_dir) / defaults.STATE_FILE).exists():
        return None
    db = StateDB(Path(store_dir) / defaults.STATE_FILE)
    try:
        found = []
        for run in db.finished_runs("extract"):
            s = json.loads(run["summary"] or "{}")
            if s.get("fetch_seconds") and s.get("requests") and s.get("peak_in_flight"):
                found.append((s, _run_units(db, run, int(s["requests"]), int(s.get("units_done") or 0))))
            if len(found) == runs:
                break
    finally:
        db.close()
    if not found:
        return None
    reqs = sum(int(s["requests"]) for s, _ in found)
    measured = all(s.get("fetch_cpu_seconds") for s, _ in found)
    sized = all(s.get("bytes_fetched") for s, _ in found)
    mb = sum(int(s["bytes_fetched"]) for s, _ in found) / reqs / 1e6 if sized else None
    if measured:
        cpu = sum(float(s["fetch_cpu_seconds"]) for s, _ in found) / reqs
    else:
        cpu = client_cpu_s(mb if mb is not None else 0.0)
    fits = [(int(s["requests"]), fit_run(float(s["fetch_seconds"]), per_unit,
                                         int(s.get("max_concurrency") or s["peak_in_flight"]), cpu,
                                         float(s.get("max_rps") or math.inf))) for s, per_unit in found]
    return Calibration(sum(n * c.latency_s for n, c in fits) / reqs, sum(n * c.cpu_s for n, c in fits) / reqs, mb)


def plan_shard_chips(store_dir: str | Path | None, recipes: Sequence[Recipe], asked: int | None) -> dict[str, int]:
    """Chips per shard of each collection, as extract decides it (planner.shard_sizes): the store's where the
    collection exists, else the asked size, else defaults.DEFAULT_SHARD_CHIPS. A size asked that differs from an
    existing collection's is refused as extract refuses it (UsageError)."""
    have: dict[str, int] = {}
    if store_dir is not None and store_exists(store_dir):
        from .store import ChipStore  # zarr: only for a plan calibrated on a store

        st = ChipStore.open(store_dir, mode="r")
        names = set(st.collections())
        have = {r.name: st.shard_chips(r.name) for r in recipes if r.name in names}
    return shard_sizes(have, recipes, asked, where=store_dir)


def _cost_warnings(tasks: int, eecu_h: float) -> list[str]:
    out = []
    if tasks > defaults.MAX_QUEUED_TASKS:
        out.append(f"{tasks} export tasks exceed Earth Engine's {defaults.MAX_QUEUED_TASKS}-task queue: they will be "
                   f"submitted in {math.ceil(tasks / defaults.MAX_QUEUED_TASKS)} waves")
    for tier, hours in NONCOMMERCIAL_EECU_HOURS.items():
        if eecu_h > hours:
            out.append(f"about {eecu_h:,.0f} EECU-hours (assumed {EECU_S_PER_MPX_BAND} EECU-s per megapixel-"
                       f"band) exceeds the non-commercial {tier} tier's {hours:,.0f} EECU-hours a month")
            break
    return out


def _record_units(state_path: str | Path, units: Iterable[PlannedUnit]) -> None:
    db = StateDB(state_path)
    try:
        db.upsert_units(u.row() for u in units)
    finally:
        db.close()


def estimate(geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], *, mode: str = defaults.DEFAULT_MODE,
             shard_chips: int | None = None, max_concurrency: int | None = None, max_rps: float | None = None,
             latency_s: float | None = None, byte_limit: int = REQUEST_BYTE_LIMIT,
             store_dir: str | Path | None = None, state_path: str | Path | None = None,
             chips: ChipArrays | None = None, server_cpu_s: float = 0.0,
             sizes: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The plan's figures as JSON-able data. `state_path` also records every unit in a state database.

    Units are counted as `planner.plan_units` makes them for a new store (the ones `state_path` records are
    exactly those a first extract upserts). None takes the default: `shard_chips` the store's
    (`plan_shard_chips`, refusing a size the store's collections do not have, as extract does),
    `max_concurrency` and `max_rps` defaults.py's, `latency_s` fitted to the last run into `store_dir`, else
    DEFAULT_LATENCY_S. The client's CPU per request is measured there too and rescaled to this plan's request
    size (else `client_cpu_s`).
    `server_cpu_s`: see `simulate_fetch`. `sizes`: chips per shard of each collection, decided already (extract's
    run, which has the store open).
    """
    check_coverage(recipes, periods)  # a period the asset does not cover: refused as extract refuses it
    mode = str(mode)
    max_concurrency = max_concurrency or defaults.DEFAULT_MAX_CONCURRENCY
    max_rps = max_rps or defaults.DEFAULT_MAX_RPS
    sizes = dict(sizes) if sizes is not None else plan_shard_chips(store_dir, recipes, shard_chips)
    warnings: list[str] = []
    chips = chip_arrays(geometry) if chips is None else chips
    n = len(chips)
    cal = calibrate(store_dir)
    latency_source = "given" if latency_s is not None else "measured" if cal else "assumed"
    if latency_s is None:
        latency_s = cal.latency_s if cal else DEFAULT_LATENCY_S
    per: dict[str, Any] = {}
    mpx_bands = 0.0
    remote_units: list[int] = []  # requests of every remote unit, in run order (for the wall-time simulation)
    for r in recipes:
        comps = composites(r, periods)
        nb = len(r.bands)
        k = len(comps)
        if r.remote:
            per_unit = unit_requests(chips, sizes[r.name], r.chip_px, nb, r.dtype, byte_limit)
            units, reqs = len(per_unit), sum(per_unit)
            remote_units += per_unit * k
            mpx_bands += n * r.chip_px ** 2 * nb * k / 1e6
        else:
            units, reqs = math.ceil(n / sizes[r.name]), 0
        raw = n * r.chip_px ** 2 * nb * np.dtype(r.dtype).itemsize
        ratio = measured_ratio(store_dir, r.name) or DEFAULT_CODEC_RATIO.get(r.dtype, 0.7)
        per[r.name] = {"periods": [c.label for c in comps], "units": units * k, "requests": reqs * k,
                       "raw_bytes": raw * k, "store_bytes": int(raw * k * ratio), "codec_ratio": round(ratio, 3)}
    tot_req = sum(v["requests"] for v in per.values())
    remote_raw = sum(v["raw_bytes"] for v in per.values() if v["requests"])
    mb_per_request = remote_raw / tot_req / 1e6 if tot_req else 0.0
    cpu_s = cal.cpu_for(mb_per_request) if cal else client_cpu_s(mb_per_request)
    fetch_s = simulate_fetch(remote_units, max_concurrency, latency_s, cpu_s, max_rps, server_cpu_s)
    tasks = tot_req if mode == "export" else 0
    eecu_h = mpx_bands * EECU_S_PER_MPX_BAND / 3600
    if state_path:
        _record_units(state_path, plan_units(chips.ids(), recipes, periods, sizes, mode=mode))
    return {
        "chips": n, "collections": per, "units": sum(v["units"] for v in per.values()), "requests": tot_req,
        "raw_bytes": sum(v["raw_bytes"] for v in per.values()),
        "store_bytes": sum(v["store_bytes"] for v in per.values()), "export_tasks": tasks, "mode": mode,
        "quota": {"max_concurrency": max_concurrency, "max_rps": max_rps, "latency_s": round(latency_s, 3),
                  "latency_source": latency_source, "client_cpu_s": round(cpu_s, 4)},
        "wall_s": round(PLAN_OVERHEAD_S + PLAN_OVERHEAD_S_PER_CHIP * n + fetch_s, 2) if tot_req else 0.0,
        "eecu_hours": round(eecu_h, 2), "eecu_tier": tier_for(eecu_h),
        "warnings": warnings + _cost_warnings(tasks, eecu_h),
    }


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
             f"{size(est['raw_bytes'])} uncompressed, ~{size(est['store_bytes'])} in the store, "
             f"~{est['eecu_hours']:,.2f} EECU-hours, ~{wall} at "
             f"{q['max_concurrency']} in flight / {q['max_rps']:g} rps / {q['latency_s']:g} s latency + "
             f"{q['client_cpu_s'] * 1000:.0f} ms client CPU per request"]
    tier = est.get("eecu_tier")
    lines.append(f"  ~{est['eecu_hours']:,.1f} EECU-hours: " + (f"fits the noncommercial {tier} tier "
                 f"({NONCOMMERCIAL_EECU_HOURS[tier]:,.0f} EECU-hours a month)" if tier else
                 "more than any noncommercial tier a month: split the run over months or ask Google"))
    if est["export_tasks"]:
        lines.append(f"  {est['export_tasks']:,} export tasks")
    for name, c in est["collections"].items():
        lines.append(f"  {name:16} periods {','.join(c['periods'])}: {c['units']:,} units, {c['requests']:,} "
                     f"requests, ~{size(c['store_bytes'])} (codec ratio {c['codec_ratio']})")
    lines += [f"  warning: {w}" for w in est["warnings"]]
    return lines
