"""The shard files of a collection's `data` array, read without zarr: layout, index, per-chunk checksum, decode.

store.py writes `data` with zarr's `sharding_indexed` codec: one file per (shard, period) holding up to S
chunks back to back, then an index of S (offset, nbytes) pairs (little-endian uint64, 2**64-1 = no chunk)
followed by the index's crc32c. Inside, each chunk is `bytes` (little-endian) -> Blosc/zstd/gzip -> crc32c
(the per-chunk checksum; stores made before it end at the compressor). `ChipDataset`'s fast reader and
`m3leo verify` both read shards through this module, so they agree on what "corrupt" means.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StoreError

EMPTY = 2**64 - 1  # a shard index entry of a chunk that was never written
CRC_BYTES = 4
# The crc32c of any message followed by its own crc32c (little endian) is this constant: checking a chunk is
# one pass over its bytes as read, no slice copied (a 2 MB S1 chunk: ~0.1 ms).
_CRC32C_RESIDUE = 0x48674BC7


def _zstd() -> Any:
    from numcodecs import Zstd

    return Zstd()


def _blosc() -> Any:
    from numcodecs import Blosc, blosc

    torch_data = sys.modules.get("torch.utils.data")  # not imported: not in a DataLoader worker (verify)
    if torch_data is not None and torch_data.get_worker_info() is not None:
        # In a DataLoader worker the workers are the parallelism: blosc's own thread pool (started in the
        # worker's main thread) would only oversubscribe the cores. This process is ours, so is the setting.
        blosc.use_threads = False
    return Blosc()  # blosc frames describe their own compressor, shuffle and type size


def _gzip() -> Any:
    from numcodecs import GZip

    return GZip()


# Chunk codecs (after the "bytes" serialiser, before an optional "crc32c") this module can decode.
DECODERS: dict[str, Callable[[], Any]] = {"zstd": _zstd, "blosc": _blosc, "gzip": _gzip}


def crc32c(data: bytes) -> int:
    import google_crc32c  # zarr's own crc32c codec uses it

    return int(google_crc32c.value(data))


def crc_ok(buf: bytes) -> bool:
    """Whether the last 4 bytes of `buf` are the (little-endian) crc32c of the rest."""
    return len(buf) >= CRC_BYTES and crc32c(buf) == _CRC32C_RESIDUE


@dataclass(frozen=True)
class ShardLayout:
    """How one collection's `data` shards are laid out, parsed from the array's zarr.json."""

    shard_chips: int
    chunk_shape: tuple[int, ...]  # (band, y, x) of one chip
    dtype: str
    compressor: str | None  # a DECODERS key; None = uncompressed
    chunk_crc: bool  # each chunk ends with its crc32c (stores made since the "Integrity" change)

    @property
    def index_nbytes(self) -> int:
        return self.shard_chips * 16 + CRC_BYTES

    @property
    def chunk_nbytes(self) -> int:
        return int(np.prod(self.chunk_shape)) * np.dtype(self.dtype).itemsize

    @classmethod
    def read(cls, array_dir: str | Path) -> ShardLayout | None:
        """The layout of the array in `array_dir`, or None where it is not the one store.py writes."""
        try:
            meta = json.loads((Path(array_dir) / "zarr.json").read_text())
            return cls.from_metadata(meta)
        except (OSError, ValueError):
            return None

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> ShardLayout | None:
        try:
            (codec,) = meta["codecs"]
            cfg = codec["configuration"]
            inner = [c["name"] for c in cfg["codecs"]]
            endian = cfg["codecs"][0].get("configuration", {}).get("endian") or "little"
            chunk_crc = inner[-1] == "crc32c"
            middle = inner[1:-1] if chunk_crc else inner[1:]
            grid = list(meta["chunk_grid"]["configuration"]["chunk_shape"])
            chunk = list(cfg["chunk_shape"])
            ok = (codec["name"] == "sharding_indexed" and cfg.get("index_location", "end") == "end"
                  and inner[0] == "bytes" and endian == "little" and len(middle) <= 1
                  and all(c in DECODERS for c in middle)
                  and [c["name"] for c in cfg["index_codecs"]] == ["bytes", "crc32c"]
                  and len(chunk) == 5 and chunk[:2] == [1, 1] and grid[1:] == [1, *chunk[2:]]
                  and meta["chunk_key_encoding"] == {"name": "default", "configuration": {"separator": "/"}})
            if not ok:
                return None
            return cls(shard_chips=int(grid[0]), chunk_shape=tuple(int(v) for v in chunk[2:]),
                       dtype=str(np.dtype(meta["data_type"])), compressor=middle[0] if middle else None,
                       chunk_crc=chunk_crc)
        except (KeyError, ValueError, TypeError, IndexError):
            return None

    def decoder(self) -> Any:
        return DECODERS[self.compressor]() if self.compressor else None


def shard_file(array_dir: str | Path, shard: int, time_index: int) -> str:
    return os.path.join(str(array_dir), "c", str(shard), str(time_index), "0", "0", "0")


class ShardDamage(Exception):
    """A shard file or one of its chunks does not read back (internal: callers turn it into StoreError)."""


def read_index(fd: int, size: int, layout: ShardLayout) -> np.ndarray:
    """(S, 2) uint64 (offset, nbytes) of the open shard file `fd` of `size` bytes; ShardDamage if unreadable."""
    n = layout.index_nbytes
    if size < n:
        raise ShardDamage(f"file is {size} bytes, shorter than its {n}-byte index: truncated")
    index = os.pread(fd, n, size - n)
    if not crc_ok(index):
        raise ShardDamage("shard index checksum mismatch: the file is truncated or damaged")
    entries = np.frombuffer(index, dtype="<u8", count=2 * layout.shard_chips).reshape(layout.shard_chips, 2)
    used = entries[entries[:, 0] != EMPTY]
    if used.size and int((used[:, 0] + used[:, 1]).max()) > size - n:
        raise ShardDamage("shard index points past the end of the chunks: the file is truncated or damaged")
    return entries


def decode_chunk(buf: bytes, layout: ShardLayout, decoder: Any, out: np.ndarray) -> None:
    """Check the chunk's crc32c (when the store has one) and decode it into `out`; ShardDamage if it fails."""
    body: bytes | memoryview = buf
    if layout.chunk_crc:
        if not crc_ok(buf):
            raise ShardDamage("chunk checksum mismatch")
        body = memoryview(buf)[:-CRC_BYTES]  # no copy
    view = out.reshape(-1).view("u1")
    if decoder is None:
        if len(body) != view.size:
            raise ShardDamage(f"chunk is {len(body)} bytes, {view.size} expected")
        view[:] = np.frombuffer(body, dtype="u1")
        return
    try:
        decoder.decode(body, out=view.data)
    except Exception as exc:  # blosc / zstd raise RuntimeError or ValueError with their own texts
        raise ShardDamage(f"chunk does not decode ({type(exc).__name__}: {exc})") from None


