"""One home for every run default: the library's signatures and the CLI's options import these.

The CLI passes None where the user gave no flag and the library fills in the value from here (Xee's
GETITEM_KWARGS pattern), so the help text, m3leo.toml and the library can never disagree.
"""

from __future__ import annotations

STATE_FILE = "state.sqlite"  # the work-unit database inside every store directory
DEFAULT_SHARD_CHIPS = 16  # chips per Zarr shard, which is also one work unit
DEFAULT_MAX_CONCURRENCY = 40  # Earth Engine's default concurrent-request quota per project
DEFAULT_MAX_RPS = 100.0  # request starts per second (token bucket, burst 1 s)
MAX_QUEUED_TASKS = 3000  # Earth Engine's per-project queue of pending export tasks
