"""The offline demo: emulator -> extract the demo AOI -> Zarr -> train S1 -> ESA WorldCover."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .defaults import STATE_FILE
from .ee.session import LOCAL
from .extract import run
from .request import build_request

QUICKSTART_COLLECTIONS = "s1,s2,esa_worldcover"
QUICKSTART_PERIOD = "2020"


def run_quickstart(out: str | Path, *, epochs: int = 6, device: str = "auto",
                   log: Callable[[str], None] = lambda m: None,
                   progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the whole pipeline on the emulator and return where everything went and the metrics.

    The store gets an m3leo.toml (`ee_url = "local"`), so `m3leo refresh` / `retry` work on it afterwards.
    """
    # Here, not at the top: train imports torch (seconds), which the extract half of the demo does not need.
    from .train import TrainConfig, train

    out = Path(out)
    store = out / "data"
    t0 = time.monotonic()
    # The same request `m3leo extract --aoi demo --collections ... --ee-url local` builds: run() picks the demo
    # AOI's split and writes m3leo.toml (with it), so `refresh` / `retry` work on the store afterwards.
    request = build_request("demo", QUICKSTART_COLLECTIONS, QUICKSTART_PERIOD, ee_url=LOCAL)
    log(f"emulator (synthetic data); extracting {QUICKSTART_COLLECTIONS} for AOI 'demo', period "
        f"{QUICKSTART_PERIOD} -> {store}")

    def events(ev: dict[str, Any]) -> None:
        if ev["event"] == "note":
            log(ev["message"])
        elif progress is not None and ev["event"] != "cost":
            progress(ev)

    report = run(request, store, progress=events)
    per = sum(len(c["periods"]) for c in report.plan.by_collection.values())
    log(f"extract: {report.plan.chips} chips x {per} collection-periods: {report.chips_done} written in "
        f"{report.requests} requests ({report.units_failed} units failed) in {report.seconds:.1f}s")
    run_dir = out / "run"
    log(f"training s1 -> esa_worldcover for {epochs} epochs -> {run_dir}")
    result = train(TrainConfig(store=store, inputs=["s1"], target="esa_worldcover", epochs=epochs,
                               device=device, out=run_dir),
                   progress=lambda ev: log(_fmt(ev)))
    summary = {
        "store": str(store / "chips.zarr"),
        "state": str(store / STATE_FILE),
        "run_dir": str(run_dir),
        "extract": report.as_dict(),
        "train": result.summary() if hasattr(result, "summary") else result,
        "seconds": round(time.monotonic() - t0, 1),
    }
    return summary


def _fmt(ev: Any) -> str:
    if isinstance(ev, dict):
        return "  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in ev.items())
    return f"  {ev}"
