"""Bounded, rate-limited, retrying fan-out: the one place work units meet threads.

The `Limiter` is shared by every worker of a run: it bounds requests in flight (Earth Engine's per-project
concurrency, 40 by default) and requests started per second. Retryable failures back off with full jitter
*outside* the limiter, so a sleeping worker does not hold a concurrency slot.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from .defaults import DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RPS
from .errors import EarthEngineError
from .state import ErrorKind, UnitStatus

T = TypeVar("T")
R = TypeVar("R")
# A long run reports each event (a dict with "event" and its fields) to this; the CLI draws bars from them.
ProgressFn = Callable[[dict[str, Any]], None]


class Limiter:
    """Requests in flight <= max_concurrency and request starts <= max_rps (token bucket, burst 1 s)."""

    def __init__(self, max_concurrency: int = DEFAULT_MAX_CONCURRENCY, max_rps: float = DEFAULT_MAX_RPS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_concurrency < 1 or max_rps <= 0:
            raise ValueError("max_concurrency must be >= 1 and max_rps > 0")
        self.max_concurrency = max_concurrency
        self.max_rps = max_rps
        self._sem = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._clock = clock
        self._tokens = float(max_rps)
        self._stamp = clock()
        self.in_flight = 0
        self.peak_in_flight = 0

    def _take_token(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.max_rps, self._tokens + (now - self._stamp) * self.max_rps)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait_s = (1 - self._tokens) / self.max_rps
            time.sleep(wait_s)

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._sem.acquire()
        try:
            self._take_token()
            with self._lock:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                yield
            finally:
                with self._lock:
                    self.in_flight -= 1
        finally:
            self._sem.release()


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential back-off for retryable Earth Engine errors: the one retry policy of every
    request this package sends (computePixels, export task submissions)."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_s: float = 0.25
    cap_s: float = 20.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_s, self.base_s * 2 ** attempt))


@dataclass
class CallStats:
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0  # wall time inside the limiter's slot (request round trips as this client sees them)
    bytes: int = 0  # raw pixel bytes the requests brought back


def call_with_retries(fn: Callable[[], R], limiter: Limiter, policy: RetryPolicy, stats: CallStats,
                      rng: random.Random | None = None, sleep: Callable[[float], None] = time.sleep) -> R:
    """Run one request under the limiter; back off and retry while the error is retryable."""
    rng = rng or random.Random()
    for attempt in range(policy.max_attempts):
        try:
            with limiter.slot():
                stats.requests += 1
                t0 = time.monotonic()
                try:
                    return fn()
                finally:
                    stats.seconds += time.monotonic() - t0
        except EarthEngineError as exc:
            if not exc.retryable or attempt == policy.max_attempts - 1:
                raise
            stats.retries += 1
            sleep(policy.delay(attempt, rng))
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Idle:
    """What a work iterable yields when it has no item ready yet (export mode, between two polls of its
    tasks): fan_out records what finished meanwhile, waiting at most `seconds` for it, then asks again."""

    seconds: float


def fan_out(work: Iterable[T | Idle], fn: Callable[[T], R], workers: int,
            on_done: Callable[[T, R | None, BaseException | None], None], *,
            executor: Executor | None = None) -> None:
    """Run fn over work items on a thread pool, at most `2 * workers` queued, calling on_done in this thread.

    Keeping on_done in the calling thread lets it own non-thread-safe things (the SQLite state, progress).
    Ctrl-C (or any error) cancels what has not started and returns at once, without waiting for the requests
    in flight: their items are not reported, so the caller's state still has them in flight. The work
    iterable also runs in this thread; where it yields an `Idle`, it is asked again once an item finished
    or `Idle.seconds` passed, whichever comes first.

    executor: run on it instead of a thread pool of `workers` (e.g. a dask.distributed Client's
    `get_executor()`, `workers` then being the cluster's threads); the caller owns it, so it is not shut down
    here, only the futures still pending are cancelled on an error.
    """
    it = iter(work)
    pending: dict[Future[R], T] = {}
    pool = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="m3leo")
    clean = exhausted = False
    try:
        while True:
            idle: float | None = None
            while len(pending) < 2 * workers and not exhausted:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    break
                if isinstance(item, Idle):
                    idle = max(0.0, item.seconds)
                    break
                pending[pool.submit(fn, item)] = item
            if not pending:
                if exhausted:
                    break
                if idle:
                    time.sleep(idle)
                continue
            done, _ = wait(pending, timeout=idle, return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                exc = fut.exception()
                on_done(item, None if exc else fut.result(), exc)
        clean = True
    finally:
        if executor is None:
            pool.shutdown(wait=clean, cancel_futures=not clean)
        elif not clean:
            for fut in pending:
                fut.cancel()


@dataclass(frozen=True)
class UnitOutcome:
    """What a worker returns for one unit: plain values, so it travels back from a thread, a process or a
    dask.distributed worker. The coordinator alone turns outcomes into state, report and progress."""

    status: UnitStatus  # DONE or FAILED
    chips: int
    error_kind: ErrorKind | None = None  # FAILED: why; DONE: EMPTY when the composite had no images
    message: str = ""
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0  # the requests' summed round trips
    bytes: int = 0  # raw pixel bytes
    valid: tuple[float, ...] = ()  # each chip's valid fraction, in the unit's chip order
    detail: Any = None  # a mode's own plain-value account of the unit (tile: its chips written, dropped, failed)

    @classmethod
    def failed(cls, chips: int, exc: BaseException) -> UnitOutcome:
        """The outcome of a unit whose worker raised `exc` (`ErrorKind.of` says which kind of failure)."""
        kind = ErrorKind.of(exc)
        text = str(exc) if kind is not ErrorKind.BUG else f"internal error: {type(exc).__name__}: {exc}"
        return cls(UnitStatus.FAILED, chips, kind, text)


UnitWorker = Callable[[T], UnitOutcome]  # picklable where the run is to go on a cluster


def run_units(units: Iterable[T | Idle], worker: UnitWorker[T], workers: int, record: Callable[[T, UnitOutcome], None],
              chips_of: Callable[[T], int], *, executor: Executor | None = None) -> None:
    """The one unit runner: fan the units out to `worker`, and `record` each outcome in this thread as it arrives.

    A worker that raises gives its unit a FAILED outcome of `ErrorKind.of(exc)`; a BUG (an exception this package
    does not know) is recorded, then re-raised: the run stops (exit 70). Ctrl-C stops at once (see fan_out).
    `units` may be a generator that yields `Idle` while it waits for more (export mode's task polling).
    """
    def done(unit: T, outcome: UnitOutcome | None, exc: BaseException | None) -> None:
        if exc is not None:
            outcome = UnitOutcome.failed(chips_of(unit), exc)
        assert outcome is not None
        record(unit, outcome)
        if exc is not None and outcome.error_kind is ErrorKind.BUG:
            raise exc

    fan_out(units, worker, workers, done, executor=executor)
