"""Extract on a dask.distributed LocalCluster of 2 workers against the emulator, under one quota.

Figures (last line, one JSON object):
- peak_in_flight: the most computePixels the emulator had in flight at once (its own count), summed over the
  workers by construction, against the cap (`--max-concurrency`): must stay <= cap;
- chips_identical: every chunk file of the cluster's store equals the one-process run's, byte for byte;
- units_lost: units not done after one worker process was killed mid-run (dask re-queues its tasks);
- ratio_cluster: one-process wall time / cluster wall time for the same extract (the baseline in this run).

    python benchmarks/cluster.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def chunks(store: Path) -> dict[str, bytes]:
    z = store / "chips.zarr"
    return {str(p.relative_to(z)): p.read_bytes() for p in sorted(z.rglob("*"))
            if p.is_file() and "/c/" in f"/{p.relative_to(z).as_posix()}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(json.dumps(cluster_figures(args.quick)))


def cluster_figures(quick: bool = False) -> dict:
    """The figures above as a dict (benchmarks/scale.py reports them too)."""
    import distributed

    from ee_emulator import start_emulator
    from m3leo_extract.catalog import load_catalog, parse_periods
    from m3leo_extract.extract import extract
    from m3leo_extract.units import ExtractOptions

    box = shapely.box(4.80, 45.70, 5.00, 45.84) if quick else shapely.box(4.70, 45.60, 5.10, 45.90)
    recipes = [load_catalog()["esa_worldcover"]]
    cap = 4
    with tempfile.TemporaryDirectory() as tmp, start_emulator(latency_ms=(80.0, 120.0)) as emu:
        tmp_path = Path(tmp)

        def run(name: str, dask: object = None) -> tuple[object, float]:
            t0 = time.monotonic()
            rep = extract(tmp_path / name, box, recipes, parse_periods("2020"), ee_url=emu.url,
                          options=ExtractOptions(shard_chips=1, max_concurrency=cap, dask=dask))
            return rep, time.monotonic() - t0

        one, t_one = run("one")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=cap, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            emu.reset_peak()
            many, t_many = run("many", client)
            peak = emu.peak_in_flight
            victim = sorted(client.run(os.getpid).values())[0]
            before = len(emu.pixel_requests())

            def kill() -> None:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and len(emu.pixel_requests()) < before + 4:
                    time.sleep(0.02)
                os.kill(victim, 9)

            killer = threading.Thread(target=kill)
            killer.start()
            killed, _ = run("killed", client)
            killer.join()
        with sqlite3.connect(tmp_path / "killed" / "state.sqlite") as db:
            lost = db.execute("select count(*) from units where status != 'done'").fetchone()[0]
        ref = chunks(tmp_path / "one")
        out = {"units": one.plan.units, "max_concurrency": cap, "peak_in_flight": peak,
               "chips_identical": ref == chunks(tmp_path / "many") == chunks(tmp_path / "killed"),
               "units_lost": int(lost), "killed_run_ok": bool(killed.ok), "one_process_s": round(t_one, 2),
               "cluster_s": round(t_many, 2), "ratio_cluster": round(t_one / t_many, 3),
               "load_avg": round(os.getloadavg()[0], 1)}
    return out


if __name__ == "__main__":
    main()
