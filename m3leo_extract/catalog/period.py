"""Periods: the time windows composites are made over. Pure parsing, no I/O.

Accepted forms (comma-separated lists of any of them):
  2020                 a calendar year
  2019:2021            every year in the range
  2020-06              a calendar month
  2020-01:2020-06      every month in the range
  2020-JJA             a meteorological season (DJF takes December of the year before)
  2020-03-01/2020-09-01  an explicit date range, end exclusive
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from ..errors import PeriodError

SEASONS = {"DJF": (12, 3), "MAM": (3, 6), "JJA": (6, 9), "SON": (9, 12)}
_HELP = ("use YYYY, YYYY:YYYY, YYYY-MM, YYYY-MM:YYYY-MM, YYYY-DJF|MAM|JJA|SON or YYYY-MM-DD/YYYY-MM-DD, "
         "comma-separated")


class PeriodKind(str, Enum):
    """What a period is, set where it is made (`year`, `month`, `season`), never read back from its label."""

    YEAR = "year"
    MONTH = "month"
    SEASON = "season"
    RANGE = "range"  # an explicit date range


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A half-open date window [start, end) with a stable, sortable label and its kind."""

    start: date
    end: date
    label: str
    kind: PeriodKind = field(default=PeriodKind.RANGE, compare=False)

    @property
    def year(self) -> int:
        """The year the period is named for (a DJF season belongs to the year of its Jan/Feb)."""
        return int(self.label[:4])

    def iso(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y + 1, 1, 1), f"{y:04d}", PeriodKind.YEAR)


def month(y: int, m: int) -> Period:
    end = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return Period(date(y, m, 1), end, f"{y:04d}-{m:02d}", PeriodKind.MONTH)


def season(y: int, name: str) -> Period:
    first, last = SEASONS[name]
    start = date(y - 1, 12, 1) if name == "DJF" else date(y, first, 1)
    return Period(start, date(y, last, 1), f"{y:04d}-{name}", PeriodKind.SEASON)


def _parse_one(text: str) -> list[Period]:
    t = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", t):
            return [year(int(m[1]))]
        if m := re.fullmatch(r"(\d{4}):(\d{4})", t):
            a, b = int(m[1]), int(m[2])
            if b < a:
                raise PeriodError(f"period {text!r} ends before it starts; {_HELP}")
            return [year(y) for y in range(a, b + 1)]
        if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
            return [month(int(m[1]), int(m[2]))]
        if m := re.fullmatch(r"(\d{4})-(\d{2}):(\d{4})-(\d{2})", t):
            a, b = int(m[1]) * 12 + int(m[2]) - 1, int(m[3]) * 12 + int(m[4]) - 1
            if b < a:
                raise PeriodError(f"period {text!r} ends before it starts; {_HELP}")
            return [month(i // 12, i % 12 + 1) for i in range(a, b + 1)]
        if m := re.fullmatch(r"(\d{4})-([A-Za-z]{3})", t):
            name = m[2].upper()
            if name not in SEASONS:
                raise PeriodError(f"unknown season {m[2]!r} in period {text!r}; seasons are DJF, MAM, JJA, SON")
            return [season(int(m[1]), name)]
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})", t):
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if b <= a:
                raise PeriodError(f"period {text!r} is empty: the end date is exclusive and must follow the start")
            return [Period(a, b, f"{a.isoformat()}_{b.isoformat()}")]
    except ValueError as exc:  # month 13, Feb 30, ...
        raise PeriodError(f"cannot parse period {text!r} ({exc}); {_HELP}") from None
    raise PeriodError(f"cannot parse period {text!r}; {_HELP}")


def parse_periods(text: str) -> list[Period]:
    """Parse a --period value into sorted, de-duplicated periods."""
    if not text or not text.strip():
        raise PeriodError(f"no period given; {_HELP}")
    out = {p for part in text.split(",") if part.strip() for p in _parse_one(part)}
    if not out:
        raise PeriodError(f"no period given; {_HELP}")
    return sorted(out)


def expand(period: Period, temporal: str) -> list[Period]:
    """The composites a recipe with temporal rule `temporal` makes for `period`.

    A year asked of a seasonal recipe gives its four seasons, of a monthly recipe its twelve months;
    everything else is composited over the period as given.
    """
    if temporal == "seasonal" and period.kind is PeriodKind.YEAR:
        return [season(period.year, s) for s in ("DJF", "MAM", "JJA", "SON")]
    if temporal == "monthly" and period.kind is PeriodKind.YEAR:
        return [month(period.year, m) for m in range(1, 13)]
    return [period]


def parse_label(label: str) -> Period:
    """The Period a stored label stands for (labels are what parse_periods produces)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}", label):
        a, b = label.split("_")
        return Period(date.fromisoformat(a), date.fromisoformat(b), label)
    (p,) = _parse_one(label)
    return p


def period_order(label: str) -> tuple[object, ...]:
    """Chronological sort key of a stored period label: by end, then start (a season before its year, a year's
    months in order). A label that is no period (a tile run's "static") sorts before every dated one."""
    try:
        p = parse_label(label)
    except PeriodError:
        return (0, label)
    return (1, p.end, p.start, label)


def latest_period(labels: Iterable[str]) -> str:
    """"The latest period" of a collection, for every reader (show, export, train, the store): the label that
    ends last in time, not the last one written nor the last in string order. ValueError if there is none."""
    return max(labels, key=period_order)
