"""Environmental failures (OS errors, SQLite, the network, a missing optional package) as `M3leoError`s.

The CLI's last line of defence: whatever escaped the library is translated here into one actionable line
with the right exit code. What cannot be translated is a bug (`internal error`, exit 70).
"""

from __future__ import annotations

import errno
import sqlite3

from .errors import (
    DependencyError,
    EarthEngineError,
    EndpointUnavailableError,
    LocalIOError,
    M3leoError,
    UsageError,
)

# Optional packages a feature imports lazily -> what to install.
INSTALL_HINTS = {
    "gcsfs": "pip install 'm3leo-extract[gcs]' (gcsfs reads gs:// buckets)",
    "s3fs": "pip install s3fs (reads s3:// URLs)",
    "adlfs": "pip install adlfs (reads az:// URLs)",
    "geemap": "pip install 'm3leo-extract[viz]'",
    "torchgeo": "pip install 'm3leo-extract[bench]'",
    "distributed": "pip install 'dask[distributed]'",
}

_RETRY = "done units are kept; rerun the same command to resume"


def _os_message(exc: OSError) -> M3leoError | None:
    where = exc.filename or ""
    at = f" ({where})" if where else ""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return LocalIOError(f"no space left on the device{at}: free some space or use another --store; {_RETRY}")
    if code == errno.EROFS:
        return LocalIOError(f"the file system is read-only{at}: use a writable --store or remount it; {_RETRY}")
    if code in (errno.EACCES, errno.EPERM):
        return LocalIOError(f"permission denied{at}: fix the permissions or use another path; {_RETRY}")
    if code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return UsageError(f"{exc.strerror.lower() if exc.strerror else 'bad path'}{at}: a file is where a folder "
                          "must go (or the other way round); give another path")
    if code == errno.EADDRINUSE:
        return UsageError("the port is already in use: pick another with --port (or --port 0 for any free one)")
    if code in (errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
        return EndpointUnavailableError(f"cannot reach the endpoint ({exc.strerror}); check --ee-url and the "
                                        "network, then rerun")
    if code == errno.ENOENT:
        return UsageError(f"no such file or folder{at}")
    if code == errno.EMFILE:
        return LocalIOError("too many open files: raise `ulimit -n` or lower --max-concurrency; " + _RETRY)
    return None


def _sqlite_message(exc: sqlite3.Error) -> M3leoError | None:
    text = str(exc)
    if "disk is full" in text or "disk I/O error" in text:
        return LocalIOError(f"the state database cannot be written ({text}): free some space; {_RETRY}")
    if "readonly" in text or "unable to open" in text:
        return LocalIOError(f"the state database cannot be written ({text}): use a writable --store; {_RETRY}")
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def translate(exc: BaseException) -> M3leoError | None:
    """An `M3leoError` for an environmental failure, or None when `exc` is a bug."""
    for e in _chain(exc):
        if isinstance(e, M3leoError):
            return e
        if isinstance(e, ModuleNotFoundError) and e.name:
            root = e.name.split(".")[0]
            hint = INSTALL_HINTS.get(root, f"pip install {root}")
            return DependencyError(f"this needs the optional package {root!r}, which is not installed: {hint}")
        if isinstance(e, OSError) and e.errno is not None:
            msg = _os_message(e)
            if msg is not None:
                return msg
        if isinstance(e, sqlite3.Error):
            msg = _sqlite_message(e)
            if msg is not None:
                return msg
        name = type(e).__name__
        module = type(e).__module__ or ""
        if name == "ConnectionError" and module.startswith(("requests", "urllib3", "builtins")):
            return EndpointUnavailableError(f"cannot reach Earth Engine ({str(e).splitlines()[0][:160]}); check "
                                            "--ee-url / the network and rerun")
        if name == "EEException":
            return EarthEngineError(f"Earth Engine: {str(e).splitlines()[0]}")
    return None
