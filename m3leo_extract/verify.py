"""`m3leo verify`: read every shard index and chunk of a store, cross-check the state database, repair.

For each collection, period and shard the check reads the shard file (shards.py): its index (crc32c), every
chunk (its own crc32c where the store has per-chunk checksums, then a full decode), and compares what is
there with the `valid` array and the work unit in `state.sqlite`:

    error    damaged_shard   the shard index does not check out (a truncated or overwritten file): every
                             chip of the shard is unreadable
    error    corrupt_chunk   a chunk whose checksum does not match or that does not decode
    error    missing_chunk   a chip of a `done` unit (or whose `valid` says written) has no chunk
    error    corrupt_valid   the shard's `valid` chunk does not read back
    warning  unfinished      chunks of a unit that is not `done` (a crash between writing and recording it;
                             the next extract rewrites them)
    warning  no_unit         chunks the state database has no unit for

`repair` sends the units of every error back to `planned` (attempts and export task cleared), then deletes
their shard file and `valid` chunk, so nothing stale is read and a rerun of the same extract refetches exactly
those units. `rebuild_state` writes a new state database from the store when the old one is damaged or lost.
The check holds the run lock, so it never reads a shard an extract is writing. Library code: no printing;
`progress` receives events.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .chipblocks import blocks
from .defaults import STATE_FILE
from .errors import StoreError, UsageError
from .runner import ProgressFn
from .shards import (
    EMPTY,
    ShardDamage,
    ShardLayout,
    array_path,
    chunk_file,
    decode_chunk,
    read_index,
    settle_zarr,
    shard_file,
    store_exists,
    store_path,
)
from .state import RunLock, StateDB, Unit
from .store import STORE_NAME, ChipStore

ERROR_KINDS = ("damaged_shard", "corrupt_chunk", "missing_chunk", "corrupt_valid")



@dataclass(frozen=True)
class Problem:
    """One thing wrong with one shard (collection, period, shard), naming its file and chips."""

    kind: str
    collection: str
    period: str
    shard: int
    file: str  # relative to the dataset directory
    chips: tuple[str, ...]
    detail: str

    @property
    def severity(self) -> str:
        return "error" if self.kind in ERROR_KINDS else "warning"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "chips": list(self.chips), "severity": self.severity}


@dataclass(frozen=True)
class VerifyReport:
    store: str
    collections: tuple[str, ...]
    shards: int  # shard files read
    chunks: int  # chunks checked and decoded
    state_checked: bool  # False when the directory has no state database
    problems: tuple[Problem, ...]
    repaired: tuple[tuple[str, str, int], ...] = field(default=())  # (collection, period, shard) sent back

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"schema": 1, "store": self.store, "ok": self.ok, "collections": list(self.collections),
                "shards": self.shards, "chunks": self.chunks, "state_checked": self.state_checked,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "problems": [p.as_dict() for p in self.problems],
                "repaired_units": [{"collection": c, "period": p, "shard": s} for c, p, s in self.repaired]}


@dataclass
class _Tally:
    shards: int = 0
    chunks: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Readable chunks whose valid is set, of the shards that have any (so a planned shard costs nothing here).
    written: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    partial: set[tuple[str, str, int]] = field(default_factory=set)  # chunks present without their valid


def verify_store(directory: str | Path, *, repair: bool = False, rebuild_state: bool = False,
                 progress: ProgressFn | None = None) -> VerifyReport:
    """Check every chunk of the store in `directory` against its checksums, `valid` and the state database.

    repair: send the units of every error back to planned and delete their shard data. rebuild_state: set a
    damaged (or missing) state.sqlite aside and write a new one from what the store holds (units whose chunks
    all check out are done, damaged ones planned), so a rerun fetches only what is missing or damaged.
    """
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:/", str(directory)):  # s3://..., also as a Path made it (s3:/...)
        raise UsageError(f"{directory} is a URL: verify a remote store through its local folder (`m3leo verify "
                         "--store URL --state DIR`), which holds its state database")
    root = Path(directory)
    if not store_exists(root):
        raise UsageError(f"{root} has no chip store ({STORE_NAME}); give the --store DIR that extract or tile "
                         "wrote")
    writes = repair or rebuild_state
    lock = _lock(root, writes)
    try:
        store = ChipStore.open(root, mode="r+" if writes else "r")
        if rebuild_state:
            _set_aside(root / STATE_FILE)
        state = StateDB(root / STATE_FILE) if (root / STATE_FILE).exists() else None
        try:
            names = tuple(store.collections())
            if progress:
                progress({"event": "start", "shards": sum(_n_shards(store, n) for n in names)})
            tally = _Tally()
            for name in names:
                _check_collection(store, root, name, state, tally, progress)
            if state is not None:
                tally.problems.extend(_orphan_units(store, names, state))
            repaired: tuple[tuple[str, str, int], ...] = ()
            if rebuild_state:
                state = StateDB(root / STATE_FILE)
                _rebuild(store, state, tally)
            if writes:
                repaired = _repair(store, root, state, tally.problems)
            return VerifyReport(str(root), names, tally.shards, tally.chunks, state is not None or rebuild_state,
                                tuple(tally.problems), repaired)
        finally:
            if state is not None:
                state.close()
    finally:
        if lock is not None:
            lock.release()


def _lock(root: Path, writes: bool) -> RunLock | None:
    """The run lock: no extract writes while shards are read (a shard half-written would look damaged) or units
    are reset. A read-only check of a read-only directory goes without it."""
    try:
        return RunLock(root).acquire()
    except OSError:  # EACCES / EROFS: the lock file cannot be created (a busy lock is LockedError, exit 75)
        if writes:
            raise StoreError(f"cannot take the run lock in {root} (read-only?); --repair and --rebuild-state "
                             "need write access to the dataset directory") from None
        return None


def _set_aside(path: Path) -> None:
    """Move a damaged state database (and its -wal/-shm) aside; refuse one that reads fine."""
    if not path.exists():
        return
    try:
        StateDB(path).close()
    except StoreError:
        pass
    else:
        raise UsageError(f"{path} reads fine: --rebuild-state only replaces a missing or damaged state database "
                         "(use --repair to mend the store against it)")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.rename(path.with_name(f"{path.name}.damaged-{stamp}{suffix}"))


def _rebuild(store: ChipStore, state: StateDB, tally: _Tally) -> None:
    """One unit per (collection, period, shard) holding chunks: done, or planned where an error was found."""
    bad: dict[tuple[str, str, int], set[str]] = {}
    for p in tally.problems:
        if p.severity == "error":
            bad.setdefault((p.collection, p.period, p.shard), set()).update(p.chips)
    rows = []
    for key in sorted(set(tally.written) | set(bad)):
        coll, period, shard = key
        ids = sorted(set(tally.written.get(key, ())) | bad.get(key, set()))  # a partial shard: refetched whole
        if ids and period in store.periods(coll):
            rows.append((coll, period, shard, ids, _version(store, coll, period), _mode(store, coll)))
    run = state.start_run("verify --rebuild-state")
    state.upsert_units(rows)
    done = 0
    with state.tx():  # one transaction, not one per unit
        for coll, period, shard, _, _, _ in rows:
            key = (coll, period, shard)
            unit = state.unit_at(coll, period, shard)
            if unit is not None and key not in bad and key not in tally.partial:
                state.mark(unit.id, "done")
                done += 1
    state.finish_run(run, "ok", {"units": len(rows), "units_done": done})


def _version(store: ChipStore, coll: str, period: str) -> int:
    """The recipe version the period was fetched with (its provenance), else the collection's."""
    attrs = store.attrs(coll)
    prov = (attrs.get("periods") or {}).get(period) or {}
    return int(prov.get("recipe_version") or attrs.get("recipe_version") or 1)


