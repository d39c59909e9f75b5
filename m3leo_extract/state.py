"""The state database: one SQLite file (WAL) beside the store recording every work unit, and the run lock.

A work unit is (collection, period, shard): the chips of one Zarr shard for one composite. Units are
idempotent, so a crash loses at most the units in flight; those are found `running` and simply redone.
"""

from __future__ import annotations

import enum
import fcntl
import json
import os
import sqlite3
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LockedError, M3leoError, StoreError

SCHEMA_VERSION = 1
UNIT_PAGE = 500  # units read at a time by UnitList (SQLite's default limit is 999 parameters)


class UnitStatus(enum.StrEnum):
    """Where a work unit is; stored in the units table as its value."""

    PLANNED = "planned"  # to do (new, or sent back by a retry, a repair, an interrupted run)
    RUNNING = "running"  # in flight (export units keep their task names here across runs)
    DONE = "done"
    FAILED = "failed"  # with an error and an `ErrorKind`


class ErrorKind(enum.StrEnum):
    """Why a unit is failed (or, for EMPTY, what kind of done it is); stored in the units table as its value."""

    TRANSIENT = "transient"  # quota, overload, a dropped connection: the next run retries it by itself
    INVALID = "invalid"  # Earth Engine refused the request (a band or asset that does not exist): fix the input
    PERMANENT = "permanent"  # fails again as it is (a cancelled task, a single chip too heavy): a person looks
    BUG = "bug"  # an exception this package does not know: reported with exit 70; the next run tries again
    EMPTY = "empty"  # a done unit whose composite had no images (nodata chips, valid 0)

    @classmethod
    def of(cls, exc: BaseException) -> ErrorKind:
        """The kind of failure `exc` is: the one place an exception becomes a unit's error kind."""
        if not isinstance(exc, M3leoError):
            return cls.BUG
        if getattr(exc, "retryable", False):
            return cls.TRANSIENT
        return cls.INVALID if getattr(exc, "invalid", False) else cls.PERMANENT

    @property
    def retried_by_rerun(self) -> bool:
        """Whether a plain rerun tries the unit again (the others wait for --retry-failed / `m3leo retry`)."""
        return self in (ErrorKind.TRANSIENT, ErrorKind.BUG)


STATUSES = tuple(UnitStatus)


class RunOutcome(enum.StrEnum):
    """How a run ended, as the runs table records it."""

    OK = "ok"
    FAILED = "failed"  # it ran to its end, with units left failed
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM: its units in flight went back to planned
    CRASHED = "crashed"  # an exception ended it (an environmental failure, or a bug: exit 70)


