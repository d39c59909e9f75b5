"""Earth Engine's limits and load as the emulator applies them to one computePixels request.

Imitated, each from a public source:

- Size rule (`check_size`): the uncompressed result plus one mask byte per band-pixel must not exceed 48 MiB
  ("Total request size (N bytes) must be less than or equal to 50331648 bytes."). The mask byte is Earth
  Engine's `ImageUtils.enforceRequestedSizeLimits`, as cited in google/Xee issue 209 and PRs 210/211. Grids
  are at most 32768 pixels a side and 1024 bands (Earth Engine's computePixels / getPixels reference).
- Work budget (`Load.work_budget`, `Load.memory_budget`): a request's work is its pixels times the images
  its composites read (`Meter`); past the budget Earth Engine answers "Computation timed out." (HTTP 400,
  the interactive deadline) and past the memory budget "User memory limit exceeded." (HTTP 400), the two
  messages the clients' trackers report for heavy composites (e.g. a year of Sentinel-2 over a big block).
- Latency (`Load.latency_s`): a base round trip plus a term that grows with the work, times a lognormal
  factor, and a small fraction of requests `tail_factor` times slower (the heavy tail every large run sees).
- Concurrency: beyond `max_concurrent` requests in flight, HTTP 429 RESOURCE_EXHAUSTED with
  `CONCURRENCY_TEXT` (Earth Engine's per-project concurrent-request quota, 40 by default).

All seeded: the latency dice come from the emulator's seeded random generator.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .errors import EEError

REQUEST_BYTE_LIMIT = 48 * 1024 * 1024
MAX_GRID_DIM = 32768
MAX_BANDS = 1024
MASK_BYTES = 1  # per band-pixel
CONCURRENCY_TEXT = "Too many concurrent requests."
TIMEOUT_TEXT = "Computation timed out."
MEMORY_TEXT = "User memory limit exceeded."


def request_bytes(width: int, height: int, dtypes: Sequence[str | np.dtype]) -> int:
    """What Earth Engine's size rule counts: every band's item size plus its mask byte, per pixel."""
    return int(width) * int(height) * sum(np.dtype(d).itemsize + MASK_BYTES for d in dtypes)


def check_size(width: int, height: int, dtypes: Sequence[str | np.dtype], byte_limit: int) -> None:
    """Refuse a grid as Earth Engine does: side length, band count, then total size (values + masks)."""
    if width > MAX_GRID_DIM or height > MAX_GRID_DIM:
        raise EEError(f"Grid dimensions ({width}x{height}) must be less than or equal to {MAX_GRID_DIM} in each "
                      "dimension.")
    if len(dtypes) > MAX_BANDS:
        raise EEError(f"Number of bands ({len(dtypes)}) must be less than or equal to {MAX_BANDS}.")
    size = request_bytes(width, height, dtypes)
    if size > byte_limit:
        raise EEError(f"Total request size ({size} bytes) must be less than or equal to {byte_limit} bytes.")


# -- work ---------------------------------------------------------------------------------------------------
class Meter:
    """Images read by the composites of one request (set per handler thread while its graph is evaluated)."""

    def __init__(self) -> None:
        self.images = 0
        self.composites = 0


_current = threading.local()


@contextmanager
def exact_composites(on: bool) -> Iterator[None]:
    """While a request is evaluated in this thread: composites reduce every image per pixel (`exact`)."""
    prev = getattr(_current, "exact", False)
    _current.exact = bool(on)
    try:
        yield
    finally:
        _current.exact = prev


def composites_are_exact() -> bool:
    return bool(getattr(_current, "exact", False))


@contextmanager
def metering() -> Iterator[Meter]:
    """Count the images composited while a request's expression is evaluated in this thread."""
    meter = Meter()
    prev = getattr(_current, "meter", None)
    _current.meter = meter
    try:
        yield meter
    finally:
        _current.meter = prev


def composited(n_images: int) -> None:
    """Called by the compositing code: a reducer over `n_images` images ran for this request."""
    meter = getattr(_current, "meter", None)
    if meter is not None:
        meter.images += int(n_images)
        meter.composites += 1


@dataclass
class Load:
    """The work budget and latency model. Defaults: no budget and no latency (fast tests).

    `realistic()` gives figures in the range Earth Engine shows for computePixels: ~0.4 s for a small
    request, about a second per 100 M pixel-images of composite work, 1 % of requests 4x slower.
    """

    work_budget: float | None = None  # pixel-images; beyond: "Computation timed out."
    memory_budget: float | None = None  # pixel-band-images; beyond: "User memory limit exceeded."
    base_ms: float = 0.0  # every request
    ms_per_mwork: float = 0.0  # per million pixel-images (a single image counts once)
    sigma: float = 0.0  # lognormal spread of the latency factor
    tail_p: float = 0.0  # fraction of requests in the heavy tail
    tail_factor: float = 1.0  # how much slower those are

    @classmethod
    def realistic(cls) -> Load:
        return cls(work_budget=5e8, memory_budget=2e9, base_ms=400.0, ms_per_mwork=10.0, sigma=0.25,
                   tail_p=0.01, tail_factor=4.0)

    def latency_s(self, work: float, rng: random.Random) -> float:
        ms = self.base_ms + self.ms_per_mwork * work / 1e6
        if ms <= 0:
            return 0.0
        if self.sigma > 0:
            ms *= math.exp(rng.gauss(-self.sigma ** 2 / 2, self.sigma))  # mean factor 1
        if self.tail_p > 0 and rng.random() < self.tail_p:
            ms *= self.tail_factor
        return ms / 1000.0


def admit(width: int, height: int, n_bands: int, meter: Meter, load: Load, rng: random.Random,
          lock: threading.Lock) -> float:
    """Refuse a request over the work or memory budget; otherwise its latency in seconds (to sleep)."""
    images = max(1, meter.images)
    work = float(width) * height * images
    if load.work_budget is not None and work > load.work_budget:
        raise EEError(TIMEOUT_TEXT)
    if load.memory_budget is not None and work * max(1, n_bands) > load.memory_budget:
        raise EEError(MEMORY_TEXT)
    with lock:
        return load.latency_s(work, rng)


def admit_pixels(img: object, grid: dict, band_ids: Sequence[str] | None, byte_limit: int, load: Load,
                 meter: Meter, rng: random.Random, lock: threading.Lock) -> float:
    """All of Earth Engine's checks on one computePixels request; its latency in seconds if it passes."""
    bands = [img.band(b) for b in band_ids] if band_ids else list(img.bands)  # type: ignore[attr-defined]
    dims = grid.get("dimensions", {})
    w, h = int(dims.get("width", 0)), int(dims.get("height", 0))
    if bands and w > 0 and h > 0:
        check_size(w, h, [b.dtype for b in bands], byte_limit)
    return admit(w, h, len(bands), meter, load, rng, lock)
