"""Fetching on a dask.distributed cluster under one quota.

The coordinator (the process the user started) plans, submits one task per work unit and alone writes the
state database, from the results as they arrive. Each task runs on a worker: it sends its unit's requests,
decodes, cuts and writes its shard. A worker that dies loses only its units in flight: the scheduler runs
them again elsewhere (dask's own re-queue), and they are recorded once, when their result arrives.

The quota is held on the scheduler, so N workers never exceed it together:
- slots: a `distributed.Semaphore` with `max_concurrency` leases bounds requests in flight across every
  worker. It lives on the scheduler, not on a worker (an Actor would die with its worker), and a dead
  worker's leases expire (`distributed.scheduler.locks.lease-timeout`), so a kill cannot shrink the cap
  for good.
- rate: each lease is held at least max_concurrency / max_rps seconds (`quota.min_hold_s`), so request
  starts stay <= max_rps across the cluster without a second scheduler round trip per request.
- back-off: a worker answered 429 puts an event on a `distributed.Queue`; the coordinator's `Throttle`
  halves a shared window by holding "ballast" leases and gives one back per quiet interval (additive
  increase, multiplicative decrease: Beam's adaptive throttler, made cluster-wide).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .errors import EndpointUnavailableError, QuotaError, UsageError
from .quota import AIMDWindow, min_hold_s

LOCAL_PREFIX = "local:"
_ADDRESS = re.compile(r"^(local:\d+|(tcp|tls|inproc|ucx|ws|wss)://\S+)$")
CONNECT_TIMEOUT_S = 10.0
QUIET_S = 2.0  # no 429 for this long: the shared window grows by one slot
TICK_S = 0.2


def check_address(address: str) -> str:
    """A `--dask` value: `local:N` (a LocalCluster of N worker processes here) or a scheduler address."""
    if not _ADDRESS.match(address) or address == "local:0":
        raise UsageError(f"--dask {address!r} is neither a scheduler address (tcp://HOST:8786) nor local:N "
                         "(N worker processes on this machine, N >= 1)")
    return address


def probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast, in one line and before anything is written, when a scheduler address does not answer."""
    import socket
    from urllib.parse import urlsplit

    address = check_address(address)
    if address.startswith(LOCAL_PREFIX) or not address.startswith(("tcp://", "tls://")):
        return
    parts = urlsplit(address)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 8786), timeout=timeout):
            pass
    except OSError as exc:
        raise EndpointUnavailableError(
            f"cannot reach the dask scheduler at {address} ({exc.strerror or exc}): start it (`dask scheduler`, "
            "then `dask worker ADDRESS`) or fix --dask, then rerun; nothing was written") from None


@contextmanager
def cluster_client(address: Any, threads_per_worker: int = 1) -> Iterator[Any]:
    """A dask.distributed Client for `address`: None stays None, `local:N` starts a LocalCluster of N worker
    processes (closed on exit), a scheduler address is connected to (closed on exit), a Client is used as
    it is (its owner closes it)."""
    if address is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if isinstance(address, Client):
        yield address
        return
    address = check_address(str(address))
    if address.startswith(LOCAL_PREFIX):
        n = int(address.removeprefix(LOCAL_PREFIX))
        with LocalCluster(n_workers=n, threads_per_worker=max(1, threads_per_worker), processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise EndpointUnavailableError(
            f"cannot reach the dask scheduler at {address} ({str(exc).splitlines()[0]}): start it "
            "(`dask scheduler`, then `dask worker ADDRESS`) or fix --dask, then rerun; nothing was written") from None
    try:
        yield client
    finally:
        client.close()


@dataclass(frozen=True)
class QuotaSpec:
    """The names of one run's cluster-wide quota primitives, and its numbers (picklable, sent to workers)."""

    key: str
    max_concurrency: int
    max_rps: float

    @classmethod
    def new(cls, max_concurrency: int, max_rps: float) -> QuotaSpec:
        return cls(uuid.uuid4().hex[:12], max_concurrency, max_rps)

    @property
    def slots(self) -> str:
        return f"m3leo-slots-{self.key}"

    @property
    def events(self) -> str:
        return f"m3leo-throttle-{self.key}"


class ClusterLimiter:
    """`runner.Limiter`'s interface (`slot()`) on a worker, the slots held on the scheduler."""

    def __init__(self, spec: QuotaSpec) -> None:
        from distributed import Queue, Semaphore

        self.spec = spec
        self._sem = Semaphore(max_leases=spec.max_concurrency, name=spec.slots)
        self._events = Queue(spec.events)
        self._hold = min_hold_s(spec.max_concurrency, spec.max_rps)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._sem.acquire()
        t0 = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            yield
        except QuotaError:
            self._events.put(time.time())  # the whole cluster backs off, not this worker alone
            raise
        finally:
            with self._lock:
                self.in_flight -= 1
            rest = self._hold - (time.monotonic() - t0)
            if rest > 0:
                time.sleep(rest)
            self._sem.release()


class Throttle:
    """The coordinator's AIMD controller: holds `window.ballast` of the run's slots out of use."""

    def __init__(self, client: Any, spec: QuotaSpec, quiet_s: float = QUIET_S) -> None:
        from distributed import Queue, Semaphore

        self.window = AIMDWindow(spec.max_concurrency)
        self.quiet_s = quiet_s
        self.throttled = 0
        self.lowest_window = self.window.window
        self._sem = Semaphore(max_leases=spec.max_concurrency, name=spec.slots, scheduler_rpc=client.scheduler,
                              loop=client.loop)
        self._events = Queue(spec.events, client=client)
        self._held = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="m3leo-throttle", daemon=True)

    def __enter__(self) -> Throttle:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        while self._held:
            self._sem.release()
            self._held -= 1

    def _loop(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(TICK_S):
            events = self._events.get(batch=True)
            now = time.monotonic()
            if events:
                self.throttled += len(events)
                self.window.on_throttle()
                self.lowest_window = min(self.lowest_window, self.window.window)
                last = now
            elif now - last >= self.quiet_s and self.window.window < self.window.cap:
                self.window.on_quiet()
                last = now
            self._settle()

    def _settle(self) -> None:
        while self._held > self.window.ballast:
            self._sem.release()
            self._held -= 1
        while self._held < self.window.ballast and not self._stop.is_set():
            if not self._sem.acquire(timeout=TICK_S):
                return  # the slots are busy: take them as they free up, on the next ticks
            self._held += 1


def total_threads(client: Any) -> int:
    return max(1, sum(client.nthreads().values()))


# Per worker process of a cluster run: one Earth Engine session, one limiter and one open store per run.
_worker_lock = threading.Lock()
_worker_cache: dict[tuple[str, str], Any] = {}


def worker_cached(kind: str, key: str, make: Callable[[], Any]) -> Any:
    """`make()` once per worker process and (kind, key): what a unit worker unpickled on a cluster shares."""
    with _worker_lock:
        if (kind, key) not in _worker_cache:
            _worker_cache[(kind, key)] = make()
        return _worker_cache[(kind, key)]
