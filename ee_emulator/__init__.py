"""A local Earth Engine endpoint with deterministic SYNTHETIC data, for offline runs, demos and tests.

    with start_emulator(latency_ms=(200, 600), max_concurrent=40) as emu:
        m3leo_extract.ee.session.initialize(url=emu.url)  # AnonymousCredentials against emu.url
        emu.knobs.error_rate = 0.1                         # knobs change while it runs

The unmodified earthengine-api client talks HTTP to it. See docs/emulator.md.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from .discovery import installed_methods
from .service import EmulatorKnobs, EmulatorServer, EmulatorState, make_handler

__all__ = ["EmulatorHandle", "EmulatorKnobs", "start_emulator"]


class EmulatorHandle:
    """A running emulator: `.url`, `.knobs` (mutable), `.request_log`, `.stop()`; a context manager."""

    def __init__(self, server: EmulatorServer, state: EmulatorState, threads: list[threading.Thread],
                 tmp: Any = None) -> None:
        self._server = server
        self._state = state
        self._threads = threads
        self._tmp = tmp
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.port = int(port)

    @property
    def knobs(self) -> EmulatorKnobs:
        return self._state.knobs

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """A snapshot of every request answered so far (method, status, assets, dates, grid)."""
        with self._state.lock:
            return list(self._state.request_log)

    @property
    def peak_in_flight(self) -> int:
        """The most compute requests this emulator had in flight at once (reset_peak() starts again)."""
        return self._state.peak_in_flight

    def reset_peak(self) -> None:
        with self._state.lock:
            self._state.peak_in_flight = self._state.in_flight

    def pixel_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.request_log if r.get("method") == "computePixels"]

    def stop(self) -> None:
        from .catalogue import forget_user_assets

        self._state.stop()
        forget_user_assets(Path(self._state.knobs.export_root))
        self._server.shutdown()
        self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(host: str = "127.0.0.1", port: int = 0, **knobs: Any) -> EmulatorHandle:
    """Start the emulator in background threads; `port=0` picks a free port. Knobs: see EmulatorKnobs."""
    known = {f.name for f in fields(EmulatorKnobs)}
    bad = set(knobs) - known
    if bad:
        raise TypeError(f"unknown emulator knob(s) {sorted(bad)}; known: {sorted(known)}")
    k = EmulatorKnobs(**knobs)
    if isinstance(k.latency_ms, list):
        k.latency_ms = tuple(k.latency_ms)  # type: ignore[assignment]
    tmp = None
    if not k.export_root:
        tmp = tempfile.TemporaryDirectory(prefix="m3leo-emulator-exports-")
        k.export_root = tmp.name
    state = EmulatorState(k)
    from .catalogue import load_user_assets

    load_user_assets(Path(k.export_root))  # what exports to assets left on this root, as Earth Engine keeps them
    # Parse the client's discovery fixture now (~0.8 s, seconds on a loaded machine), not on the first request:
    # a client's reachability probe times that request (extract gives up after 5 s).
    installed_methods()
    server = EmulatorServer((host, port), make_handler(state))
    state.base_url = f"http://{host}:{server.server_address[1]}"
    t1 = threading.Thread(target=server.serve_forever, name="m3leo-emulator", daemon=True)
    t2 = threading.Thread(target=state.advance, name="m3leo-emulator-tasks", daemon=True)
    t1.start()
    t2.start()
    return EmulatorHandle(server, state, [t1, t2], tmp)
