"""Batch exports as long-running operations: PENDING -> RUNNING -> SUCCEEDED | FAILED, or CANCELLING ->
CANCELLED, with the metadata Earth Engine's `Operation` carries (progress, stages, priority, attempt,
batchEecuUsageSeconds, destinationUris), `requestId` idempotency, `maxPixels` and `fileFormat`.

The files are written under the knobs' `export_root`, standing in for Cloud Storage (`BUCKET/PREFIX.tif`)
or Drive (`FOLDER/PREFIX.tif`); every written path is confined to that root.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EEError
from .limits import exact_composites

DEFAULT_MAX_PIXELS = 100_000_000  # Export.image's default maxPixels (1e8)
FILE_FORMATS = ("GEO_TIFF",)  # what the emulator writes; TF_RECORD_IMAGE etc. are refused at submit
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
DEFAULT_PRIORITY = 100


@dataclass
class Operation:
    name: str
    description: str
    body: dict[str, Any]
    created: float
    fail: bool
    kind: str = "EXPORT_IMAGE"
    state: str = "PENDING"
    error: str | None = None
    uris: list[str] = field(default_factory=list)
    updated: float = 0.0
    started: float | None = None
    priority: int = DEFAULT_PRIORITY
    attempt: int = 1
    pixels: int = 0


def _ts(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def export_pixels(grid: dict[str, Any], n_bands: int) -> int:
    d = grid.get("dimensions", {})
    return int(d.get("width", 0)) * int(d.get("height", 0)) * max(1, n_bands)


def _int64(v: Any) -> int:
    """An Int64 field as JSON carries it: a number, a string, or a {"value": ...} wrapper."""
    if isinstance(v, dict):
        v = v.get("value")
    try:
        return int(float(v)) if v not in (None, "") else 0
    except (TypeError, ValueError):
        raise EEError(f"Invalid value for an int64 field: {v!r}.") from None


def too_large(pixels: int, max_pixels: int) -> str:
    """Earth Engine's text for an export over its maxPixels."""
    return (f"Export too large: specified {pixels} pixels (max: {max_pixels}). Specify higher maxPixels value "
            "if you intend to export a large area.")


_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")


def check_destination(body: dict[str, Any]) -> None:
    """Refuse at submit a Cloud Storage bucket Earth Engine would not take, or a folder / prefix with '..'
    (any local user can reach the emulator's HTTP API: nothing may be written outside the export root)."""
    opts = body.get("fileExportOptions") or {}
    dest = opts.get("cloudStorageDestination") or opts.get("driveDestination") or {}
    bucket = dest.get("bucket")
    if bucket is not None and (not _BUCKET.fullmatch(str(bucket)) or ".." in str(bucket)):
        raise EEError(f"Invalid bucket name '{bucket}'.")
    for part in (dest.get("folder"), dest.get("filenamePrefix")):
        if part and ".." in Path(str(part)).parts:
            raise EEError(f"Invalid export destination '{part}': folder and file name prefix must not contain "
                          "'..' or leave the bucket.")


def confined(root: Path, *parts: str) -> Path:
    """`root/parts...`, refusing anything (.., absolute parts, links out) that would land outside root."""
    base = root.resolve()
    path = base.joinpath(*[p.lstrip("/") for p in parts]).resolve()
    if path != base and base not in path.parents:
        raise EEError(f"Invalid export destination '{'/'.join(parts)}': it leaves the export root.")
    return path


