"""A small exception hierarchy. Every message says what went wrong *and what to do*.

The CLI turns any `M3leoError` into one line on stderr and exit status `exit_code`.
"""

from __future__ import annotations


class M3leoError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(M3leoError):
    """Bad user input (AOI, collection name, period, option). Nothing was written."""

    exit_code = 2


class AOIError(UsageError):
    """An AOI file or name that cannot be used."""


class CollectionError(UsageError):
    """Unknown collection or an invalid recipe."""


class PeriodError(UsageError):
    """A period string that cannot be parsed."""


class GridError(UsageError):
    """Ground the chip grid cannot cover (e.g. beyond UTM's latitude range)."""


class CredentialsError(M3leoError):
    """Earth Engine credentials or project missing / rejected."""

    exit_code = 3


class EarthEngineError(M3leoError):
    """An Earth Engine request failed. `retryable` says whether backing off may help."""

    def __init__(self, message: str, *, retryable: bool = False, too_large: bool = False,
                 status: int | None = None, too_heavy: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.too_large = too_large
        self.too_heavy = too_heavy  # "Computation timed out." / "User memory limit exceeded.": ask for less
        self.status = status


class QuotaError(EarthEngineError):
    """429 / quota exceeded: back off and retry, or lower --max-concurrency / --max-rps."""

    def __init__(self, message: str, *, status: int | None = 429) -> None:
        super().__init__(message, retryable=True, status=status)


class RasterError(M3leoError):
    """A raster that cannot be read (corrupt, unsupported, missing)."""


class StoreError(M3leoError):
    """The Zarr store or state database is missing, locked or inconsistent."""


class LockedError(StoreError):
    """Another run holds the dataset's lock."""

    exit_code = 75  # EX_TEMPFAIL: cron should simply try again next time
