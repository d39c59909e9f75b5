"""`publish`: a store as a dataset others download and load (STAC, Parquet, Croissant, a Hugging Face card).

Reads only the store, its state database and the provenance recorded in it. Resumable and incremental: every
file made from the store's data (a shard's STAC item, a block's Parquet files) is recorded in `publish.json`
with a fingerprint of what it was made from (the shard files' sizes and times, chips, splits, options); a
rerun links the files whose fingerprint did not change from the previous output and makes only the others,
so a publish after `m3leo refresh` writes only what the refresh changed. The small files (catalogue,
collections, chip index, cards) are made again every time.

Nothing is half-written: everything goes into `.<OUT>.publishing/` beside OUT (kept when interrupted, so a
rerun resumes it: a journal there records each finished file), then replaces OUT in one rename.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LockedError, UsageError
from ..shards import array_path, shard_file
from . import parquet as pq_data
from .meta import StoreInfo, fingerprint, read_store

FORMATS = ("stac", "parquet", "croissant", "hf")
MANIFEST = "publish.json"
MANIFEST_VERSION = 1
JOURNAL = ".journal"
WORKERS = 4  # units built at once (at most the CPUs): each holds about one Parquet row group or item
Progress = Callable[[dict[str, Any]], None]


@dataclass
class PublishReport:
    out: str
    formats: list[str]
    chips: int
    written: list[str] = field(default_factory=list)  # units made this time (item / block keys)
    reused: list[str] = field(default_factory=list)  # units linked from the previous output, unchanged
    incomplete: str = ""
    synthetic: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"out": self.out, "formats": self.formats, "chips": self.chips, "written": len(self.written),
                "reused": len(self.reused), "incomplete": self.incomplete or None, "synthetic": self.synthetic,
                "seconds": round(self.seconds, 2)}


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    items = [f.strip() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise UsageError(f"--format {','.join(bad) or '(none)'} is not known; use some of {','.join(FORMATS)}")
    if {"croissant", "hf"} & set(items) and "parquet" not in items:
        items.append("parquet")  # the Croissant record sets and the HF configs are the Parquet files
    return [f for f in FORMATS if f in items]


def incomplete_note(info: StoreInfo, allow: bool) -> str:
    """"" for a finished store; else what is unfinished (refused unless `allow`)."""
    if not info.unfinished:
        return ""
    what = ", ".join(f"{n} {'pending' if s == 'planned' else s}" for s, n in sorted(info.unfinished.items()))
    text = f"{what} work unit(s) in the store's state database; their chips are missing or incomplete"
    if not allow:
        raise UsageError(f"{info.root} is not finished ({what} units): rerun the extract (or `m3leo retry`) first, "
                         "or publish it as it is with --allow-incomplete (the card will say so)")
    return text


def check_out(out: Path, store: Path) -> dict[str, Any]:
    """The previous publication's manifest ({} when OUT is new); refuses an OUT that holds something else."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder (new, or one `m3leo publish` made)")
    if out.resolve() == store.resolve() or store.resolve() in out.resolve().parents:
        raise UsageError(f"--out {out} is inside the store {store}; give a folder outside it")
    if not out.exists() or not any(out.iterdir()):
        return {}
    path = out / MANIFEST
    try:
        manifest = json.loads(path.read_text())
        assert manifest.get("m3leo_publish") == MANIFEST_VERSION
        return dict(manifest)
    except (OSError, ValueError, AssertionError):
        raise UsageError(f"--out {out} holds something else (no {MANIFEST} of `m3leo publish`); give a new or "
                         "empty folder") from None


