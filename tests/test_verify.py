"""Integrity: per-chunk checksums, `m3leo verify [--repair]`, damaged state databases, corrupt chunks in train.

Every CLI case runs the installed `m3leo` entry point as a subprocess on a real 5-chip store extracted from the
in-process emulator (`--ee-url local`), damaged the way disks and copies damage files.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

from m3leo_extract.splits import LEGACY_SPLIT

M3LEO = str(Path(sys.executable).with_name("m3leo"))
AOI = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
    "type": "Polygon", "coordinates": [[[4.80, 45.72], [4.86, 45.72], [4.86, 45.76], [4.80, 45.76], [4.80, 45.72]]]}}]}
COLLECTIONS = "s1,esa_worldcover"


def m3leo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([M3LEO, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def one_line_error(res: subprocess.CompletedProcess[str], code: int) -> str:
    """The run exited `code` with at most two lines on stderr and no traceback; returns stderr."""
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    assert len(res.stderr.strip().splitlines()) <= 2, res.stderr
    return res.stderr


def extract(work: Path, store: Path) -> subprocess.CompletedProcess[str]:
    return m3leo("extract", "--aoi", str(work / "aoi.geojson"), "--collections", COLLECTIONS, "--period", "2020",
                 "--store", str(store), "--ee-url", "local", "--json",
                 "--split", LEGACY_SPLIT, cwd=work)  # a 5-chip AOI: one chip row per band, the old row cycle


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("verify")
    (work / "aoi.geojson").write_text(json.dumps(AOI))
    res = extract(work, work / "clean")
    assert res.returncode == 0, res.stderr
    return work / "clean"


@pytest.fixture
def ds(clean: Path, tmp_path: Path) -> Path:
    """A fresh copy of the clean store (with its aoi file beside it) for one test to damage."""
    shutil.copy(clean.parent / "aoi.geojson", tmp_path / "aoi.geojson")
    shutil.copytree(clean, tmp_path / "ds")
    return tmp_path / "ds"


def shard_path(store: Path, coll: str, shard: int, t: int) -> Path:
    return store / "chips.zarr" / coll / "data" / "c" / str(shard) / str(t) / "0" / "0" / "0"


def flip_64_bytes(path: Path, row: int, shard_chips: int = 16) -> None:
    """Invert 64 bytes in the middle of chunk `row` of a shard file (found through the shard's own index)."""
    b = bytearray(path.read_bytes())
    index = np.frombuffer(bytes(b[-(16 * shard_chips + 4):-4]), dtype="<u8").reshape(shard_chips, 2)
    offset, nbytes = (int(v) for v in index[row])
    assert offset != 2**64 - 1, "that chunk was never written"
    mid = offset + nbytes // 2
    b[mid:mid + 64] = bytes(x ^ 0xFF for x in b[mid:mid + 64])
    path.write_bytes(bytes(b))


def chip_ids(store: Path, coll: str) -> list[str]:
    return [str(c) for c in zarr.open_group(str(store / "chips.zarr"), mode="r")[coll]["chip"][:]]


def unit_status(store: Path) -> dict[tuple[str, str, int], str]:
    con = sqlite3.connect(store / "state.sqlite")
    try:
        return {(c, p, s): st for c, p, s, st in con.execute("SELECT collection, period, shard, status FROM units")}
    finally:
        con.close()


def assert_same_store(a: Path, b: Path) -> None:
    ga, gb = (zarr.open_group(str(p / "chips.zarr"), mode="r") for p in (a, b))
    for coll in ("s1", "esa_worldcover"):
        for key in ("data", "valid", "chip", "time"):
            assert np.array_equal(ga[coll][key][:], gb[coll][key][:], equal_nan=True), (coll, key)


def test_new_stores_checksum_every_chunk(clean: Path) -> None:
    meta = json.loads((clean / "chips.zarr" / "s1" / "data" / "zarr.json").read_text())
    (shard,) = meta["codecs"]
    assert [c["name"] for c in shard["configuration"]["codecs"]] == ["bytes", "blosc", "crc32c"]
    assert [c["name"] for c in shard["configuration"]["index_codecs"]] == ["bytes", "crc32c"]


def test_verify_of_a_clean_store_exits_0(clean: Path) -> None:
    res = m3leo("verify", "--store", str(clean), "--json", cwd=clean.parent)
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert rep["ok"] and rep["problems"] == [] and rep["state_checked"]
    assert rep["chunks"] == 5 * 4 + 5 and rep["shards"] == 4 + 1  # s1: 4 seasons, worldcover: 1 year


def test_flipped_bytes_are_found_repaired_and_refetched_exactly(ds: Path, clean: Path) -> None:
    periods = [str(t) for t in zarr.open_group(str(ds / "chips.zarr"), mode="r")["s1"]["time"][:]]
    t, row = 1, 2
    path = shard_path(ds, "s1", 0, t)
    flip_64_bytes(path, row)
    chip = chip_ids(ds, "s1")[row]

    res = m3leo("verify", "--store", str(ds), cwd=ds.parent)
    one_line_error(res, 1)
    bad = [ln for ln in res.stdout.splitlines() if ln.startswith("error:")]
    assert len(bad) == 1 and chip in bad[0] and "chips.zarr/s1/data/c/0/1/0/0/0" in bad[0], res.stdout
    rep = json.loads(m3leo("verify", "--store", str(ds), "--json", cwd=ds.parent).stdout)
    (p,) = rep["problems"]
    assert (p["kind"], p["collection"], p["period"], p["chips"]) == ("corrupt_chunk", "s1", periods[t], [chip])
    assert p["file"] == "chips.zarr/s1/data/c/0/1/0/0/0"

    one_line_error(m3leo("verify", "--store", str(ds), "--repair", cwd=ds.parent), 1)
    status = unit_status(ds)
    assert status.pop(("s1", periods[t], 0)) == "planned"
    assert set(status.values()) == {"done"}
    assert not path.exists()  # nothing stale left to read

    res = extract(ds.parent, ds)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[-1])["chips_done"] == 5  # that unit's 5 chips, nothing else
    assert_same_store(ds, clean)
    assert m3leo("verify", "--store", str(ds), cwd=ds.parent).returncode == 0


