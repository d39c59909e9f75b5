"""Export mode: one Earth Engine export task per block of a unit, never more queued than allowed.

The coordinator (this process) submits the tasks and polls them: both are cheap calls to Earth Engine's task
API. Task names are recorded in the state as soon as they exist, so a restarted run reattaches to running
tasks instead of submitting them again. A unit whose tasks all succeeded becomes an `ExportJob` for
runner.run_units: an `ExportWorker` (on this process's threads, or with `options.dask` on a dask.distributed
cluster's workers) reads its GeoTIFFs, already on the blocks' chip grids, cuts them into chips by window, with
no reprojection, and writes the unit's shard; the coordinator alone records its `UnitOutcome` in the state.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import units  # cutting blocks into chips: the same code pixels mode uses
from .catalog import Recipe, parse_label
from .defaults import DEFAULT_EXPORT_POLL_S, DEFAULT_MAX_TASK_ATTEMPTS, MAX_QUEUED_TASKS
from .ee.export import TERMINAL, ExportBackend, ExportRequest, TaskState, read_export
from .ee.sizing import Block, plan_blocks
from .errors import EarthEngineError, M3leoError
from .runner import CallStats, Idle, Limiter, UnitOutcome, call_with_retries, run_units
from .state import ErrorKind, StateDB, Unit, UnitStatus
from .store import ChipStore
from .units import (
    ExtractOptions,
    ExtractReport,
    ProgressFn,
    chips_lonlat_bounds,
    record_outcome,
    record_unit,
    unit_chips,
)

# Exports have no 48 MiB response limit; a block is bounded only so one file stays comfortable to read.
EXPORT_BLOCK_BYTES = 1 << 30


@dataclass(frozen=True)
class ExportOptions:
    max_queued: int = MAX_QUEUED_TASKS  # Earth Engine's queue per project; set lower to share the queue
    poll_s: float = DEFAULT_EXPORT_POLL_S
    max_task_attempts: int = DEFAULT_MAX_TASK_ATTEMPTS

    @classmethod
    def build(cls, *, max_queued: int | None = None) -> ExportOptions:
        """Options from flags that may be None (not given): each None takes the library's default."""
        return cls() if max_queued is None else cls(max_queued=max_queued)


def _blocks(recipe: Recipe, unit: Unit) -> list[Block]:
    return plan_blocks({(c.epsg, c.row, c.col) for c in unit_chips(unit)}, recipe.chip_px, len(recipe.bands),
                       recipe.dtype, EXPORT_BLOCK_BYTES)


def file_prefix(u: Unit, i: int) -> str:
    """Where block `i` of unit `u` is exported, inside the bucket (without .tif)."""
    return f"m3leo/{u.collection}/{u.period}/shard{u.shard:06d}_{i}"


@dataclass(frozen=True)
class ExportJob:
    """A unit whose export tasks all succeeded, and its files' URLs, one per block (plain values: a worker's
    unit of work, on a thread or a cluster's worker)."""

    unit: Unit
    urls: tuple[str, ...]


