"""State database: units, transitions, schema versions, the run lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from m3leo_extract.errors import LockedError, StoreError
from m3leo_extract.state import SCHEMA_VERSION, RunLock, StateDB


def test_units_lifecycle_and_replanning(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    assert db.upsert_units([("s1", "2020", 0, ["b", "a"], 1, "pixels"), ("s1", "2020", 1, ["c"], 1, "pixels")]) == 2
    u0, u1 = db.units()
    assert u0.chips == ("a", "b") and u0.status == "planned"
    db.mark(u0.id, "running", attempt=True)
    db.mark(u0.id, "done", requests=2, retries=1)
    db.mark(u1.id, "failed", error="Image.select: Band pattern 'X' did not match any bands.", error_kind="permanent")
    # Same plan again: nothing changes.
    assert db.upsert_units([("s1", "2020", 0, ["a", "b"], 1, "pixels")]) == 0
    assert db.units(status="done")[0].id == u0.id
    # A grown shard or a recipe bump re-plans the unit.
    assert db.upsert_units([("s1", "2020", 0, ["a", "b"], 2, "pixels")]) == 1
    assert db.units(status="planned")[0].recipe_version == 2
    assert db.retry_failed(only_retryable=True) == 0  # permanent failures wait for a person
    assert db.retry_failed() == 1
    counts = {(r["status"]): r["chips"] for r in db.counts()}
    assert counts == {"planned": 3}


def test_retry_failed_touches_only_the_runs_collections_and_periods(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    db.upsert_units([("s1", "2020", 0, ["a"], 1, "pixels"), ("s2", "2020", 0, ["a"], 1, "pixels"),
                     ("s1", "2021", 0, ["a"], 1, "pixels")])
    for u in db.units():
        db.mark(u.id, "failed", error="Computation timed out.", error_kind="transient")
    assert db.retry_failed(labels={("s1", "2020")}) == 1
    status = {(u.collection, u.period): u.status for u in db.units()}
    assert status == {("s1", "2020"): "planned", ("s2", "2020"): "failed", ("s1", "2021"): "failed"}
    assert db.retry_failed() == 2  # no labels: every failed unit (`m3leo retry` over the whole store)


def test_running_units_of_a_crashed_run_are_replanned(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    db.upsert_units([("s2", "2020", 3, ["x"], 1, "pixels")])
    db.mark(db.units()[0].id, "running", attempt=True)
    db.close()
    db = StateDB(tmp_path / "state.sqlite")
    assert db.reset_running() == 1
    assert db.units()[0].status == "planned" and db.units()[0].attempts == 1


def test_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    StateDB(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer than this m3leo-extract.*upgrade"):
        StateDB(path)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="move it aside"):
        StateDB(path)


def test_lock_excludes_other_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    code = ("import sys, time; from m3leo_extract.state import RunLock; RunLock(sys.argv[1]).acquire(); "
            "print('locked', flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"pid {holder.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with RunLock(tmp_path):  # the OS released the dead holder's lock
        pass


def test_failed_totals_count_in_sql_what_the_units_say(tmp_path) -> None:
    from m3leo_extract.state import ErrorKind, StateDB, UnitStatus

    db = StateDB(tmp_path / "state.sqlite")
    db.upsert_units([(c, p, s, [f"31N_1000_{s:03d}"], 1, "pixels") for c in ("a", "b") for p in ("2020", "2021")
                     for s in range(6)])
    kinds = [ErrorKind.INVALID, ErrorKind.TRANSIENT, ErrorKind.PERMANENT, None, ErrorKind.BUG, None]
    for i, u in enumerate(db.units()):
        if i % 4 != 3:
            k = kinds[i % len(kinds)]
            db.mark(u.id, UnitStatus.FAILED, error=f"e{i}" if i % 3 else None, error_kind=k)
    labels = {("a", "2020"), ("b", "2021"), ("c", "2020")}
    left = [u for u in db.units(status=UnitStatus.FAILED) if (u.collection, u.period) in labels]
    want = (len(left), sum(bool(u.error_kind and not u.error_kind.retried_by_rerun) for u in left),
            sum(u.error_kind is ErrorKind.INVALID for u in left), next((u.error for u in left if u.error), ""))
    assert db.failed_totals(labels) == want and want[0] > 0 and want[1] > 0 and want[2] > 0 and want[3]
    assert db.failed_totals([]) == (0, 0, 0, "")
    db.close()
