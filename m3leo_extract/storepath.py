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


STATE_OPTION = "--state"


def remote_dataset(url: str, state: str | Path | None) -> StorePath:
    """A remote store (`--store s3://bucket/prefix`) stands on a local folder (`--state DIR`) that holds its
    state database, run lock and m3leo.toml, and a pointer to the URL (shards.POINTER_FILE). Checked before
    anything is written: the folder is this store's (or new), the bucket exists, the credentials work."""
    from .shards import POINTER_FILE

    if state is None:
        raise UsageError(f"--store {url} is remote: give {STATE_OPTION} DIR, a local folder for its state "
                         "database, run lock and m3leo.toml (SQLite and locks do not work on object storage)")
    folder = Path(state).expanduser()
    pointer = folder / POINTER_FILE
    have = pointer.read_text().strip() if pointer.is_file() else None
    if have is not None and have.rstrip("/") != url.rstrip("/"):
        raise UsageError(f"{STATE_OPTION} {folder} is the state of {have}, not {url}; give that store's folder "
                         "or a new one")
    if have is None and folder.exists() and (is_dataset(folder) or not folder.is_dir()):
        raise UsageError(f"{STATE_OPTION} {folder} is a local dataset or a file; give a new or empty folder")
    check_remote(url)
    if have is None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = pointer.with_suffix(".partial")
        tmp.write_text(url.rstrip("/") + "\n")
        tmp.replace(pointer)
        return StorePath(folder, f"--store {url}: its state, lock and m3leo.toml are kept in {folder}")
    return StorePath(folder)


def check_remote(url: str) -> None:
    """One line, the right exit code, when the bucket of `url` is missing or cannot be reached or read."""
    from .errors import CredentialsError, EndpointUnavailableError

    try:
        import fsspec

        fs, inner = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"--store {url}: {str(exc).splitlines()[0]} (for s3:// install s3fs, for gs:// gcsfs)") \
            from None
    bucket = inner.split("/")[0]
    try:
        fs.info(bucket)
    except FileNotFoundError:
        raise UsageError(f"--store {url}: the bucket {bucket!r} does not exist; create it first "
                         f"(e.g. `aws s3 mb s3://{bucket}`) or fix the URL") from None
    except PermissionError as exc:
        raise CredentialsError(f"--store {url}: access to {bucket!r} denied ({exc}); check the credentials' "
                               "rights on the bucket") from None
    except Exception as exc:  # botocore's NoCredentialsError, EndpointConnectionError, ... (no common base)
        name = type(exc).__name__
        if "Credential" in name:
            raise CredentialsError(f"--store {url}: no credentials for {url.split('://')[0]}:// ({exc}); set "
                                   "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE (gs://: "
                                   "GOOGLE_APPLICATION_CREDENTIALS)") from None
        raise EndpointUnavailableError(f"--store {url}: cannot reach the object store ({name}: "
                                       f"{str(exc).splitlines()[0] if str(exc) else ''}); check "
                                       "AWS_ENDPOINT_URL / the network, then rerun; nothing was written") from None