@dataclass
class RunRecord:
    """What `StateDB.recording` writes when the run ends: the caller sets `outcome` when it ran to its end."""

    outcome: RunOutcome = RunOutcome.CRASHED
    error: str = ""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    period TEXT NOT NULL,
    shard INTEGER NOT NULL,
    chips TEXT NOT NULL,
    n_chips INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'running', 'done', 'failed')),
    mode TEXT NOT NULL DEFAULT 'pixels',
    attempts INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    error_kind TEXT,
    task_id TEXT,
    recipe_version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (collection, period, shard)
);
CREATE INDEX IF NOT EXISTS units_status ON units (status, collection, period);
CREATE INDEX IF NOT EXISTS units_task ON units (task_id) WHERE task_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT,
    summary TEXT
);
"""


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    collection: str
    period: str
    shard: int
    chips: tuple[str, ...]
    status: UnitStatus
    attempts: int
    retries: int
    error: str | None
    error_kind: ErrorKind | None
    task_id: str | None
    recipe_version: int
    mode: str


def _row_to_unit(r: sqlite3.Row) -> Unit:
    kind = r["error_kind"]
    return Unit(r["id"], r["collection"], r["period"], r["shard"], tuple(json.loads(r["chips"])),
                UnitStatus(r["status"]), r["attempts"], r["retries"], r["error"], ErrorKind(kind) if kind else None,
                r["task_id"], r["recipe_version"], r["mode"])


class UnitList(Sequence["Unit"]):
    """Units of a state by id, read UNIT_PAGE at a time on each pass: a run's pending units as a sequence that
    holds one int64 per unit (its id), not every unit with its chips. The rows are read when iterated, so a
    pass sees the units' current status and task."""

    def __init__(self, db: StateDB, ids: Sequence[int]) -> None:
        self.db, self.ids = db, array("q", ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return list(self._read(self.ids[i]))
        return next(iter(self._read(self.ids[i:i + 1] if i >= 0 else self.ids[i:len(self.ids) + i + 1])))

    def __iter__(self) -> Iterator[Unit]:
        for lo in range(0, len(self.ids), UNIT_PAGE):
            yield from self._read(self.ids[lo:lo + UNIT_PAGE])

    def _read(self, ids: Sequence[int]) -> list[Unit]:
        ids = list(ids)
        rows = {r["id"]: r for r in self.db.conn.execute(
            f"SELECT * FROM units WHERE id IN ({','.join('?' * len(ids))})", ids)}
        return [_row_to_unit(rows[i]) for i in ids if i in rows]


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _damaged(path: Path, what: str) -> StoreError:
    return StoreError(
        f"state database {path} is {what}: which units are done is unknown, so nothing was done; restore it from "
        f"a backup, or move it aside and rebuild it from the store's chips with `m3leo verify --store "
        f"{path.parent} --rebuild-state`")


def _create(path: Path) -> None:
    """A new state database appears whole: made beside it, then linked into place (never a 0-byte file that a
    kill could leave behind, so an empty state.sqlite always means damage). A concurrent creator wins."""
    tmp = path.with_name(f".{path.name}.creating-{os.getpid()}")
    for part in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        part.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # recorded in the header: every later connection uses WAL
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        finally:
            conn.close()  # checkpoints: everything is in tmp itself now
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: a rename, unless another process got there first
            if not path.exists():
                os.replace(tmp, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot create the state database {path} ({exc}); check the disk and permissions") from None
    finally:
        tmp.unlink(missing_ok=True)


def check_state_file(path: Path) -> None:
    """Refuse a state file that exists but is empty, truncated or not SQLite: SQLite would take a 0-byte file
    for a new database and every unit would silently be fetched again."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    wal = path.with_name(path.name + "-wal")
    wal_empty = not wal.exists() or wal.stat().st_size == 0
    if not wal_empty:
        return  # SQLite recovers the database from its write-ahead log; real damage is its DatabaseError
    if size == 0:
        raise _damaged(path, "empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        raise _damaged(path, "not an SQLite database" if len(head) == 100 else f"truncated ({size} bytes)")
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages, counter, valid_for = (int.from_bytes(head[i:i + 4], "big") for i in (28, 24, 92))
    if pages and counter == valid_for and size < pages * page:
        raise _damaged(path, f"truncated ({size} bytes of {pages * page})")


class StateDB:
    """SQLite manifest of work units. Use from one thread (the runner's coordinating thread)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _create(self.path)
        check_state_file(self.path)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, f"unreadable ({exc})") from None

    def _init_schema(self) -> None:
        cur = self.conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'")
        if cur.fetchone() is None:
            # One transaction: a process killed here leaves no database without its schema version.
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nINSERT OR IGNORE INTO meta VALUES "
                                    f"('schema_version', '{SCHEMA_VERSION}');\nCOMMIT;")
            return
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row["value"]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"state database {self.path} has schema version {version}, newer than this "
                             f"m3leo-extract understands ({SCHEMA_VERSION}); upgrade m3leo-extract "
                             "(pip install -U m3leo-extract)")
        if version < 1:
            raise StoreError(f"state database {self.path} has no schema version; it was not written by "
                             "m3leo-extract - move it aside")
        # One schema version so far: a migration from N to N+1 goes here when there is a version 2.

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- meta -------------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else default

    # -- units ------------------------------------------------------------------------------------------
    def upsert_units(self, rows: Iterable[tuple[str, str, int, Sequence[str], int, str]]) -> int:
        """Insert planned units (collection, period, shard, chips, recipe_version, mode).

        An existing unit keeps its status unless its chip list grew or its recipe version changed; then it is
        planned again (the whole shard is refetched: units are idempotent). Returns units (re)planned.
        """
        now = time.time()
        changed = 0
        with self.tx() as c:
            for coll, period, shard, chips, version, mode in rows:
                chips_json = json.dumps(sorted(chips))
                old = c.execute("SELECT id, chips, recipe_version, status FROM units WHERE collection=? AND "
                                "period=? AND shard=?", (coll, period, shard)).fetchone()
                if old is None:
                    c.execute("INSERT INTO units (collection, period, shard, chips, n_chips, recipe_version, mode,"
                              " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                              (coll, period, shard, chips_json, len(chips), version, mode, now, now))
                    changed += 1
                    continue
                merged = sorted(set(json.loads(old["chips"])) | set(chips))
                if merged != json.loads(old["chips"]) or old["recipe_version"] != version:
                    c.execute("UPDATE units SET chips=?, n_chips=?, recipe_version=?, status='planned', "
                              "attempts=0, error=NULL, error_kind=NULL, task_id=NULL, mode=?, updated_at=? "
                              "WHERE id=?", (json.dumps(merged), len(merged), version, mode, now, old["id"]))
                    changed += 1
        return changed

    def shard_totals(self, collection: str, period: str, shards: Sequence[int]) -> tuple[int, int, int]:
        """(units, units not done, their chips) among the units of `shards` of a collection and period: counted
        in SQL against a temporary table of the shards, never by loading the units."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS plan_shards (shard INTEGER PRIMARY KEY)")
        with self.tx() as c:
            c.execute("DELETE FROM plan_shards")
            values = [int(s) for s in shards]
            for lo in range(0, len(values), 50_000):
                c.executemany("INSERT OR IGNORE INTO plan_shards VALUES (?)", ((v,) for v in values[lo:lo + 50_000]))
            row = c.execute("SELECT COUNT(*), COALESCE(SUM(status != 'done'), 0), COALESCE(SUM(CASE WHEN status != "
                            "'done' THEN n_chips ELSE 0 END), 0) FROM units JOIN plan_shards USING (shard) WHERE "
                            "collection=? AND period=?", (collection, period)).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def pending(self, status: Sequence[str], labels: Iterable[tuple[str, str]]) -> tuple[UnitList, int]:
        """(the units of `status` and (collection, period) `labels` as a UnitList, their chips), streamed."""
        wanted, ids, chips = set(labels), array("q"), 0
        cur = self.conn.execute(f"SELECT id, collection, period, n_chips FROM units WHERE status IN "
                                f"({','.join('?' * len(status))}) ORDER BY id", [str(s) for s in status])
        for uid, coll, period, n in cur:
            if (coll, period) in wanted:
                ids.append(uid)
                chips += n
        return UnitList(self, ids), chips

    def units(self, *, status: str | Sequence[str] | None = None, collection: str | None = None,
              period: str | None = None) -> list[Unit]:
        sql, args = "SELECT * FROM units WHERE 1=1", []
        if status is not None:
            sts = [status] if isinstance(status, str) else list(status)
            sql += f" AND status IN ({','.join('?' * len(sts))})"
            args += sts
        if collection is not None:
            sql += " AND collection=?"
            args.append(collection)
        if period is not None:
            sql += " AND period=?"
            args.append(period)
        return [_row_to_unit(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def mark(self, unit_id: int, status: UnitStatus | str, *, error: str | None = None,
             error_kind: ErrorKind | None = None,
             retries: int = 0, requests: int = 0, task_id: str | None = None, attempt: bool = False) -> None:
        status = UnitStatus(status)
        self.conn.execute(
            "UPDATE units SET status=?, error=?, error_kind=?, retries=retries+?, requests=requests+?, "
            "attempts=attempts+?, task_id=COALESCE(?, task_id), updated_at=? WHERE id=?",
            (status, error, error_kind, retries, requests, 1 if attempt else 0, task_id, time.time(), unit_id))

    def reset_running(self, *, keep_tasks: bool = True) -> int:
        """Units left `running` by a crashed or interrupted run go back to `planned`.

        With `keep_tasks`, export units whose tasks were submitted stay `running` (the next export run
        reattaches to their tasks); without, every running unit is planned again and forgets its tasks.
        """
        if keep_tasks:
            return self.conn.execute("UPDATE units SET status='planned' WHERE status='running' AND "
                                     "(mode='pixels' OR task_id IS NULL)").rowcount
        return self.conn.execute("UPDATE units SET status='planned', task_id=NULL WHERE status='running'").rowcount

    def retry_failed(self, *, only_retryable: bool = False,
                     labels: Iterable[tuple[str, str]] | None = None) -> int:
        """Failed units back to planned: those of the (collection, period) `labels` a run covers (None: all), so a
        run of one collection never turns another's failures into pending work it will not do."""
        sql = "UPDATE units SET status='planned', task_id=NULL WHERE status='failed'"
        if only_retryable:
            again = ",".join(f"'{k.value}'" for k in ErrorKind if k.retried_by_rerun)
            sql += f" AND COALESCE(error_kind, '{ErrorKind.TRANSIENT.value}') IN ({again})"
        if labels is None:
            return self.conn.execute(sql).rowcount
        with self.tx() as c:
            return sum(c.execute(sql + " AND collection=? AND period=?", lab).rowcount for lab in sorted(set(labels)))

    def replan(self, unit_ids: Sequence[int]) -> int:
        """Units whose data `m3leo verify --repair` found damaged go back to planned, as if never fetched."""
        with self.tx() as c:
            return sum(c.execute("UPDATE units SET status='planned', attempts=0, error=NULL, error_kind=NULL, "
                                 "task_id=NULL, updated_at=? WHERE id=?", (time.time(), i)).rowcount
                       for i in unit_ids)

    def counts(self) -> list[dict[str, Any]]:
        """Per collection and period: units and chips by status (an indexed aggregate)."""
        rows = self.conn.execute(
            "SELECT collection, period, status, COUNT(*) AS units, SUM(n_chips) AS chips FROM units "
            "GROUP BY collection, period, status ORDER BY collection, period")
        return [dict(r) for r in rows]

    def empty_chips(self) -> list[tuple[str, str, int]]:
        """(collection, period, chips) of the done units whose composite had no images (ErrorKind.EMPTY)."""
        rows = self.conn.execute("SELECT collection, period, SUM(n_chips) FROM units WHERE status=? AND "
                                 "error_kind=? GROUP BY collection, period", (UnitStatus.DONE, ErrorKind.EMPTY))
        return [(r[0], r[1], int(r[2] or 0)) for r in rows]

    def requests_done_between(self, t0: float, t1: float) -> list[int]:
        """Requests of each unit finished done between t0 and t1 (a run's span), in unit order."""
        rows = self.conn.execute("SELECT requests FROM units WHERE status=? AND requests > 0 AND updated_at "
                                 "BETWEEN ? AND ? ORDER BY id", (UnitStatus.DONE, t0, t1))
        return [int(r[0]) for r in rows]

    def failed_totals(self, labels: Iterable[tuple[str, str]]) -> tuple[int, int, int, str]:
        """(failed units, those a plain rerun does not retry, those INVALID, the error of the first of them, by
        id, that has one) among the failed units of the (collection, period) `labels`: counted in SQL."""
        again = ",".join(f"'{k.value}'" for k in ErrorKind if k.retried_by_rerun)
        total, permanent, invalid, first = 0, 0, 0, (float("inf"), "")
        for lab in sorted(set(labels)):
            n, p, i = self.conn.execute(
                f"SELECT COUNT(*), COALESCE(SUM(COALESCE(error_kind, '') != '' AND error_kind NOT IN ({again})), 0), "
                "COALESCE(SUM(error_kind = ?), 0) FROM units WHERE status='failed' AND collection=? AND period=?",
                (ErrorKind.INVALID.value, *lab)).fetchone()
            total, permanent, invalid = total + int(n), permanent + int(p), invalid + int(i)
            row = self.conn.execute("SELECT id, error FROM units WHERE status='failed' AND collection=? AND "
                                    "period=? AND COALESCE(error, '') != '' ORDER BY id LIMIT 1", lab).fetchone()
            if row is not None and row[0] < first[0]:
                first = (row[0], row[1])
        return total, permanent, invalid, first[1]

    def top_errors(self, collection: str, period: str, limit: int = 3) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT error, COUNT(*) AS units FROM units WHERE status='failed' AND collection=? AND period=? "
            "GROUP BY error ORDER BY units DESC LIMIT ?", (collection, period, limit))
        return [dict(r) for r in rows]

    # -- runs -------------------------------------------------------------------------------------------
    def start_run(self, command: str) -> int:
        cur = self.conn.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, time.time()))
        return int(cur.lastrowid or 0)

    @contextmanager
    def recording(self, command: str, summary: Callable[[], dict[str, Any]], *,
                  keep_tasks: bool = False) -> Iterator[RunRecord]:
        """Record a run in the runs table with its true outcome: the one interruption policy of every runner.

        The caller sets `record.outcome` (OK or FAILED) once its run got to its end. Ctrl-C records INTERRUPTED,
        any other exception CRASHED with its message; both send the units left `running` back to planned (with
        `keep_tasks`, export units keep their submitted tasks) and re-raise. Never masks the run's own error.
        """
        run_id = self.start_run(command)
        record = RunRecord()
        try:
            yield record
        except KeyboardInterrupt:
            record.outcome, record.error = RunOutcome.INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)"
            raise
        except BaseException as exc:
            record.outcome, record.error = RunOutcome.CRASHED, f"{type(exc).__name__}: {str(exc)[:300]}"
            raise
        finally:
            try:
                if record.outcome not in (RunOutcome.OK, RunOutcome.FAILED):
                    self.reset_running(keep_tasks=keep_tasks)
                self.finish_run(run_id, record.outcome, {**summary(), **({"error": record.error}
                                                                          if record.error else {})})
            except sqlite3.Error:
                pass  # e.g. the disk is full: the next run finds the units `running` and redoes them

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        self.conn.execute("UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
                          (time.time(), status, json.dumps(summary), run_id))

    def finished_runs(self, command: str) -> Iterator[dict[str, Any]]:
        """The finished runs of `command`, newest first."""
        for row in self.conn.execute("SELECT * FROM runs WHERE finished_at IS NOT NULL AND command=? ORDER BY id "
                                     "DESC", (command,)):
            yield dict(row)

    def last_run(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
                                ).fetchone()
        return dict(row) if row else None

    # -- streaming reads (readers that stay flat to 17M chips: verify, ...) ------------------------------------
    def iter_units(self, collection: str, period: str, *, batch: int = 4096) -> Iterator[Unit]:
        """The units of one collection and period in shard order, read in keyset batches (the unique
        (collection, period, shard) index), so only `batch` units are held at a time."""
        last = -1
        while True:
            rows = self.conn.execute("SELECT * FROM units WHERE collection=? AND period=? AND shard>? ORDER BY "
                                     "shard LIMIT ?", (collection, period, last, batch)).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row_to_unit(r)
            last = int(rows[-1]["shard"])

    def unit_at(self, collection: str, period: str, shard: int) -> Unit | None:
        """The unit of one shard, or None."""
        row = self.conn.execute("SELECT * FROM units WHERE collection=? AND period=? AND shard=?",
                                (collection, period, shard)).fetchone()
        return _row_to_unit(row) if row else None


class RunLock:
    """An exclusive, non-blocking lock on a dataset directory (flock: released by the OS if we die)."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / ".m3leo.lock"
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip()
            os.close(fd)
            raise LockedError(f"another m3leo run (pid {holder or '?'}) is working on {self.path.parent}; "
                              "this one exits - cron will try again next time") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
