"""Split tables: the chip_id -> split map of an `m3leo:FILE` or `column:FILE` scheme, read from CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

from ..errors import GridError
from ..grid import Chip
from .schemes import NO_SPLIT, SPLIT_NAMES, SplitScheme, parse_split


def resolve(text: str | SplitScheme | None) -> SplitScheme:
    """Parse a scheme string and read its table, if it has one (all errors are one-line GridErrors)."""
    return load_split_table(parse_split(text))


def load_split_table(scheme: SplitScheme) -> SplitScheme:
    """A table scheme with its chip_id -> split map read from its file; other schemes unchanged.

    `m3leo:FILE` is the table `m3leo grid --from-m3leo ... --keep-split --out FILE` writes (one row per M3LEO
    chip / our chip overlap): a chip gets their split when every M3LEO chip it overlaps has the same one, else
    "none" (it would join two of their splits). `column:FILE` is a user table with chip_id and the column.
    """
    import pandas as pd

    if not scheme.needs_table or scheme.table is not None:
        return scheme
    path = Path(scheme.path)
    try:
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # pandas/pyarrow raise many types
        raise GridError(f"split scheme {scheme}: cannot read {path} ({str(exc).splitlines()[0]}); give a CSV or "
                        "Parquet table with chip_id and split columns") from None
    column = scheme.column
    if "chip_id" not in table.columns or column not in table.columns:
        raise GridError(f"split scheme {scheme}: {path} needs columns chip_id and {column}; it has "
                        f"{', '.join(map(str, table.columns))}")
    pairs = table[["chip_id", column]].astype(str)
    bad = sorted(set(pairs[column]) - set(SPLIT_NAMES))
    if bad:
        raise GridError(f"split scheme {scheme}: {path} has split values {bad[:5]}; use train, val, test or none")
    for cid in pairs["chip_id"].iloc[:1]:
        Chip.from_id(cid)  # one clear error when the ids are not ours (e.g. M3LEO's hashes)
    agree = pairs.groupby("chip_id")[column].agg(lambda v: v.iloc[0] if v.nunique() == 1 else NO_SPLIT)
    return scheme.with_table(agree.to_dict())
