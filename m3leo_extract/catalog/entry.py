"""What every entry of the catalogue has, whatever serves it: Earth Engine recipes and the sources beside them.

A frozen base for `catalog.Recipe` (and for `sources.base.SourceInfo`, which can stand on it later): the
name, a title, the temporal rule, the M3LEO component it stands for, and the builder options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    title: str
    temporal: str  # "single", "yearly", "seasonal", "monthly", ...
    m3leo: str = ""  # the M3LEO component it stands for
    options: Mapping[str, Any] = field(default_factory=dict)
