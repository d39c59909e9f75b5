"""Flat memory: extract's planning phase, `m3leo plan` and `m3leo status --out / --png` on a state of a few
hundred thousand planned units (one chip per unit), each run as the user runs it in a fresh subprocess whose
peak RSS is read with getrusage(RUSAGE_CHILDREN). Memory must not grow much from N to 2N chips (the old code
held ~500 B per chip: Chip objects, id dicts, every unit with its chips); the outputs are checked too.
No timing is asserted (benchmarks/scale.py measures time)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOXES = {"n": (10.0, 10.0), "2n": (14.0, 14.0)}  # ~77k and ~151k chips (and units) at the equator
GROWTH_MB = 25.0  # for the ~74k chips (and units) between the two: under ~340 B a chip

_WRAPPER = """
import json, resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
print(json.dumps({"rc": rc.returncode, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "out": rc.stdout[-2000:], "err": rc.stderr[-2000:]}))
"""

# extract's own planning (extract.run), stopped at its "plan" event, before any request
_PLAN_ONLY = """
import json, sys
from m3leo_extract.extract import run
from m3leo_extract.request import build_request
from m3leo_extract.units import ExtractOptions


class Planned(Exception):
    pass


def stop(ev):
    if ev["event"] == "plan":
        print(json.dumps({k: ev[k] for k in ("chips", "units", "units_pending", "chips_pending")}))
        raise Planned


def no_pixels(*a, **k):
    raise AssertionError("planning only")


try:
    run(build_request(sys.argv[1], "esa_worldcover", "2021", options=ExtractOptions(shard_chips=1)), sys.argv[2],
        getter=no_pixels, progress=stop)
except Planned:
    pass
"""


def _m3leo() -> str:
    exe = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
    if not Path(exe).exists():
        pytest.skip("m3leo entry point is not installed")
    return exe


def _measure(argv: list[str]) -> dict:
    res = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True, check=True,
                         timeout=300)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0, out["err"]
    return out


def _aoi(path: Path, w: float, h: float) -> Path:
    ring = [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2], [-w / 2, -h / 2]]
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    m3leo, tmp = _m3leo(), tmp_path_factory.mktemp("flat")
    out: dict = {}
    for label, (w, h) in BOXES.items():
        aoi, store = _aoi(tmp / f"{label}.geojson", w, h), tmp / f"store_{label}"
        r = {"store": store, "parquet": tmp / f"{label}.parquet", "png": tmp / f"{label}.png"}
        r["plan"] = _measure([m3leo, "plan", "--aoi", str(aoi), "--collections", "esa_worldcover", "--period",
                              "2021", "--shard-chips", "1", "--json"])
        r["extract_plan"] = _measure([sys.executable, "-c", _PLAN_ONLY, str(aoi), str(store)])
        r["status_out"] = _measure([m3leo, "status", "--store", str(store), "--out", str(r["parquet"])])
        r["status_png"] = _measure([m3leo, "status", "--store", str(store), "--png", str(r["png"])])
        out[label] = r
    return out


@pytest.mark.parametrize("command", ["plan", "extract_plan", "status_out"])
def test_peak_memory_is_flat_in_the_chip_count(runs: dict, command: str) -> None:
    small, big = runs["n"][command]["rss_mb"], runs["2n"][command]["rss_mb"]
    assert big < 1500, (command, small, big)
    assert big - small < GROWTH_MB, f"{command}: {small:.0f} MB at N chips, {big:.0f} MB at 2N"


def test_status_map_memory_is_bounded_by_its_sample(runs: dict) -> None:
    """The map draws every chip up to chipindex.MAP_MAX_CHIPS (both sizes here are below it), then a sample:
    its memory is bounded by the polygons drawn, never by the index."""
    from m3leo_extract.chipindex import MAP_MAX_CHIPS

    small, big = runs["n"]["status_png"]["rss_mb"], runs["2n"]["status_png"]["rss_mb"]
    assert MAP_MAX_CHIPS <= 200_000 and big < 1000, (small, big)


def test_planned_state_and_chip_index_agree(runs: dict) -> None:
    import pyarrow.parquet as pq

    for r in runs.values():
        planned = json.loads(r["extract_plan"]["out"].strip().splitlines()[-1])
        est = json.loads(r["plan"]["out"].strip().splitlines()[-1])
        assert planned["chips"] == planned["units"] == planned["units_pending"] == planned["chips_pending"]
        assert est["chips"] == planned["chips"] and est["units"] == planned["units"]  # plan counts what extract plans
        with sqlite3.connect(r["store"] / "state.sqlite") as db:
            rows = db.execute("SELECT shard, chips, status FROM units ORDER BY id").fetchall()
        assert len(rows) == planned["units"] and {s for _, _, s in rows} == {"planned"}
        assert [s for s, _, _ in rows] == list(range(len(rows)))  # one chip per shard, in id order
        unit_ids = [json.loads(c)[0] for _, c, _ in rows]
        table = pq.read_table(r["parquet"], columns=["chip_id", "status_esa_worldcover_2021"])
        assert table.num_rows == planned["chips"]
        assert table.column("chip_id").to_pylist() == unit_ids  # the store's chips are in id order
        assert set(table.column("status_esa_worldcover_2021").to_pylist()) == {"pending"}
        assert r["png"].stat().st_size > 1000
    assert runs["2n"]["extract_plan"]["rss_mb"] > 0 and np.isfinite(runs["n"]["status_out"]["rss_mb"])
