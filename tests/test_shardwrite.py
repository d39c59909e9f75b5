"""The direct shard writer (shards.ShardEncoder / ChunkEncoder, used by ChipStore.write_shard) against zarr.

Two stores with the same collection and chips: one written by zarr-python itself (the store's own array
handles, `write_empty_chunks` on, as the fallback path writes), one by `write_shard` on its direct path. Every
shard file and `valid` chunk must be byte-identical, for each dtype recipes use (float32 with NaN nodata,
uint16, uint8, int16), with the last shard partial and all-nodata chips among the data; zarr, xarray and the
ChunkReader must read the direct store back as written and `m3leo verify` must pass on it. Writes the direct
path cannot do as zarr would (a subset of a shard, part of a shard, a remote fsspec store) still go to zarr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from m3leo_extract import shards
from m3leo_extract import store as store_mod
from m3leo_extract.grid import Chip
from m3leo_extract.shards import ChunkReader, CollectionSpec, Modality, ShardEncoder, array_path, shard_file
from m3leo_extract.store import ChipStore, open_dataset

M3LEO = str(Path(sys.executable).with_name("m3leo"))
S = 4  # chips per shard
N_CHIPS = 10  # shards 0 and 1 whole, shard 2 partial (2 chips)
PX = 12
# (dtype, nodata) of every recipe's store: s1/dem/ghsl float32 NaN, s2 uint16 0, worldcover uint8 0 and
# modis_vcf uint8 255, gunw's connectedComponents int16 -1.
DTYPES = [("float32", float("nan")), ("uint16", 0), ("uint8", 0), ("uint8", 255), ("int16", -1)]


def chips(n: int = N_CHIPS) -> list[Chip]:
    return [Chip(31, False, 1200 + i // 7, 150 + i % 7) for i in range(n)]


def make_store(root: Path | str, dtype: str, nodata: float, n: int = N_CHIPS, periods: int = 2) -> ChipStore:
    st = ChipStore.open(root, create=True)
    st.ensure_collection(CollectionSpec("c", ("b1", "b2", "b3"), dtype, nodata, 10.0, PX), shard_chips=S)
    st.add_chips("c", chips(n))
    for p in range(periods):
        st.ensure_period("c", f"20{20 + p}")
    return st


def seeded(dtype: str, nodata: float, n: int = N_CHIPS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Chip data with nodata pixels, one all-nodata chip (#1) and one constant chip (#2); valid fractions."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        data = (rng.normal(size=(n, 3, PX, PX)) * 10).astype(dtype)
    else:
        info = np.iinfo(dtype)
        data = rng.integers(max(info.min, -3000), min(info.max, 3000), size=(n, 3, PX, PX)).astype(dtype)
    holes = rng.random(data.shape) < 0.2
    data[holes] = nodata
    data[1] = nodata
    data[2] = 7
    good = ~np.isnan(data) if np.isnan(nodata) else data != nodata
    return data, good.mean(axis=(1, 2, 3)).astype("float32")


class Calls:
    """Counts the direct encoders' writes (they still run): which path write_shard took."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shards = self.valid = 0
        real_shard, real_chunk = shards.ShardEncoder.write, shards.ChunkEncoder.write

        def shard_write(enc: Any, *a: Any, **k: Any) -> str:
            self.shards += 1
            return real_shard(enc, *a, **k)

        def chunk_write(enc: Any, *a: Any, **k: Any) -> str:
            self.valid += 1
            return real_chunk(enc, *a, **k)

        monkeypatch.setattr(shards.ShardEncoder, "write", shard_write)
        monkeypatch.setattr(shards.ChunkEncoder, "write", chunk_write)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    return Calls(monkeypatch)


