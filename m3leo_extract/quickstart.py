"""The offline demo: emulator -> extract the demo AOI -> Zarr -> train S1 -> ESA WorldCover."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUICKSTART_COLLECTIONS = "s1,s2,esa_worldcover"
QUICKSTART_PERIOD = "2020"


def run_quickstart(out: str | Path, *, epochs: int = 6, device: str = "auto",
                   log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Run the whole pipeline on the emulator and return where everything went and the metrics."""
    from .aoi import load_aoi
    from .catalog import parse_collections, parse_periods
    from .emulator import start_emulator
    from .extract import extract
    from .train import TrainConfig, train

    out = Path(out)
    store = out / "data"
    t0 = time.monotonic()
    aoi = load_aoi("demo")
    recipes = parse_collections(QUICKSTART_COLLECTIONS)
    periods = parse_periods(QUICKSTART_PERIOD)
    from .grid import DEMO_SPLIT_WHY
    from .splits import apply_split, default_for_aoi

    apply_split(store, default_for_aoi("demo")[0])
    log(DEMO_SPLIT_WHY)
    with start_emulator() as emu:
        log(f"emulator (synthetic data) on {emu.url}")
        log(f"extracting {QUICKSTART_COLLECTIONS} for AOI 'demo', period {QUICKSTART_PERIOD} -> {store}")
        report = extract(store, aoi.geometry, recipes, periods, ee_url=emu.url)
    log(f"extract: {report.chips_done} chips written in {report.requests} requests "
        f"({report.units_failed} units failed) in {report.seconds:.1f}s")
    run_dir = out / "run"
    log(f"training s1 -> esa_worldcover for {epochs} epochs -> {run_dir}")
    result = train(TrainConfig(store=store, inputs=["s1"], target="esa_worldcover", epochs=epochs,
                               device=device, out=run_dir),
                   progress=lambda ev: log(_fmt(ev)))
    summary = {
        "store": str(store / "chips.zarr"),
        "state": str(store / "state.sqlite"),
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
