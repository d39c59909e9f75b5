"""Earth Engine's quota as numbers: the noncommercial EECU tiers, the shared back-off window, workload tags.

Pure: no I/O, no client. `cluster.py` holds the window on a dask.distributed cluster; `plan.py` names the tier
a run fits in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Noncommercial Earth Engine tiers, in force since 2026-04-27: EECU-hours of compute per project per month
# (https://developers.google.com/earth-engine/guides/noncommercial_tiers). Smallest first.
NONCOMMERCIAL_EECU_HOURS: dict[str, float] = {"community": 150.0, "contributor": 1000.0, "partner": 100_000.0}

# ee.data.setWorkloadTag's rule: 1-63 characters, alphanumeric at both ends, [-_.] and alphanumerics between.
WORKLOAD_TAG_MAX = 63
_TAG_OK = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$")
_TAG_BAD = re.compile(r"[^a-z0-9._-]+")


def tier_for(eecu_hours: float) -> str | None:
    """The smallest noncommercial tier whose monthly quota holds `eecu_hours` (None: more than any tier)."""
    for tier, hours in NONCOMMERCIAL_EECU_HOURS.items():
        if eecu_hours <= hours:
            return tier
    return None


def workload_tag(store: str, collection: str, period: str) -> str:
    """The tag every request of one (store, collection, period) carries, so Google's console shows the run's
    EECU cost per recipe: `m3leo.<store>.<collection>.<period>`, lower case, cut to Earth Engine's 63 chars."""
    parts = [_TAG_BAD.sub("-", p.lower()).strip("-._") or "x" for p in ("m3leo", store, collection, period)]
    # Keep collection and period whole where possible: the store name gives way first.
    room = WORKLOAD_TAG_MAX - len(parts[0]) - len(parts[2]) - len(parts[3]) - 3
    if room < 1:
        tag = ".".join(parts)[:WORKLOAD_TAG_MAX]
    else:
        parts[1] = parts[1][:room]
        tag = ".".join(parts)
    tag = tag.strip("-._")
    if not _TAG_OK.match(tag):
        raise AssertionError(f"workload tag {tag!r} breaks Earth Engine's rule")  # unreachable by construction
    return tag


def valid_workload_tag(tag: str) -> bool:
    return bool(_TAG_OK.match(tag))


@dataclass
class AIMDWindow:
    """Requests in flight allowed across a whole cluster: additive increase, multiplicative decrease.

    On a quota refusal (HTTP 429) the window halves; after each quiet interval it grows by one, up to the cap.
    Beam's adaptive throttler does this per client; here one window is shared, so N workers back off together.
    """

    cap: int
    window: int = 0
    decrease: float = 0.5
    increase: int = 1
    floor: int = 1

    def __post_init__(self) -> None:
        if self.cap < 1:
            raise ValueError("cap must be >= 1")
        self.window = self.cap if self.window <= 0 else min(self.window, self.cap)

    def on_throttle(self) -> int:
        self.window = max(self.floor, int(self.window * self.decrease))
        return self.window

    def on_quiet(self) -> int:
        self.window = min(self.cap, self.window + self.increase)
        return self.window

    @property
    def ballast(self) -> int:
        """Slots the controller keeps out of use: cap - window."""
        return self.cap - self.window


def min_hold_s(max_concurrency: int, max_rps: float) -> float:
    """Hold every slot at least this long and starts per second stay <= max_rps across the whole cluster: at
    most `max_concurrency` slots, each busy >= max_concurrency / max_rps s (burst: max_concurrency starts)."""
    if max_concurrency < 1 or max_rps <= 0:
        raise ValueError("max_concurrency must be >= 1 and max_rps > 0")
    return max_concurrency / max_rps
