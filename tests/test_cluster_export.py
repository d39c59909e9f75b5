"""Export mode on a dask.distributed cluster: the coordinator submits and polls the tasks, the workers read the
finished GeoTIFFs, cut and write the shards, and the chunks equal a one-process run's, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

from m3leo_extract.state import StateDB

distributed = pytest.importorskip("distributed")

AOI = shapely.box(4.80, 45.72, 4.90, 45.78)  # 5 chips


def _chunks(root: Path) -> dict[str, bytes]:
    """Every chunk file of the Zarr hierarchy (metadata aside: it carries timestamps)."""
    z = root / "chips.zarr"
    return {str(p.relative_to(z)): p.read_bytes() for p in sorted(z.rglob("*"))
            if p.is_file() and "/c/" in f"/{p.relative_to(z).as_posix()}"}


def _export(emulator, tmp_path: Path, name: str, *extra: str) -> dict:
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(AOI)}))
    bucket = f"bkt-{name}"
    exe = Path(sys.executable).with_name("m3leo")
    r = subprocess.run([str(exe), "extract", "--aoi", str(aoi), "--collections", "esa_worldcover,dem", "--period",
                        "2020", "--store", str(tmp_path / name), "--ee-url", emulator.url, "--mode", "export",
                        "--bucket", bucket, "--bucket-url", str(Path(emulator.knobs.export_root) / bucket),
                        "--shard-chips", "2", "--json", *extra], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def test_export_mode_on_a_local_cluster_writes_the_one_process_chunks(emulator, tmp_path: Path) -> None:
    one = _export(emulator, tmp_path, "one")
    two = _export(emulator, tmp_path, "two", "--dask", "local:2")
    assert one["chips_done"] == two["chips_done"] == 10 and two["units_failed"] == 0
    a, b = _chunks(tmp_path / "one"), _chunks(tmp_path / "two")
    assert a and a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    db = StateDB(tmp_path / "two" / "state.sqlite")  # written by the coordinator alone, from the outcomes
    try:
        assert {u.status for u in db.units()} == {"done"} and {u.mode for u in db.units()} == {"export"}
        assert db.last_run()["status"] == "ok"
    finally:
        db.close()
