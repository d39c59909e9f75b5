"""Connecting the real earthengine-api client to Earth Engine or to the local emulator."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import CredentialsError, EndpointUnavailableError

HIGH_VOLUME_URL = "https://earthengine-highvolume.googleapis.com"
_lock = threading.Lock()
_current: tuple[str | None, str | None] | None = None


LOCAL = "local"  # --ee-url local: an in-process emulator for one command
PROBE_TIMEOUT_S = 5.0
_local_urls: set[str] = set()


def resolve_url(url: str | None) -> str | None:
    return url or os.environ.get("M3LEO_EE_URL") or None


@dataclass(frozen=True)
class Endpoint:
    """Where Earth Engine requests go, as recorded in the store's provenance."""

    kind: str  # "emulator" (an --ee-url endpoint with anonymous credentials: synthetic data) | "earthengine"
    url: str  # "local" for an in-process emulator (never its temporary port), else the URL; "" for Google
    project: str
    address: str = ""  # the URL requests go to ("" for Google's high-volume endpoint)

    @property
    def synthetic(self) -> bool:
        return self.kind == "emulator"

    def provenance(self) -> dict[str, Any]:
        out: dict[str, Any] = {"endpoint": self.kind, "ee_url": self.url, "project": self.project,
                               "client": f"earthengine-api {_client_version()}"}
        if self.kind != "custom":  # an injected pixel getter (tests): where its pixels come from is unknown
            out["synthetic"] = self.synthetic
        return out


def _client_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("earthengine-api")
    except PackageNotFoundError:
        return "unknown"


def endpoint_for(url: str | None, project: str | None) -> Endpoint:
    """The endpoint a run with these options talks to (before anything is initialised)."""
    url = resolve_url(url)
    project = project or os.environ.get("M3LEO_EE_PROJECT") or os.environ.get("EE_PROJECT") or ""
    if url:
        return Endpoint("emulator", LOCAL if url in _local_urls else url, project or "m3leo-emulator", url)
    return Endpoint("earthengine", "", project)


@contextmanager
def local_endpoint(url: str | None, **knobs: Any) -> Iterator[tuple[str | None, Any]]:
    """(url, emulator handle or None): `local` starts an in-process emulator for the block's duration."""
    url = resolve_url(url)
    if url != LOCAL:
        yield url, None
        return
    from ee_emulator import start_emulator

    with start_emulator(**knobs) as emu:
        _local_urls.add(emu.url)  # provenance and m3leo.toml say `local`, never this temporary port
        try:
            yield emu.url, emu
        finally:
            _local_urls.discard(emu.url)


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Fail fast, in one line, when an --ee-url endpoint does not answer (the client would retry for ~30 s)."""
    import urllib.error
    import urllib.request

    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/$discovery/rest?version=v1", timeout=timeout) as resp:
            resp.read(1)
    except urllib.error.HTTPError:
        return  # it answers: what it says is the client's business
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EndpointUnavailableError(
            f"cannot reach the Earth Engine endpoint {url} ({reason}; {time.monotonic() - t0:.1f}s): start it "
            "(`m3leo emulator --port P`) or fix --ee-url / M3LEO_EE_URL, then rerun; nothing was lost") from None


def initialize(url: str | None = None, project: str | None = None) -> str:
    """Initialise `ee` once per (url, project). Returns a short description of the endpoint.

    With a url (or M3LEO_EE_URL) the client talks to that endpoint with anonymous credentials: the
    emulator. Without, it uses the credentials `earthengine authenticate` stored or a service account
    (GOOGLE_APPLICATION_CREDENTIALS), on the high-volume endpoint meant for computePixels.
    """
    global _current
    import ee  # here, not at import time: the client costs ~1 s to import and most commands never need it

    url = resolve_url(url)
    project = project or os.environ.get("M3LEO_EE_PROJECT") or os.environ.get("EE_PROJECT")
    with _lock:
        if _current == (url, project):
            return url or HIGH_VOLUME_URL
        if url:
            from google.auth.credentials import AnonymousCredentials

            probe(url)

            ee.Initialize(credentials=AnonymousCredentials(), project=project or "m3leo-emulator", opt_url=url)
        else:
            if not project:
                raise CredentialsError("no Earth Engine project: pass --project PROJECT_ID or set "
                                       "M3LEO_EE_PROJECT (or use --ee-url to talk to the local emulator)")
            try:
                ee.Initialize(project=project, opt_url=HIGH_VOLUME_URL)
            except Exception as exc:  # ee raises plain Exception / EEException / google.auth errors here
                raise CredentialsError(
                    f"cannot initialise Earth Engine for project {project!r} ({str(exc).splitlines()[0]}); "
                    "run `earthengine authenticate` or set GOOGLE_APPLICATION_CREDENTIALS to a service "
                    "account key, or use --ee-url for the local emulator") from None
        # The runner owns retries (shared limiter, jittered back-off, counted in the state): the client's
        # own exponential retries would hide 429s from it and hold a concurrency slot while sleeping.
        ee.data.setMaxRetries(0)
        _current = (url, project)
        return url or HIGH_VOLUME_URL
