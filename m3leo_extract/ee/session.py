"""Connecting the real earthengine-api client to Earth Engine or to the local emulator."""

from __future__ import annotations

import os
import threading

import ee

from ..errors import CredentialsError

HIGH_VOLUME_URL = "https://earthengine-highvolume.googleapis.com"
_lock = threading.Lock()
_current: tuple[str | None, str | None] | None = None


def resolve_url(url: str | None) -> str | None:
    return url or os.environ.get("M3LEO_EE_URL") or None


def initialize(url: str | None = None, project: str | None = None) -> str:
    """Initialise `ee` once per (url, project). Returns a short description of the endpoint.

    With a url (or M3LEO_EE_URL) the client talks to that endpoint with anonymous credentials: the
    emulator. Without, it uses the credentials `earthengine authenticate` stored or a service account
    (GOOGLE_APPLICATION_CREDENTIALS), on the high-volume endpoint meant for computePixels.
    """
    global _current
    url = resolve_url(url)
    project = project or os.environ.get("M3LEO_EE_PROJECT") or os.environ.get("EE_PROJECT")
    with _lock:
        if _current == (url, project):
            return url or HIGH_VOLUME_URL
        if url:
            from google.auth.credentials import AnonymousCredentials

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
