"""External sources: M3LEO components that Earth Engine does not carry, read where their files are.

    gssic        GSSIC seasonal coherence / backscatter tiles (AWS open data)     sources/gssic.py
    gunw         ARIA Sentinel-1 GUNW interferograms (ASF, NetCDF-4)               sources/gunw.py
    cci_biomass  ESA CCI Biomass above-ground biomass (CEDA, NetCDF / GeoTIFF)     sources/cci_biomass.py

Each writes into the same chip store, on the same chip grid and chip ids, as the Earth Engine recipes, so
`ChipDataset` / `m3leo train` use them as inputs or targets like any collection. docs/sources.md has more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from .base import SourceInfo
from .cci_biomass import INFO as CCI_BIOMASS
from .gssic import INFO as GSSIC
from .gunw import INFO as GUNW

SOURCES: dict[str, SourceInfo] = {s.name: s for s in (GSSIC, GUNW, CCI_BIOMASS)}

__all__ = ["SOURCES", "SourceInfo", "get_source", "tile_source"]


def get_source(name: str) -> SourceInfo:
    try:
        return SOURCES[name]
    except KeyError:
        raise UsageError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def tile_source(name: str, store_dir: str | Path, aoi: Any, **options: Any) -> Any:
    """Run `tile` for one external source; `options` are that source's (see its tile_<source> function)."""
    get_source(name)
    if name == "gssic":
        from .gssic import tile_gssic

        return tile_gssic(store_dir, aoi, **options)
    if name == "gunw":
        from .gunw import tile_gunw

        return tile_gunw(store_dir, aoi, **options)
    from .cci_biomass import tile_biomass

    return tile_biomass(store_dir, aoi, **options)
