"""Stores for the publish tests: made by `extract` through the real earthengine-api against the emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import shapely

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
# Seven chips near Lyon (UTM 31N): s1 (4 seasons), s2 and ESA WorldCover for 2020, 16 chips a shard.
LYON = shapely.box(4.80, 45.70, 4.90, 45.76)


def extract_store(directory: Path, url: str, *, geom=LYON, collections: str = "s1,s2,esa_worldcover",
                  periods: str = "2020", shard_chips: int | None = None) -> Path:
    from m3leo_extract.catalog import parse_collections, parse_periods
    from m3leo_extract.extract import extract
    from m3leo_extract.units import ExtractOptions

    options = ExtractOptions() if shard_chips is None else ExtractOptions(shard_chips=shard_chips)
    report = extract(directory, geom, parse_collections(collections), parse_periods(periods), ee_url=url,
                     options=options)
    assert report.units_failed == 0, report.as_dict()
    return directory


def m3leo(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")}
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
