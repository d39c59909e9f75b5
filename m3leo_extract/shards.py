"""The on-disk format of a collection, in one home: what store.py writes and every reader reads.

    DIR/chips.zarr/<collection>/data   (chip, time, band, y, x), one chip per chunk, S chips per shard file

`data` uses zarr's `sharding_indexed` codec: one file per (shard, period) (`shard_file`) holding up to S chunks
back to back, then an index of S (offset, nbytes) pairs (little-endian uint64, 2**64-1 = no chunk) followed by
the index's crc32c. Inside, each chunk is `bytes` (little-endian) -> Blosc/zstd -> crc32c (`chunk_codecs`: the
per-chunk checksum; stores made before it end at the compressor). `CollectionSpec` is what a collection is
(bands, dtype, nodata, resolution, chip size); `Modality` one period of one, as a reader reads it.

store.py's writer takes its codecs and paths from here, and writes whole shards (and their `valid` chunks) on a
local store with `ShardEncoder` / `ChunkEncoder`, byte-identical to what zarr writes, zarr for the rest;
`ChunkReader` (ChipDataset's fast reader, one `pread` and one decode a chip, zarr for anything else) and
`m3leo verify` read shards through this module, so writer and readers agree on the layout and on what
"corrupt" means.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import google_crc32c  # zarr's own crc32c codec uses it
import numpy as np
import zarr
from numcodecs import Blosc, GZip, Zstd, blosc
from zarr.codecs import BloscCodec, Crc32cCodec

from .collection_attrs import CollectionAttrs
from .errors import StoreError
from .nodata import is_nan

try:  # zarr's event loop, to settle its pending reads after a failure (settle_zarr); internal to zarr-python 3
    from zarr.core.sync import loop as _zarr_loop
    from zarr.core.sync import sync as _zarr_sync
except ImportError:  # another zarr layout: nothing to settle
    _zarr_loop = None

STORE_NAME = "chips.zarr"
DIMS = ("chip", "time", "band", "y", "x")  # dimension_names of `data`


# A remote store's local folder (`--store s3://bucket/prefix --state DIR`) holds the state database, the lock,
# m3leo.toml and this file: the URL of the remote dataset whose chips.zarr it stands for (git's `.git` file).
POINTER_FILE = "store.url"


def is_remote(text: str | Path) -> bool:
    """An fsspec URL other than file:// (s3://, gs://, az://, memory://, ...)."""
    t = str(text)
    return "://" in t and not t.startswith("file://")


def pointed_url(root: str | Path) -> str | None:
    """The remote dataset URL a local folder stands for, or None (a plain local dataset, or a URL itself)."""
    if "://" in str(root):
        return None
    pointer = Path(root) / POINTER_FILE
    return pointer.read_text().strip() if pointer.is_file() else None


def store_path(root: str | Path) -> str:
    """DIR/chips.zarr of a dataset directory, fsspec URL (s3://bucket/prefix) or remote store's local folder."""
    text = pointed_url(root) or str(root)
    return f"{text.rstrip('/')}/{STORE_NAME}" if "://" in text else str(Path(root) / STORE_NAME)


def store_exists(root: str | Path) -> bool:
    """Whether the dataset `root` (local, URL or a remote store's folder) holds a chip store yet."""
    path = store_path(root)
    if "://" not in path:
        return Path(path).is_dir()
    import fsspec

    fs, inner = fsspec.core.url_to_fs(path)
    return bool(fs.exists(f"{inner}/zarr.json"))


def array_path(root: str | Path, collection: str, array: str = "data") -> str:
    """Where one array of a collection lives (a path, or a URL for remote stores)."""
    return f"{store_path(root)}/{collection}/{array}"


@dataclass(frozen=True)
class CollectionSpec:
    """What the store needs to know about a collection (made by `Recipe.store_spec()` or by `tile`)."""

    name: str
    bands: tuple[str, ...]
    dtype: str
    nodata: float | int
    resolution: float
    chip_px: int
    kind: str = "continuous"
    attrs: CollectionAttrs = field(default_factory=CollectionAttrs, hash=False, compare=False)

    @property
    def nan_nodata(self) -> bool:
        return is_nan(self.nodata)


