"""The dataset file DIR/m3leo.toml: what a dataset is (AOI, collections, periods, options), for refresh.

Written by the first `extract` (or `m3leo init`), human-editable; CLI flags override it for one run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from .errors import UsageError

CONFIG_FILE = "m3leo.toml"


@dataclass
class DatasetConfig:
    aoi: str
    collections: list[str]
    periods: list[str] = field(default_factory=list)
    # Rolling periods: "monthly" | "seasonal" | "yearly" composites from `rolling_start` up to the last
    # complete one at run time. Empty: the fixed `periods` only.
    rolling: str = ""
    rolling_start: str = ""
    catalog: list[str] = field(default_factory=list)
    # Split scheme (grid.parse_split), part of what the dataset is; empty = grid.DEFAULT_SPLIT.
    split: str = ""
    ee_url: str = ""
    project: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def to_toml(self) -> str:
        lines = ["# m3leo dataset definition: edit freely; `m3leo refresh` reads it.", ""]
        for key, value in asdict(self).items():
            if key == "options":
                continue
            lines.append(f"{key} = {json.dumps(value)}")
        lines += ["", "[options]"]
        for key, value in self.options.items():
            lines.append(f"{key} = {json.dumps(value)}")
        return "\n".join(lines) + "\n"

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(self.to_toml())
        tmp.replace(path)  # atomic: a crash never leaves half a config
        return path

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], source: str = "") -> DatasetConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise UsageError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(known))}")
        if "aoi" not in d or "collections" not in d:
            raise UsageError(f"{source}: needs at least `aoi` and `collections`")
        if d.get("split"):
            from .grid import parse_split

            parse_split(str(d["split"]))  # a bad scheme fails here, with the scheme's own message
        return cls(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in d.items()})

    @classmethod
    def load(cls, directory: str | Path) -> DatasetConfig:
        path = Path(directory) / CONFIG_FILE
        try:
            with path.open("rb") as fh:
                return cls.from_mapping(tomllib.load(fh), str(path))
        except FileNotFoundError:
            raise UsageError(f"{path} not found: run `m3leo extract --store {directory} ...` (or `m3leo init`) "
                             "first") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path} is not valid TOML ({exc}); fix it by hand") from None