class Units:
    """Files made from the store's data, each under a key with a fingerprint: reused when unchanged."""

    def __init__(self, work: Path, out: Path, previous: dict[str, Any], report: PublishReport,
                 progress: Progress | None, workers: int = 1) -> None:
        self.work, self.out, self.report, self.progress, self.workers = work, out, report, progress, workers
        self.previous = previous.get("units", {})
        self.done: dict[str, dict[str, Any]] = {}
        journal = work / JOURNAL
        self.resumed: dict[str, dict[str, Any]] = {}
        if journal.exists():
            for line in journal.read_text().splitlines():
                try:
                    rec = json.loads(line)
                    self.resumed[rec["key"]] = rec
                except ValueError:
                    continue  # a line cut by a kill
        self._journal = open(journal, "a")  # noqa: SIM115  # closed in close()

    def make(self, key: str, fp: str, build: Callable[[Path], list[str]]) -> list[str]:
        return self.make_many([(key, fp, build)])[0]

    def _reuse(self, key: str, fp: str) -> list[str] | None:
        for source, rec in ((self.work, self.resumed.get(key)), (self.out, self.previous.get(key))):
            if rec and rec["fingerprint"] == fp and all((source / f).exists() for f in rec["files"]):
                if source is self.out:
                    for f in rec["files"]:
                        _link(self.out / f, self.work / f)
                return list(rec["files"])
        return None

    def make_many(self, tasks: Sequence[tuple[str, str, Callable[[Path], list[str]]]]) -> list[list[str]]:
        """Units reused where unchanged, the others built `workers` at a time (pyarrow, zstd and the chunk
        reads release the GIL); recorded in order, each as soon as it and those before it are done."""
        out: list[list[str]] = []
        todo = []
        for key, fp, build in tasks:
            files = self._reuse(key, fp)
            if files is not None:
                out.append(self._record(key, fp, files, reused=True))
            else:
                todo.append((key, fp, build))
        if self.workers <= 1 or len(todo) <= 1:
            out += [self._record(k, fp, b(self.work), reused=False) for k, fp, b in todo]
            return out
        with ThreadPoolExecutor(self.workers) as pool:
            futures = [(k, fp, pool.submit(b, self.work)) for k, fp, b in todo]
            out += [self._record(k, fp, f.result(), reused=False) for k, fp, f in futures]
        return out

    def _record(self, key: str, fp: str, files: list[str], *, reused: bool) -> list[str]:
        rec = {"key": key, "fingerprint": fp, "files": files}
        self.done[key] = rec
        self._journal.write(json.dumps(rec) + "\n")
        self._journal.flush()
        (self.report.reused if reused else self.report.written).append(key)
        if self.progress is not None:
            self.progress({"event": "unit", "n": 1})
        return files

    def close(self) -> None:
        self._journal.close()

    def files(self) -> set[str]:
        return {f for rec in self.done.values() for f in rec["files"]}


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another file system, or no hard links: copy
        shutil.copy2(src, dst)


def _write_json(work: Path, rel: str, d: dict[str, Any]) -> list[str]:
    path = work / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(d, indent=1))
    tmp.replace(path)
    return [rel]


def publish(store_dir: str | Path, out: str | Path, *, formats: str | Sequence[str] = FORMATS,
            base_url: str | None = None, allow_incomplete: bool = False, cogs: str | Path | None = None,
            checkpoint: str | Path | None = None, title: str | None = None, progress: Progress | None = None
            ) -> PublishReport:
    """Publish the store at `store_dir` into `out` (see the module docstring). Returns what was done."""
    t0 = time.monotonic()
    fmts = parse_formats(formats)
    info = read_store(store_dir)
    incomplete = incomplete_note(info, allow_incomplete)
    out = Path(out).absolute()
    previous = check_out(out, info.root)
    cogs_dir = Path(cogs).absolute() if cogs else None
    model = None
    if checkpoint is not None:
        from .model import model_item

        model = model_item(checkpoint, out)  # checked before anything is written
    if cogs_dir is not None and not cogs_dir.is_dir():
        raise UsageError(f"--cogs {cogs} is not a folder; give the --out of `m3leo export`")
    name = info.root.absolute().name
    title = title or f"M3LEO chips: {info.root.absolute().parent.name if name == 'data' else name}"
    work = out.parent / f".{out.name}.publishing"
    with _lock(work):
        return _publish(info, out, work, fmts, previous, incomplete, title, base_url, cogs_dir, model, progress, t0)


