"""`m3leo emulator`: serve the local Earth Engine emulator (synthetic data) until Ctrl-C."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from . import app


def _pair(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        from . import fail

        raise fail(f"--latency-ms {text!r}: give LO,HI in milliseconds, e.g. 200,600") from None
    if not 0 <= lo <= hi:
        from . import fail

        raise fail(f"--latency-ms {text!r}: need 0 <= LO <= HI, e.g. 200,600")
    return (lo, hi)


@app.command()
def emulator(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    latency_ms: Annotated[str, typer.Option(help="Per-request latency LO,HI (uniform, ms).")] = "0,0",
    max_concurrent: Annotated[int | None, typer.Option(min=1, help="Answer 429 beyond this many in flight.")] = None,
    error_rate: Annotated[float, typer.Option(min=0, max=1, help="Fraction of 429/500/503/dropped.")] = 0.0,
    export_failure_rate: Annotated[float, typer.Option(min=0, max=1, help="Fraction of FAILED exports.")] = 0.0,
    export_root: Annotated[str | None, typer.Option(help="Folder standing in for the bucket.")] = None,
    export_duration_s: Annotated[float, typer.Option(min=0, help="Seconds an export task takes.")] = 0.3,
    byte_limit: Annotated[int, typer.Option(min=1, help="computePixels result limit in bytes.")] = 48 * 1024 * 1024,
    seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
) -> None:
    """Serve a local Earth Engine-compatible endpoint with deterministic SYNTHETIC data."""
    from ee_emulator import start_emulator

    emu = start_emulator(port=port, latency_ms=_pair(latency_ms), max_concurrent=max_concurrent,
                         error_rate=error_rate, export_failure_rate=export_failure_rate,
                         export_root=export_root or "", export_duration_s=export_duration_s,
                         byte_limit=byte_limit, seed=seed)
    typer.echo(f"m3leo emulator (SYNTHETIC data) on {emu.url}; exports in {emu.knobs.export_root}")
    typer.echo(f"use: m3leo extract ... --ee-url {emu.url}   (or export M3LEO_EE_URL={emu.url}); Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
