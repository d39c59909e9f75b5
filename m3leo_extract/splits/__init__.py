"""Train / val / test splits: pure schemes (`schemes`), split tables (`table`) and a store's labels (`relabel`).

The one home of everything about splits: a scheme is parsed and validated once (`parse_split`, `resolve`),
assigns chips by position (`SplitScheme.codes`, `split_of(chip, scheme)`: always with the scheme asked for,
never a silent default), and a store's labels change only through `relabel` / `apply_split` under the
dataset's run lock. The store keeps the labels (its `split` array and `split_scheme` attribute) as metadata.
"""

from .relabel import SplitChange, apply_split, choose_split, counts, default_for_aoi, empty_split_warning, relabel
from .schemes import (
    BAND_ORDER,
    DEFAULT_SCHEME,
    DEFAULT_SPLIT,
    DEMO_SPLIT,
    DEMO_SPLIT_WHY,
    LEGACY_SPLIT,
    NO_SPLIT,
    SPLIT_FRACTIONS,
    SPLIT_NAMES,
    SPLITS,
    SplitScheme,
    band_coordinate,
    band_layout,
    parse_split,
    split_of,
)
from .table import load_split_table, resolve

__all__ = ["BAND_ORDER", "DEFAULT_SCHEME", "DEFAULT_SPLIT", "DEMO_SPLIT", "DEMO_SPLIT_WHY", "LEGACY_SPLIT",
           "NO_SPLIT", "SPLITS", "SPLIT_FRACTIONS", "SPLIT_NAMES", "SplitChange", "SplitScheme", "apply_split",
           "band_coordinate", "band_layout", "choose_split", "counts", "default_for_aoi", "empty_split_warning",
           "load_split_table", "parse_split", "relabel", "resolve", "split_of"]
