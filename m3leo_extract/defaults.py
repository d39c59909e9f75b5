"""One home for every run default: the library's signatures and the CLI's options import these.

The CLI passes None where the user gave no flag and the library fills in the value from here (Xee's
GETITEM_KWARGS pattern), so the help text, m3leo.toml and the library can never disagree.
"""

from __future__ import annotations

import enum

from .errors import UsageError

CHIP_SIZE_M = 4000  # a chip's side in metres: the grid (grid.py), the catalog's chip_px and the writers use it
STATE_FILE = "state.sqlite"  # the work-unit database inside every store directory
DEFAULT_SHARD_CHIPS = 16  # chips per Zarr shard, which is also one work unit
# The most chips per shard: every chip read pulls the whole shard index (16 bytes a chip, 64 KiB here), and a
# work unit holds all its chips in memory while it runs (docs/scaling.md, "File counts").
MAX_SHARD_CHIPS = 4096


def check_shard_chips(value: object, where: str = "--shard-chips, or options.shard_chips in m3leo.toml") -> int:
    """A shard size the store can take (1..MAX_SHARD_CHIPS), or a UsageError naming `where` it came from."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SHARD_CHIPS:
        raise UsageError(f"shard_chips = {value!r}: give a whole number of chips from 1 to {MAX_SHARD_CHIPS} "
                         f"({where})")
    return value


DEFAULT_MAX_CONCURRENCY = 40  # Earth Engine's default concurrent-request quota per project
DEFAULT_MAX_RPS = 100.0  # request starts per second (token bucket, burst 1 s)
MAX_QUEUED_TASKS = 3000  # Earth Engine's per-project queue of pending export tasks
DEFAULT_MAX_ATTEMPTS = 8  # tries per request (429 / 5xx / dropped connections, with back-off) before a unit fails
DEFAULT_EXPORT_POLL_S = 5.0  # seconds between two polls of the export tasks in flight
DEFAULT_MAX_TASK_ATTEMPTS = 3  # runs of one export task (it failed on Earth Engine's side) before its unit fails


# -- choices: the CLI's checks and help come from these, the library validates with them ------------------
class Mode(str, enum.Enum):
    """How a run gets its pixels (`--mode`)."""

    PIXELS = "pixels"  # computePixels, straight into the store
    EXPORT = "export"  # Earth Engine export tasks -> GeoTIFFs in a bucket -> the store

    def __str__(self) -> str:
        return self.value


class Destination(str, enum.Enum):
    """Where export tasks write (`--destination`)."""

    GCS = "gcs"  # Export.image.toCloudStorage
    DRIVE = "drive"  # Export.image.toDrive (the bucket names a Drive folder)

    def __str__(self) -> str:
        return self.value


DEFAULT_MODE = Mode.PIXELS
DEFAULT_DESTINATION = Destination.GCS
