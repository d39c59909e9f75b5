"""Split schemes: pure functions of a chip's position (no I/O; tables are read by `splits.table`).

A split scheme is a deterministic function of a chip's position (zone, hemisphere, row, col), so the same chip
gets the same split in every dataset using that scheme, whatever AOI asked for it.

  bands:width=50km,angle=30,guard=1   bands `width` wide across the chip's UTM zone, at `angle` degrees
      (counter-clockwise from east: 0 = east-west bands), cycling train, train, train, test, val (geetiles'
      `partitions.split` order). guard=G: the train chips within G chips (8-neighbourhood, G steps) of a val
      or test band are in no split ("none"), so no val/test chip touches a train chip in its zone. The guard
      strips are added to the train bands (each train band is 3 widths plus a guard strip at each edge next
      to a held-out band), so the labelled fractions stay 60:20:20 whatever the guard.
  random:seed=0                      each chip on its own (a hash of its id and the seed): 60:20:20, leaky on
      purpose (for comparison)
  m3leo:FILE                         M3LEO's published splits, via the table `m3leo grid --from-m3leo CHIPS
      --m3leo-splits CSV --keep-split --out FILE` writes: a chip takes their split when every M3LEO chip it
      overlaps agrees, else "none"; chips the file does not cover are "none"
  column:FILE[,column=NAME]          a user table (CSV or Parquet) with `chip_id` and a split column

Parsing (`parse_split`) is pure; a table scheme's file is read by `splits.table.load_split_table`.

Lengths need a unit (`50km`, `4000m`): a bare number is refused, as `width=8` (metres? kilometres?) was
read as 8 m and put every chip in no split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import GridError
from ..grid import CHIP_SIZE_M, Chip, chip_id

SPLITS = ("train", "val", "test")
NO_SPLIT = "none"  # guard chips at band edges, and chips a split table does not cover: in no split

SPLIT_NAMES = (*SPLITS, NO_SPLIT)  # split codes index this tuple
BAND_ORDER = ("train", "train", "train", "test", "val")
SPLIT_FRACTIONS = {"train": 0.6, "val": 0.2, "test": 0.2}
DEFAULT_SPLIT = "bands:width=50km,angle=30,guard=1"
# The old scheme (single 4 km chip rows cycling train, train, val, train, test): stores made before split
# schemes were recorded have it.
LEGACY_SPLIT = "bands:width=4km,angle=0,guard=0,order=train/train/val/train/test"
# Small demo AOIs (the quickstart's 24 km square) hold no 50 km band of each split: one-chip-row bands.
DEMO_SPLIT = "bands:width=4km,angle=0,guard=0"
DEMO_SPLIT_WHY = ("split bands:width=4km,angle=0,guard=0 (one chip row per band): the demo AOI is only ~24 km "
                  "across, too small for the default 50 km bands to give val and test chips; neighbouring rows "
                  "share landscape, so these val/test metrics measure interpolation, not generalisation")
_SCHEME_KINDS = ("bands", "random", "m3leo", "column")


@dataclass(frozen=True)
class SplitScheme:
    """A parsed split scheme (see above). `table` is the chip_id -> split map of a table scheme, once loaded."""

    kind: str
    width_km: float = 50.0
    angle_deg: float = 30.0
    guard: int = 1
    order: tuple[str, ...] = BAND_ORDER
    seed: int = 0
    path: str = ""
    column: str = "split"
    table: Mapping[str, str] | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        if self.kind == "bands":
            text = f"bands:width={_num(self.width_km)}km,angle={_num(self.angle_deg)},guard={self.guard}"
            return text + ("" if self.order == BAND_ORDER else f",order={'/'.join(self.order)}")
        if self.kind == "random":
            return f"random:seed={self.seed}"
        if self.kind == "m3leo":
            return f"m3leo:{self.path}"
        return f"column:{self.path}" + ("" if self.column == "split" else f",column={self.column}")

    @property
    def needs_table(self) -> bool:
        return self.kind in ("m3leo", "column")

    def with_table(self, table: Mapping[str, str]) -> SplitScheme:
        return replace(self, table=dict(table))

    def codes(self, zone: np.ndarray, south: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """int8 codes into SPLIT_NAMES, one per chip (vectorised)."""
        row = np.asarray(row, dtype="int64")
        col = np.asarray(col, dtype="int64")
        if self.kind == "bands":
            return _band_codes(self, row, col)
        if self.kind == "random":
            return _random_codes(self.seed, np.asarray(zone), np.asarray(south), row, col)
        if self.table is None:
            raise GridError(f"split scheme {self} needs its table read first (splits.load_split_table)")
        lut = {s: i for i, s in enumerate(SPLIT_NAMES)}
        none = lut[NO_SPLIT]
        ids = (chip_id(int(z), bool(s), int(r), int(c)) for z, s, r, c in zip(zone, south, row, col, strict=True))
        return np.array([lut.get(self.table.get(i, NO_SPLIT), none) for i in ids], dtype="int8").reshape(row.shape)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def parse_split(text: str | SplitScheme | None) -> SplitScheme:
    """`bands:width=50km,angle=30,guard=1`, `random:seed=0`, `m3leo:FILE` or `column:FILE[,column=NAME]`."""
    if isinstance(text, SplitScheme):
        return text
    raw = (text or DEFAULT_SPLIT).strip()
    kind, _, rest = raw.partition(":")
    kind = kind.strip().lower()
    if kind not in _SCHEME_KINDS:
        raise GridError(f"split scheme {raw!r}: unknown kind {kind!r}; use e.g. {DEFAULT_SPLIT}, random:seed=0, "
                        "m3leo:FILE or column:FILE")
    if kind in ("m3leo", "column"):
        path, *opts = [p.strip() for p in rest.split(",")]
        if not path:
            raise GridError(f"split scheme {raw!r} needs a file: {kind}:PATH")
        params = _params(raw, opts, {"column"} if kind == "column" else set())
        return SplitScheme(kind, path=path, column=params.get("column", "split"))
    params = _params(raw, [p for p in rest.split(",") if p.strip()],
                     {"width", "angle", "guard", "order"} if kind == "bands" else {"seed"})
    try:
        if kind == "random":
            return SplitScheme("random", seed=int(params.get("seed", "0")))
        width_km = _length_km(raw, "width", params.get("width", "50km"))
        angle = float(params.get("angle", "30").rstrip("deg"))
        guard = int(params.get("guard", "1"))
    except ValueError:
        raise GridError(f"split scheme {raw!r}: width (e.g. 50km), angle (degrees), guard and seed (whole "
                        "numbers) must be numbers") from None
    order = tuple(s.strip() for s in params.get("order", "/".join(BAND_ORDER)).split("/"))
    if not (math.isfinite(width_km) and width_km > 0) or not math.isfinite(angle) or not 0 <= guard <= 100:
        raise GridError(f"split scheme {raw!r}: needs width > 0, a finite angle and 0 <= guard <= 100")
    if any(s not in SPLITS for s in order) or not set(order) >= {"train"}:
        raise GridError(f"split scheme {raw!r}: order is a /-separated list of train, val, test with train in it")
    return SplitScheme("bands", width_km=width_km, angle_deg=angle % 360.0 if abs(angle) >= 360 else angle,
                       guard=guard, order=order)


_UNITS_M = {"km": 1000.0, "m": 1.0}


def _length_km(raw: str, key: str, text: str) -> float:
    """A length with its unit (`50km`, `4000m`) in km; a bare number is refused (metres or kilometres?)."""
    t = text.strip().lower()
    unit = next((u for u in _UNITS_M if t.endswith(u)), None)
    if unit is None:
        float(t)  # not a number at all: the caller's "must be numbers" message
        raise GridError(f"split scheme {raw!r}: {key}={text} has no unit; write it with km or m, e.g. "
                        f"{key}={text}km or {key}={text}m")
    return float(t[: -len(unit)]) * _UNITS_M[unit] / 1000.0


def split_of(chip: Chip, scheme: SplitScheme) -> str:
    """The split of one chip under `scheme` (a store's own scheme: `ChipStore.split_scheme()`)."""
    codes = scheme.codes(np.array([chip.zone]), np.array([chip.south]), np.array([chip.row]), np.array([chip.col]))
    return SPLIT_NAMES[int(codes[0])]


def _params(raw: str, parts: list[str], allowed: set[str]) -> dict[str, str]:
    out = {}
    for part in parts:
        key, eq, value = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in allowed:
            raise GridError(f"split scheme {raw!r}: {part.strip()!r} is not one of "
                            f"{', '.join(sorted(k + '=...' for k in allowed)) or 'no options'}")
        out[key] = value.strip()
    return out


def band_layout(scheme: SplitScheme) -> tuple[np.ndarray, np.ndarray, float]:
    """(segment starts, segment codes, period) in metres across the bands: one cycle of the scheme."""
    w = scheme.width_km * 1000.0
    t = math.radians(scheme.angle_deg)
    g = scheme.guard * CHIP_SIZE_M * (abs(math.sin(t)) + abs(math.cos(t)))  # farthest neighbour centre across
    none = SPLIT_NAMES.index(NO_SPLIT)
    starts: list[float] = []
    codes: list[int] = []
    pos = 0.0
    n = len(scheme.order)
    for i, s in enumerate(scheme.order):
        segs = [(w, SPLIT_NAMES.index(s))]
        if s == "train" and g > 0:
            if scheme.order[(i - 1) % n] != "train":
                segs.insert(0, (g, none))
            if scheme.order[(i + 1) % n] != "train":
                segs.append((g, none))
        for length, code in segs:
            starts.append(pos)
            codes.append(code)
            pos += length
    return np.array(starts), np.array(codes, dtype="int8"), pos


def band_coordinate(scheme: SplitScheme, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Metres across the bands of each chip's centre, in its zone's CRS."""
    t = math.radians(scheme.angle_deg)
    x = (np.asarray(col, dtype="float64") + 0.5) * CHIP_SIZE_M
    y = (np.asarray(row, dtype="float64") + 0.5) * CHIP_SIZE_M
    return y * math.cos(t) - x * math.sin(t)


def _band_codes(scheme: SplitScheme, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    starts, codes, period = band_layout(scheme)
    p = np.mod(band_coordinate(scheme, row, col), period)
    return codes[np.searchsorted(starts, p, side="right") - 1]


def _random_codes(seed: int, zone: np.ndarray, south: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """60:20:20 by a splitmix64 hash of (seed, zone, hemisphere, row, col)."""
    with np.errstate(over="ignore"):
        h = (np.asarray(zone, "uint64") * np.uint64(2) + np.asarray(south, "uint64")) * np.uint64(0x9E3779B97F4A7C15)
        h ^= (row.astype("uint64") << np.uint64(32)) ^ (col.astype("uint64") & np.uint64(0xFFFFFFFF))
        h ^= np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * np.uint64(0xBF58476D1CE4E5B9)
        for mul in (0xBF58476D1CE4E5B9, 0x94D049BB133111EB):
            h ^= h >> np.uint64(30 if mul == 0xBF58476D1CE4E5B9 else 27)
            h *= np.uint64(mul)
        h ^= h >> np.uint64(31)
    u = (h >> np.uint64(11)).astype("float64") / float(1 << 53)
    edges = np.cumsum([SPLIT_FRACTIONS[s] for s in SPLITS])
    return np.minimum(np.searchsorted(edges, u, side="right"), len(SPLITS) - 1).astype("int8")


DEFAULT_SCHEME = parse_split(DEFAULT_SPLIT)