class Tasks:
    """The operations of one emulator; `advance()` runs on a background thread."""

    def __init__(self, knobs: Any, render_export: Any) -> None:
        self.knobs = knobs
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.ops: dict[str, Operation] = {}
        self.by_request: dict[str, str] = {}
        self.rng = random.Random(knobs.seed + 1)
        self._ids = itertools.count(1)
        self.stopping = False
        self._render_export = render_export  # (Operation, root: Path) -> list of destination URIs

    def submit(self, project: str, body: dict[str, Any], kind: str = "EXPORT_IMAGE", pixels: int = 0) -> Operation:
        rid = body.get("requestId")
        with self.lock:
            if rid and rid in self.by_request:  # a retried request: the operation it already started
                return self.ops[self.by_request[rid]]
            n = next(self._ids)
            fail = self.rng.random() < self.knobs.export_failure_rate
            name = f"projects/{project.split('/')[-1]}/operations/M3LEO{n:08d}"
            op = Operation(name, body.get("description") or f"export {n}", body, time.time(), fail, kind,
                           priority=int(body.get("priority", DEFAULT_PRIORITY)), pixels=pixels)
            op.updated = op.created
            max_px = _int64(body.get("maxPixels")) or DEFAULT_MAX_PIXELS
            if pixels > max_px:
                op.state, op.error, op.updated = "FAILED", too_large(pixels, max_px), time.time()
            self.ops[name] = op
            if rid:
                self.by_request[rid] = name
            self.cond.notify_all()
        return op

    def get(self, name: str) -> Operation:
        with self.lock:
            op = self.ops.get(name)
        if op is None:
            raise EEError(f"Operation {name} not found.", code=404)
        return op

    def cancel(self, name: str) -> None:
        op = self.get(name)
        with self.lock:
            if op.state == "PENDING":
                op.state, op.error, op.updated = "CANCELLED", "Cancelled.", time.time()
            elif op.state == "RUNNING":
                op.state, op.updated = "CANCELLING", time.time()

    def delete(self, name: str) -> None:
        op = self.get(name)
        with self.lock:
            self.ops.pop(op.name, None)

    def wait(self, name: str, timeout_s: float) -> Operation:
        deadline = time.time() + max(0.0, timeout_s)
        op = self.get(name)
        with self.lock:
            while op.state not in TERMINAL and time.time() < deadline and not self.stopping:
                self.cond.wait(min(0.05, max(0.0, deadline - time.time())))
        return op

    def listing(self, project: str) -> list[Operation]:
        prefix = f"projects/{project.split('/')[-1]}/"
        with self.lock:
            ops = [o for o in self.ops.values() if o.name.startswith(prefix)]
        return sorted(ops, key=lambda o: -o.created)

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            self.cond.notify_all()

    # -- the background worker --------------------------------------------------------------------------
    def advance(self) -> None:
        while True:
            with self.lock:
                if self.stopping:
                    return
                now = time.time()
                due = [o for o in self.ops.values() if o.state in ("PENDING", "RUNNING", "CANCELLING")]
            for op in due:
                try:
                    self._step(op, now)
                except Exception as exc:  # an emulator bug must fail the task, never stop the worker
                    self._set(op, "FAILED", error=f"m3leo emulator internal error: {type(exc).__name__}: {exc}")
            with self.lock:
                self.cond.wait(0.05)

    def _step(self, op: Operation, now: float) -> None:
        d = self.knobs.export_duration_s
        if op.state == "CANCELLING":
            if now - op.updated >= min(0.2, d / 10):
                self._set(op, "CANCELLED", error="Cancelled.")
        elif op.state == "PENDING" and now - op.created >= d / 3:
            self._set(op, "RUNNING")
        elif op.state == "RUNNING" and now - op.created >= d:
            if op.fail:
                self._set(op, "FAILED", error="Export failed: an internal error occurred (injected by the m3leo "
                                              "emulator).")
                return
            try:
                with exact_composites(getattr(self.knobs, "exact_composites", False)):
                    uris = self._render_export(op, Path(self.knobs.export_root or "."))
            except EEError as exc:
                self._set(op, "FAILED", error=str(exc))
                return
            with self.lock:
                op.uris = uris
            self._set(op, "SUCCEEDED")

    def _set(self, op: Operation, state: str, error: str | None = None) -> None:
        with self.lock:
            if op.state in TERMINAL or (op.state == "CANCELLING" and state != "CANCELLED"):
                return
            if state == "RUNNING":
                op.started = time.time()
            op.state, op.error, op.updated = state, error, time.time()
            self.cond.notify_all()

    # -- the REST shape -----------------------------------------------------------------------------------
    def to_json(self, op: Operation) -> dict[str, Any]:
        with self.lock:
            state, updated, started = op.state, op.updated, op.started
        d = max(self.knobs.export_duration_s, 1e-6)
        if state == "SUCCEEDED":
            progress = 1.0
        elif state in ("RUNNING", "CANCELLING") and started is not None:
            progress = min(0.99, max(0.0, (time.time() - op.created - d / 3) / (2 * d / 3)))
        else:
            progress = 0.0
        done = state in TERMINAL
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.earthengine.v1alpha.OperationMetadata",
            "state": state, "description": op.description, "type": op.kind, "priority": op.priority,
            "createTime": _ts(op.created), "updateTime": _ts(updated), "progress": progress,
            "attempt": op.attempt,
            "stages": [
                {"displayName": "Create Local Files", "completeWorkUnits": int(progress >= 0.5),
                 "totalWorkUnits": 1, "description": "Computation and writing of temporary files."},
                {"displayName": "Write Files to Destination", "completeWorkUnits": int(state == "SUCCEEDED"),
                 "totalWorkUnits": 1, "description": "Uploading of files to the export destination."},
            ],
        }
        if started is not None:
            meta["startTime"] = _ts(started)
            meta["batchEecuUsageSeconds"] = round(op.pixels * 1e-7 * progress, 6)
        out: dict[str, Any] = {"name": op.name, "metadata": meta}
        if done:
            out["done"] = True
            meta["endTime"] = _ts(updated)
        if state == "SUCCEEDED":
            meta["destinationUris"] = list(op.uris)
            out["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
        if state in ("FAILED", "CANCELLED"):
            out["error"] = {"code": 1 if state == "CANCELLED" else 3 if op.error and "too large" in op.error
                            else 13, "message": op.error or "Cancelled."}
        return out
