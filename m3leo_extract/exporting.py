"""Export mode: one Earth Engine export task per block of a unit, never more queued than allowed.

Task names are recorded in the state as soon as they exist, so a restarted run reattaches to running tasks
instead of submitting them again. Finished GeoTIFFs are already on the block's chip grid: they are cut into
chips by window, with no reprojection, and written as the unit's shard.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .catalog import Recipe, parse_label
from .errors import EarthEngineError, M3leoError
from .extract import (
    ExtractOptions,
    ExtractReport,
    ProgressFn,
    _valid_fraction,
    chips_lonlat_bounds,
    cut_block,
    record_unit,
    restore_nodata,
)
from .grid import Chip
from .state import StateDB, Unit
from .store import ChipStore

# Exports have no 48 MiB response limit; a block is bounded only so one file stays comfortable to read.
EXPORT_BLOCK_BYTES = 1 << 30


@dataclass(frozen=True)
class ExportOptions:
    max_queued: int = 3000  # Earth Engine's queue per project; set lower to share the queue
    poll_s: float = 5.0
    max_task_attempts: int = 3


def _submit(backend: object, request: object, tries: int = 6, sleep: Callable[[float], None] = time.sleep) -> str:
    """Submit one task, backing off on 429 / 5xx / dropped connections like the pixels runner does."""
    for attempt in range(tries):
        try:
            return str(backend.submit(request))  # type: ignore[attr-defined]
        except EarthEngineError as exc:
            if not exc.retryable or attempt == tries - 1:
                raise
            sleep(min(5.0, 0.1 * 2 ** attempt))
    raise AssertionError("unreachable")


def _blocks(recipe: Recipe, chips: Sequence[Chip]) -> list:
    from .ee import sizing

    return sizing.plan_blocks({(c.epsg, c.row, c.col) for c in chips}, recipe.chip_px, len(recipe.bands),
                              recipe.dtype, EXPORT_BLOCK_BYTES)


def run_export_units(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                     backend: object, options: ExtractOptions, export: ExportOptions, report: ExtractReport,
                     progress: ProgressFn | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
    from .ee import expressions
    from .ee.export import TERMINAL, ExportRequest

    be = backend  # an ee.export.ExportBackend
    todo = [u for u in units if not u.task_id]
    active: dict[int, tuple[Unit, list[str], list]] = {}
    attempts: dict[int, int] = {}
    for u in units:  # reattach to tasks a previous run submitted
        if u.task_id:
            chips = [Chip.from_id(c) for c in u.chips]
            active[u.id] = (u, json.loads(u.task_id), _blocks(recipes[u.collection], chips))

    def request_for(u: Unit, block: object, i: int) -> ExportRequest:
        recipe = recipes[u.collection]
        chips = [Chip.from_id(c) for c in u.chips]
        img = expressions.build(recipe, parse_label(u.period), chips_lonlat_bounds(chips))
        b = block
        return ExportRequest(img, f"m3leo_{u.collection}_{u.period}_{u.shard}_{i}", f"EPSG:{b.epsg}",
                             b.transform(recipe.resolution), b.shape(recipe.chip_px),
                             f"m3leo/{u.collection}/{u.period}/shard{u.shard:06d}_{i}")

    def fail(u: Unit, msg: str, kind: str) -> None:
        record_unit(state, report, u, progress, chips=len(u.chips), error=msg, kind=kind)

    def finish(u: Unit, blocks: list, names: list[str]) -> None:
        from .ee.export import read_export

        recipe = recipes[u.collection]
        chips = [Chip.from_id(c) for c in u.chips]
        where = {(c.epsg, c.row, c.col): i for i, c in enumerate(chips)}
        px = recipe.chip_px
        out = np.empty((len(chips), len(recipe.bands), px, px), dtype=recipe.dtype)
        for i, b in enumerate(blocks):
            arr = read_export(be.file_url(request_for(u, b, i).file_prefix), b.shape(px), len(recipe.bands),
                              recipe.dtype)
            cut_block(out, where, b, arr, px)
        restore_nodata(out, recipe)
        t = store.ensure_period(u.collection, u.period)
        store.write_shard(u.collection, u.shard, t, [c.chip_id for c in chips], out,
                          _valid_fraction(out, recipe.nodata))
        record_unit(state, report, u, progress, chips=len(chips), requests=len(blocks))

    while todo or active:
        queued = sum(len(v[1]) for v in active.values())
        while todo:
            u = todo[0]
            blocks = _blocks(recipes[u.collection], [Chip.from_id(c) for c in u.chips])
            if queued + len(blocks) > export.max_queued and queued:
                break
            todo.pop(0)
            try:
                names = [_submit(be, request_for(u, b, i)) for i, b in enumerate(blocks)]
            except EarthEngineError as exc:
                if exc.retryable:
                    todo.append(u)  # the queue or quota is full: try again after the next poll
                    break
                fail(u, str(exc), "permanent")
                continue
            except M3leoError as exc:
                fail(u, str(exc), "permanent")
                continue
            state.mark(u.id, "running", task_id=json.dumps(names), attempt=True)
            report.requests += len(names)
            active[u.id] = (u, names, blocks)
            queued += len(names)
        if not active:
            continue
        sleep(export.poll_s)
        try:
            states = be.poll([n for v in active.values() for n in v[1]])
        except EarthEngineError as exc:
            if exc.retryable:
                report.retries += 1
                continue
            raise
        for uid, (u, names, blocks) in list(active.items()):
            sts = [states.get(n) for n in names]
            if any(s is None for s in sts) or not all(s.state in TERMINAL for s in sts if s):
                continue
            del active[uid]
            bad = [s for s in sts if s and s.state != "SUCCEEDED"]
            if not bad:
                try:
                    finish(u, blocks, names)
                except M3leoError as exc:
                    fail(u, str(exc), "transient")
                continue
            if any(s.state == "CANCELLED" for s in bad):
                fail(u, "export task cancelled", "permanent")
                continue
            attempts[uid] = attempts.get(uid, 1) + 1
            if attempts[uid] > export.max_task_attempts:
                fail(u, f"export task failed {export.max_task_attempts} times: {bad[0].error}", "transient")
                continue
            report.retries += 1
            # Resubmit only the failed blocks' tasks; succeeded files stay where they are.
            new = list(names)
            try:
                for i, s in enumerate(sts):
                    if s and s.state != "SUCCEEDED":
                        new[i] = _submit(be, request_for(u, blocks[i], i))
            except EarthEngineError as exc:
                fail(u, str(exc), "transient" if exc.retryable else "permanent")
                continue
            state.mark(u.id, "running", task_id=json.dumps(new), attempt=True)
            active[uid] = (u, new, blocks)


def cancel_tasks(state: StateDB, backend: object) -> int:
    """Cancel every export task the state knows as running; their units become failed ("cancelled")."""
    n = 0
    for u in state.units(status="running"):
        if u.task_id:
            for name in json.loads(u.task_id):
                backend.cancel(name)  # type: ignore[attr-defined]
                n += 1
            state.mark(u.id, "failed", error="export task cancelled", error_kind="permanent")
    return n


