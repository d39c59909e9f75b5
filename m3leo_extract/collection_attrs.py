"""A collection's descriptive attributes (`CollectionAttrs`): the one home of the keys beside the format's own.

`CollectionSpec.attrs` (shards.py) holds one; `ChipStore` writes it into the collection group's attributes with
`to_zarr` and reads it back with `from_zarr`. docs/store-format.md lists the keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# The group attributes the format itself owns (store.py writes them); everything else describes the collection.
FORMAT_ATTRS = frozenset({"collection", "bands", "dtype", "nodata", "resolution", "chip_px", "kind", "shard_chips",
                          "chip_size_m", "periods", "created", "stats", "synthetic"})


@dataclass(frozen=True)
class CollectionAttrs:
    """What describes a collection beside its format: where it came from and what its values mean. The one
    home of these keys: `to_zarr` writes them into the group's attributes, `from_zarr` reads them back (keys
    it does not know, such as a source's own, stay in `extra`). Per-band lists are in band order."""

    recipe: str = ""  # the catalog recipe ("" for tile / sources / xarray writes)
    title: str = ""
    source: str = ""  # what wrote it when not a recipe ("m3leo tile", a source's name, ...)
    asset: str = ""
    recipe_version: int = 1
    temporal: str = ""
    reducer: str = ""
    m3leo: str = ""  # the M3LEO component it stands for
    licence: str = ""
    units: tuple[str, ...] = ()
    scale: tuple[float, ...] = ()
    offset: tuple[float, ...] = ()
    sources: tuple[str, ...] = ()
    classes: Mapping[str, str] = field(default_factory=dict, hash=False)  # class code (text) -> name
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)  # the recipe's builder options
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    _TUPLES = ("units", "scale", "offset", "sources")

    def to_zarr(self) -> dict[str, Any]:
        """The attributes as JSON-able data, for the group's zarr.json."""
        out: dict[str, Any] = dict(self.extra)
        for f in fields(self):
            if f.name == "extra":
                continue
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v
        return out

    @classmethod
    def from_zarr(cls, attrs: Mapping[str, Any]) -> CollectionAttrs:
        """The typed attributes of a group's attributes (format keys are left out; unknown keys go to extra)."""
        known = {f.name for f in fields(cls)} - {"extra"}
        kw: dict[str, Any] = {}
        for key in known & set(attrs):
            v = attrs[key]
            if key in cls._TUPLES:
                v = tuple(v) if isinstance(v, (list, tuple)) else ()
            elif key in ("classes", "options"):
                v = dict(v) if isinstance(v, Mapping) else {}
            elif key == "recipe_version":
                v = int(v) if v is not None else 1
            else:
                v = "" if v is None else str(v)
            kw[key] = v
        extra = {k: v for k, v in attrs.items() if k not in known and k not in FORMAT_ATTRS}
        return cls(**kw, extra=extra)

    def per_band(self, key: str, n: int, default: Any) -> list[Any]:
        """A per-band list (`units`, `scale`, `offset`, `sources`) of length n; `default` where missing."""
        v = getattr(self, key)
        return [default if x is None else x for x in v] if len(v) == n else [default] * n

    def class_names(self) -> dict[int, str]:
        return {int(k): str(v) for k, v in self.classes.items()}
