"""What a `--store` path means: the dataset it names, found before anything is read or written.

A dataset is a folder holding `chips.zarr` (the Zarr hierarchy), `state.sqlite` and/or `m3leo.toml`. The easy
slip is to name a path inside one (`DATASET/chips.zarr`, `DATASET/chips.zarr/s2`, `DATASET/state.sqlite`):
that is understood as DATASET itself. Any other path inside a dataset, or inside a Zarr hierarchy that is not a
dataset's, is refused: writing there would nest a second dataset inside the first and break both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_FILE
from .defaults import STATE_FILE
from .errors import UsageError

_ZARR_MARKERS = ("zarr.json", ".zgroup", ".zarray")  # Zarr v3 / v2 node metadata


@dataclass(frozen=True)
class StorePath:
    """The dataset folder to use, and `note`: one line saying how it was found from what was given (None when
    the path given is the dataset folder itself)."""

    path: str | Path  # an fsspec URL stays the string it was
    note: str | None = None


def _store_name() -> str:
    from .store import STORE_NAME  # zarr: only once a --store is given

    return STORE_NAME


def is_dataset(folder: Path) -> bool:
    """A folder holding a dataset's chip store, state database or m3leo.toml."""
    return ((folder / _store_name()).is_dir() or (folder / STATE_FILE).is_file()
            or (folder / CONFIG_FILE).is_file())


def _is_zarr_node(folder: Path) -> bool:
    return any((folder / m).is_file() for m in _ZARR_MARKERS)


def _own_part(rel: Path) -> bool:
    """`rel` (relative to a dataset folder) is one of the dataset's own files or lies in its chip store."""
    head = rel.parts[0] if rel.parts else ""
    return head in (_store_name(), CONFIG_FILE) or head.startswith(STATE_FILE)


def resolve_store(given: str | Path) -> StorePath:
    """The dataset folder that `given` names (fsspec URLs are taken as they are). UsageError, one line, when
    `given` lies inside a dataset or a Zarr hierarchy without being one of the dataset's own parts."""
    text = str(given)
    if "://" in text and not text.startswith("file://"):
        return StorePath(given)
    path = Path(text.removeprefix("file://")).expanduser()
    full = path.absolute()
    for parent in full.parents:
        if is_dataset(parent):
            rel = full.relative_to(parent)
            shown = _shown(path, parent)
            if _own_part(rel):
                return StorePath(shown, f"--store {path} is inside the dataset {shown}; using --store {shown}")
            raise UsageError(f"--store {path} lies inside the dataset {shown}, and a dataset cannot hold another; "
                             f"give --store {shown} itself, or a folder outside it")
    for node in (full, *full.parents):
        if _is_zarr_node(node):
            top = _zarr_root(node)
            where = "is" if top == full else "lies inside"
            raise UsageError(f"--store {path} {where} the Zarr hierarchy {_shown(path, top)}, not a dataset folder; "
                             "give a dataset folder (the one that holds chips.zarr) or a new folder outside it")
    return StorePath(path)


def _zarr_root(node: Path) -> Path:
    """The topmost folder of the Zarr hierarchy `node` belongs to."""
    top = node
    while top.parent != top and _is_zarr_node(top.parent):
        top = top.parent
    return top


def _shown(given: Path, folder: Path) -> Path:
    """`folder` spelled the way the user spelled `given` (relative stays relative)."""
    if given.is_absolute():
        return folder
    try:
        return folder.relative_to(Path.cwd())
    except ValueError:
        return folder
