"""NASA Earthdata login for downloads from ASF (ARIA GUNW products), read from the standard places.

In order: $EARTHDATA_TOKEN (a bearer token), $EARTHDATA_USERNAME + $EARTHDATA_PASSWORD, then the netrc file
($NETRC, else ~/.netrc) entry for urs.earthdata.nasa.gov. Secrets are never printed, logged or stored: the
value objects hide them from repr, and error messages name only where a login was looked for.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import CredentialsError, RasterError

URS_HOST = "urs.earthdata.nasa.gov"
_MISSING = ("GUNW downloads need an Earthdata login and none was found: set EARTHDATA_TOKEN, or "
            "EARTHDATA_USERNAME and EARTHDATA_PASSWORD, or add 'machine urs.earthdata.nasa.gov login USER "
            "password PASS' to ~/.netrc (chmod 600)")


@dataclass(frozen=True)
class EarthdataLogin:
    """A bearer token or a username/password; `where` says where it came from (never the secret)."""

    where: str
    username: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)


def find_login(environ: Mapping[str, str] | None = None) -> EarthdataLogin | None:
    environ = os.environ if environ is None else environ
    if environ.get("EARTHDATA_TOKEN"):
        return EarthdataLogin("EARTHDATA_TOKEN", token=environ["EARTHDATA_TOKEN"])
    user, pwd = environ.get("EARTHDATA_USERNAME"), environ.get("EARTHDATA_PASSWORD")
    if user and pwd:
        return EarthdataLogin("EARTHDATA_USERNAME/EARTHDATA_PASSWORD", username=user, password=pwd)
    path = Path(environ.get("NETRC") or Path(environ.get("HOME", str(Path.home()))) / ".netrc")
    if path.is_file():
        try:
            auth = netrc.netrc(str(path)).authenticators(URS_HOST)
        except (netrc.NetrcParseError, OSError):
            raise CredentialsError(f"{path} cannot be parsed; fix its '{URS_HOST}' entry") from None
        if auth and auth[0] and auth[2]:
            return EarthdataLogin(str(path), username=auth[0], password=auth[2])
    return None


def require_login(environ: Mapping[str, str] | None = None) -> EarthdataLogin:
    login = find_login(environ)
    if login is None:
        raise CredentialsError(_MISSING)
    return login


def _session(login: EarthdataLogin, first_host: str) -> Any:
    import requests

    class _Session(requests.Session):
        # requests drops credentials on a redirect to another host; the Earthdata flow redirects to URS and
        # back, so keep them for URS and the host asked first (and nowhere else).
        def rebuild_auth(self, prepared: Any, response: Any) -> None:
            host = urlparse(prepared.url).hostname
            if host not in (URS_HOST, first_host):
                prepared.headers.pop("Authorization", None)

    s = _Session()
    if login.token:
        s.headers["Authorization"] = f"Bearer {login.token}"
    else:
        s.auth = (login.username, login.password)
    return s


def download(url: str, dest_dir: str | Path, login: EarthdataLogin, timeout: float = 120.0) -> Path:
    """Fetch `url` into dest_dir (kept: a second run reuses it). NetCDF products are read whole by GDAL's
    netCDF driver, so they are downloaded; the file appears only when complete."""
    dest = Path(dest_dir) / Path(urlparse(url).path).name
    if dest.is_file() and dest.stat().st_size > 0:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    try:
        with _session(login, urlparse(url).hostname or "") as s, s.get(url, stream=True, timeout=timeout) as r:
            if r.status_code in (401, 403):
                raise CredentialsError(f"Earthdata refused the login from {login.where} for {url} (HTTP "
                                       f"{r.status_code}); check it, and that you accepted the ASF EULA")
            if r.status_code != 200:
                raise RasterError(f"{url}: HTTP {r.status_code}; check the product URL")
            with tmp.open("wb") as fh:
                for chunk in r.iter_content(1 << 20):
                    fh.write(chunk)
    except (CredentialsError, RasterError):
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:  # requests' errors are OSErrors
        tmp.unlink(missing_ok=True)
        raise RasterError(f"{url}: download failed ({str(exc).splitlines()[0][:200]}); check the network") from None
    tmp.replace(dest)
    return dest
