"""The one routing table: each REST method the emulator serves, its path, and the function answering it.

`ROUTES` is read top to bottom; the first whose verb and pattern match the path after `/v1/` (or
`/v1alpha/`, `/v1beta/`) answers. The discovery document is generated from the same table, so it
advertises exactly what is served. `compute` marks the methods subject to the latency, concurrency and
fault knobs (the ones that cost Earth Engine work).
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import rest
from .discovery import installed_methods

P = r"projects/(?P<project>[^/:]+)"


@dataclass(frozen=True)
class Route:
    verb: str
    pattern: str
    method: str  # the discovery id under `earthengine.`
    template: str  # the discovery path
    handler: Callable[..., rest.Reply]
    compute: bool = False
    query: tuple[str, ...] = ()

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


_PAGE = ("pageSize", "pageToken", "filter", "view")
ROUTES: tuple[Route, ...] = (
    Route("GET", P + r"/algorithms", "projects.algorithms.list", "v1/{+project}/algorithms", rest.algorithms_list),
    Route("POST", P + r"/value:compute", "projects.value.compute", "v1/{+project}/value:compute",
          rest.value_compute, compute=True),
    Route("POST", P + r"/image:computePixels", "projects.image.computePixels", "v1/{+project}/image:computePixels",
          rest.compute_pixels, compute=True),
    Route("POST", P + r"/image:export", "projects.image.export", "v1/{+project}/image:export", rest.image_export,
          compute=True),
    Route("POST", P + r"/thumbnails", "projects.thumbnails.create", "v1/{+parent}/thumbnails",
          rest.thumbnails_create, compute=True, query=("fields",)),
    Route("GET", r"(?P<name>" + P + r"/thumbnails/[^/:]+):getPixels", "projects.thumbnails.getPixels",
          "v1/{+name}:getPixels", rest.thumbnails_get_pixels, compute=True),
    Route("GET", r"(?P<parent>" + P + r"):listAssets", "projects.listAssets", "v1/{+parent}:listAssets",
          rest.list_assets, query=_PAGE),
    Route("GET", r"(?P<parent>" + P + r"/assets/.+):listAssets", "projects.assets.listAssets",
          "v1/{+parent}:listAssets", rest.list_assets, query=_PAGE),
    Route("GET", r"(?P<parent>" + P + r"/assets/.+):listImages", "projects.assets.listImages",
          "v1/{+parent}:listImages", rest.list_images, query=_PAGE),
    Route("POST", r"(?P<name>" + P + r"/assets/.+):getPixels", "projects.assets.getPixels", "v1/{+name}:getPixels",
          rest.asset_get_pixels, compute=True),
    Route("GET", r"(?P<name>" + P + r"/assets/[^:]*)", "projects.assets.get", "v1/{+name}", rest.assets_get),
    Route("GET", r"(?P<name>" + P + r")/operations", "projects.operations.list", "v1/{+name}/operations",
          rest.operations_list, query=("pageSize", "pageToken", "filter")),
    Route("POST", r"(?P<name>" + P + r"/operations/[^/:]+):cancel", "projects.operations.cancel",
          "v1/{+name}:cancel", rest.operations_cancel),
    Route("POST", r"(?P<name>" + P + r"/operations/[^/:]+):wait", "projects.operations.wait", "v1/{+name}:wait",
          rest.operations_wait),
    Route("GET", r"(?P<name>" + P + r"/operations/[^/:]+)", "projects.operations.get", "v1/{+name}",
          rest.operations_get),
    Route("DELETE", r"(?P<name>" + P + r"/operations/[^/:]+)", "projects.operations.delete", "v1/{+name}",
          rest.operations_delete),
)


def match(verb: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route answering `verb path` (a path like /v1/projects/p/value:compute) and its groups."""
    m = re.fullmatch(r"/v1(?:alpha|beta)?/(.+)", path)
    if not m:
        return None
    for r in ROUTES:
        if r.verb == verb:
            g = r.regex.fullmatch(m.group(1))
            if g:
                return r, {k: v for k, v in g.groupdict().items() if v is not None}
    return None


def _method_entry(r: Route, installed: dict[str, Any]) -> dict[str, Any]:
    if r.method in installed:  # the real entry (parameters, descriptions), re-rooted at v1
        entry = copy.deepcopy(installed[r.method])
        entry["path"] = r.template
        entry.setdefault("response", {"type": "any"})
        for q in r.query:  # parameters the emulator honours that an older fixture lacks (listAssets' filter)
            entry["parameters"].setdefault(q, {"location": "query",
                                               "type": "integer" if q == "pageSize" else "string"})
        return entry
    params = re.findall(r"\{\+(\w+)\}", r.template)
    entry = {"id": f"earthengine.{r.method}", "httpMethod": r.verb, "path": r.template,
             "parameters": {p: {"location": "path", "required": True, "type": "string",
                                "pattern": "^projects/.*$"} for p in params},
             "parameterOrder": params, "response": {"type": "any"}}
    for q in r.query:
        entry["parameters"][q] = {"location": "query", "type": "integer" if q == "pageSize" else "string"}
    if r.verb == "POST":
        entry["request"] = {"type": "any"}
    return entry


def discovery_document(base_url: str, use_installed: bool = True) -> dict[str, Any]:
    """Earth Engine's discovery document listing exactly the routed methods, rooted at `base_url`."""
    installed = installed_methods() if use_installed else {}
    resources: dict[str, Any] = {}
    for r in ROUTES:
        *res, name = r.method.split(".")
        node: dict[str, Any] = {"resources": resources}
        for part in res:
            node = node["resources"].setdefault(part, {"methods": {}, "resources": {}})
        node["methods"][name] = _method_entry(r, installed)
    root = base_url.rstrip("/") + "/"
    return {
        "kind": "discovery#restDescription", "discoveryVersion": "v1", "id": "earthengine:v1",
        "name": "earthengine", "version": "v1", "title": "Google Earth Engine API (m3leo emulator, synthetic data)",
        "protocol": "rest", "rootUrl": root, "baseUrl": root, "servicePath": "", "batchPath": "batch",
        "parameters": {
            "prettyPrint": {"location": "query", "type": "boolean", "default": "true"},
            "alt": {"location": "query", "type": "string", "default": "json"},
            "fields": {"location": "query", "type": "string"},
            "key": {"location": "query", "type": "string"},
            "$.xgafv": {"location": "query", "type": "string"},
        },
        "schemas": {}, "resources": resources,
    }
