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
    """An Earth Engine request failed. `retryable` says whether backing off may help; `invalid` that Earth Engine
    refused the request itself (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED: a recipe's band or asset that
    does not exist, a bad parameter), which no retry mends: the input must be fixed."""

    def __init__(self, message: str, *, retryable: bool = False, too_large: bool = False,
                 status: int | None = None, too_heavy: bool = False, invalid: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.too_large = too_large
        self.too_heavy = too_heavy  # "Computation timed out." / "User memory limit exceeded.": ask for less
        self.invalid = invalid
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


class NotInStoreError(UsageError, StoreError):
    """A store, collection, chip or period the user named is not there (exit 2: bad input)."""


class MixedSourcesError(UsageError, StoreError):
    """Synthetic (emulator) and real Earth Engine chips would end up in one store."""


class DependencyError(UsageError):
    """An optional package a chosen feature needs is not installed; the message says what to install."""


class EndpointUnavailableError(M3leoError):
    """The Earth Engine endpoint cannot be reached (down, wrong URL, no network). Nothing was lost."""

    exit_code = 69  # EX_UNAVAILABLE


class LocalIOError(M3leoError):
    """The local file system refused a write (disk full, read-only, permission, a file where a folder goes).

    Units in flight are back to planned: fix the cause and rerun the same command.
    """

    exit_code = 74  # EX_IOERR


EXIT_OK = 0
EXIT_FAILED_UNITS = 1  # the run ended with units failed permanently: a person must look (`m3leo status`)
EXIT_USAGE = UsageError.exit_code
EXIT_CREDENTIALS = CredentialsError.exit_code
EXIT_UNAVAILABLE = EndpointUnavailableError.exit_code
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug; rerun with --debug and report the traceback
EXIT_IO = LocalIOError.exit_code
EXIT_TEMPFAIL = LockedError.exit_code  # lock held, or only transient failures left: the next run retries them
EXIT_INTERRUPTED = 130
