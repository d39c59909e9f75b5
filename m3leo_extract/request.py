"""What one extract asks for, built and validated once: `ExtractRequest`.

The CLI builds it from its flags (`build_request`), `refresh` and `retry` from the dataset's m3leo.toml
(`request_from_config`), library callers from values (`ExtractRequest.of`). Every check that needs no store and
no network is done here, so a bad input exits 2 before anything is written; `extract.run` then takes the request
as it is.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from .aoi import AOI, load_aoi
from .catalog import Period, Recipe, load_catalog, parse_collections, parse_periods
from .catalog.period import month, season, year
from .checks import check_catalog_paths, check_collection_list
from .checks import check_coverage as check_periods
from .config import DatasetConfig
from .defaults import DEFAULT_DESTINATION, Destination, Mode
from .ee.session import LOCAL
from .errors import DependencyError, UsageError
from .grid import check_latitudes
from .units import ExtractOptions

# Cloud Storage's bucket names: 3-63 characters (up to 222 with dots, each dot-separated part at most 63) of
# lower-case letters, digits, dashes, underscores and dots, starting and ending with a letter or digit, not an
# IP address, not starting with "goog" nor holding "google" (cloud.google.com/storage/docs/buckets#naming).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def check_bucket_name(name: str) -> None:
    """UsageError (one line, what to do) for a name Cloud Storage would refuse."""
    why = ""
    if not 3 <= len(name) <= (222 if "." in name else 63):
        why = f"is {len(name)} characters long (3 to 63)"
    elif name != name.lower():
        why = "has upper-case letters (only lower case)"
    elif not _BUCKET.fullmatch(name):
        why = ("may hold only lower-case letters, digits, dashes, underscores and dots, and must start and end "
               "with a letter or digit")
    elif any(len(part) > 63 or not part for part in name.split(".")):
        why = "has a dot-separated part that is empty or over 63 characters"
    elif _IPV4.fullmatch(name):
        why = "looks like an IP address"
    elif name.startswith("goog") or "google" in name:
        why = "starts with 'goog' or holds 'google'"
    if why:
        raise UsageError(f"--bucket {name!r} is not a Cloud Storage bucket name: it {why}; give the name of an "
                         "existing bucket (or --destination drive for a Drive folder)")


@dataclass(frozen=True)
class ExportSettings:
    """Export mode's destination: a bucket (or Drive folder), where it is read back, the task queue's share."""

    bucket: str | None = None
    bucket_url: str | None = None
    destination: Destination = DEFAULT_DESTINATION
    max_queued: int | None = None  # None: MAX_QUEUED_TASKS

    def check(self) -> None:
        if not self.bucket:
            raise UsageError("--mode export needs --bucket NAME (a Cloud Storage bucket, or a Drive folder with "
                             "--destination drive)")
        if self.destination is Destination.GCS:
            check_bucket_name(self.bucket)

    def persisted(self) -> dict[str, Any]:
        """What m3leo.toml's [options] keeps (only what was given: the rest stay the library's defaults)."""
        given = {"bucket": self.bucket, "bucket_url": self.bucket_url, "max_queued": self.max_queued,
                 "destination": self.destination.value if self.destination is not DEFAULT_DESTINATION else None}
        return {k: v for k, v in given.items() if v is not None}


@dataclass(frozen=True)
class ExtractRequest:
    """One extract, validated: where (AOI), what (recipes x periods), how (options, mode, endpoint, split)."""

    aoi: AOI
    recipes: tuple[Recipe, ...]
    periods: tuple[Period, ...]
    options: ExtractOptions = field(default_factory=ExtractOptions)
    mode: Mode = Mode.PIXELS
    ee_url: str | None = None  # "local" (an in-process emulator), an endpoint URL, or None: Google
    project: str | None = None
    export: ExportSettings = field(default_factory=ExportSettings)
    split: str | None = None  # None: the store's scheme, else the AOI's default
    aoi_ref: str = ""  # what m3leo.toml records: the AOI's name, or its file as an absolute path
    catalog: tuple[str, ...] = ()  # extra recipe files, absolute
    command: str = "extract"  # how the run table records the run

    @classmethod
    def of(cls, geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], **kw: Any) -> ExtractRequest:
        """A request from values (the library's `extract(...)`): the checks that need no store, done here."""
        check_latitudes(geometry)
        check_periods(recipes, periods)
        aoi = kw.pop("aoi", None) or AOI("", geometry, "")
        req = cls(aoi=aoi, recipes=tuple(recipes), periods=tuple(periods), **kw)
        req.validate()
        return req

    def validate(self) -> None:
        if not isinstance(self.mode, Mode):
            raise UsageError(f"mode {self.mode!r} is not known; use {' or '.join(m.value for m in Mode)}")
        if self.mode is Mode.EXPORT:
            self.export.check()
            if (self.export.bucket_url or "gs://").startswith("gs://") and self.ee_url != LOCAL \
                    and importlib.util.find_spec("gcsfs") is None:
                raise DependencyError(f"reading exports back from gs://{self.export.bucket} needs gcsfs: pip install "
                                      "'m3leo-extract[gcs]' (or give --bucket-url a folder the bucket is synced to)")
        if self.split is not None:
            from .splits import resolve  # a bad scheme fails here, with the scheme's own message

            resolve(self.split)

    @property
    def labels(self) -> set[tuple[str, str]]:
        """(collection, composite label) of every unit this request covers."""
        return {(r.name, c.label) for r in self.recipes for p in self.periods for c in r.periods(p)}

    def dataset_config(self, ee_url: str, split: str) -> DatasetConfig:
        """The m3leo.toml a first run writes, so `refresh` / `retry` run the dataset the way it was built."""
        return DatasetConfig(aoi=self.aoi_ref or self.aoi.name, collections=[r.name for r in self.recipes],
                             periods=[p.label for p in self.periods], catalog=list(self.catalog),
                             ee_url=ee_url, project=self.project or "", split=split,
                             options={**self.options.persisted(), "mode": self.mode.value,
                                      **(self.export.persisted() if self.mode is Mode.EXPORT else {})})


def parse_mode(mode: Mode | str | None) -> Mode:
    try:
        return Mode(mode or Mode.PIXELS)
    except ValueError:
        raise UsageError(f"mode {mode!r} is not known; use {' or '.join(m.value for m in Mode)}") from None


def build_request(aoi: str, collections: str, period: str, *, catalog: Sequence[str | Path] = (),
                  split: str | None = None, options: ExtractOptions | None = None, mode: Mode | str | None = None,
                  ee_url: str | None = None, project: str | None = None,
                  export: ExportSettings | None = None, command: str = "extract") -> ExtractRequest:
    """The request of `m3leo extract`'s flags; every input checked before anything is written (UsageError)."""
    area = load_aoi(aoi)
    check_latitudes(area.geometry)
    check_collection_list(collections)
    check_catalog_paths([Path(c) for c in catalog])
    recipes = parse_collections(collections, load_catalog(catalog))
    periods = parse_periods(period)
    check_periods(recipes, periods)
    req = ExtractRequest(aoi=area, recipes=tuple(recipes), periods=tuple(periods),
                         options=options or ExtractOptions(), mode=parse_mode(mode), ee_url=ee_url, project=project,
                         export=export or ExportSettings(), split=split,
                         aoi_ref=str(Path(aoi).resolve()) if Path(aoi).exists() else aoi,  # cron runs anywhere
                         catalog=tuple(str(Path(c).resolve()) for c in catalog), command=command)
    req.validate()
    return req


# -- from m3leo.toml ------------------------------------------------------------------------------------------
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


def dataset_options(cfg: DatasetConfig) -> tuple[ExtractOptions, Mode, ExportSettings]:
    """(run options, mode, export settings) the dataset was built with (m3leo.toml's [options])."""
    pinned = cfg.run_options()
    options = ExtractOptions.build(max_concurrency=pinned.get("max_concurrency"), max_rps=pinned.get("max_rps"),
                                   shard_chips=pinned.get("shard_chips"), max_attempts=pinned.get("max_attempts"))
    try:
        mode = Mode(pinned.get("mode", Mode.PIXELS))
    except ValueError:
        raise UsageError(f"m3leo.toml: options.mode = {pinned['mode']!r}; use "
                         f"{' or '.join(m.value for m in Mode)}") from None
    try:
        destination = Destination(pinned.get("destination", DEFAULT_DESTINATION))
    except ValueError:
        raise UsageError(f"m3leo.toml: options.destination = {pinned['destination']!r}; use "
                         f"{' or '.join(d.value for d in Destination)}") from None
    export = ExportSettings(pinned.get("bucket"), pinned.get("bucket_url"), destination, pinned.get("max_queued"))
    return options, mode, export


def request_from_config(store_dir: str | Path, *, today: date | None = None, new_periods: bool = True,
                        retry_permanent: bool = False, ee_url: str | None = None, project: str | None = None,
                        options: ExtractOptions | None = None, bucket: str | None = None,
                        bucket_url: str | None = None, command: str = "refresh") -> ExtractRequest:
    """The request of `refresh` / `retry`: the dataset's m3leo.toml, with what is due at `today`.

    `ee_url`, `project`, `bucket`, `bucket_url` override the file's for this run (a moved endpoint or bucket).
    """
    cfg = DatasetConfig.load(store_dir)
    recipes = parse_collections(",".join(cfg.collections), load_catalog(cfg.catalog))
    periods = due_periods(cfg, today or date.today()) if new_periods else parse_periods(",".join(cfg.periods)
                                                                                        or "2020")
    pinned, mode, export = dataset_options(cfg)
    if bucket is not None or bucket_url is not None:
        export = replace(export, bucket=bucket or export.bucket, bucket_url=bucket_url or export.bucket_url)
    area = load_aoi(cfg.aoi)
    check_latitudes(area.geometry)
    check_periods(recipes, periods)
    req = ExtractRequest(aoi=area, recipes=tuple(recipes), periods=tuple(periods),
                         options=replace(options or pinned, retry_failed=retry_permanent), mode=mode,
                         ee_url=ee_url or cfg.ee_url or None, project=project or cfg.project or None, export=export,
                         split=cfg.split or None, aoi_ref=cfg.aoi, catalog=tuple(cfg.catalog), command=command)
    req.validate()
    return req