class CorruptChunkError(StoreError):
    """A chunk or shard of the store does not read back: tells the user to run `m3leo verify --repair`.

    A DataLoader worker's exception reaches the main process re-raised as `type(exc)(text)`, the text holding
    the worker's whole traceback; the constructor keeps only the original one-line message.
    """

    def __init__(self, message: str) -> None:
        if "Original Traceback" in message:
            last = [ln for ln in message.splitlines() if ln.strip()][-1]
            message = last.split(f"{type(self).__name__}: ", 1)[-1]
        super().__init__(message)


def settle_zarr() -> None:
    """After a zarr read failed on one chunk: let the reads of its other chunks (still pending on zarr's event
    loop) finish, so none is destroyed at exit with "Task was destroyed but it is pending!" on stderr."""
    try:
        from zarr.core.sync import loop, sync
    except ImportError:  # another zarr layout: nothing to settle
        return
    if loop[0] is None:
        return

    async def drain() -> None:
        me = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        if pending:
            done, _ = await asyncio.wait(pending, timeout=30)
            for t in done:  # retrieve their errors too: "exception was never retrieved" is stderr noise as well
                if not t.cancelled():
                    t.exception()

    try:
        sync(drain())
    except Exception:  # settling is best effort; the caller raises its own one-line error next
        pass


def corrupt_error(store_dir: str | Path, path: str, what: str, detail: str) -> CorruptChunkError:
    """The one-line error for damaged data met while reading (train, datasets, stats, show)."""
    settle_zarr()
    return CorruptChunkError(
        f"corrupt data in {path} ({what}): {detail}; run `m3leo verify --store {store_dir} --repair`, then rerun "
        "the same `m3leo extract` (or `m3leo tile`) to refetch it")
