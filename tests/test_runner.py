"""The limiter, retries and fan-out (real threads, no timing assertions)."""

from __future__ import annotations

import random
import threading
import time

import pytest

from m3leo_extract.errors import EarthEngineError, QuotaError
from m3leo_extract.runner import CallStats, Limiter, RetryPolicy, call_with_retries, fan_out


def test_limiter_bounds_requests_in_flight() -> None:
    lim = Limiter(max_concurrency=3, max_rps=10_000)
    seen: list[int] = []
    lock = threading.Lock()

    def job(_: int) -> None:
        with lim.slot():
            with lock:
                seen.append(lim.in_flight)
            time.sleep(0.01)

    fan_out(range(40), job, workers=12, on_done=lambda *a: None)
    assert max(seen) <= 3 and lim.peak_in_flight == 3


def test_token_bucket_counts_against_a_fake_clock() -> None:
    now = [0.0]
    lim = Limiter(max_concurrency=100, max_rps=5, clock=lambda: now[0])
    for _ in range(5):  # a full bucket lets a one-second burst through without waiting
        with lim.slot():
            pass
    assert lim._tokens < 1


def test_retries_transient_errors_then_succeeds() -> None:
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 4:
            raise QuotaError("Too many concurrent aggregations.")
        return "ok"

    stats = CallStats()
    sleeps: list[float] = []
    out = call_with_retries(flaky, Limiter(2, 100), RetryPolicy(max_attempts=5, base_s=1, cap_s=3), stats,
                            random.Random(0), sleep=sleeps.append)
    assert out == "ok" and stats.retries == 3 and stats.requests == 4
    assert len(sleeps) == 3 and all(0 <= s <= 3 for s in sleeps)


def test_permanent_errors_fail_at_once_and_budget_is_bounded() -> None:
    stats = CallStats()

    def bad() -> None:
        raise EarthEngineError("Image.select: Band pattern 'B99' did not match any bands.")

    with pytest.raises(EarthEngineError, match="B99"):
        call_with_retries(bad, Limiter(1, 100), RetryPolicy(), stats, sleep=lambda s: None)
    assert stats.requests == 1 and stats.retries == 0

    def always_busy() -> None:
        raise QuotaError("Too many concurrent aggregations.")

    stats = CallStats()
    with pytest.raises(QuotaError):
        call_with_retries(always_busy, Limiter(1, 100), RetryPolicy(max_attempts=4), stats, sleep=lambda s: None)
    assert stats.requests == 4 and stats.retries == 3


def test_fan_out_reports_every_item_in_the_calling_thread() -> None:
    main = threading.get_ident()
    results: dict[int, object] = {}

    def fn(i: int) -> int:
        if i == 7:
            raise ValueError("seven")
        return i * i

    def done(item: int, res: int | None, exc: BaseException | None) -> None:
        assert threading.get_ident() == main
        results[item] = exc if exc else res

    fan_out(range(20), fn, workers=4, on_done=done)
    assert len(results) == 20 and results[3] == 9 and isinstance(results[7], ValueError)


def test_an_idle_work_iterable_gets_its_finished_items_recorded_while_it_waits() -> None:
    """Export mode's shape: a generator polling between items yields `Idle`; what finished meanwhile is recorded
    (in the calling thread) before the generator is asked again, and nothing is lost at its end."""
    from m3leo_extract.runner import Idle

    main = threading.get_ident()
    recorded: list[int] = []
    seen_while_idle: list[list[int]] = []

    def work():
        yield 1
        for _ in range(50):  # poll until item 1 is recorded (a bounded wait: the test cannot hang)
            if recorded:
                break
            yield Idle(0.05)
        seen_while_idle.append(list(recorded))
        yield 2
        yield Idle(0.01)
        yield 3

    def done(item: int, res: int | None, exc: BaseException | None) -> None:
        assert threading.get_ident() == main and exc is None
        recorded.append(item)

    fan_out(work(), lambda i: i, workers=2, on_done=done)
    assert seen_while_idle == [[1]] and sorted(recorded) == [1, 2, 3]