class ExportWorker:
    """Export mode's worker: one `ExportJob` -> its `UnitOutcome` (read the unit's GeoTIFFs, cut the chips,
    write the shard). It never touches the state database nor Earth Engine. Picklable: the store handle stays
    behind and is opened again where it is unpickled (once per worker process and run, from the store's root).
    """

    def __init__(self, store: ChipStore, recipes: Mapping[str, Recipe], time_index: Mapping[tuple[str, str], int],
                 run_key: str | None = None) -> None:
        self.root, self.recipes, self.time_index = str(store.root), dict(recipes), dict(time_index)
        self.run_key = run_key  # set for a cluster run: the store is opened once per worker process
        self.store = store

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self.root, "recipes": self.recipes, "time_index": self.time_index, "run_key": self.run_key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from .cluster import worker_cached

        self.__dict__.update(state)
        self.store = worker_cached("store", f"{self.run_key}|{self.root}", lambda: ChipStore.open(self.root,
                                                                                                 mode="r+"))

    def __call__(self, job: ExportJob) -> UnitOutcome:
        u = job.unit
        recipe = self.recipes[u.collection]
        chips = unit_chips(u)
        try:
            out, valid = self.read(recipe, u, job.urls)
        except M3leoError as exc:  # a missing or unreadable file: the unit is tried again by a rerun
            return UnitOutcome(UnitStatus.FAILED, len(chips), ErrorKind.TRANSIENT, str(exc))
        t = self.time_index[(u.collection, u.period)]
        self.store.write_shard(u.collection, u.shard, t, [c.chip_id for c in chips], out, valid)
        return UnitOutcome(UnitStatus.DONE, len(chips), requests=len(job.urls),
                           valid=tuple(float(v) for v in np.ravel(valid)))

    @staticmethod
    def read(recipe: Recipe, u: Unit, urls: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        chips = unit_chips(u)
        where = units.chip_slots(chips)
        px = recipe.chip_px
        out = units.empty_chips(recipe, len(chips))
        for b, url in zip(_blocks(recipe, u), urls, strict=True):
            arr = read_export(url, b.shape(px), len(recipe.bands), recipe.dtype)
            units.cut_block(out, where, b, arr, px)
        return units.finish_chips(out, recipe)


@dataclass
class _Active:
    """A unit whose tasks are queued or running: its task names, one per block."""

    unit: Unit
    names: list[str]
    blocks: list[Block]


@dataclass
class _ExportRun:
    """One run of export units: submit while the queue has room, poll, finish or resubmit, until none is left."""

    store: ChipStore
    state: StateDB
    recipes: Mapping[str, Recipe]
    backend: ExportBackend
    options: ExtractOptions
    export: ExportOptions
    report: ExtractReport
    progress: ProgressFn | None
    sleep: Callable[[float], None]
    todo: list[Unit] = field(default_factory=list)
    active: dict[int, _Active] = field(default_factory=dict)
    attempts: dict[int, int] = field(default_factory=dict)
    ready: list[ExportJob] = field(default_factory=list)  # units whose tasks all succeeded, for the workers

    def __post_init__(self) -> None:
        # Task submissions go through the same limiter and retry policy as computePixels requests.
        self.limiter = Limiter(self.options.max_concurrency, self.options.max_rps)
        self.rng = random.Random(self.options.seed)

    def run(self, units: Sequence[Unit]) -> None:
        """Submit and poll here; each unit whose tasks succeeded goes to an `ExportWorker` (threads or a
        cluster), whose outcome this thread alone records."""
        time_index = {(u.collection, u.period): self.store.ensure_period(u.collection, u.period) for u in units}
        self.todo = [u for u in units if not u.task_id]
        for u in units:  # reattach to tasks a previous run submitted
            if u.task_id:
                self.active[u.id] = _Active(u, json.loads(u.task_id), _blocks(self.recipes[u.collection], u))

        def record(job: ExportJob, outcome: UnitOutcome) -> None:
            record_outcome(self.state, self.report, job.unit, self.progress, outcome)

        def chips_of(job: ExportJob) -> int:
            return len(job.unit.chips)

        if self.options.dask is None:
            workers = max(1, min(self.options.max_concurrency, os.cpu_count() or 1))
            run_units(self.jobs(), ExportWorker(self.store, self.recipes, time_index), workers, record, chips_of)
            return
        from .cluster import cluster_client, total_threads

        # Workers open the store by its nodes' own zarr.json (never the consolidated copy): they see the periods.
        with cluster_client(self.options.dask) as client:
            worker = ExportWorker(self.store, self.recipes, time_index, run_key=uuid.uuid4().hex[:12])
            run_units(self.jobs(), worker, total_threads(client), record, chips_of,
                      executor=client.get_executor(pure=False))

    def jobs(self) -> Iterator[ExportJob | Idle]:
        """The finished units as their tasks end: submit while the queue has room, poll every `poll_s` (an
        `Idle` in between, so the runner records downloads meanwhile), until no unit is left in Earth Engine."""
        last_poll = time.monotonic()
        while self.todo or self.active or self.ready:
            while self.ready:
                yield self.ready.pop(0)
            self.submit_ready()
            if not self.active:
                continue
            left = self.export.poll_s - (time.monotonic() - last_poll)
            if left > 0:
                yield Idle(left)
                continue
            last_poll = time.monotonic()
            try:
                states = self.backend.poll([n for a in self.active.values() for n in a.names])
            except EarthEngineError as exc:
                if exc.retryable:
                    self.report.retries += 1
                    continue
                raise
            for uid, act in list(self.active.items()):
                self.settle(uid, act, [states.get(n) for n in act.names])

    def request_for(self, u: Unit, block: Block, i: int) -> ExportRequest:
        # Here, not at the top: ee.expressions imports the earthengine-api client (~1 s at import).
        from .ee import expressions

        recipe = self.recipes[u.collection]
        img = expressions.build(recipe, parse_label(u.period), chips_lonlat_bounds(unit_chips(u)))
        return ExportRequest(img, f"m3leo_{u.collection}_{u.period}_{u.shard}_{i}", f"EPSG:{block.epsg}",
                             block.transform(recipe.resolution), block.shape(recipe.chip_px), file_prefix(u, i))

    def submit(self, u: Unit, block: Block, i: int) -> str:
        """Submit one task, backing off on 429 / 5xx / dropped connections under the run's one retry policy."""
        request = self.request_for(u, block, i)
        return str(call_with_retries(lambda: self.backend.submit(request), self.limiter, self.options.retry,
                                     CallStats(), self.rng, self.sleep))

    def fail(self, u: Unit, msg: str, kind: ErrorKind) -> None:
        record_unit(self.state, self.report, u, self.progress, chips=len(u.chips), error=msg, kind=kind)

    def submit_ready(self) -> None:
        """Submit units while their tasks fit the queue (a unit bigger than the queue goes alone)."""
        queued = sum(len(a.names) for a in self.active.values())
        while self.todo:
            u = self.todo[0]
            blocks = _blocks(self.recipes[u.collection], u)
            if queued + len(blocks) > self.export.max_queued and queued:
                break
            self.todo.pop(0)
            try:
                names = [self.submit(u, b, i) for i, b in enumerate(blocks)]
            except EarthEngineError as exc:
                if exc.retryable:
                    self.todo.append(u)  # the queue or quota is full: try again after the next poll
                    break
                self.fail(u, str(exc), ErrorKind.of(exc))
                continue
            except M3leoError as exc:
                self.fail(u, str(exc), ErrorKind.PERMANENT)
                continue
            self.state.mark(u.id, "running", task_id=json.dumps(names), attempt=True)
            self.report.requests += len(names)
            self.active[u.id] = _Active(u, names, blocks)
            queued += len(names)

    def settle(self, uid: int, act: _Active, sts: list[TaskState | None]) -> None:
        """A unit whose tasks all ended: write it, fail it, or resubmit the tasks that failed."""
        if any(s is None for s in sts) or not all(s.state in TERMINAL for s in sts if s):
            return
        del self.active[uid]
        u = act.unit
        bad = [s for s in sts if s and s.state != "SUCCEEDED"]
        if not bad:  # read, cut and written by a worker (ExportWorker), recorded by this thread
            self.ready.append(ExportJob(u, tuple(self.backend.file_url(file_prefix(u, i))
                                                 for i in range(len(act.blocks)))))
            return
        if any(s.state == "CANCELLED" for s in bad):
            self.fail(u, "export task cancelled", ErrorKind.PERMANENT)
            return
        self.attempts[uid] = self.attempts.get(uid, 1) + 1
        if self.attempts[uid] > self.export.max_task_attempts:
            self.fail(u, f"export task failed {self.export.max_task_attempts} times: {bad[0].error}",
                      ErrorKind.TRANSIENT)
            return
        self.report.retries += 1
        # Resubmit only the failed blocks' tasks; succeeded files stay where they are.
        new = list(act.names)
        try:
            for i, s in enumerate(sts):
                if s and s.state != "SUCCEEDED":
                    new[i] = self.submit(u, act.blocks[i], i)
        except EarthEngineError as exc:
            self.fail(u, str(exc), ErrorKind.of(exc))
            return
        self.state.mark(u.id, "running", task_id=json.dumps(new), attempt=True)
        self.active[uid] = _Active(u, new, act.blocks)


def run_export_units(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                     backend: ExportBackend, options: ExtractOptions, export: ExportOptions, report: ExtractReport,
                     progress: ProgressFn | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
    """Run export units to the end: every unit ends done or failed in the state (reattaching to old tasks)."""
    _ExportRun(store, state, recipes, backend, options, export, report, progress, sleep).run(units)


def cancel_tasks(state: StateDB, backend: ExportBackend) -> int:
    """Cancel every export task the state knows as running; their units become failed ("cancelled")."""
    n = 0
    for u in state.units(status=UnitStatus.RUNNING):
        if u.task_id:
            for name in json.loads(u.task_id):
                try:
                    backend.cancel(name)
                except EarthEngineError as exc:
                    if not exc.invalid:
                        raise
                    continue  # Earth Engine does not know the task (it ended long ago): nothing to cancel
                n += 1
            state.mark(u.id, UnitStatus.FAILED, error="export task cancelled", error_kind=ErrorKind.PERMANENT)
    return n


