"""Typed values of the metadata evaluator: what getInfo() serialises differently from a plain number/dict.

Each is a thin subclass of a builtin so the image algebra and the filters keep treating them as numbers and
dicts (a Date is milliseconds, a Projection a {"crs", "transform"} dict, a Geometry a GeoJSON-like dict).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The default projection of an image without a fixed one (constants, composites): WGS84 at 1 degree.
DEFAULT_TRANSFORM = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


class EEDate(float):
    """ee.Date: milliseconds since the epoch (UTC)."""


class EEDateRange(tuple):
    """ee.DateRange: (start, end) in milliseconds, end exclusive."""


class Proj(dict):
    """ee.Projection: {"crs": code, "transform": [a, b, c, d, e, f]}."""

    @classmethod
    def of(cls, crs: str, transform: Any) -> Proj:
        return cls(crs=crs, transform=[float(v) for v in transform])


class Geom(dict):
    """ee.Geometry as the constructors received it ({"type": "Rectangle"|"Polygon"|..., "coordinates"})."""


@dataclass
class Feature:
    geometry: Any = None
    properties: dict[str, Any] = field(default_factory=dict)