def write_all(st: ChipStore, data: np.ndarray, valid: np.ndarray, t: int) -> None:
    ids = st.chip_ids("c")
    for sh in range(-(-len(ids) // S)):
        lo, hi = sh * S, min((sh + 1) * S, len(ids))
        st.write_shard("c", sh, t, ids[lo:hi], data[lo:hi], valid[lo:hi])


def write_by_zarr(st: ChipStore, data: np.ndarray, valid: np.ndarray, t: int) -> None:
    """What write_shard's zarr path does for each shard: the store's own handles, one slice a shard."""
    arr, val = st._arr("c", "data"), st._arr("c", "valid")
    for lo in range(0, data.shape[0], S):
        hi = min(lo + S, data.shape[0])
        arr[lo:hi, t] = data[lo:hi]
        val[lo:hi, t] = valid[lo:hi]


def chunk_files(root: Path) -> dict[str, bytes]:
    """Every data shard file and valid chunk of the collection, by path relative to its array."""
    out = {}
    for key in ("data", "valid"):
        base = Path(array_path(root, "c", key))
        for p in sorted((base / "c").rglob("*")):
            if p.is_file():
                out[f"{key}/{p.relative_to(base)}"] = p.read_bytes()
    return out


@pytest.mark.parametrize(("dtype", "nodata"), DTYPES, ids=[f"{d}-{n}" for d, n in DTYPES])
def test_direct_shards_are_byte_identical_to_zarr(tmp_path: Path, calls: Calls, dtype: str, nodata: float) -> None:
    data, valid = seeded(dtype, nodata)
    ref, direct = make_store(tmp_path / "zarr", dtype, nodata), make_store(tmp_path / "direct", dtype, nodata)
    for t in (0, 1):
        write_by_zarr(ref, data, valid, t)
        write_all(direct, data, valid, t)
    assert calls.shards == 6  # 3 shards x 2 periods, the partial last shard included
    assert calls.valid == 4  # whole shards' valid chunks; the partial one's chunk is zarr's (it merges)
    want, got = chunk_files(tmp_path / "zarr"), chunk_files(tmp_path / "direct")
    assert sorted(got) == sorted(want) and len(got) == 12
    for path in want:
        assert got[path] == want[path], f"{path} differs from zarr's"
    assert not list((tmp_path / "direct").rglob("*.partial"))


def test_partial_last_shard_leaves_missing_chips_empty(tmp_path: Path, calls: Calls) -> None:
    data, valid = seeded("uint16", 0)
    st = make_store(tmp_path / "ds", "uint16", 0, periods=1)
    write_all(st, data, valid, 0)
    layout = shards.ShardLayout.read(array_path(tmp_path / "ds", "c"))
    assert layout is not None
    path = shard_file(array_path(tmp_path / "ds", "c"), 2, 0)
    fd = os.open(path, os.O_RDONLY)
    try:
        index = shards.read_index(fd, os.fstat(fd).st_size, layout)
    finally:
        os.close(fd)
    assert (index[:2] != shards.EMPTY).all() and (index[2:] == shards.EMPTY).all()
    # The array grows: the shard's new chips are a subset write (zarr read-modify-write), the old ones stay.
    st.add_chips("c", chips(12))
    more, more_valid = seeded("uint16", 0, n=12, seed=5)
    ids = st.chip_ids("c")
    st.write_shard("c", 2, 0, ids[10:12], more[10:12], more_valid[10:12])
    assert calls.shards == 3
    block = st.read_block("c", 8, 12, 0)
    assert np.array_equal(block[:2], data[8:10]) and np.array_equal(block[2:], more[10:12])
    assert np.array_equal(st.read_valid("c")[8:12, 0], np.r_[valid[8:10], more_valid[10:12]])


@pytest.mark.parametrize(("dtype", "nodata"), [DTYPES[0], DTYPES[1]], ids=["float32-nan", "uint16-0"])
def test_readers_read_the_direct_store_back(tmp_path: Path, calls: Calls, dtype: str, nodata: float) -> None:
    data, valid = seeded(dtype, nodata)
    st = make_store(tmp_path / "ds", dtype, nodata)
    write_all(st, data, valid, 1)
    assert calls.shards == 3
    reopened = ChipStore.open(tmp_path / "ds")
    assert np.array_equal(reopened.read_block("c", 0, N_CHIPS, 1), data, equal_nan=True)
    got_valid = reopened.read_valid("c")
    assert np.array_equal(got_valid[:, 1], valid) and np.isnan(got_valid[:, 0]).all()  # period 0 never written
    ds = open_dataset(tmp_path / "ds", "c")
    assert np.array_equal(ds["data"].isel(time=1).values, data, equal_nan=True)
    assert np.array_equal(ds["valid"].isel(time=1).values, valid)
    reader = ChunkReader(str(tmp_path / "ds"), Modality(reopened.spec("c"), "2021", 1, S))
    for row in range(N_CHIPS):
        assert np.array_equal(reader.read(row), data[row], equal_nan=True)
    assert reader._fast  # the direct read path, not zarr's
    unwritten = ChunkReader(str(tmp_path / "ds"), Modality(reopened.spec("c"), "2020", 0, S)).read(3)
    assert np.array_equal(unwritten, np.full(data.shape[1:], nodata, dtype=dtype), equal_nan=True)


def test_verify_passes_on_a_directly_written_store(tmp_path: Path, calls: Calls) -> None:
    data, valid = seeded("float32", float("nan"))
    st = make_store(tmp_path / "ds", "float32", float("nan"), periods=1)
    write_all(st, data, valid, 0)
    assert calls.shards == 3
    res = subprocess.run([M3LEO, "verify", "--store", str(tmp_path / "ds")], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    # ... and finds a flipped byte inside a directly written chunk (the chunk crc32c is really there).
    path = Path(shard_file(array_path(tmp_path / "ds", "c"), 1, 0))
    blob = bytearray(path.read_bytes())
    blob[40] ^= 0xFF
    path.write_bytes(bytes(blob))
    res = subprocess.run([M3LEO, "verify", "--store", str(tmp_path / "ds")], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr


def test_subset_and_part_shard_writes_go_through_zarr(tmp_path: Path, calls: Calls) -> None:
    data, valid = seeded("int16", -1)
    ref, st = make_store(tmp_path / "zarr", "int16", -1, periods=1), make_store(tmp_path / "ds", "int16", -1,
                                                                                  periods=1)
    write_by_zarr(ref, data, valid, 0)
    ids = st.chip_ids("c")
    write_all(st, data, valid, 0)
    assert (calls.shards, calls.valid) == (3, 2)
    # A subset of shard 0 (chips 0, 2, 3: not contiguous) and the first half of shard 1: zarr writes them.
    sub = [0, 2, 3]
    st.write_shard("c", 0, 0, [ids[i] for i in sub], data[sub] * 0 + 5, valid[sub] * 0 + 0.5)
    st.write_shard("c", 1, 0, ids[4:6], data[4:6] * 0 + 9, valid[4:6] * 0 + 0.25)
    assert (calls.shards, calls.valid) == (3, 2)
    block, vblock = data[0:4].copy(), valid[0:4].copy()  # zarr's own read-modify-write of chips 0..3
    block[sub], vblock[sub] = 5, 0.5
    ref._arr("c", "data")[0:4, 0] = block
    ref._arr("c", "valid")[0:4, 0] = vblock
    ref._arr("c", "data")[4:6, 0] = data[4:6] * 0 + 9
    ref._arr("c", "valid")[4:6, 0] = valid[4:6] * 0 + 0.25
    assert chunk_files(tmp_path / "ds") == chunk_files(tmp_path / "zarr")
    expect = data.copy()
    expect[sub], expect[4:6] = 5, 9
    assert np.array_equal(st.read_block("c", 0, N_CHIPS, 0), expect)


def test_remote_store_writes_through_zarr(calls: Calls) -> None:
    data, valid = seeded("uint8", 255)
    st = make_store("memory://r15b-bucket/ds", "uint8", 255, periods=1)
    write_all(st, data, valid, 0)
    assert (calls.shards, calls.valid) == (0, 0)
    assert np.array_equal(st.read_block("c", 0, N_CHIPS, 0), data)
    assert np.array_equal(st.read_valid("c")[:, 0], valid)


def test_store_without_chunk_checksums_is_written_as_zarr_writes_it(tmp_path: Path, calls: Calls,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A store of the older layout (no per-chunk crc32c, docs/store-format.md "Integrity") gets the same."""
    monkeypatch.setattr(store_mod, "_chunk_codecs", lambda: shards.chunk_codecs()[:1])
    data, valid = seeded("uint16", 0)
    ref, direct = make_store(tmp_path / "zarr", "uint16", 0, periods=1), make_store(tmp_path / "d", "uint16", 0,
                                                                                    periods=1)
    enc = ShardEncoder.read(array_path(tmp_path / "d", "c"))
    assert enc is not None and not enc.codec.crc
    write_by_zarr(ref, data, valid, 0)
    write_all(direct, data, valid, 0)
    assert calls.shards == 3
    assert chunk_files(tmp_path / "d") == chunk_files(tmp_path / "zarr")


def test_overwrite_replaces_the_shard_and_input_is_cast_as_zarr_casts(tmp_path: Path, calls: Calls) -> None:
    data, valid = seeded("float32", float("nan"))
    ref, st = make_store(tmp_path / "zarr", "float32", float("nan"), periods=1), make_store(
        tmp_path / "ds", "float32", float("nan"), periods=1)
    write_all(st, data + 1, valid, 0)
    wide = data.astype(">f8")  # big-endian float64 in: stored little-endian float32, as zarr does
    write_all(st, wide, valid, 0)
    write_by_zarr(ref, wide, valid, 0)
    assert calls.shards == 6
    assert chunk_files(tmp_path / "ds") == chunk_files(tmp_path / "zarr")
    assert np.array_equal(st.read_block("c", 0, N_CHIPS, 0), data, equal_nan=True)
    assert not list((tmp_path / "ds").rglob("*.partial"))


def test_add_chip_arrays_indices_repeats_and_known_chips(tmp_path) -> None:
    """A first plan appends its chips in order; a later one finds known chips and appends new ones once,
    in the order first given, as `add_chips` does."""
    from m3leo_extract.grid import Chip, ChipArrays
    from m3leo_extract.store import ChipStore, CollectionSpec

    st = ChipStore.open(tmp_path / "s", create=True)
    st.ensure_collection(CollectionSpec("x", ("b",), "float32", float("nan"), 1000.0, 4))
    a, b, c, d = (Chip(31, False, 10, k) for k in range(4))
    south = Chip(31, True, 10, 0)
    assert st.add_chip_arrays("x", ChipArrays.of([a, b])).tolist() == [0, 1]
    got = st.add_chip_arrays("x", ChipArrays.of([c, a, c, south, b, d]))
    assert got.tolist() == [2, 0, 2, 3, 1, 4]
    assert list(st.chip_ids("x")) == [ch.chip_id for ch in (a, b, c, south, d)]
    fresh = ChipStore.open(tmp_path / "t", create=True)
    fresh.ensure_collection(CollectionSpec("x", ("b",), "float32", float("nan"), 1000.0, 4))
    assert fresh.add_chip_arrays("x", ChipArrays.of([b, a, b])).tolist() == [0, 1, 0]
    assert list(fresh.chip_ids("x")) == [b.chip_id, a.chip_id]
