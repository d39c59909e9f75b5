"""assets.listAssets / listImages over the emulated catalogue, with Earth Engine's filter syntax (the parts
`ee.data.listImages` writes: `startTime >= "ISO"`, `endTime < "ISO"`, `intersects("GeoJSON")`,
`properties.NAME <op> VALUE`, joined with AND), `pageSize` / `pageToken` paging and `view`."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from . import assets, catalogue
from .errors import EEError

_CLAUSE = re.compile(r'\s*(startTime|endTime|properties\.[\w:]+)\s*(>=|<=|!=|=|<|>)\s*("[^"]*"|[^\s]+)\s*')
_OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
        "=": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _ms(iso: str) -> float:
    try:
        d = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        raise EEError(f"Invalid filter: unable to parse time '{iso}'.") from None
    return (d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)).timestamp() * 1000.0


def _value(tok: str) -> Any:
    if tok.startswith('"'):
        return tok.strip('"')
    try:
        return float(tok)
    except ValueError:
        return tok


def parse_filter(text: str) -> list[Any]:
    """The filter as a list of predicates over an image's props."""
    preds = []
    for part in re.split(r"\s+AND\s+", text.strip()) if text.strip() else []:
        m = re.fullmatch(r'\s*intersects\("(.*)"\)\s*', part, re.S)
        if m:
            from shapely.geometry import shape

            try:
                region = shape(json.loads(m.group(1).replace("'", '"')))
            except (ValueError, KeyError, TypeError):
                raise EEError(f"Invalid filter: bad geometry in '{part}'.") from None
            f = lambda p, r=region: _footprint(p).intersects(r)  # noqa: E731
            f.region = tuple(region.bounds)  # type: ignore[attr-defined]  # lazy collections narrow on it
            preds.append(f)
            continue
        m = _CLAUSE.fullmatch(part)
        if not m:
            raise EEError(f"Invalid filter: unable to parse '{part}'.")
        key, op, tok = m.groups()
        if key in ("startTime", "endTime"):
            bound = _ms(tok.strip('"'))
            prop = "system:time_start" if key == "startTime" else "system:time_end"
            f = lambda p, o=_OPS[op], b=bound, k=prop: o(float(p.get(k, p.get("system:time_start", 0))), b)  # noqa: E731
            f.dates = (bound, float("inf")) if op.startswith(">") else (float("-inf"), bound + 1)  # type: ignore
            preds.append(f)
        else:
            name, val = key.split(".", 1)[1], _value(tok)
            preds.append(lambda p, o=_OPS[op], n=name, v=val: p.get(n) is not None and _cmp(o, p.get(n), v))
    return preds


def _cmp(op: Any, a: Any, b: Any) -> bool:
    try:
        return bool(op(float(a), b)) if isinstance(b, float) else bool(op(str(a), b))
    except (TypeError, ValueError):
        return False


def _footprint(props: dict[str, Any]) -> Any:
    from shapely.geometry import Polygon

    fp = props.get("system:footprint") or {}
    return Polygon(fp.get("coordinates") or catalogue.WORLD_RING)


def list_children(parent: str, query: dict[str, list[str]], key: str) -> dict[str, Any]:
    size = int(query.get("pageSize", ["0"])[0] or 0)
    start = int(query.get("pageToken", ["0"])[0] or 0)
    view = query.get("view", ["FULL"])[0]
    if parent in catalogue.collections():
        clauses = [query.get("filter", [""])[0]]
        for q, op in (("startTime", ">="), ("endTime", "<")):  # listImages' own query parameters
            if q in query:
                clauses.append(f'{q} {op} "{query[q][0]}"')
        if "region" in query:
            clauses.append(f'intersects("{query["region"][0]}")')
        preds = parse_filter(" AND ".join(c for c in clauses if c))
        coll = catalogue.load_collection(parent)
        for f in preds if hasattr(coll, "narrow") else []:  # assets.LazyColl: made for the region / times only
            coll = coll.narrow(f)
        imgs = [i for i in coll.images if all(f(i.props) for f in preds)]
        records = [catalogue.image_record(i, view) for i in imgs]
    elif key == "images":
        raise EEError(f"Asset '{catalogue.PUBLIC + parent}' is not an image collection.", code=400)
    else:
        records = _folder(parent)
    page = records[start:start + size] if size else records[start:]
    out: dict[str, Any] = {key: page}
    if size and start + size < len(records):
        out["nextPageToken"] = str(start + size)
    return out


def _folder(parent: str) -> list[dict[str, Any]]:
    prefix = parent + "/" if parent else ""
    ids = [a for a in assets.known_assets() if a.startswith(prefix)]
    if not ids and parent:
        raise EEError(f"Asset '{catalogue.PUBLIC + parent}' does not exist or caller does not have access.",
                      code=404)
    children: dict[str, str] = {}
    colls = set(catalogue.collections())
    for a in ids:
        rest = a[len(prefix):]
        head = rest.split("/", 1)[0]
        child = prefix + head
        if child in colls:
            children[child] = "IMAGE_COLLECTION"
        elif "/" not in rest:
            children.setdefault(child, "IMAGE")
        elif child not in children:
            children[child] = "FOLDER"
    return [{"type": t, "name": catalogue.PUBLIC + c, "id": c, "updateTime": catalogue.UPDATE_TIME}
            for c, t in sorted(children.items())]

