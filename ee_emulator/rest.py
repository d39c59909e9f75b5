"""The REST methods: one function per method of Earth Engine's v1 API that the emulator serves.

Each takes (state, path groups, JSON body, query) and returns a `Reply`. `routes.py` maps paths to them;
`service.py` is the HTTP plumbing (faults, latency, logging) around them.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import catalogue, limits
from .discovery import algorithms
from .errors import EEError
from .evaluate import Evaluator, Trace
from .graph import as_image
from .metadata import to_info
from .operations import FILE_FORMATS, check_destination, export_pixels
from .pixels import default_grid, encode, file_format


@dataclass
class Reply:
    code: int = 200
    body: Any = None  # JSON-able, or bytes with `ctype`
    ctype: str = "application/json"
    log: dict[str, Any] = field(default_factory=dict)


def _q(query: dict[str, list[str]], key: str, default: str | None = None) -> str | None:
    return query.get(key, [default])[0]


# -- compute ----------------------------------------------------------------------------------------------
def value_compute(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    trace = Trace()
    if "expression" not in body:
        raise EEError("Request is missing required field 'expression'.")
    result = Evaluator(trace).run(body["expression"])
    return Reply(body={"result": to_info(result)}, log={"assets": trace.assets, "dates": trace.dates})


def compute_pixels(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    trace = Trace()
    if "expression" not in body:
        raise EEError("Request is missing required field 'expression'.")
    with limits.metering() as meter:  # counts the images its composites read: the request's work
        img = as_image(Evaluator(trace).run(body["expression"]))  # asset / band errors first
    fmt = file_format(body)
    grid = default_grid(img, body.get("grid"))
    # Earth Engine's size rule (mask bytes included), work budget and work-driven latency (limits.py).
    time.sleep(limits.admit_pixels(img, grid, body.get("bandIds"), state.knobs.byte_limit, state.knobs.load,
                                   meter, state.rng, state.lock))
    data, ctype, log = encode(img, grid, fmt, state.knobs.byte_limit, body.get("bandIds"),
                              body.get("visualizationOptions"))
    return Reply(body=data, ctype=ctype, log={"assets": trace.assets, "dates": trace.dates, **log})


def asset_get_pixels(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    """assets.getPixels (ee.data.getPixels): pixels of an image asset, on its native grid by default."""
    trace = Trace()
    asset_id = g["name"] if catalogue.is_user_asset(g["name"]) else catalogue.asset_id_of(g["name"])
    img = Evaluator(trace)._load_image(asset_id)
    if body.get("region"):
        from .projections import clip

        img = clip(img, body["region"])
    fmt = file_format(body)
    grid = default_grid(img, body.get("grid"))
    data, ctype, log = encode(img, grid, fmt, state.knobs.byte_limit, body.get("bandIds"),
                              body.get("visualizationOptions"))
    return Reply(body=data, ctype=ctype, log={"assets": trace.assets, **log})


def thumbnails_create(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    """thumbnails.create (getThumbURL, getDownloadURL): validate now, render on :getPixels."""
    if "expression" not in body:
        raise EEError("Request is missing required field 'expression'.")
    file_format(body)
    as_image(Evaluator(Trace()).run(body["expression"]))  # unknown assets / algorithms fail at creation
    name = f"projects/{g['project']}/thumbnails/{uuid.uuid4().hex}"
    with state.lock:
        state.thumbnails[name] = body
    return Reply(body={"name": name} if _q(query, "fields") == "name" else {"name": name, **body})


def thumbnails_get_pixels(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    with state.lock:
        req = state.thumbnails.get(g["name"])
    if req is None:
        raise EEError(f"Thumbnail {g['name']} not found (it may have expired).", code=404)
    trace = Trace()
    img = as_image(Evaluator(trace).run(req["expression"]))
    fmt = file_format(req)
    if fmt == "AUTO_JPEG_PNG":
        fmt = "PNG"
    grid = default_grid(img, req.get("grid"))
    data, ctype, log = encode(img, grid, fmt, state.knobs.byte_limit, req.get("bandIds"),
                              req.get("visualizationOptions"), req.get("filenamePrefix") or "download")
    return Reply(body=data, ctype=ctype, log={"assets": trace.assets, "dates": trace.dates, **log})


def image_export(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    if "expression" not in body:
        raise EEError("Request is missing required field 'expression'.")
    dest = (body.get("assetExportOptions") or {}).get("earthEngineDestination") or {}
    if body.get("assetExportOptions") and not catalogue.is_user_asset(str(dest.get("name", ""))):
        raise EEError(f"Invalid asset name '{dest.get('name')}': exports write to projects/PROJECT/assets/NAME.")
    check_destination(body)
    opts = body.get("fileExportOptions") or {}
    fmt = str(opts.get("fileFormat") or "GEO_TIFF").upper()
    if fmt not in FILE_FORMATS:
        raise EEError(f"Export file format '{fmt}' is not supported by the m3leo emulator (it writes "
                      f"{', '.join(FILE_FORMATS)}).")
    img = as_image(Evaluator(Trace()).run(body["expression"]))
    grid = body.get("grid") or img.props.get("_grid")
    if not grid:
        raise EEError("Unable to export unbounded image.")
    op = state.tasks.submit(g["project"], {**body, "grid": grid}, pixels=export_pixels(grid, len(img.bands)))
    return Reply(body=state.tasks.to_json(op), log={"operation": op.name})


# -- catalogue ------------------------------------------------------------------------------------------
def algorithms_list(state: Any, g: dict[str, str], body: Any, query: Any) -> Reply:
    return Reply(body=algorithms())


def assets_get(state: Any, g: dict[str, str], body: Any, query: Any) -> Reply:
    name = g["name"]
    return Reply(body=catalogue.asset_record(name if catalogue.is_user_asset(name) else catalogue.asset_id_of(name)))


def list_assets(state: Any, g: dict[str, str], body: Any, query: dict[str, list[str]]) -> Reply:
    from .listing import list_children

    if "/assets" not in g["parent"] and g["project"] != "earthengine-public":  # a project's own assets
        return Reply(body={"assets": catalogue.user_assets(g["project"])})
    parent = catalogue.asset_id_of(g["parent"]) if "/assets" in g["parent"] else ""
    return Reply(body=list_children(parent, query, key="assets"))


def list_images(state: Any, g: dict[str, str], body: Any, query: dict[str, list[str]]) -> Reply:
    from .listing import list_children

    return Reply(body=list_children(catalogue.asset_id_of(g["parent"]), query, key="images"))


# -- operations ------------------------------------------------------------------------------------------
def operations_list(state: Any, g: dict[str, str], body: Any, query: dict[str, list[str]]) -> Reply:
    size = int(_q(query, "pageSize", "500") or 500)
    start = int(_q(query, "pageToken", "0") or 0)
    ops = state.tasks.listing(g["name"])
    out: dict[str, Any] = {"operations": [state.tasks.to_json(o) for o in ops[start:start + size]]}
    if start + size < len(ops):
        out["nextPageToken"] = str(start + size)
    return Reply(body=out)


def operations_get(state: Any, g: dict[str, str], body: Any, query: Any) -> Reply:
    return Reply(body=state.tasks.to_json(state.tasks.get(g["name"])))


def operations_cancel(state: Any, g: dict[str, str], body: Any, query: Any) -> Reply:
    state.tasks.cancel(g["name"])
    return Reply(body={})


def operations_delete(state: Any, g: dict[str, str], body: Any, query: Any) -> Reply:
    state.tasks.delete(g["name"])
    return Reply(body={})


def operations_wait(state: Any, g: dict[str, str], body: dict[str, Any], query: Any) -> Reply:
    m = re.fullmatch(r"([\d.]+)s", str((body or {}).get("timeout") or "10s"))
    timeout = float(m.group(1)) if m else 10.0
    op = state.tasks.wait(g["name"], min(timeout, 60.0))
    return Reply(body=state.tasks.to_json(op))