@contextmanager
def _lock(work: Path) -> Iterator[None]:
    """One publish per OUT at a time: a flock on the working folder itself (released by the OS if we die;
    it travels with the folder when it is renamed to OUT, no lock file is left behind)."""
    import fcntl

    work.mkdir(parents=True, exist_ok=True)
    fd = os.open(work, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another m3leo publish is writing {work}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def _publish(info: StoreInfo, out: Path, work: Path, fmts: list[str], previous: dict[str, Any], incomplete: str,
             title: str, base_url: str | None, cogs_dir: Path | None, model: Any, progress: Progress | None,
             t0: float) -> PublishReport:
    from . import stac

    report = PublishReport(str(out), fmts, info.n_chips, incomplete=incomplete, synthetic=info.synthetic)
    total = sum(c.n_shards * len(c.periods) * ("stac" in fmts) + len(pq_data.blocks(c)) * len(c.periods)
                * ("parquet" in fmts) for c in info.collections)
    if progress is not None:
        progress({"event": "plan", "total": total})
    units = Units(work, out, previous, report, progress, workers=min(WORKERS, os.cpu_count() or 1))
    hrefs = stac.Hrefs(info.root.absolute(), out, base_url)
    items: dict[str, list[str]] = {}
    try:
        for c in info.collections:
            for t, p in enumerate(c.periods):
                if "stac" in fmts:
                    _stac_units(info, c, t, units, items, hrefs, cogs_dir, base_url)
                if "parquet" in fmts:
                    units.make_many([(f"parquet/{c.name}/{p}/{block}", pq_data.block_fingerprint(info, c, block, t),
                                      lambda w, c=c, block=block, t=t: pq_data.write_block(info, c, block, t, w))
                                     for block in pq_data.blocks(c)])
    finally:
        units.close()
    _finish(info, work, fmts, units, items, incomplete, title, base_url, model)
    _swap(work, out)
    report.seconds = time.monotonic() - t0
    return report


def _stac_units(info: StoreInfo, c: Any, t: int, units: Units, items: dict[str, list[str]], hrefs: Any,
                cogs_dir: Path | None, base_url: str | None) -> None:
    """One STAC item per shard file of period `t` (shards never written have none)."""
    from . import stac

    base = array_path(info.root, c.name)
    p = c.periods[t]
    tasks = []
    for shard in range(c.n_shards):
        if not os.path.exists(shard_file(base, shard, t)):
            continue
        rel = stac.item_path(c, shard, p)
        fp = pq_data.shard_fingerprint(info, c, shard, t, base_url, str(cogs_dir), "stac", 1)
        tasks.append((f"stac/{c.name}/{p}/{shard}", fp, lambda w, shard=shard, rel=rel: _write_json(
            w, rel, stac.shard_item(info, c, shard, t, hrefs, cogs_dir))))
        items.setdefault(c.name, []).append(rel)
    units.make_many(tasks)


def _finish(info: StoreInfo, work: Path, fmts: list[str], units: Units, items: dict[str, list[str]],
            incomplete: str, title: str, base_url: str | None, model: tuple[str, dict[str, Any]] | None) -> None:
    """The small files, every time; then drop what no unit made (left by an older run), and the manifest."""
    from ..chipindex import write_chip_index
    from . import stac

    keep = units.files() | {MANIFEST}
    write_chip_index(info.root, work / "chips.parquet", metadata={"m3leo": json.dumps(
        {"synthetic": info.synthetic, "incomplete": incomplete or None, "split_scheme": info.split_scheme})})
    keep.add("chips.parquet")
    if model is not None:
        keep |= set(_write_json(work, *model))
    if "stac" in fmts:
        stac.write_tree(info, work, items, incomplete, title, [model[0]] if model else [])
        for c in info.collections:
            stac.write_items_parquet(work, c.name, items.get(c.name, []))
            keep |= {"catalog.json", f"{c.name}/collection.json", f"{c.name}/items.parquet"}
            keep |= {f"{c.name}/{p.split('/')[1]}/catalog.json" for p in items.get(c.name, [])}
    if "croissant" in fmts:
        from .croissant import write_croissant

        keep.add(write_croissant(info, work, title, incomplete, base_url))
    if "hf" in fmts:
        from .hfcard import write_card

        keep.add(write_card(info, work, title, incomplete))
    for path in sorted(work.rglob("*"), reverse=True):
        rel = path.relative_to(work).as_posix()
        if path.is_file() and rel not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    manifest = {"m3leo_publish": MANIFEST_VERSION, "store": str(info.root.absolute()), "formats": fmts,
                "synthetic": info.synthetic, "incomplete": incomplete or None,
                "fingerprint": fingerprint(sorted((k, v["fingerprint"]) for k, v in units.done.items())),
                "units": units.done}
    (work / MANIFEST).write_text(json.dumps(manifest, indent=0))


def _swap(work: Path, out: Path) -> None:
    """Put the finished publication in place of the old one (one rename each way)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    work.rename(out)
    if old.exists():
        shutil.rmtree(old)


def publish_model(checkpoint: str | Path, out: str | Path) -> Path:
    """Add a `m3leo train` run (folder or best.pt) to an existing publication as a STAC MLM item
    (OUT/models/<run>.json) linked from its catalogue; both files are replaced atomically."""
    from .model import model_item

    out = Path(out).absolute()
    if not (out / MANIFEST).exists():
        raise UsageError(f"{out} is not a publication (no {MANIFEST}); run `m3leo publish --out {out}` first")
    rel, item = model_item(checkpoint, out)
    _write_json(out, rel, item)
    cat = out / "catalog.json"
    if cat.exists():
        d = json.loads(cat.read_text())
        link = {"rel": "item", "href": f"./{rel}", "type": "application/geo+json", "title": "a model trained on it"}
        if not any(ln.get("href") == link["href"] for ln in d["links"]):
            d["links"].append(link)
            _write_json(out, "catalog.json", d)
    return out / rel
