"""A store with a few real chips and a huge planned state, and the peak RSS of a command run on it.

What a continental run looks like after its plan phase: every chip of the AOI is in the store's chip arrays
and has a planned unit in state.sqlite, while only a few shards hold data. Shared by
tests/test_flat_memory_readers.py and benchmarks/readers_scale.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

COLLECTION = "x"
PX = 8  # 8 x 8 px chips: the data stays tiny, the chip count is what is measured
SCHEME = "bands:width=4km,angle=0,guard=0"  # one chip row per band: train, val and test in any box
WRITTEN_SHARDS = (0, 1, 2)  # shards holding data (the rest only planned); a middle one is added
M3LEO = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))


def build_store(directory: Path, n_chips: int) -> dict[str, int]:
    """A store of `n_chips` chips (zone 31N, rows of 500 chips) with units planned for all of them and a few
    shards written and done. Returns what was written: chips, units, written chips."""
    from m3leo_extract.grid import Chip
    from m3leo_extract.splits import relabel
    from m3leo_extract.state import StateDB
    from m3leo_extract.store import ChipStore, CollectionSpec

    st = ChipStore.open(directory, create=True)
    relabel(st, SCHEME)
    st.ensure_collection(CollectionSpec(COLLECTION, ("a", "b"), "float32", float("nan"), 500.0, PX))
    cols = 500
    with st.deferred_consolidation():
        step = 65_536
        for lo in range(0, n_chips, step):
            chips = [Chip(31, False, 1000 + i // cols, 100 + i % cols) for i in range(lo, min(n_chips, lo + step))]
            st.add_chips(COLLECTION, chips)
        t = st.ensure_period(COLLECTION, "2020")
    s = st.shard_chips(COLLECTION)
    n_shards = -(-n_chips // s)
    written = sorted({*WRITTEN_SHARDS, n_shards // 2})
    rng = np.random.default_rng(0)
    ids_of = {}
    for shard in written:
        ids = [str(c) for c in st.group[COLLECTION]["chip"][shard * s:min(n_chips, (shard + 1) * s)]]
        data = (rng.normal(100.0, 5.0, (len(ids), 2, PX, PX))).astype("float32")
        st.write_shard(COLLECTION, shard, t, ids, data, np.full(len(ids), 0.9))
        ids_of[shard] = ids
    state = StateDB(directory / "state.sqlite")

    def rows():
        for shard in range(n_shards):
            ids = [Chip(31, False, 1000 + i // cols, 100 + i % cols).chip_id
                   for i in range(shard * s, min(n_chips, (shard + 1) * s))]
            yield COLLECTION, "2020", shard, ids, 1, "pixels"

    state.upsert_units(rows())
    with state.tx() as c:
        for shard in written:
            c.execute("UPDATE units SET status='done' WHERE shard=?", (shard,))
    state.close()
    return {"chips": n_chips, "units": n_shards, "written": sum(len(v) for v in ids_of.values())}


def peak_rss(args: list[str], *, cwd: Path | None = None, timeout: float = 600) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, stdout) of one command in a fresh subprocess; raises on a non-zero exit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "M3LEO_NO_PROGRESS": "1"})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    # The child is reaped by communicate(); its own peak is in the rusage of RUSAGE_CHILDREN only as a max
    # over all children, so each command runs through a tiny wrapper that reports its own ru_maxrss.
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{args} exited {proc.returncode}: {err[-2000:]}")
    lines = err.strip().splitlines()
    rss_kb = float(lines[-1].split()[-1]) if lines and lines[-1].startswith("peak_rss_kb") else float("nan")
    return rss_kb / 1024, seconds, out


_WRAP = ("import resource, runpy, sys\n"
         "sys.argv = sys.argv[1:]\n"
         "try:\n"
         "    runpy.run_path(sys.argv[0], run_name='__main__') if sys.argv[0].endswith('.py') else "
         "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
         "except SystemExit as e:\n"
         "    code = e.code\n"
         "else:\n"
         "    code = 0\n"
         # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would include the forking test worker
         "print('peak_rss_kb', [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0], "
         "file=sys.stderr)\n"
         "sys.exit(code)\n")


def m3leo_rss(*args: str, cwd: Path | None = None) -> tuple[float, float, str]:
    """Peak RSS (MB), seconds and stdout of `m3leo ARGS` (the real entry point's module, in a fresh Python)."""
    return peak_rss([sys.executable, "-c", _WRAP, "m3leo_extract", *args], cwd=cwd)


def python_rss(code: str, cwd: Path | None = None) -> tuple[float, float, str]:
    """Peak RSS (MB), seconds and stdout of a Python snippet in a fresh process."""
    wrapped = code + "\nimport sys\nprint('peak_rss_kb', [int(l.split()[1]) for l in open('/proc/self/status')" \
                     " if l.startswith('VmHWM')][0], file=sys.stderr)\n"
    return peak_rss([sys.executable, "-c", wrapped], cwd=cwd)
