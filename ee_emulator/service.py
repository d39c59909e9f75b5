"""The emulator's HTTP layer: knobs, shared state, request log, faults and latency around the REST methods.

Routing is `routes.ROUTES`; the methods themselves are in `rest.py`. Everything it answers is SYNTHETIC
(`X-Synthetic-Data: true` on every response). Errors use Google's JSON error shape (errors.py), so the
unmodified client raises `ee.EEException` with Earth Engine's own message text.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from . import limits, routes
from .calls import algorithm_calls
from .errors import EEError
from .evaluate import Evaluator, Trace
from .graph import as_image
from .operations import Operation, Tasks, confined
from .render import render, write_geotiff

DEFAULT_BYTE_LIMIT = 48 * 1024 * 1024
_FAULT_TEXT = {429: "Too Many Requests: Request was rejected because the request rate or concurrency limit was "
                    "exceeded.",
               500: "An internal error has occurred (request: m3leo-emulator).",
               503: "The service is currently unavailable."}
# request-log names of the compute methods (what tests and benchmarks count)
_LOG_NAME = {"projects.value.compute": "value:compute", "projects.image.computePixels": "computePixels",
             "projects.image.export": "export", "projects.thumbnails.create": "thumbnails.create",
             "projects.thumbnails.getPixels": "thumbnails.getPixels", "projects.assets.getPixels": "getPixels"}


@dataclass
class EmulatorKnobs:
    """Fault and latency settings; change them at any time (`handle.knobs.latency_ms = (200, 600)`)."""

    latency_ms: tuple[float, float] = (0.0, 0.0)  # uniform per compute request (pixels, value, export, ...)
    max_concurrent: int | None = None  # beyond this many requests in flight: 429, as Earth Engine does
    error_rate: float = 0.0  # fraction answered with a random 429 / 500 / 503 / dropped connection
    byte_limit: int = DEFAULT_BYTE_LIMIT  # computePixels results above this are refused (GEE: 48 MiB)
    export_failure_rate: float = 0.0  # fraction of export tasks that end FAILED
    export_duration_s: float = 0.3  # PENDING -> RUNNING -> done
    export_root: str = ""  # folder standing in for Cloud Storage: <export_root>/<bucket>/<prefix>.tif
    seed: int = 0
    exact_composites: bool = False  # composites reduce every image per pixel (Earth Engine's; N times slower)
    load: limits.Load = field(default_factory=limits.Load)  # work budget and work-driven latency (limits.py)


class EmulatorState:
    """Shared by all handler threads."""

    def __init__(self, knobs: EmulatorKnobs, project: str = "m3leo-emulator") -> None:
        self.knobs = knobs
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0  # the most compute requests in flight at once, whoever sent them
        self.rng = random.Random(knobs.seed)
        self.request_log: list[dict[str, Any]] = []
        self.thumbnails: dict[str, dict[str, Any]] = {}
        self.base_url = ""
        self.tasks = Tasks(knobs, write_export)

    @property
    def ops(self) -> dict[str, Operation]:
        return self.tasks.ops

    @property
    def stopping(self) -> bool:
        return self.tasks.stopping

    def log(self, rec: dict[str, Any]) -> None:
        with self.lock:
            self.request_log.append(rec)

    def advance(self) -> None:
        self.tasks.advance()

    def stop(self) -> None:
        self.tasks.stop()


def write_export(op: Operation, root: Path) -> list[str]:
    """Render an export task's image on its grid and write the GeoTIFF under `root` (confined to it)."""
    body = op.body
    if body.get("assetExportOptions"):
        return _write_asset(op, root)
    opts = body.get("fileExportOptions", {})
    dest = opts.get("cloudStorageDestination") or opts.get("driveDestination") or {}
    bucket = dest.get("bucket") or dest.get("folder") or "drive"
    prefix = dest.get("filenamePrefix") or op.description
    img = as_image(Evaluator(Trace()).run(body["expression"]))
    grid = body.get("grid") or img.props.get("_grid") or {}
    # Exports are not bound by computePixels' request size (Earth Engine tiles them); only by memory.
    arr, names, crs, tr = render(img, grid, DEFAULT_BYTE_LIMIT * 1024)
    path = confined(root, bucket, f"{prefix}.tif")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_geotiff(path, arr, names, crs, tr)
    return [f"gs://{bucket}/{prefix}.tif" if "bucket" in dest else str(path)]