def test_truncated_shard_is_found_and_repaired(ds: Path) -> None:
    path = shard_path(ds, "esa_worldcover", 0, 0)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    rep = m3leo("verify", "--store", str(ds), "--json", cwd=ds.parent)
    one_line_error(rep, 1)
    (p,) = json.loads(rep.stdout)["problems"]
    assert p["kind"] == "damaged_shard" and p["file"].endswith("esa_worldcover/data/c/0/0/0/0/0")
    assert sorted(p["chips"]) == sorted(chip_ids(ds, "esa_worldcover")) and "truncated" in p["detail"]
    one_line_error(m3leo("verify", "--store", str(ds), "--repair", cwd=ds.parent), 1)
    assert unit_status(ds)[("esa_worldcover", "2020", 0)] == "planned"


def test_deleted_shard_of_a_done_unit_is_a_missing_chunk(ds: Path) -> None:
    shard_path(ds, "s1", 0, 3).unlink()
    res = m3leo("verify", "--store", str(ds), "--json", cwd=ds.parent)
    one_line_error(res, 1)
    (p,) = json.loads(res.stdout)["problems"]
    assert p["kind"] == "missing_chunk" and len(p["chips"]) == 5 and "done" in p["detail"]


def test_chunks_of_an_unfinished_unit_are_a_warning_not_an_error(ds: Path) -> None:
    con = sqlite3.connect(ds / "state.sqlite")
    con.execute("UPDATE units SET status='planned' WHERE collection='esa_worldcover'")
    con.commit()
    con.close()
    res = m3leo("verify", "--store", str(ds), "--json", cwd=ds.parent)
    assert res.returncode == 0, res.stderr
    (p,) = json.loads(res.stdout)["problems"]
    assert (p["kind"], p["severity"], p["collection"]) == ("unfinished", "warning", "esa_worldcover")


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated"])
def test_damaged_state_db_is_one_line_and_nothing_is_refetched(ds: Path, damage: str) -> None:
    db = ds / "state.sqlite"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = db.read_bytes()
    db.write_bytes({"empty": b"", "garbage": b"not a database " * 100, "truncated": raw[:len(raw) // 2]}[damage])
    before = {p: p.stat().st_mtime_ns for p in (ds / "chips.zarr").rglob("*") if p.is_file()}
    err = one_line_error(extract(ds.parent, ds), 1)
    assert "state.sqlite" in err and "restore it from a backup" in err and "--rebuild-state" in err, err
    after = {p: p.stat().st_mtime_ns for p in (ds / "chips.zarr").rglob("*") if p.is_file()}
    assert after == before  # no chunk rewritten, nothing fetched
    for cmd in (["status"], ["verify"]):
        assert "state.sqlite" in one_line_error(m3leo(*cmd, "--store", str(ds), cwd=ds.parent), 1)


@pytest.mark.parametrize("stats_cached", [False, True])
def test_corrupt_chunk_during_train_is_one_line_naming_the_file(ds: Path, tmp_path: Path, stats_cached: bool) -> None:
    if stats_cached:  # then train reads chunks through ChipDataset's direct reader, not the stats pass
        assert m3leo("stats", "--store", str(ds), cwd=tmp_path).returncode == 0
    g = zarr.open_group(str(ds / "chips.zarr"), mode="r")["s1"]
    row = [str(s) for s in g["split"][:]].index("train")
    flip_64_bytes(shard_path(ds, "s1", 0, 3), row)  # the latest period: what train reads
    # With stats cached the chunk is met in a DataLoader worker, whose error torch re-raises with its traceback.
    res = m3leo("train", "--store", str(ds), "--input", "s1", "--target", "esa_worldcover", "--epochs", "1",
                "--device", "cpu", "--workers", "1" if stats_cached else "0", "--out", str(tmp_path / "run"),
                cwd=tmp_path)
    err = one_line_error(res, 1)
    assert "chips.zarr/s1/data/c/0/3/0/0/0" in err and str(g["chip"][row]) in err, err
    assert f"m3leo verify --store {ds} --repair" in err


def test_stores_without_chunk_checksums_stay_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zarr.codecs import BloscCodec

    from m3leo_extract import store as store_mod
    from m3leo_extract.dataset import ChunkReader, Modality
    from m3leo_extract.grid import Chip
    from m3leo_extract.shards import ShardLayout
    from m3leo_extract.verify import verify_store

    monkeypatch.setattr(store_mod, "_chunk_codecs", lambda: [BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")])
    st = store_mod.ChipStore.open(tmp_path, create=True)
    spec = store_mod.CollectionSpec("old", ("a", "b"), "uint16", 0, 10.0, 8)
    st.ensure_collection(spec, shard_chips=4)
    chips = [Chip(31, False, 1266, 160 + i) for i in range(6)]
    st.add_chips("old", chips)
    st.ensure_period("old", "2020")
    data = np.random.default_rng(0).integers(1, 999, size=(6, 2, 8, 8), dtype="uint16")
    st.write_shard("old", 0, 0, [c.chip_id for c in chips[:4]], data[:4], np.ones(4))
    st.write_shard("old", 1, 0, [c.chip_id for c in chips[4:]], data[4:], np.ones(2))
    lay = ShardLayout.read(tmp_path / "chips.zarr" / "old" / "data")
    assert lay is not None and not lay.chunk_crc and lay.compressor == "blosc"
    m = Modality(spec, "2020", 0, 4)
    reader = ChunkReader(str(tmp_path), m)
    for i in range(6):
        assert np.array_equal(reader.read(i), data[i])
    assert reader._fast  # the direct path, not the zarr fallback
    rep = verify_store(tmp_path)
    assert rep.ok and rep.chunks == 6 and not rep.state_checked


def test_rebuild_state_from_the_store_refetches_only_the_damaged_unit(ds: Path, clean: Path) -> None:
    periods = [str(t) for t in zarr.open_group(str(ds / "chips.zarr"), mode="r")["s1"]["time"][:]]
    db = ds / "state.sqlite"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    db.write_bytes(b"")
    flip_64_bytes(shard_path(ds, "s1", 0, 2), 1)
    assert "--rebuild-state" in one_line_error(extract(ds.parent, ds), 1)

    res = m3leo("verify", "--store", str(ds), "--rebuild-state", "--json", cwd=ds.parent)
    one_line_error(res, 1)  # an error was found (and repaired)
    rep = json.loads(res.stdout)
    assert [p["kind"] for p in rep["problems"]] == ["corrupt_chunk"]
    assert rep["repaired_units"] == [{"collection": "s1", "period": periods[2], "shard": 0}]
    assert len(list(ds.glob("state.sqlite.damaged-*"))) == 1  # the damaged file is kept, not deleted
    status = unit_status(ds)
    assert status.pop(("s1", periods[2], 0)) == "planned" and set(status.values()) == {"done"} and len(status) == 4

    res = extract(ds.parent, ds)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[-1])["chips_done"] == 5
    assert_same_store(ds, clean)
    assert m3leo("verify", "--store", str(ds), cwd=ds.parent).returncode == 0
    err = one_line_error(m3leo("verify", "--store", str(ds), "--rebuild-state", cwd=ds.parent), 2)
    assert "reads fine" in err  # a good state database is never replaced


def test_verify_draws_a_progress_bar_on_a_terminal(clean: Path) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a real terminal has a size
    try:
        res = subprocess.run([M3LEO, "verify", "--store", str(clean)], stdout=subprocess.PIPE, stderr=slave,
                             text=True, timeout=300)
        os.close(slave)
        chunks = []
        while True:  # everything the child wrote to the terminal, until the pty reports its end (EIO)
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        tty = b"".join(chunks).decode(errors="replace")
    finally:
        os.close(master)
    assert res.returncode == 0 and "0 error(s)" in res.stdout
    assert "verify" in tty and "5/5" in tty and "shard" in tty, tty


def test_verify_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    err = one_line_error(m3leo("verify", "--store", str(tmp_path / "nowhere"), cwd=tmp_path), 2)
    assert "no chip store" in err
    err = one_line_error(m3leo("verify", "--store", "s3://bucket/ds", cwd=tmp_path), 2)
    assert "--state" in err  # a remote store is verified through its local folder (docs/scaling.md)


def test_verify_while_another_run_holds_the_lock_exits_75(clean: Path) -> None:
    import fcntl
    import os

    fd = os.open(clean / ".m3leo.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        err = one_line_error(m3leo("verify", "--store", str(clean), cwd=clean.parent), 75)
        assert "another m3leo run" in err
    finally:
        os.close(fd)


def test_damaged_valid_chunk_is_found_named_and_repaired(ds: Path, tmp_path: Path) -> None:
    valid = ds / "chips.zarr" / "s1" / "valid" / "c" / "0" / "3"
    b = bytearray(valid.read_bytes())
    b[len(b) // 2] ^= 0xFF
    valid.write_bytes(bytes(b))
    res = m3leo("verify", "--store", str(ds), "--json", cwd=ds.parent)
    one_line_error(res, 1)
    (p,) = json.loads(res.stdout)["problems"]
    assert (p["kind"], p["file"], len(p["chips"])) == ("corrupt_valid", "chips.zarr/s1/valid/c/0/3", 5)
    err = one_line_error(m3leo("train", "--store", str(ds), "--input", "s1", "--target", "esa_worldcover",
                               "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "run"), cwd=tmp_path), 1)
    assert "chips.zarr/s1/valid" in err and "m3leo verify" in err
    one_line_error(m3leo("verify", "--store", str(ds), "--repair", cwd=ds.parent), 1)
    assert not valid.exists() and not shard_path(ds, "s1", 0, 3).exists()
    assert [k for k, st in unit_status(ds).items() if st != "done"] == [("s1", p["period"], 0)]
