"""The process's allocator: keep freed memory for the next chip instead of handing it back to the kernel.

Every chip read, decoded or resampled allocates arrays of a few MB and frees them a moment later. glibc's
malloc serves those from mmap (above its dynamic threshold) or trims them off its heap when freed, so the next
chip's arrays come back as fresh pages: one page fault per 4 KiB touched, microseconds each on a VM. Which of
those regimes a process lands in depends on its allocation history, so the same code ran up to twice as slow
from one process (or DataLoader worker) to the next, and `a + a * d` on 400 x 400 float64 took 5 ms instead
of 0.6. `keep_freed_memory` fixes the thresholds once per process (glibc's `mallopt`): allocations up to
MMAP_THRESHOLD come from the heap, and up to TRIM_THRESHOLD of freed memory stays mapped for reuse. Peak
memory is unchanged (what was freed is what the next chip takes); RSS no longer drops between chips.
A no-op off glibc (macOS, Windows, musl), and where the environment sets M3LEO_KEEP_FREED_MEMORY=0 (a process
that must give memory back between chips).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

MMAP_THRESHOLD = 32 << 20  # bytes: glibc's maximum for 64-bit (HEAP_MAX_SIZE / 2); larger blocks still mmap
TRIM_THRESHOLD = 256 << 20  # bytes of free memory at the top of a heap kept before it is returned
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
OPT_OUT = "M3LEO_KEEP_FREED_MEMORY"  # "0": leave the allocator as it is
_done_pid: int | None = None


def keep_freed_memory() -> bool:
    """Set the allocator's thresholds for this process (once; again in a forked child is free). True if set."""
    global _done_pid
    if _done_pid == os.getpid():
        return True
    if not sys.platform.startswith("linux") or os.environ.get(OPT_OUT, "1") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    _done_pid = os.getpid()
    return ok