def _write_asset(op: Operation, root: Path) -> list[str]:
    """Export.image.toAsset: the rendered image becomes an asset that assets.get / Image.load then read."""
    from .catalogue import store_user_image

    dest = op.body["assetExportOptions"]["earthEngineDestination"]
    img = as_image(Evaluator(Trace()).run(op.body["expression"]))
    arr, names, crs, tr = render(img, op.body.get("grid") or img.props.get("_grid") or {},
                                 DEFAULT_BYTE_LIMIT * 1024)
    store_user_image(dest["name"], arr, names, crs, tr, bool(dest.get("overwrite")), root=root)
    return [f"https://code.earthengine.google.com/?asset={dest['name']}"]


# -- HTTP -------------------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    """One HTTP request: route it, wrap compute methods in the knobs, log it, answer in Google's shapes.

    `make_handler(state)` binds a subclass to one emulator's shared state.
    """

    state: EmulatorState
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds ~40 ms to every
    # response. Earth Engine's latency is a knob, not an accident of the socket options.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read the log
        return

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Synthetic-Data", "true")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj: Any) -> None:
        self._send(code, json.dumps(obj).encode())

    def _read_body(self) -> dict[str, Any]:
        # Always consume the body: on a keep-alive connection unread bytes would be taken for the next
        # request line.
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            parsed = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            raise EEError("Invalid JSON payload received.") from None
        return parsed if isinstance(parsed, dict) else {}

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, verb: str) -> None:
        state = self.state
        url = urlparse(self.path)
        rec: dict[str, Any] = {"time": time.time()}
        try:
            body = self._read_body()
            if url.path.startswith(("/$discovery/rest", "/discovery")):
                return self._json(200, routes.discovery_document(state.base_url))
            hit = routes.match(verb, url.path)
            if hit is None:
                raise EEError(f"Method not found: {verb} {url.path}", code=404)
            route, groups = hit
            rec["method"] = _LOG_NAME.get(route.method, route.method.removeprefix("projects."))
            if body.get("workloadTag"):
                rec["workload_tag"] = body["workloadTag"]
            if isinstance(body.get("expression"), dict):  # the algorithms the client's graph calls
                rec["algorithms"] = algorithm_calls(body["expression"])
            query = parse_qs(url.query)
            reply = (self._compute(route, groups, body, query, rec) if route.compute
                     else route.handler(state, groups, body, query))
            if reply is None:  # a dropped connection
                return state.log(rec)
            rec.update(status=reply.code, seconds=time.time() - rec["time"], **reply.log)  # server-side time
            state.log(rec)  # before the answer: a client reading the log after its reply sees its request
            self._reply(reply)
        except EEError as exc:
            self._fail(rec, exc)
        except Exception as exc:  # a bug in the emulator: say so rather than drop the connection
            self._fail(rec, EEError(f"m3leo emulator internal error: {type(exc).__name__}: {exc}", 500))

    def _fail(self, rec: dict[str, Any], exc: EEError) -> None:
        rec.update(status=exc.code, error=str(exc), seconds=time.time() - rec["time"])
        if "method" in rec:
            self.state.log(rec)
        self._json(exc.code, exc.body())

    def _reply(self, reply: Any) -> None:
        if isinstance(reply.body, (bytes, bytearray)):
            return self._send(reply.code, bytes(reply.body), reply.ctype)
        return self._json(reply.code, reply.body)

    def _admit(self) -> tuple[bool, Any, float]:
        """Take a concurrency slot (False: over the cap) and roll this request's fault and uniform latency."""
        state, k = self.state, self.state.knobs
        with state.lock:
            over = k.max_concurrent is not None and state.in_flight >= k.max_concurrent
            if not over:
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            roll = state.rng.random()
            fault = state.rng.choice((429, 500, 503, "drop")) if roll < k.error_rate else None
            lat = state.rng.uniform(*k.latency_ms) / 1000.0 if k.latency_ms[1] > 0 else 0.0
        return not over, fault, lat

    def _compute(self, route: routes.Route, groups: dict[str, str], body: dict[str, Any],
                 query: dict[str, list[str]], rec: dict[str, Any]) -> Any:
        """Latency, the concurrency cap and injected faults around a compute method."""
        state = self.state
        admitted, fault, lat = self._admit()
        if not admitted:
            raise EEError(limits.CONCURRENCY_TEXT, code=429)
        try:
            if lat:
                time.sleep(lat)
            if fault == "drop":
                rec["status"] = "dropped"
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            if fault is not None:
                raise EEError(_FAULT_TEXT[int(fault)], code=int(fault))
            with limits.exact_composites(state.knobs.exact_composites):
                return route.handler(state, groups, body, query)
        finally:
            with state.lock:
                state.in_flight -= 1


def make_handler(state: EmulatorState) -> type[BaseHTTPRequestHandler]:
    """The handler class serving one emulator's `state` (each server gets its own subclass)."""
    return type("EmulatorHandler", (Handler,), {"state": state})


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
