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
# The run options [options] may pin (written by the first `extract`, read by `refresh` / `retry`), with their
# types; other keys in [options] are kept as they are.
RUN_OPTIONS: dict[str, type] = {"shard_chips": int, "max_concurrency": int, "max_rps": float, "max_attempts": int,
                                "mode": str, "bucket": str, "bucket_url": str, "destination": str,
                                "max_queued": int}


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
    # Split scheme (splits.parse_split), part of what the dataset is; empty = splits.DEFAULT_SPLIT.
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

    def run_options(self) -> dict[str, Any]:
        """The [options] this dataset pins (RUN_OPTIONS), typed; a value of the wrong type is a UsageError."""
        out: dict[str, Any] = {}
        for key, kind in RUN_OPTIONS.items():
            if key in self.options:
                value = self.options[key]
                try:
                    out[key] = value if isinstance(value, kind) else kind(value)
                except (TypeError, ValueError):
                    raise UsageError(f"m3leo.toml: options.{key} = {value!r} is not a{'n' if kind is int else ''} "
                                     f"{kind.__name__}; fix it by hand") from None
        return out

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], source: str = "") -> DatasetConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise UsageError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(known))}")
        if "aoi" not in d or "collections" not in d:
            raise UsageError(f"{source}: needs at least `aoi` and `collections`")
        if d.get("split"):
            from .splits.schemes import parse_split  # shapely and pyproj: not for every `m3leo` start

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