def json_nodata(v: float | int) -> float | int | str:
    """nodata as the group attribute holds it ("NaN" for a float NaN: JSON has none)."""
    return "NaN" if is_nan(v) else v


def from_json_nodata(v: Any) -> float | int:
    return float("nan") if v in ("NaN", None) else v


# Blosc's block size for new arrays. Blosc compresses a chunk as independent blocks, each its own zstd frame;
# its automatic size (blocksize 0) at clevel 1 cuts a 400 x 400 px chunk into blocks so small that the
# per-frame set-up dominates: decoding a 2.56 MB S1 chunk took 1.1 ms with it and 0.55 ms with 512 KiB blocks
# (S2 0.94 -> 0.54 ms, the label chunk 0.14 -> 0.10), compressing took ~35% less and the chunks came out
# 1-4% smaller. 512 KiB still fits a core's L2 cache; smaller chunks are one block either way. Stores made
# before keep their own setting (blosc frames describe their blocks; every reader decodes both).
BLOSC_BLOCKSIZE = 512 << 10


def chunk_codecs() -> list[Any]:
    """The data array's bytes->bytes codecs inside the shard: Blosc, then a crc32c of each compressed chunk.

    The shard index has its own crc32c; this one makes a flipped byte inside a chunk an error on read
    (`m3leo verify` finds it) instead of silently wrong pixels. Stores made before it have no chunk checksum
    and stay readable: readers look at the array's codec list (docs/store-format.md, "Integrity").
    """
    return [BloscCodec(cname="zstd", clevel=1, shuffle="shuffle", blocksize=BLOSC_BLOCKSIZE), Crc32cCodec()]


EMPTY = 2**64 - 1  # a shard index entry of a chunk that was never written
CRC_BYTES = 4
# The crc32c of any message followed by its own crc32c (little endian) is this constant: checking a chunk is
# one pass over its bytes as read, no slice copied (a 2 MB S1 chunk: ~0.1 ms).
_CRC32C_RESIDUE = 0x48674BC7


def _zstd() -> Any:
    return Zstd()


def _blosc() -> Any:
    torch_data = sys.modules.get("torch.utils.data")  # not imported: not in a DataLoader worker (verify)
    if torch_data is not None and torch_data.get_worker_info() is not None:
        # In a DataLoader worker the workers are the parallelism: blosc's own thread pool (started in the
        # worker's main thread) would only oversubscribe the cores. This process is ours, so is the setting.
        blosc.use_threads = False
    return Blosc()  # blosc frames describe their own compressor, shuffle and type size


def _gzip() -> Any:
    return GZip()


# Chunk codecs (after the "bytes" serialiser, before an optional "crc32c") this module can decode.
DECODERS: dict[str, Callable[[], Any]] = {"zstd": _zstd, "blosc": _blosc, "gzip": _gzip}


def crc32c(data: bytes) -> int:
    return int(google_crc32c.value(data))


def crc_ok(buf: bytes) -> bool:
    """Whether the last 4 bytes of `buf` are the (little-endian) crc32c of the rest."""
    return len(buf) >= CRC_BYTES and crc32c(buf) == _CRC32C_RESIDUE


