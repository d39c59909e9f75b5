"""The emulator's HTTP side: the REST methods earthengine-api calls, fault knobs, exports and operations.

Everything it answers is SYNTHETIC (`X-Synthetic-Data: true` on every response). Errors use Google's JSON
error shape, so the unmodified client raises `ee.EEException` with Earth Engine's own message text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from .discovery import algorithms, discovery_document
from .evaluate import Evaluator, Trace
from .graph import EEError, Img, as_image
from .render import render, to_geotiff, to_npy, write_geotiff

DEFAULT_BYTE_LIMIT = 48 * 1024 * 1024
_STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
           503: "UNAVAILABLE"}


@dataclass
class EmulatorKnobs:
    """Fault and latency settings; change them at any time (`handle.knobs.latency_ms = (200, 600)`)."""

    latency_ms: tuple[float, float] = (0.0, 0.0)  # uniform per request (computePixels, value, export)
    max_concurrent: int | None = None  # beyond this many requests in flight: 429, as Earth Engine does
    error_rate: float = 0.0  # fraction answered with a random 429 / 500 / 503 / dropped connection
    byte_limit: int = DEFAULT_BYTE_LIMIT  # computePixels results above this are refused (GEE: 48 MiB)
    export_failure_rate: float = 0.0  # fraction of export tasks that end FAILED
    export_duration_s: float = 0.3  # PENDING -> RUNNING -> done
    export_root: str = ""  # folder standing in for Cloud Storage: <export_root>/<bucket>/<prefix>.tif
    seed: int = 0


@dataclass
class Operation:
    name: str
    description: str
    body: dict[str, Any]
    created: float
    fail: bool
    state: str = "PENDING"
    error: str | None = None
    uris: list[str] = field(default_factory=list)
    updated: float = 0.0


def _ts(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EmulatorState:
    """Shared by all handler threads."""

    def __init__(self, knobs: EmulatorKnobs, project: str = "m3leo-emulator") -> None:
        self.knobs = knobs
        self.lock = threading.Lock()
        self.in_flight = 0
        self.rng = random.Random(knobs.seed)
        self.request_log: list[dict[str, Any]] = []
        self.ops: dict[str, Operation] = {}
        self._ids = itertools.count(1)
        self.base_url = ""
        self.cond = threading.Condition(self.lock)
        self.stopping = False

    def log(self, rec: dict[str, Any]) -> None:
        with self.lock:
            self.request_log.append(rec)

    # -- exports --------------------------------------------------------------------------------------------
    def submit_export(self, project: str, body: dict[str, Any]) -> Operation:
        export_path(self.knobs.export_root, body)  # refuse a bucket or prefix that leaves the export root
        with self.lock:
            n = next(self._ids)
            fail = self.rng.random() < self.knobs.export_failure_rate
        name = f"{project}/operations/M3LEO{n:08d}"
        op = Operation(name, body.get("description", f"export {n}"), body, time.time(), fail)
        op.updated = op.created
        with self.lock:
            self.ops[name] = op
            self.cond.notify_all()
        return op

    def advance(self) -> None:
        """Background thread: move tasks through their states and write the files."""
        while True:
            with self.lock:
                if self.stopping:
                    return
                now = time.time()
                due = [o for o in self.ops.values() if o.state in ("PENDING", "RUNNING")]
            for op in due:
                d = self.knobs.export_duration_s
                if op.state == "PENDING" and now - op.created >= d / 3:
                    self._set(op, "RUNNING")
                elif op.state == "RUNNING" and now - op.created >= d:
                    if op.fail:
                        self._set(op, "FAILED", error="Export failed: an internal error occurred (injected by "
                                                      "the m3leo emulator).")
                    else:
                        try:
                            op.uris = self._write_export(op)
                            self._set(op, "SUCCEEDED")
                        except EEError as exc:
                            self._set(op, "FAILED", error=str(exc))
            with self.lock:
                self.cond.wait(0.05)

    def _set(self, op: Operation, state: str, error: str | None = None) -> None:
        with self.lock:
            if op.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return
            op.state, op.error, op.updated = state, error, time.time()

    def _write_export(self, op: Operation) -> list[str]:
        body = op.body
        dest, path = export_path(self.knobs.export_root, body, op.description)
        bucket = dest.get("bucket") or dest.get("folder") or "drive"
        prefix = dest.get("filenamePrefix") or op.description
        img = as_image(Evaluator(Trace()).run(body["expression"]))
        grid = body.get("grid") or img.props.get("_grid") or {}
        # Exports are not bound by computePixels' request size (Earth Engine tiles them); only by memory.
        arr, names, crs, tr = render(img, grid, self.knobs.byte_limit * 1024, Trace())
        path.parent.mkdir(parents=True, exist_ok=True)
        write_geotiff(path, arr, names, crs, tr)
        return [f"gs://{bucket}/{prefix}.tif" if "bucket" in dest else str(path)]

    def op_json(self, op: Operation) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.earthengine.v1alpha.OperationMetadata",
            "state": op.state, "description": op.description, "type": "EXPORT_IMAGE",
            "createTime": _ts(op.created), "updateTime": _ts(op.updated),
            "progress": 1.0 if op.state == "SUCCEEDED" else 0.0,
        }
        if op.state != "PENDING":
            meta["startTime"] = _ts(op.created)
        out: dict[str, Any] = {"name": op.name, "metadata": meta}
        if op.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            out["done"] = True
            meta["endTime"] = _ts(op.updated)
        if op.state == "SUCCEEDED":
            meta["destinationUris"] = op.uris
            out["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
        if op.state in ("FAILED", "CANCELLED"):
            out["error"] = {"code": 1 if op.state == "CANCELLED" else 13,
                            "message": op.error or "Cancelled."}
        return out


_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")


def export_path(export_root: str, body: dict[str, Any], description: str = "export") -> tuple[dict[str, Any], Path]:
    """(destination, file path) of an export, confined to the export root; EEError as Earth Engine words it.

    Any local user can reach the emulator's HTTP API: a bucket or prefix must never leave the root.
    """
    opts = body.get("fileExportOptions", {})
    dest = opts.get("cloudStorageDestination") or opts.get("driveDestination") or {}
    if "bucket" in dest and not (_BUCKET.fullmatch(str(dest["bucket"])) and ".." not in str(dest["bucket"])):
        raise EEError(f"Invalid bucket name '{dest['bucket']}'.")
    bucket = str(dest.get("bucket") or dest.get("folder") or "drive")
    prefix = str(dest.get("filenamePrefix") or description)
    root = Path(export_root or ".").resolve()
    path = (root / bucket / f"{prefix}.tif").resolve()
    if root not in path.parents or ".." in Path(bucket).parts or ".." in Path(prefix).parts:
        raise EEError(f"Invalid export destination '{bucket}/{prefix}': folder and file name prefix must not "
                      "contain '..' or leave the bucket.")
    return dest, path


# -- HTTP -------------------------------------------------------------------------------------------------------
class DropConnection(Exception):
    pass


def make_handler(state: EmulatorState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds ~40 ms to every
        # response. Earth Engine's latency is a knob, not an accident of the socket options.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read the log
            return

        # -- plumbing ---------------------------------------------------------------------------------------
        def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Synthetic-Data", "true")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, obj: Any) -> None:
            self._send(code, json.dumps(obj).encode())

        def _error(self, code: int, message: str) -> None:
            self._json(code, {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN")}})

        def _body(self) -> dict[str, Any]:
            return self._parsed

        def _read_body(self) -> None:
            # Always consume the body: on a keep-alive connection unread bytes would be taken for the next
            # request line.
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            try:
                self._parsed = json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                self._parsed = {}

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        # -- routing ----------------------------------------------------------------------------------------
        def _route(self, verb: str) -> None:
            self._read_body()
            url = urlparse(self.path)
            path = url.path
            try:
                if path.startswith("/$discovery/rest") or path.startswith("/discovery"):
                    return self._json(200, discovery_document(state.base_url))
                m = re.fullmatch(r"/v1(?:alpha|beta)?/(projects/[^/]+)/(.+)", path)
                if not m:
                    return self._error(404, f"Method not found: {verb} {path}")
                project, rest = m.groups()
                if verb == "GET" and rest == "algorithms":
                    return self._json(200, algorithms())
                if verb == "GET" and rest == "operations":
                    return self._list_ops(project, parse_qs(url.query))
                om = re.fullmatch(r"operations/([^/:]+)(:cancel|:wait)?", rest)
                if om:
                    return self._op(f"{project}/operations/{om.group(1)}", verb, om.group(2))
                if verb == "POST" and rest in ("value:compute", "image:computePixels", "image:export"):
                    return self._compute(project, rest)
                return self._error(404, f"Method not found: {verb} {path}")
            except EEError as exc:
                return self._error(exc.code, str(exc))
            except Exception as exc:  # a bug in the emulator: say so rather than drop the connection
                return self._error(500, f"m3leo emulator internal error: {type(exc).__name__}: {exc}")

        def _compute(self, project: str, method: str) -> None:
            short = {"value:compute": "value:compute", "image:computePixels": "computePixels",
                     "image:export": "export"}[method]
            body = self._body()
            k = state.knobs
            rec: dict[str, Any] = {"method": short, "time": time.time()}
            with state.lock:
                over = k.max_concurrent is not None and state.in_flight >= k.max_concurrent
                if not over:
                    state.in_flight += 1
                roll = state.rng.random()
                fault = state.rng.choice((429, 500, 503, "drop")) if roll < k.error_rate else None
                lat = state.rng.uniform(*k.latency_ms) / 1000.0 if k.latency_ms[1] > 0 else 0.0
            if over:
                rec["status"] = 429
                state.log(rec)
                return self._error(429, "Too many concurrent requests.")
            try:
                if lat:
                    time.sleep(lat)
                if fault == "drop":
                    rec["status"] = "dropped"
                    state.log(rec)
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault is not None:
                    rec["status"] = fault
                    state.log(rec)
                    msg = {429: "Too Many Requests: Request was rejected because the request rate or concurrency "
                                "limit was exceeded.",
                           500: "An internal error has occurred (request: m3leo-emulator).",
                           503: "The service is currently unavailable."}[fault]  # type: ignore[index]
                    return self._error(int(fault), msg)
                trace = Trace()
                try:
                    if short == "value:compute":
                        result = Evaluator(trace).run(body["expression"])
                        rec.update(status=200, assets=trace.assets, dates=trace.dates)
                        state.log(rec)
                        return self._json(200, {"result": _plain(result)})
                    if short == "export":
                        op = state.submit_export(project, body)
                        rec.update(status=200, operation=op.name)
                        state.log(rec)
                        return self._json(200, state.op_json(op))
                    grid = body.get("grid", {})
                    img = as_image(Evaluator(trace).run(body["expression"]))  # asset / band errors first
                    fmt = str(body.get("fileFormat") or "NUMPY_NDARRAY").upper()
                    if fmt not in ("NUMPY_NDARRAY", "NPY", "GEO_TIFF"):
                        raise EEError(f"Unsupported file format '{fmt}' (the m3leo emulator serves NUMPY_NDARRAY "
                                      "and GEO_TIFF).")
                    arr, names, crs, tr = render(img, grid, k.byte_limit, trace, body.get("bandIds"))
                    rec.update(status=200, assets=trace.assets, dates=trace.dates, crs=crs, bands=names,
                               width=arr.shape[1], height=arr.shape[0], format=fmt)
                    state.log(rec)
                    if fmt == "GEO_TIFF":
                        return self._send(200, to_geotiff(arr, names, crs, tr), "image/tiff")
                    return self._send(200, to_npy(arr), "application/octet-stream")
                except EEError as exc:
                    rec.update(status=exc.code, error=str(exc), assets=trace.assets, dates=trace.dates)
                    state.log(rec)
                    return self._error(exc.code, str(exc))
                except Exception as exc:  # an emulator bug: a 500 that says so, never a silent drop
                    rec.update(status=500, error=repr(exc))
                    state.log(rec)
                    return self._error(500, f"m3leo emulator internal error: {type(exc).__name__}: {exc}")
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _list_ops(self, project: str, q: dict[str, list[str]]) -> None:
            size = int(q.get("pageSize", ["500"])[0])
            start = int(q.get("pageToken", ["0"])[0] or 0)
            with state.lock:
                ops = [o for o in state.ops.values() if o.name.startswith(project + "/")]
            ops.sort(key=lambda o: -o.created)
            page = ops[start:start + size]
            out: dict[str, Any] = {"operations": [state.op_json(o) for o in page]}
            if start + size < len(ops):
                out["nextPageToken"] = str(start + size)
            state.log({"method": "operations.list", "time": time.time(), "status": 200})
            self._json(200, out)

        def _op(self, name: str, verb: str, action: str | None) -> None:
            with state.lock:
                op = state.ops.get(name)
            if op is None:
                return self._error(404, f"Operation {name} not found.")
            if action == ":cancel":
                state._set(op, "CANCELLED", error="Cancelled by the user.")
                state.log({"method": "operations.cancel", "time": time.time(), "status": 200})
                return self._json(200, {})
            state.log({"method": "operations.get", "time": time.time(), "status": 200})
            return self._json(200, state.op_json(op))

    return Handler


def _plain(x: Any) -> Any:
    if isinstance(x, Img):
        return {"type": "Image", "bands": [{"id": b.name, "data_type": {"type": "PixelType", "precision":
                                            b.dtype}} for b in x.bands], "properties": x.props}
    if isinstance(x, (np.generic,)):
        return x.item()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if callable(x):
        return str(x)
    return x


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError)):
            return  # a client that went away (killed, timed out): nothing to report
        super().handle_error(request, client_address)
