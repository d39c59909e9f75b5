"""Dataset status from the state database: per collection and period, chips by status and top errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .catalog.period import period_order
from .defaults import STATE_FILE
from .errors import NotInStoreError
from .state import StateDB

# Bump when the JSON below changes shape or meaning (monitoring parses it). 2: `done` no longer counts the
# `empty` chips (done, but the period had no image); periods in time order.
STATUS_SCHEMA = 2


def dataset_status(store_dir: str | Path) -> dict[str, Any]:
    path = Path(store_dir) / STATE_FILE
    if not path.exists():
        raise NotInStoreError(f"{store_dir} has no state database: run `m3leo extract --store {store_dir} ...` first")
    db = StateDB(path)
    try:
        table: dict[tuple[str, str], dict[str, Any]] = {}
        for row in db.counts():
            key = (row["collection"], row["period"])
            entry = table.setdefault(key, {"collection": key[0], "period": key[1], "done": 0, "pending": 0,
                                           "running": 0, "failed": 0, "units": 0})
            name = "pending" if row["status"] == "planned" else row["status"]
            entry[name] += int(row["chips"] or 0)
            entry["units"] += int(row["units"])
        # Done units whose composite had no images (ErrorKind.EMPTY, see units.record_unit): also "done".
        for coll, period, chips in db.empty_chips():
            if (coll, period) in table:
                table[(coll, period)]["empty"] = int(chips or 0)
                table[(coll, period)]["done"] -= int(chips or 0)  # done counts chips with data; empty apart
        for entry in table.values():
            entry.setdefault("empty", 0)
        rows = []
        for (coll, period), entry in sorted(table.items(), key=lambda kv: (kv[0][0], period_order(kv[0][1]))):
            entry["top_errors"] = db.top_errors(coll, period) if entry["failed"] else []
            rows.append(entry)
        last = db.last_run()
        last_info = None
        if last:
            last_info = {"command": last["command"], "status": last["status"],
                         "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last["finished_at"])),
                         "summary": json.loads(last["summary"] or "{}")}
        totals = {k: sum(r[k] for r in rows) for k in ("done", "pending", "running", "failed", "empty")}
        return {"schema": STATUS_SCHEMA, "store": str(store_dir), "totals": totals, "collections": rows,
                "last_run": last_info}
    finally:
        db.close()


def status_lines(st: dict[str, Any]) -> list[str]:
    """The human table of `dataset_status`, ending with one line about the last run."""
    # empty: done, but the period had no images (nodata chips)
    lines = [f"{'collection':16} {'period':24} {'done':>6} {'pending':>8} {'running':>8} {'failed':>7} {'empty':>6}"]
    for row in st["collections"]:
        lines.append(f"{row['collection']:16} {row['period']:24} {row['done']:>6} {row['pending']:>8} "
                     f"{row['running']:>8} {row['failed']:>7} {row.get('empty', 0):>6}")
        for err in row["top_errors"]:
            lines.append(f"    {err['units']} unit(s): {err['error']}")
    last = st["last_run"]
    if not last:
        lines.append("last run: never")
        return lines
    s = last["summary"]
    text = f"last run: {last['command']} {last['status']} at {last['finished']}"
    if "chips_done" in s:
        text += (f": {s['chips_done']} chip-periods written, {s.get('chips_failed', 0)} failed, "
                 f"{s.get('requests', 0)} requests in {float(s.get('seconds', 0)):.1f}s")
    if s.get("error"):
        text += f" ({s['error']})"
    lines.append(text)
    return lines