def _mode(store: ChipStore, coll: str) -> str:
    return "tile" if store.attrs(coll).get("source") == "m3leo tile" else "pixels"


def _n_shards(store: ChipStore, name: str) -> int:
    return -(-store.n_chips(name) // store.shard_chips(name)) * len(store.periods(name))


def _read_valid(store: ChipStore, name: str, t: int, lo: int, hi: int) -> tuple[np.ndarray, set[int]]:
    """The `valid` column of period t for chips lo..hi-1 (whole shards), and the shards whose `valid` chunk does
    not read back."""
    arr = store.group[name]["valid"]
    try:
        return np.asarray(arr[lo:hi, t]), set()
    except (ValueError, RuntimeError):
        settle_zarr()
        s = store.shard_chips(name)
        col, bad = np.full(hi - lo, np.nan, dtype="float32"), set()
        for shard in range(lo // s, -(-hi // s)):
            a, b = shard * s, min(hi, (shard + 1) * s)
            try:
                col[a - lo:b - lo] = arr[a:b, t]
            except (ValueError, RuntimeError):
                settle_zarr()
                bad.add(shard)
        return col, bad


def _check_collection(store: ChipStore, root: Path, name: str, state: StateDB | None, tally: _Tally,
                      progress: ProgressFn | None) -> None:
    """Every shard of every period, a block of whole shards at a time: the chip ids, `valid` and the units
    (in shard order, merged in) of one block are all that is held, whatever the collection's size."""
    s = store.shard_chips(name)
    array_dir = array_path(root, name)
    layout = ShardLayout.read(array_dir)
    for t, period in enumerate(store.periods(name)):
        units = state.iter_units(name, period) if state is not None else iter(())
        unit = next(units, None)
        for lo_b, hi_b in blocks(store, name):
            ids = [str(c) for c in store.column(name, "chip", lo_b, hi_b)]
            valid_b, bad_valid = _read_valid(store, name, t, lo_b, hi_b)
            for shard in range(lo_b // s, -(-hi_b // s)):
                while unit is not None and unit.shard < shard:
                    unit = next(units, None)
                here = unit if unit is not None and unit.shard == shard else None
                lo, hi = shard * s, min((shard + 1) * s, hi_b)
                ctx = _Shard(name, period, shard, "", ids[lo - lo_b:hi - lo_b])
                found = _check_shard(store, root, layout, ctx, t, valid_b[lo - lo_b:hi - lo_b],
                                     shard in bad_valid, here, state is not None, tally)
                if progress:
                    progress({"event": "shard", "collection": name, "period": period, "shard": shard,
                              "problems": found})


def _check_shard(store: ChipStore, root: Path, layout: ShardLayout | None, ctx: _Shard, t: int, valid: np.ndarray,
                 valid_bad: bool, unit: Unit | None, have_state: bool, tally: _Tally) -> int:
    """Check one shard file against its `valid` rows and its unit; returns the problems found."""
    name, shard = ctx.collection, ctx.shard
    path = shard_file(array_path(root, name), shard, t)
    ctx = replace(ctx, file=STORE_NAME + path[len(store_path(root)):])  # relative to the dataset, local or remote
    lo = shard * store.shard_chips(name)
    if layout is not None:
        present, found = _read_shard(path, layout, ctx, tally)
    else:
        present, found = _read_shard_zarr(store, name, lo, t, valid, ctx, tally)
    if valid_bad:
        found.append(ctx.problem("corrupt_valid", range(len(ctx.ids)), "the shard's valid chunk does not read "
                                 "back", file=f"{STORE_NAME}/{name}/valid/c/{shard}/{t}"))
    row_of = {c: r for r, c in enumerate(ctx.ids)} if unit is not None else {}
    rows = [row_of[c] for c in unit.chips if c in row_of] if unit is not None else []
    unreadable = {ctx.ids.index(c) for p in found for c in p.chips if p.kind != "corrupt_valid"}
    found += _cross_check(ctx, present, unreadable, valid, valid_bad, unit, rows, have_state)
    tally.problems.extend(found)
    written = [r for r in sorted(present) if not np.isnan(valid[r])]
    if written:
        tally.written[(name, ctx.period, shard)] = [ctx.ids[r] for r in written]
    if len(written) < len(present):  # chunks whose valid was never recorded: a write cut short
        tally.partial.add((name, ctx.period, shard))
    tally.shards += 1 if os.path.exists(path) else 0
    return len(found)


@dataclass(frozen=True)
class _Shard:
    collection: str
    period: str
    shard: int
    file: str
    ids: Sequence[str]  # chip ids of the shard's rows

    def problem(self, kind: str, rows: Any, detail: str, file: str | None = None) -> Problem:
        return Problem(kind, self.collection, self.period, self.shard, file or self.file,
                       tuple(self.ids[r] for r in rows), detail)


def _read_shard(path: str, layout: ShardLayout, ctx: _Shard, tally: _Tally) -> tuple[set[int], list[Problem]]:
    """Rows with a readable chunk, and the problems of this shard file (none if it does not exist)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return set(), []
    out: list[Problem] = []
    present: set[int] = set()
    buf = np.empty(layout.chunk_shape, dtype=layout.dtype)
    decoder = layout.decoder()
    try:
        size = os.fstat(fd).st_size
        try:
            entries = read_index(fd, size, layout)
        except ShardDamage as exc:
            return set(), [ctx.problem("damaged_shard", range(len(ctx.ids)), str(exc))]
        data = os.pread(fd, size - layout.index_nbytes, 0)
    finally:
        os.close(fd)
    bad: list[tuple[int, str]] = []
    for row, (offset, nbytes) in enumerate(entries[:len(ctx.ids)]):
        if offset == EMPTY:
            continue
        tally.chunks += 1
        try:
            decode_chunk(data[int(offset):int(offset + nbytes)], layout, decoder, buf)
            present.add(row)
        except ShardDamage as exc:
            bad.append((row, str(exc)))
    for detail in dict.fromkeys(d for _, d in bad):  # one problem per kind of damage, naming its chips
        out.append(ctx.problem("corrupt_chunk", [r for r, d in bad if d == detail], detail))
    return present, out


def _read_shard_zarr(store: ChipStore, name: str, lo: int, t: int, valid: np.ndarray, ctx: _Shard,
                     tally: _Tally) -> tuple[set[int], list[Problem]]:
    """A layout shards.py does not know (not written by m3leo): the chips `valid` says were written, one by one
    through zarr (which reads a missing chunk as fill values, so presence is taken from `valid`)."""
    arr = store.group[name]["data"]
    present: set[int] = set()
    bad: list[int] = []
    detail = ""
    for row in np.flatnonzero(~np.isnan(valid)).tolist():
        tally.chunks += 1
        try:
            arr[lo + row, t]
            present.add(row)
        except (ValueError, RuntimeError) as exc:
            bad.append(row)
            detail = str(exc)
    return present, ([ctx.problem("corrupt_chunk", bad, detail)] if bad else [])


def _cross_check(ctx: _Shard, present: set[int], unreadable: set[int], valid: np.ndarray, valid_bad: bool,
                 unit: Unit | None, unit_rows: list[int], have_state: bool) -> list[Problem]:
    """Chunks against `valid` and the shard's work unit (unreadable rows are reported already)."""
    out: list[Problem] = []
    written = set() if valid_bad else {r for r in range(len(valid)) if not np.isnan(valid[r])}
    expected = set(written)
    if unit is not None and unit.status == "done":
        # A done unit wrote every one of its chips; `tile --min-valid` drops chips (valid stays NaN).
        expected |= {r for r in unit_rows if unit.mode != "tile" or r in written}
    missing = sorted(expected - present - unreadable)
    if missing:
        why = (f"the unit is done but {len(missing)} chip(s) have no chunk" if unit is not None
               and unit.status == "done" else "valid says written but there is no chunk")
        out.append(ctx.problem("missing_chunk", missing, why))
    there = present | unreadable
    if there and have_state and (unit is None or unit.status != "done"):
        kind = "no_unit" if unit is None else "unfinished"
        why = ("no work unit in the state database" if unit is None
               else f"the unit is {unit.status}: the next extract rewrites these chunks")
        out.append(ctx.problem(kind, sorted(there), why))
    return out


def _orphan_units(store: ChipStore, names: Sequence[str], state: StateDB) -> list[Problem]:
    """Done units of a collection or period the store does not have at all (found by an aggregate; only those
    units are read)."""
    periods = {n: set(store.periods(n)) for n in names}
    labels = sorted({(r["collection"], r["period"]) for r in state.counts() if r["status"] == "done"})
    out = []
    for coll, period in labels:
        if period in periods.get(coll, set()):
            continue
        for u in state.iter_units(coll, period):
            if u.status == "done":
                out.append(Problem("missing_chunk", coll, period, u.shard, f"{STORE_NAME}/{coll}", u.chips,
                                   "the unit is done but the store has no such collection/period"))
    return out


def _remove(path: str) -> None:
    """Delete one store file, on a local disk or (a remote store) through fsspec; gone already is fine."""
    try:
        if "://" in path:
            import fsspec

            fs, inner = fsspec.core.url_to_fs(path)
            fs.rm_file(inner)
        else:
            os.remove(path)
    except FileNotFoundError:
        pass


def _repair(store: ChipStore, root: Path, state: StateDB | None,
            problems: Sequence[Problem]) -> tuple[tuple[str, str, int], ...]:
    """Units of every error back to planned, then their shard file and valid chunk deleted."""
    keys = sorted({(p.collection, p.period, p.shard) for p in problems if p.severity == "error"})
    if state is not None:
        found = (state.unit_at(*k) for k in keys)
        state.replan([u.id for u in found if u is not None])  # first: a crash after this loses nothing
    for coll, period, shard in keys:
        if coll not in store.collections() or period not in store.periods(coll):
            continue
        t = store.periods(coll).index(period)
        for path in (shard_file(array_path(root, coll), shard, t),
                     chunk_file(array_path(root, coll, "valid"), shard, t)):
            _remove(path)
    return tuple(keys)
