"""Cron-safe incremental runs: only what is new (periods), failed-and-retryable, or made stale by a recipe bump.

The dataset's m3leo.toml says what the dataset is; refresh works out what is due at `now`, takes the run lock,
plans (new periods and version bumps become planned units), and runs only the planned units.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .aoi import load_aoi
from .catalog import Period, load_catalog, parse_collections, parse_periods
from .catalog.period import month, season, year
from .config import DatasetConfig
from .defaults import Mode
from .ee.export import make_export_backend
from .ee.pixels import PixelsGetter
from .ee.session import local_endpoint
from .errors import EXIT_OK, UsageError
from .exporting import ExportOptions
from .extract import extract
from .splits import apply_split
from .units import ExtractOptions, ExtractReport, ProgressFn


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


def dataset_options(cfg: DatasetConfig) -> tuple[ExtractOptions, Mode, dict[str, str]]:
    """(run options, mode, export settings) the dataset was built with (m3leo.toml's [options])."""
    pinned = cfg.run_options()
    options = ExtractOptions.build(max_concurrency=pinned.get("max_concurrency"), max_rps=pinned.get("max_rps"),
                                   shard_chips=pinned.get("shard_chips"), max_attempts=pinned.get("max_attempts"))
    try:
        mode = Mode(pinned.get("mode", Mode.PIXELS))
    except ValueError:
        raise UsageError(f"m3leo.toml: options.mode = {pinned['mode']!r}; use "
                         f"{' or '.join(m.value for m in Mode)}") from None
    export = {k: pinned[k] for k in ("bucket", "bucket_url", "destination", "max_queued") if k in pinned}
    return options, mode, export


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
            command: str = "refresh") -> RefreshResult:
    """Run what is due for the dataset in `store_dir` (its m3leo.toml); recorded in the run table as `command`.

    Units that failed transiently always come back; permanent failures only with `retry_permanent`.
    Exit code: 0 all done, 1 permanent failures left, 75 only transient failures left (the next run retries).
    """
    store_dir = Path(store_dir)
    cfg = DatasetConfig.load(store_dir)
    today = today or date.today()
    recipes = parse_collections(",".join(cfg.collections), load_catalog(cfg.catalog))
    periods = due_periods(cfg, today) if new_periods else parse_periods(",".join(cfg.periods) or "2020")
    area = load_aoi(cfg.aoi)
    pinned, mode, export = dataset_options(cfg)
    base = options or pinned
    if cfg.split:  # the dataset file says which split scheme: a changed one re-labels the chips first
        apply_split(store_dir, cfg.split)
    with local_endpoint(ee_url or cfg.ee_url or None) as (url, emu):
        backend = (make_export_backend(export.get("bucket"), export.get("destination", "gcs"),
                                       export.get("bucket_url"), emu) if mode is Mode.EXPORT else None)
        report = extract(store_dir, area.geometry, recipes, periods, getter=getter,
                         options=replace(base, retry_failed=retry_permanent), ee_url=url,
                         project=project or cfg.project or None, progress=progress, command=command, mode=mode,
                         export_backend=backend,
                         export_options=ExportOptions.build(max_queued=export.get("max_queued")))
    res = RefreshResult(report, [p.label for p in periods])
    if report.units_failed:
        res.message = ("some units failed permanently; `m3leo status` lists why" if report.units_failed_permanent
                       else "some units failed with transient errors; the next run retries them")
        res.exit_code = report.exit_code
    return res
