"""The seam around computePixels: one request in, one (band, y, x) array out.

`PixelsGetter` is the Protocol the runner calls. `EEPixelsGetter` is the real one (earthengine-api,
against Google or the emulator); tests wrap it to inject failures. Errors come out classified as
`EarthEngineError` (retryable / too large / permanent) so the runner never parses messages itself.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from affine import Affine

from ..errors import EarthEngineError, QuotaError
from ..memory import keep_freed_memory


@dataclass(frozen=True)
class PixelRequest:
    """A grid of pixels to compute: `expression` on a north-up grid in `crs`.

    `shape` is (height, width) in pixels; `transform` maps pixel (col, row) to the CRS's (x, y).
    """

    expression: Any  # ee.Image
    crs: str
    transform: Affine
    shape: tuple[int, int]
    band_ids: tuple[str, ...]
    dtype: str
    workload_tag: str = ""  # quota.workload_tag: Google's console shows EECU cost per tag

    def body(self) -> dict[str, Any]:
        t = self.transform
        body: dict[str, Any] = {
            "expression": self.expression,
            "fileFormat": "NUMPY_NDARRAY",
            "bandIds": list(self.band_ids),
            "grid": {
                "dimensions": {"width": int(self.shape[1]), "height": int(self.shape[0])},
                "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c,
                                    "shearY": t.d, "scaleY": t.e, "translateY": t.f},
                "crsCode": self.crs,
            },
        }
        if self.workload_tag:
            body["workloadTag"] = self.workload_tag
        return body

    @property
    def nbytes(self) -> int:
        return self.shape[0] * self.shape[1] * len(self.band_ids) * np.dtype(self.dtype).itemsize


class PixelsGetter(Protocol):
    def __call__(self, request: PixelRequest) -> np.ndarray:
        """Return the pixels as an array of shape (band, height, width), or raise EarthEngineError."""
        ...


# Earth Engine's messages for conditions worth retrying (quota, overload, transient server trouble).
_RETRYABLE = re.compile(
    r"too many (concurrent|requests)|quota|rate limit|resource[_ ]exhausted|429|"
    r"internal error|service unavailable|backend error|unavailable|deadline|timed? ?out|"
    r"try again|50[0234]|connection (reset|aborted|refused)|server disconnected|temporar",
    re.IGNORECASE)
_TOO_LARGE = re.compile(r"total request size|request payload size|too large|"
                        r"must be less than or equal to", re.IGNORECASE)
# Earth Engine ran out of time or memory computing the request: the same request fails again; a smaller one
# (fewer pixels, so less work per request) succeeds. Not retryable as is.
_TOO_HEAVY = re.compile(r"computation timed out|user memory limit exceeded", re.IGNORECASE)


def classify(exc: BaseException) -> EarthEngineError:
    """Turn whatever the client raised into an EarthEngineError that says whether to retry."""
    if isinstance(exc, EarthEngineError):
        return exc
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, OSError)) and not _TOO_LARGE.search(msg):
        return EarthEngineError(f"connection problem: {msg}", retryable=True)
    if type(exc).__module__.startswith("httplib2") or "RemoteDisconnected" in type(exc).__name__:
        return EarthEngineError(f"connection problem: {msg}", retryable=True)
    if _TOO_HEAVY.search(msg):
        return EarthEngineError(msg, too_heavy=True)
    if _TOO_LARGE.search(msg):
        return EarthEngineError(msg, too_large=True)
    if re.search(r"too many concurrent|quota|rate limit|resource[_ ]exhausted|429", msg, re.IGNORECASE):
        return QuotaError(msg)
    if _RETRYABLE.search(msg):
        return EarthEngineError(msg, retryable=True)
    return EarthEngineError(msg)


def structured_to_bands(arr: np.ndarray, band_ids: tuple[str, ...], dtype: str) -> np.ndarray:
    """computePixels' NUMPY_NDARRAY result is a structured (height, width) array, one field per band."""
    if arr.dtype.names:
        return np.stack([arr[b] for b in band_ids]).astype(dtype, copy=False)
    if arr.ndim == 3:  # (h, w, band)
        return np.moveaxis(arr, -1, 0).astype(dtype, copy=False)
    return arr[None].astype(dtype, copy=False)


class EEPixelsGetter:
    """The real getter: `ee.data.computePixels` through whatever endpoint `ee` was initialised with."""

    def __call__(self, request: PixelRequest) -> np.ndarray:
        import ee

        keep_freed_memory()  # once per process: decoded blocks of many MB fault no fresh pages (memory.py)
        try:
            arr = ee.data.computePixels(request.body())
        except Exception as exc:  # the client raises EEException, HttpError, socket and httplib2 errors
            raise classify(exc) from exc
        out = structured_to_bands(np.asarray(arr), request.band_ids, request.dtype)
        if out.shape[1:] != tuple(request.shape):
            raise EarthEngineError(f"computePixels returned {out.shape[1:]} pixels for a {request.shape} grid",
                                   retryable=True)
        return out
