"""Cron-safe incremental runs: only what is new (periods), failed-and-retryable, or made stale by a recipe bump.

The dataset's m3leo.toml says what the dataset is; refresh builds the request of what is due at `today`
(request.request_from_config) and hands it to `extract.run`, which plans (new periods and version bumps become
planned units) and runs only the planned units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .ee.pixels import PixelsGetter
from .errors import EXIT_OK
from .extract import run
from .request import request_from_config
from .units import ExtractOptions, ExtractReport, ProgressFn


@dataclass
class RefreshResult:
    report: ExtractReport | None
    periods: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK
    message: str = ""

    def summary_line(self) -> str:
        if self.report is None:
            return f"refresh: {self.message}"
        r = self.report.as_dict()
        return (f"refresh: {r['units_run']} units run ({r['chips']} chips; {r['chips_done']} chip-periods written, "
                f"{r['chips_failed']} failed, {r['requests']} requests) over {len(self.periods)} periods; "
                f"{self.message}").rstrip("; ")


def refresh(store_dir: str | Path, *, today: date | None = None, ee_url: str | None = None,
            project: str | None = None, getter: PixelsGetter | None = None,
            retry_permanent: bool = False, new_periods: bool = True,
            options: ExtractOptions | None = None, progress: ProgressFn | None = None,
            command: str = "refresh", bucket: str | None = None, bucket_url: str | None = None) -> RefreshResult:
    """Run what is due for the dataset in `store_dir` (its m3leo.toml); recorded in the run table as `command`.

    Units that failed transiently always come back; permanent failures only with `retry_permanent`.
    `ee_url`, `project`, `bucket`, `bucket_url` override m3leo.toml's for this run. Never asks: cron runs it.
    Exit code: 0 all done, 1 permanent failures left, 75 only transient failures left (the next run retries).
    """
    request = request_from_config(store_dir, today=today, new_periods=new_periods, retry_permanent=retry_permanent,
                                  ee_url=ee_url, project=project, options=options, bucket=bucket,
                                  bucket_url=bucket_url, command=command)
    report = run(request, store_dir, getter=getter, progress=progress)
    res = RefreshResult(report, [p.label for p in request.periods])
    if report.units_failed:
        res.message = ("some units failed permanently; `m3leo status` lists why" if report.units_failed_permanent
                       else "some units failed with transient errors; the next run retries them")
        res.exit_code = report.exit_code
    return res
