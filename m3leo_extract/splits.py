"""A dataset's split scheme: choosing it, recording it in the store and m3leo.toml, re-labelling on change.

The math lives in grid.py (`parse_split`, `SplitScheme.codes`); this module is the I/O around it. The scheme is
part of the dataset definition: m3leo.toml's `split`, recorded in the store's root attributes
(`split_scheme`), and every chip's label is the store's `split` array, which `stats`, `ChipDataset` and `train`
read. Changing the scheme re-labels the chips in place (nothing is refetched) and drops normalisation
statistics computed on the old train split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .grid import DEMO_SPLIT, DEMO_SPLIT_WHY, SplitScheme, parse_split
from .gridio import load_split_table


@dataclass(frozen=True)
class SplitChange:
    """What `apply_split` did: the scheme before and after, and chips per split and collection after."""

    before: str
    after: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def line(self) -> str:
        totals: dict[str, int] = {}
        for per in self.counts.values():
            for k, v in per.items():
                totals[k] = max(totals.get(k, 0), v)
        relabelled = self.changed and any(sum(per.values()) for per in self.counts.values())
        head = (f"split {self.after} (was {self.before}): chips re-labelled, normalisation statistics of the "
                "old train split dropped" if relabelled else f"split {self.after}")
        return head + ("; " + ", ".join(f"{k} {v}" for k, v in totals.items()) if totals else "")


def resolve(text: str | SplitScheme | None) -> SplitScheme:
    """Parse a scheme string and read its table, if it has one (all errors are one-line GridErrors)."""
    return load_split_table(parse_split(text))


def default_for_aoi(aoi_name: str) -> tuple[str | None, str]:
    """(scheme, why) to use when none is given: the demo AOI is too small for the default bands."""
    if aoi_name == "demo":
        return DEMO_SPLIT, DEMO_SPLIT_WHY
    return None, ""


def choose_split(given: str | None, aoi_name: str,
                 store_dir: str | Path | None = None) -> tuple[SplitScheme | None, str]:
    """(scheme, why) a command uses: the given one, else the store's (None: keep it), else the AOI's default.

    `why` says why a default other than grid.DEFAULT_SPLIT was picked ("" otherwise). Every scheme is resolved
    here, so a bad one fails before anything is written.
    """
    if given is not None:
        return resolve(given), ""
    from .store import STORE_NAME  # in here like apply_split's: zarr is heavy for the grid commands

    if store_dir is not None and (Path(store_dir) / STORE_NAME).exists():
        return None, ""
    default, why = default_for_aoi(aoi_name)
    return resolve(default), why


def apply_split(store_dir: str | Path, scheme: str | SplitScheme | None, store: Any = None) -> SplitChange:
    """Make `scheme` the store's (creating the store if needed) and m3leo.toml's; re-label when it changed.

    `scheme` None keeps what the store has. `store`: the run's open ChipStore of `store_dir` (else opened here).
    Run it from the planning process only (like any metadata change).
    """
    from .config import CONFIG_FILE, DatasetConfig
    from .store import ChipStore

    st = store if store is not None else ChipStore.open(store_dir, create=True)
    before = st.split_scheme()
    if scheme is None:
        return SplitChange(str(before), str(before), _counts(st))
    wanted = resolve(scheme)
    if str(wanted) == str(before) and _same_table(before, wanted):
        counts = _counts(st)
    else:
        counts = st.set_split_scheme(wanted)
    if (Path(store_dir) / CONFIG_FILE).is_file():
        cfg = DatasetConfig.load(store_dir)
        if cfg.split != str(wanted):
            cfg.split = str(wanted)
            cfg.save(store_dir)
    return SplitChange(str(before), str(wanted), counts)


def _same_table(a: SplitScheme, b: SplitScheme) -> bool:
    return not a.needs_table or dict(a.table or {}) == dict(b.table or {})


def _counts(st: object) -> dict[str, dict[str, int]]:
    import numpy as np

    from .grid import SPLIT_NAMES

    out = {}
    for name in st.collections():  # type: ignore[attr-defined]
        labels = np.asarray(st.chip_table(name)["split"]).astype(object)  # type: ignore[attr-defined]
        out[name] = {s: int((labels == s).sum()) for s in SPLIT_NAMES}
    return out
