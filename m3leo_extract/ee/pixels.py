"""The seam around computePixels: one request in, one (band, y, x) array out.

`PixelsGetter` is the Protocol the runner calls. `EEPixelsGetter` is the real one (earthengine-api,
against Google or the emulator); tests wrap it to inject failures. Errors come out classified as
`EarthEngineError` (retryable / too large / permanent) so the runner never parses messages itself.
"""

from __future__ import annotations

import json
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


# How Earth Engine's errors are told apart: first the HTTP status and the status name of Google's error JSON
# ({"error": {"code", "message", "status"}}, which the client keeps on the HttpError it raises the EEException
# from), then only Earth Engine's own documented phrases (docs: "Debugging: scaling errors", "Usage and quota").
TRANSIENT_STATUS = frozenset({"RESOURCE_EXHAUSTED", "UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "ABORTED",
                              "UNKNOWN"})
PERMANENT_STATUS = frozenset({"INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED",
                              "FAILED_PRECONDITION", "OUT_OF_RANGE", "UNIMPLEMENTED", "ALREADY_EXISTS"})
TRANSIENT_HTTP = frozenset({408, 429, 500, 502, 503, 504})
# Quota and concurrency refusals (HTTP 429 when the status is known; the phrases when only the text is).
QUOTA_PHRASES = ("too many concurrent aggregations", "too many concurrent requests", "too many requests",
                 "quota exceeded", "rate limit exceeded", "earth engine capacity exceeded")
# Earth Engine ran out of time or memory computing the request (HTTP 400): the same request fails again, a
# smaller one (fewer pixels, less work per request) succeeds. Shrink, never retry as is.
TOO_HEAVY_PHRASES = ("computation timed out", "user memory limit exceeded")
# The request asks for more than one answer may carry (HTTP 400): split it.
TOO_LARGE_PHRASES = ("total request size", "request payload size exceeds", "must be less than or equal to")
# A server-side hiccup whose text is all there is (no HTTP status reached us).
TRANSIENT_PHRASES = ("an internal error has occurred", "service is currently unavailable", "backend error")


@dataclass(frozen=True)
class HttpFailure:
    """What an HTTP error answer said: its status code, Google's status name ("" unknown) and message."""

    code: int | None
    status: str
    message: str


def http_failure(exc: BaseException) -> HttpFailure | None:
    """The HTTP answer behind `exc` (an EEException raised from a googleapiclient HttpError), if any."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 8:
        seen.append(cur)
        resp = getattr(cur, "resp", None)
        code = getattr(resp, "status", None) if resp is not None else getattr(cur, "status_code", None)
        if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
            status, message = "", ""
            content = getattr(cur, "content", b"")
            try:
                err = json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)["error"]
                status, message = str(err.get("status") or ""), str(err.get("message") or "")
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
            return HttpFailure(int(code), status.upper(), message)
        cur = cur.__cause__ or cur.__context__
    return None


def _has(msg: str, phrases: tuple[str, ...]) -> bool:
    low = msg.lower()
    return any(p in low for p in phrases)


def classify(exc: BaseException) -> EarthEngineError:
    """Turn whatever the client raised into an EarthEngineError that says whether to retry, shrink or stop.

    Decided on the HTTP status and Google's status name where the answer carries them; on Earth Engine's own
    documented phrases only for the cases they name (quota, too heavy, too large). Anything else an Earth
    Engine answer says (an asset not found, a band that does not exist, a bad parameter) is permanent.
    """
    if isinstance(exc, EarthEngineError):
        return exc
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    http = http_failure(exc)
    if http is None and (isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, OSError))
                         or type(exc).__module__.startswith(("httplib2", "http.client", "urllib3", "requests"))
                         or "RemoteDisconnected" in type(exc).__name__):
        return EarthEngineError(f"connection problem: {msg}", retryable=True)
    code = http.code if http else None
    status = http.status if http else ""
    if _has(msg, TOO_HEAVY_PHRASES):
        return EarthEngineError(msg, too_heavy=True, status=code)
    if _has(msg, TOO_LARGE_PHRASES) and (code is None or code in (400, 413)):
        return EarthEngineError(msg, too_large=True, status=code)
    if code == 429 or status == "RESOURCE_EXHAUSTED" or (http is None and _has(msg, QUOTA_PHRASES)):
        return QuotaError(msg, status=code or 429)
    if status in TRANSIENT_STATUS or (not status and code in TRANSIENT_HTTP):
        return EarthEngineError(msg, retryable=True, status=code)
    if status in PERMANENT_STATUS or (code is not None and 400 <= code < 500):
        return EarthEngineError(msg, status=code, invalid=True)
    if code is not None:
        return EarthEngineError(msg, status=code)
    if _has(msg, TRANSIENT_PHRASES):
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