def _read_meta(array_dir: str | Path) -> dict[str, Any] | None:
    if "://" in str(array_dir):  # a remote store: zarr reads it (a URL is no local path)
        return None
    try:
        meta = json.loads((Path(array_dir) / "zarr.json").read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and not meta.get("storage_transformers") else None


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

    @classmethod
    def read(cls, array_dir: str | Path) -> ShardLayout | None:
        """The layout of the array in `array_dir`, or None where it is not the one store.py writes."""
        meta = _read_meta(array_dir)
        return cls.from_metadata(meta) if meta is not None else None

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


def chunk_file(array_dir: str | Path, *coords: int) -> str:
    """The file of the chunk (or shard) at grid `coords` under zarr's default "/" chunk key encoding."""
    return os.path.join(str(array_dir), "c", *(str(c) for c in coords))


def shard_file(array_dir: str | Path, shard: int, time_index: int) -> str:
    return chunk_file(array_dir, shard, time_index, 0, 0, 0)


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


# -- writing: the write-side twin of ChunkReader --------------------------------------------------------------
# Why by hand: through zarr, one 16-chip shard costs ~12 ms of CPU alone (its async codec pipeline, per chunk
# and per shard), ~5x that in wall time on a contended 2-core client: most of extract's client CPU (issue 15).
# The encoders below write exactly the bytes zarr-python 3 writes (tests/test_shardwrite.py compares files).
_SHUFFLES = {"noshuffle": Blosc.NOSHUFFLE, "shuffle": Blosc.SHUFFLE, "bitshuffle": Blosc.BITSHUFFLE}


def _le_crc(buf: bytes | memoryview) -> bytes:
    return np.array([crc32c(buf)], dtype="<u4").tobytes()


@dataclass(frozen=True)
class ChunkCodec:
    """One chunk's codec chain as zarr applies it: `bytes` (little-endian, C order), then Blosc with the
    array's own configuration (numcodecs' Blosc, which zarr calls and which releases the GIL while it
    compresses), then an optional crc32c (google-crc32c, as zarr's codec)."""

    blosc: dict[str, Any] | None  # numcodecs Blosc keyword arguments; None = no compressor
    crc: bool

    @classmethod
    def from_codecs(cls, codecs: list[dict[str, Any]]) -> ChunkCodec | None:
        """The chain of a zarr.json codec list, or None where it is not bytes [-> blosc] [-> crc32c]."""
        names = [c.get("name") for c in codecs]
        crc = names[-1:] == ["crc32c"]
        middle = codecs[1:-1] if crc else codecs[1:]
        endian = (codecs[0].get("configuration") or {}).get("endian", "little") if codecs else None
        if names[:1] != ["bytes"] or endian != "little" or len(middle) > 1:
            return None
        if not middle:
            return cls(None, crc)
        cfg = middle[0].get("configuration") or {}
        if middle[0].get("name") != "blosc" or cfg.get("shuffle") not in _SHUFFLES or "typesize" not in cfg:
            return None
        return cls({"cname": str(cfg["cname"]), "clevel": int(cfg["clevel"]), "shuffle": _SHUFFLES[cfg["shuffle"]],
                    "blocksize": int(cfg.get("blocksize", 0)), "typesize": int(cfg["typesize"])}, crc)

    def encoder(self) -> Any:
        return Blosc(**self.blosc) if self.blosc is not None else None

    def encode(self, raw: np.ndarray, compressor: Any) -> bytes:
        """The stored bytes of one chunk; `raw` is little-endian and C-contiguous, `compressor` `encoder()`."""
        flat = raw.reshape(-1).view("u1")
        body = compressor.encode(flat) if compressor is not None else flat.tobytes()
        return bytes(body) + _le_crc(body) if self.crc else bytes(body)


def _little(data: np.ndarray, dtype: str) -> np.ndarray:
    return np.ascontiguousarray(data, dtype=np.dtype(dtype).newbyteorder("<"))


def write_atomic(path: str, blob: bytes) -> None:
    """Write a store file as zarr's LocalStore does: a `*.partial` file beside it, then os.replace (a killed
    writer leaves the old file or none; `ChipStore.remove_partial_files` cleans up after it)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex}.partial"
    try:
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class ShardEncoder:
    """Encodes and writes one whole shard file of `data` (the layout above), byte for byte as zarr writes it.

    Chunks go back to back in chip order (zarr's morton order of an (S, 1, 1, 1, 1) chunk grid is chip order),
    then the index ((offset, nbytes) little-endian uint64, EMPTY for chunks not written) and its crc32c. Every
    given chunk is written, nodata or not: the store's arrays have `write_empty_chunks` on (store.py).
    """

    layout: ShardLayout
    codec: ChunkCodec

    @classmethod
    def read(cls, array_dir: str | Path) -> ShardEncoder | None:
        """The encoder of the `data` array in `array_dir`, or None where this module cannot write it as zarr."""
        meta = _read_meta(array_dir)
        layout = ShardLayout.from_metadata(meta) if meta is not None else None
        if meta is None or layout is None or np.dtype(layout.dtype).kind not in "biuf":
            return None
        codec = ChunkCodec.from_codecs(list(meta["codecs"][0]["configuration"]["codecs"]))
        return cls(layout, codec) if codec is not None and codec.crc == layout.chunk_crc else None

    def encode(self, data: np.ndarray, first: int = 0) -> bytes:
        """The shard file holding `data` (n, band, y, x) as chunks first..first+n-1 of the shard."""
        lay = self.layout
        n = data.shape[0]
        if tuple(data.shape[1:]) != lay.chunk_shape or not 0 <= first <= first + n <= lay.shard_chips:
            raise ValueError(f"shard data {data.shape} at chunk {first} does not fit {lay.shard_chips} chunks "
                             f"of {lay.chunk_shape}")
        raw, compressor = _little(data, lay.dtype), self.codec.encoder()
        parts = [self.codec.encode(raw[i], compressor) for i in range(n)]
        sizes = np.array([len(p) for p in parts], dtype="<u8")
        index = np.full((lay.shard_chips, 2), EMPTY, dtype="<u8")
        index[first:first + n, 0] = np.cumsum(sizes) - sizes
        index[first:first + n, 1] = sizes
        index_bytes = index.tobytes()
        return b"".join([*parts, index_bytes, _le_crc(index_bytes)])

    def write(self, array_dir: str | Path, shard: int, time_index: int, data: np.ndarray, first: int = 0) -> str:
        """Encode and write (atomically) the shard file of (shard, time_index); returns its path."""
        path = shard_file(array_dir, shard, time_index)
        write_atomic(path, self.encode(data, first))
        return path


@dataclass(frozen=True)
class ChunkEncoder:
    """Writes whole chunks of a plain (unsharded) array as zarr does: the `valid` array's (S, 1) chunks."""

    chunk_shape: tuple[int, ...]
    dtype: str
    codec: ChunkCodec

    @classmethod
    def read(cls, array_dir: str | Path) -> ChunkEncoder | None:
        meta = _read_meta(array_dir)
        key = {"name": "default", "configuration": {"separator": "/"}}
        if meta is None or meta.get("chunk_key_encoding") != key:
            return None
        try:
            grid = meta["chunk_grid"]
            shape = tuple(int(v) for v in grid["configuration"]["chunk_shape"])
            dtype = str(np.dtype(meta["data_type"]))
            codec = ChunkCodec.from_codecs(list(meta["codecs"]))
        except (KeyError, TypeError, ValueError):
            return None
        if grid.get("name") != "regular":
            return None
        return cls(shape, dtype, codec) if codec is not None and np.dtype(dtype).kind in "biuf" else None

    def write(self, array_dir: str | Path, coords: tuple[int, ...], chunk: np.ndarray) -> str:
        """Encode and write (atomically) the whole chunk at grid `coords`; returns its path."""
        if tuple(chunk.shape) != self.chunk_shape:
            raise ValueError(f"chunk {chunk.shape} is not the array's {self.chunk_shape}")
        path = chunk_file(array_dir, *coords)
        write_atomic(path, self.codec.encode(_little(chunk, self.dtype), self.codec.encoder()))
        return path


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
    if _zarr_loop is None or _zarr_loop[0] is None:
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
        _zarr_sync(drain())
    except Exception:  # settling is best effort; the caller raises its own one-line error next
        pass


def corrupt_error(store_dir: str | Path, path: str, what: str, detail: str) -> CorruptChunkError:
    """The one-line error for damaged data met while reading (train, datasets, stats, show)."""
    settle_zarr()
    return CorruptChunkError(
        f"corrupt data in {path} ({what}): {detail}; run `m3leo verify --store {store_dir} --repair`, then rerun "
        "the same `m3leo extract` (or `m3leo tile`) to refetch it")


@dataclass(frozen=True)
class Modality:
    """One collection at one period, as a reader reads it: its spec, which period (time index), shard size."""

    spec: CollectionSpec
    period: str
    time_index: int
    shard_chips: int

    name = property(lambda self: self.spec.name)
    bands = property(lambda self: self.spec.bands)
    dtype = property(lambda self: self.spec.dtype)
    nodata = property(lambda self: self.spec.nodata)
    kind = property(lambda self: self.spec.kind)
    chip_px = property(lambda self: self.spec.chip_px)
    resolution = property(lambda self: self.spec.resolution)
    nan_nodata = property(lambda self: self.spec.nan_nodata)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(band, y, x) of one chip."""
        return (len(self.spec.bands), self.spec.chip_px, self.spec.chip_px)


class ChunkReader:
    """Reads one chip (one chunk) of one collection and period as a (band, y, x) numpy array.

    On a local store with the layout above: the shard index, one `pread` of the chunk and one decode (checking
    the index's and the chunk's crc32c); anything else (object storage, another codec) through zarr. Damaged
    data (a checksum mismatch, a truncated shard, a chunk that does not decode) raises `CorruptChunkError`:
    one line naming the shard file and chip, and what to run.
    """

    def __init__(self, root: str, m: Modality) -> None:
        self.root = root
        self.m = m
        self.shape = m.shape
        self._layout: ShardLayout | None = None
        self._fast: bool | None = None
        self._array: Any = None
        self._decoder: Any = None  # the numcodecs codec after "bytes"; None = uncompressed
        self._scratch: dict[int, np.ndarray] = {}  # per thread: the buffer `read(reuse=True)` decodes into

    def _check_fast(self) -> bool:
        if "://" in store_path(self.root) or not Path(self.root).is_dir():
            return False
        lay = ShardLayout.read(array_path(self.root, self.m.name))
        if (lay is None or lay.chunk_shape != self.shape or lay.shard_chips != self.m.shard_chips
                or np.dtype(lay.dtype) != np.dtype(self.m.dtype)):
            return False
        self._layout, self._decoder = lay, lay.decoder()
        return True

    def read(self, row: int, chip_id: str | None = None, *, reuse: bool = False) -> np.ndarray:
        """Chip `row` (its index in the collection); `chip_id` only names it in errors.

        `reuse=True` decodes into this reader's own buffer, overwritten by its next `reuse` read in the same
        thread: for a caller that copies the values out at once (ChipDataset encodes every chip into new
        arrays), it saves allocating and first-touching a fresh chip-sized array on every read.
        """
        if self._fast is None:
            self._fast = self._check_fast()
        if self._fast:
            out = self._buffer() if reuse else np.empty(self.shape, dtype=self.m.dtype)
            return self._read_direct(row, chip_id, out)
        return self._read_zarr(row, chip_id)

    def _buffer(self) -> np.ndarray:
        key = threading.get_ident()
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = np.empty(self.shape, dtype=self.m.dtype)
        return buf

    def _what(self, row: int, chip_id: str | None) -> str:
        return f"{self.m.name} {self.m.period}, chip {chip_id or f'#{row}'}"

    def _read_direct(self, row: int, chip_id: str | None, out: np.ndarray) -> np.ndarray:
        lay = self._layout
        assert lay is not None
        s = lay.shard_chips
        path = shard_file(array_path(self.root, self.m.name), row // s, self.m.time_index)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return self._empty(out)
        try:
            offset, nbytes = read_index(fd, os.fstat(fd).st_size, lay)[row % s]
            if offset == EMPTY:
                return self._empty(out)
            buf = os.pread(fd, int(nbytes), int(offset))
            decode_chunk(buf, lay, self._decoder, out)
        except ShardDamage as exc:
            raise corrupt_error(self.root, path, self._what(row, chip_id), str(exc)) from None
        finally:
            os.close(fd)
        return out

    def _read_zarr(self, row: int, chip_id: str | None) -> np.ndarray:
        if self._array is None:
            group: Any = zarr.open_group(store_path(self.root), mode="r", zarr_format=3, use_consolidated=False)
            self._array = group[self.m.name]["data"]
        try:
            return np.asarray(self._array[row, self.m.time_index])
        except (ValueError, RuntimeError) as exc:  # zarr's crc32c / blosc failures
            raise corrupt_error(self.root, array_path(self.root, self.m.name), self._what(row, chip_id),
                                str(exc)) from None

    def _empty(self, out: np.ndarray) -> np.ndarray:
        out.fill(self.m.nodata)
        return out
