"""The seam around batch exports: submit Export.image tasks, poll operations, fetch the GeoTIFFs.

`ExportBackend` is the Protocol the export runner calls; `EEExportBackend` is the real one (earthengine-api's
ee.batch and operations methods, against Google or the emulator). Finished files are read through fsspec
(gs:// with gcsfs, or a local folder / file:// URL standing in for the bucket).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from affine import Affine

from ..defaults import Destination
from ..errors import DependencyError, EarthEngineError, RasterError, UsageError
from .pixels import classify

# `ee` (the earthengine-api client, ~1 s to import) and fsspec/rasterio are imported inside the methods that
# use them, so building a backend, or importing export mode, costs nothing until a task is submitted or read.

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class ExportRequest:
    expression: Any  # ee.Image
    description: str
    crs: str
    transform: Affine
    shape: tuple[int, int]  # (height, width)
    file_prefix: str  # path inside the bucket, without .tif


@dataclass(frozen=True)
class TaskState:
    name: str
    state: str  # PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED
    error: str | None = None
    uris: tuple[str, ...] = ()


class ExportBackend(Protocol):
    def submit(self, request: ExportRequest) -> str: ...
    def poll(self, names: list[str]) -> dict[str, TaskState]: ...
    def cancel(self, name: str) -> None: ...
    def file_url(self, request_prefix: str) -> str: ...


class EEExportBackend:
    """Export.image.toCloudStorage (or toDrive) through the initialised `ee` client.

    `bucket_url` is where the bucket's objects are read back: gs://BUCKET by default; a local folder for the
    emulator, which writes its exports there.
    """

    def __init__(self, bucket: str, destination: Destination | str = Destination.GCS,
                 bucket_url: str | None = None) -> None:
        try:
            self.destination = Destination(destination)
        except ValueError:
            raise UsageError(f"destination {destination!r} is not known; use "
                             f"{' or '.join(d.value for d in Destination)}") from None
        self.bucket = bucket
        self.bucket_url = (bucket_url or f"gs://{bucket}").rstrip("/")

    def submit(self, request: ExportRequest) -> str:
        import ee

        t = request.transform
        kwargs = dict(image=request.expression, description=request.description[:100],
                      fileNamePrefix=request.file_prefix, crs=request.crs,
                      crsTransform=[t.a, t.b, t.c, t.d, t.e, t.f],
                      dimensions=f"{request.shape[1]}x{request.shape[0]}", fileFormat="GeoTIFF",
                      maxPixels=int(1e13))
        try:
            if self.destination is Destination.GCS:
                task = ee.batch.Export.image.toCloudStorage(bucket=self.bucket, **kwargs)
            else:
                task = ee.batch.Export.image.toDrive(folder=self.bucket, **kwargs)
            task.start()
        except Exception as exc:
            raise classify(exc) from exc
        return str(task.name)

    def poll(self, names: list[str]) -> dict[str, TaskState]:
        """One listOperations round trip for all tasks (Earth Engine pages it), not one call per task."""
        import ee

        try:
            ops = ee.data.listOperations()
        except Exception as exc:
            raise classify(exc) from exc
        wanted = set(names)
        out: dict[str, TaskState] = {}
        for op in ops:
            name = op.get("name", "")
            if name not in wanted:
                continue
            meta = op.get("metadata", {})
            state = meta.get("state", "PENDING")
            err = op.get("error", {}).get("message") if op.get("error") else None
            out[name] = TaskState(name, state, err, tuple(meta.get("destinationUris", ())))
        return out

    def cancel(self, name: str) -> None:
        import ee

        try:
            ee.data.cancelOperation(name)
        except Exception as exc:
            raise classify(exc) from exc

    def file_url(self, request_prefix: str) -> str:
        return f"{self.bucket_url}/{request_prefix}.tif"


def make_export_backend(bucket: str | None, destination: Destination | str = Destination.GCS,
                        bucket_url: str | None = None, emulator: Any = None) -> EEExportBackend:
    """The export backend of a run; with the local emulator (`emulator`) the bucket is a folder of its exports.

    Checked before anything is written: a bucket is required, and reading gs:// back needs gcsfs.
    """
    if not bucket:
        raise UsageError("--mode export needs --bucket NAME (a Cloud Storage bucket, or a Drive folder with "
                         "--destination drive)")
    if bucket_url is None and emulator is not None:
        bucket_url = str(Path(emulator.knobs.export_root) / bucket)
    backend = EEExportBackend(bucket, destination, bucket_url)
    if backend.bucket_url.startswith("gs://") and importlib.util.find_spec("gcsfs") is None:
        raise DependencyError(f"reading exports back from {backend.bucket_url} needs gcsfs: pip install "
                              "'m3leo-extract[gcs]' (or give --bucket-url a folder the bucket is synced to)")
    return backend


def read_export(url: str, shape: tuple[int, int], n_bands: int, dtype: str) -> np.ndarray:
    """Read a finished export (band, y, x) through fsspec; it is already on the block's exact grid."""
    import fsspec
    import rasterio
    from rasterio.io import MemoryFile

    try:
        with fsspec.open(url, "rb") as fh, MemoryFile(fh.read()) as mem, mem.open() as src:
            arr = src.read()
    except FileNotFoundError:
        raise EarthEngineError(f"export file {url} is missing although its task succeeded", retryable=True) from None
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(f"export file {url} is not a readable GeoTIFF ({exc}); delete it and retry the unit") \
            from None
    if arr.shape != (n_bands, *shape):
        raise RasterError(f"export file {url} has shape {arr.shape}, expected {(n_bands, *shape)}")
    return arr.astype(dtype, copy=False)
