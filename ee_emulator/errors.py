"""The emulator's one error type: what Earth Engine would answer, as Google's JSON error shape.

`EEError(message, code=400)` raised anywhere while answering a request becomes
`{"error": {"code": 400, "message": ..., "status": "INVALID_ARGUMENT"}}`, which the unmodified client raises
as `ee.EEException(message)`. Messages copy Earth Engine's own wording where it is known.
"""

from __future__ import annotations

STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE"}


class EEError(Exception):
    """An error Earth Engine would report (HTTP 400 unless `code` says otherwise)."""

    def __init__(self, message: str, code: int = 400, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status or STATUS.get(code, "UNKNOWN")

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": str(self), "status": self.status}}


def unknown_algorithm(name: str) -> EEError:
    """Earth Engine's answer to a graph calling an algorithm it does not have."""
    return EEError(f"Unknown algorithm: '{name}'. (the m3leo emulator does not implement it; see "
                   "docs/emulator.md for the algorithms it does)")


def not_found(what: str) -> EEError:
    return EEError(what, code=404)
