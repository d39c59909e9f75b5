"""Cron-safe incremental runs: only what is new (periods), failed-and-retryable, or made stale by a recipe bump.

The dataset's m3leo.toml says what the dataset is; refresh works out what is due at `now`, takes the run lock,
plans (new periods and version bumps become planned units), and runs only the planned units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import Period, load_catalog, parse_collections, parse_periods
from .catalog.period import month, season, year
from .config import DatasetConfig
from .errors import UsageError
from .extract import ExtractOptions, ExtractReport, ProgressFn, extract

EXIT_OK = 0
EXIT_NEEDS_PERSON = 1  # permanent failures: a bad band, a bad geometry... a person must look
EXIT_LOCKED = 75  # another refresh holds the lock (EX_TEMPFAIL): not an error for cron


def due_periods(cfg: DatasetConfig, today: date) -> list[Period]:
    """Fixed periods plus, for a rolling dataset, every complete period from rolling_start up to today."""
    periods = set(parse_periods(",".join(cfg.periods))) if cfg.periods else set()
    if cfg.rolling:
        if not cfg.rolling_start:
            raise UsageError("m3leo.toml: `rolling` needs `rolling_start` (e.g. \"2020-01\")")
        start = parse_periods(cfg.rolling_start)[0].start
        if cfg.rolling == "monthly":
            y, m = start.year, start.month
            while (p := month(y, m)).end <= today:
                periods.add(p)
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        elif cfg.rolling == "seasonal":
            for y in range(start.year, today.year + 1):
                for s in ("DJF", "MAM", "JJA", "SON"):
                    p = season(y, s)
                    if p.start >= start and p.end <= today:
                        periods.add(p)
        elif cfg.rolling == "yearly":
            for y in range(start.year, today.year):
                if year(y).start >= start:
                    periods.add(year(y))
        else:
            raise UsageError(f"m3leo.toml: rolling = {cfg.rolling!r}; use monthly, seasonal or yearly")
    if not periods:
        raise UsageError("m3leo.toml: no periods (set `periods` or `rolling` + `rolling_start`)")
    return sorted(periods)


_RUN_OPTIONS = {"shard_chips": int, "max_concurrency": int, "max_rps": float}


def _run_options(cfg: DatasetConfig) -> dict[str, Any]:
    """Run settings a dataset may pin in its m3leo.toml [options] table."""
    out: dict[str, Any] = {}
    for key, kind in _RUN_OPTIONS.items():
        if key in cfg.options:
            try:
                out[key] = kind(cfg.options[key])
            except (TypeError, ValueError):
                raise UsageError(f"m3leo.toml: options.{key} = {cfg.options[key]!r} is not a number") from None
    return out


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
            project: str | None = None, getter: Callable[[Any], np.ndarray] | None = None,
            retry_permanent: bool = False, new_periods: bool = True,
            options: ExtractOptions | None = None, progress: ProgressFn | None = None,
            command: str = "refresh") -> RefreshResult:
    """Run what is due for the dataset in `store_dir` (its m3leo.toml); recorded in the run table as `command`.

    Units that failed transiently always come back; permanent failures only with `retry_permanent`.
    Exit code: 0 all done, 1 permanent failures left, 75 only transient failures left (the next run retries).
    """
    from dataclasses import replace

    from .aoi import load_aoi
    from .ee.session import local_endpoint

    store_dir = Path(store_dir)
    cfg = DatasetConfig.load(store_dir)
    today = today or date.today()
    recipes = parse_collections(",".join(cfg.collections), load_catalog(cfg.catalog))
    periods = due_periods(cfg, today) if new_periods else parse_periods(",".join(cfg.periods) or "2020")
    area = load_aoi(cfg.aoi)
    base = options or ExtractOptions(**_run_options(cfg))
    if cfg.split:  # the dataset file says which split scheme: a changed one re-labels the chips first
        from .splits import apply_split

        apply_split(store_dir, cfg.split)
    with local_endpoint(ee_url or cfg.ee_url or None) as (url, _emu):
        report = extract(store_dir, area.geometry, recipes, periods, getter=getter,
                         options=replace(base, retry_failed=retry_permanent), ee_url=url,
                         project=project or cfg.project or None, progress=progress, command=command)
    res = RefreshResult(report, [p.label for p in periods])
    if report.units_failed:
        res.message = ("some units failed permanently; `m3leo status` lists why" if report.units_failed_permanent
                       else "some units failed with transient errors; the next run retries them")
        res.exit_code = report.exit_code
    return res
