"""memory.keep_freed_memory: chip-sized temporaries stop page-faulting once it is set (measured in fresh
subprocesses, so the allocator's history is each one's own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from m3leo_extract.memory import OPT_OUT, keep_freed_memory

_CHILD = """
import json, resource, sys
import numpy as np
from m3leo_extract.memory import keep_freed_memory
ok = keep_freed_memory() if sys.argv[1] == "1" else None
a, d = np.random.rand(400, 1), np.arange(400.0)


def chip():
    y = a + a * d  # a 1.28 MB temporary and a 1.28 MB result, both freed at once: what every chip does
    return float(y[0, 0])


chip()  # warm: the first arrays fault in any regime
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    chip()
print(json.dumps({"ok": ok, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0}))
"""


def _faults(keep: bool, env: dict | None = None) -> dict:
    res = subprocess.run([sys.executable, "-c", _CHILD, "1" if keep else "0"], capture_output=True, text=True,
                         timeout=120, check=True, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_chip_arrays_are_reused_without_page_faults() -> None:
    kept, default = _faults(True), _faults(False)
    assert kept["ok"] is True
    # 50 rounds of two 1.28 MB arrays are ~31,000 pages: glibc's default maps them afresh (above its mmap
    # threshold) and every page faults again (~30,000 here); with the setting they come back from the heap.
    assert kept["faults"] < 1000, (kept, default)
    assert keep_freed_memory() and keep_freed_memory()  # idempotent in this process
    opted_out = _faults(True, {**os.environ, OPT_OUT: "0"})
    assert opted_out["ok"] is False, opted_out  # the allocator left as it is
