"""The dataset file DIR/m3leo.toml: what a dataset is (AOI, collections, periods, options), for refresh.

Written by the first `extract` (or `m3leo init`), human-editable; CLI flags override it for one run. A save
edits the file through tomlkit, so the user's comments, layout and nested tables stay as they were; only the
values that changed are written (a None value is left out: TOML has no null).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomlkit
import tomllib

from .errors import UsageError

HEADER = "m3leo dataset definition: edit freely; `m3leo refresh` reads it."

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

    def values(self) -> dict[str, Any]:
        """The top-level keys (every field but `options`) as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "options"}

    def to_toml(self, base: str | None = None) -> str:
        """The file's text: `base` (the file as it is now) with only the changed values replaced, else new."""
        doc = tomlkit.parse(base) if base is not None else _new_document()
        for key, value in self.values().items():
            _set(doc, key, value, add_empty=base is None)
        options = doc.get("options")
        if options is None:
            options = tomlkit.table()
            doc["options"] = options
        for key in [k for k in options if k not in self.options or self.options[k] is None]:
            del options[key]  # removed from the config (or None: TOML has no null)
        for key, value in self.options.items():
            _set(options, key, value, add_empty=True)
        return tomlkit.dumps(doc)

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        base = path.read_text() if path.is_file() else None
        text = self.to_toml(base)
        if text == base:
            return path  # nothing changed: the file is not touched
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(text)
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


def _new_document() -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(HEADER))
    doc.add(tomlkit.nl())
    return doc


def _set(table: Any, key: str, value: Any, *, add_empty: bool) -> None:
    """Set `table[key]` when its value differs (the user's formatting of an unchanged value is kept)."""
    if value is None:
        if key in table:
            del table[key]
        return
    if key in table:
        current = table[key]
        if (current.unwrap() if hasattr(current, "unwrap") else current) == value:
            return
    elif not add_empty and value in ("", [], {}):
        return  # an empty value the file never had: not added
    table[key] = value
