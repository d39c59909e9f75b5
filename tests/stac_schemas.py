"""Offline validation against the official STAC JSON schemas vendored in tests/data/stac-schemas/.

Core STAC 1.1.0 and GeoJSON: the copies pystac ships (pystac/validation/jsonschemas, from radiantearth/stac-spec
v1.1.0 and geojson.org); extensions: json-schema/schema.json of each stac-extensions repository at the tag
pystac 1.15 writes (projection v2.0.0, raster v1.1.0, file v2.1.0, grid v1.1.0, label v1.0.1, mlm v1.4.0, and
classification v1.1.0 / processing v1.1.0 that mlm refers to). No request ever leaves the machine: a $ref
outside these files fails.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.exceptions
from jsonschema_specifications import REGISTRY as META
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "data" / "stac-schemas"
CORE = "https://schemas.stacspec.org/v1.1.0"
SPEC_DIRS = {"catalog": "catalog-spec", "collection": "collection-spec"}


def _uris(path: Path) -> list[str]:
    rel = path.relative_to(SCHEMAS).parts
    if rel[0] == "stac-spec":
        stem = path.stem
        return [f"{CORE}/{SPEC_DIRS.get(stem, 'item-spec')}/json-schema/{path.name}"]
    if rel[0] == "geojson":
        return [f"https://geojson.org/schema/{path.name}"]
    return [f"https://stac-extensions.github.io/{rel[0]}/{rel[1]}/schema.json"]


def _offline(uri: str) -> referencing.Resource:
    raise referencing.exceptions.NoSuchResource(ref=uri)


@cache
def registry() -> referencing.Registry:
    reg = referencing.Registry(retrieve=_offline)
    for path in sorted(SCHEMAS.rglob("*.json")):
        contents = json.loads(path.read_text())
        res = DRAFT7.create_resource(contents)
        names = set(_uris(path))
        if "$id" in contents:
            names.add(contents["$id"].rstrip("#"))
        reg = reg.with_resources((n, res) for n in names)
    return META.combine(reg)


def schema(uri: str) -> dict[str, Any]:
    return registry().contents(uri.rstrip("#"))


def validate(obj: dict[str, Any]) -> list[str]:
    """Validate one STAC object (item, collection, catalog) against its core schema and every extension it
    declares; returns the schema URIs checked. Raises jsonschema.ValidationError."""
    kind = {"Feature": "item", "Collection": "collection", "Catalog": "catalog"}[obj["type"]]
    core = f"{CORE}/{SPEC_DIRS.get(kind, 'item-spec')}/json-schema/{kind}.json"
    checked = []
    for uri in [core, *obj.get("stac_extensions", [])]:
        jsonschema.Draft7Validator(schema(uri), registry=registry()).validate(obj)
        checked.append(uri)
    return checked
