"""External sources (GSSIC, GUNW, ESA CCI Biomass) on seeded files in each source's real layout and naming.

GSSIC tiles are served by a real S3-compatible server (moto's) on loopback and read through GDAL's /vsis3/;
chips are compared with an independent `rasterio.warp.reproject` of the same variable; GUNW date pairs with
M3LEO's selection rules applied to per-chip stacks; and a biomass regression is trained end to end on
emulator S1 through the installed `m3leo`.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject

from m3leo_extract.grid import Chip
from m3leo_extract.sources import SOURCES
from m3leo_extract.sources.gssic import tile_gssic, tiles_for
from m3leo_extract.sources.gunw import parse_name, pick_pairs, tile_gunw
from m3leo_extract.splits import LEGACY_SPLIT
from m3leo_extract.store import ChipStore

M3LEO = str(Path(sys.executable).parent / "m3leo")
BUCKET = "sentinel-1-global-coherence-earthbigdata"
G = 1 / 1200  # GSSIC and GUNW: 3 arcsec
AOI_SEAM = (4.975, 45.70, 5.03, 45.745)  # crosses the 5 E seam between GSSIC tiles N46E004 and N46E005
AOI_TRAIN = (4.80, 45.70, 4.92, 45.78)  # 10 chips, train and val


NARROW_SPLIT = LEGACY_SPLIT  # one chip row per band, the old row cycle: this few-chip AOI holds val chips


def _aoi(path: Path, box: tuple[float, float, float, float]) -> Path:
    x0, y0, x1, y1 = box
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": path.stem}, "geometry": {"type": "Polygon",
                                                                           "coordinates": [ring]}}]}))
    return path


def _field(rng: np.random.Generator, shape: tuple[int, int], lo: float, hi: float) -> np.ndarray:
    """A smooth seeded field in [lo, hi] (sums of a few random waves)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]] / max(shape)
    f = np.zeros(shape)
    for _ in range(4):
        kx, ky, ph = rng.uniform(2, 12), rng.uniform(2, 12), rng.uniform(0, 2 * np.pi)
        f += np.sin(kx * xx + ph) * np.cos(ky * yy - ph)
    f = (f - f.min()) / (np.ptp(f) + 1e-9)
    return lo + (hi - lo) * f


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([M3LEO, *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


def _one_line_error(res: subprocess.CompletedProcess, code: int) -> None:
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("m3leo: error: ")


# -- GSSIC on a real S3-compatible server ------------------------------------------------------------------------
def _write_gssic_tile(path: Path, lon_west: int, lat_north: int, dn: np.ndarray) -> None:
    profile = dict(driver="GTiff", width=1200, height=1200, count=1, dtype="uint8", crs="EPSG:4326",
                   transform=from_origin(lon_west, lat_north, G, G), nodata=0, compress="lzw")
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dn, 1)


@pytest.fixture(scope="module")
def gssic_s3(tmp_path_factory):
    """GSSIC tiles N46E004 and N46E005 (summer and winter vv COH12) in a bucket on a loopback moto server."""
    import boto3
    from moto.server import ThreadedMotoServer

    rng = np.random.default_rng(19)
    root = tmp_path_factory.mktemp("gssic")
    dns = {}
    for west in (4, 5):
        for season in ("summer", "winter"):
            dn = np.rint(_field(rng, (1200, 1200), 5, 95)).astype("uint8")
            dn[300:340, 600:700] = 0  # a gap of no data (DN 0)
            tile = f"N46E00{west}"
            _write_gssic_tile(root / tile / f"{tile}_{season}_vv_COH12.tif", west, 46, dn)
            dns[(west, season)] = dn
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-west-2", aws_access_key_id="x",
                      aws_secret_access_key="x")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    # Public read, as the open-data bucket is: anonymous (unsigned) requests are allowed to read.
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}]}))
    for f in root.rglob("*.tif"):
        s3.upload_file(str(f), BUCKET, f"data/tiles/{f.parent.name}/{f.name}", ExtraArgs={"ACL": "public-read"})
    yield {"url": url, "dns": dns, "folder": root}
    server.stop()


def _reference(mosaic: np.ndarray, origin: tuple[float, float], res: float, chip: Chip, px: int,
               resampling: Resampling = Resampling.bilinear) -> np.ndarray:
    out = np.full((px, px), np.nan, dtype="float32")
    reproject(source=mosaic, destination=out, src_transform=from_origin(*origin, res, res), src_crs="EPSG:4326",
              src_nodata=np.nan, dst_transform=chip.transform(4000 / px), dst_crs=chip.crs, dst_nodata=np.nan,
              resampling=resampling)
    return out


def test_gssic_tiles_for_an_aoi_are_named_by_their_upper_left_corner():
    import shapely

    assert [t for t, _ in tiles_for(shapely.box(-89.5, 47.2, -89.4, 47.3))] == ["N48W090"]
    assert [t for t, _ in tiles_for(shapely.box(12.1, -1.9, 12.2, -1.8))] == ["S01E012"]
    assert [t for t, _ in tiles_for(shapely.box(*AOI_SEAM))] == ["N46E004", "N46E005"]
    assert [t for t, _ in tiles_for(shapely.box(4.1, 45.1, 14.2, 45.3), 10)] == ["N50E000", "N50E010"]


def test_gssic_chips_from_s3_equal_an_independent_reproject(gssic_s3, tmp_path):
    import shapely

    store = tmp_path / "ds"
    report = tile_gssic(store, shapely.box(*AOI_SEAM), season="summer", var="COH12", pol="vv",
                        root=f"s3://{BUCKET}/data/tiles", endpoint_url=gssic_s3["url"], workers=2)
    assert report.ok and report.chips_written >= 2, report.as_dict()
    st = ChipStore.open(store)
    name = "gssic_vv_coh12"
    assert st.periods(name) == ["2020-JJA"] and st.spec(name).bands == ("vv_COH12",)
    prov = st.attrs(name)["periods"]["2020-JJA"]
    assert prov["files"] == [f"/vsis3/{BUCKET}/data/tiles/N46E00{w}/N46E00{w}_summer_vv_COH12.tif" for w in (4, 5)]
    assert prov["variable"] == "COH12" and prov["season"] == "summer"
    # Independent: the two tiles side by side, DN / 100 with DN 0 as no data, warped onto each chip.
    dn = np.concatenate([gssic_s3["dns"][(4, "summer")], gssic_s3["dns"][(5, "summer")]], axis=1)
    mosaic = np.where(dn == 0, np.nan, dn * 0.01).astype("float32")
    for cid in st.chip_ids(name):
        chip = Chip.from_id(cid)
        got = st.read_chip(name, cid)[0]
        ref = _reference(mosaic, (4.0, 46.0), G, chip, 400)
        np.testing.assert_allclose(got, ref, atol=1e-5, equal_nan=True)
        assert np.isfinite(got).mean() > 0.5
    # Another season is another file and another period of the same collection.
    rep = tile_gssic(store, shapely.box(*AOI_SEAM), season="winter", var="COH12", pol="vv",
                     root=f"s3://{BUCKET}/data/tiles", endpoint_url=gssic_s3["url"], workers=2)
    assert rep.ok and rep.chips_written == report.chips_written
    st = ChipStore.open(store)
    assert st.periods(name) == ["2020-JJA", "2020-DJF"]
    dn = np.concatenate([gssic_s3["dns"][(4, "winter")], gssic_s3["dns"][(5, "winter")]], axis=1)
    winter = np.where(dn == 0, np.nan, dn * 0.01).astype("float32")
    for cid in st.chip_ids(name):
        ref = _reference(winter, (4.0, 46.0), G, Chip.from_id(cid), 400)
        np.testing.assert_allclose(st.read_chip(name, cid, "2020-DJF")[0], ref, atol=1e-5, equal_nan=True)
        assert not np.allclose(st.read_chip(name, cid, "2020-JJA")[0], ref, equal_nan=True)


def test_cli_gssic_over_https_mirror_and_local_folder(gssic_s3, tmp_path):
    aoi = _aoi(tmp_path / "seam.geojson", AOI_SEAM)
    got = {}
    for kind, root in (("http", f"{gssic_s3['url']}/{BUCKET}/data/tiles"), ("local", str(gssic_s3["folder"]))):
        store = tmp_path / kind
        res = _run("tile", "--source", "gssic", "--aoi", str(aoi), "--season", "summer", "--var", "COH12",
                   "--root", root, "--store", str(store), "--json")
        assert res.returncode == 0, res.stderr
        rep = json.loads(res.stdout.strip().splitlines()[-1])
        assert rep["ok"] and rep["chips_written"] >= 2
        st = ChipStore.open(store)
        got[kind] = {c: st.read_chip("gssic_vv_coh12", c) for c in st.chip_ids("gssic_vv_coh12")}
    assert got["http"].keys() == got["local"].keys()
    for c in got["http"]:
        np.testing.assert_array_equal(got["http"][c], got["local"][c])


class _RangeHandler(BaseHTTPRequestHandler):
    """A static https-mirror stand-in that honours Range requests and counts the bytes it sends."""

    root: Path = Path(".")
    sent = 0

    def _body(self) -> bytes | None:
        f = self.root / self.path.lstrip("/")
        return f.read_bytes() if f.is_file() else None

    def do_HEAD(self) -> None:  # noqa: N802
        body = self._body()
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        body = self._body()
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        rng = self.headers.get("Range")
        if rng:
            a, b = rng.split("=")[1].split("-")
            lo, hi = int(a), min(int(b) if b else len(body) - 1, len(body) - 1)
            part = body[lo:hi + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {lo}-{hi}/{len(body)}")
        else:
            part = body
            self.send_response(200)
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(part)
        type(self).sent += len(part)

    def log_message(self, *args) -> None:
        pass


def test_gssic_reads_only_the_windows_it_needs(gssic_s3, tmp_path):
    """Through /vsicurl/ from an http mirror: the chips come out right and far less than the tiles is read."""
    import shapely

    _RangeHandler.root, _RangeHandler.sent = gssic_s3["folder"], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        small = (4.975, 45.70, 5.01, 45.73)
        rep = tile_gssic(tmp_path / "ds", shapely.box(*small), season="summer", var="COH12",
                         root=f"http://127.0.0.1:{server.server_port}", workers=1)
    finally:
        server.shutdown()
    assert rep.ok and rep.chips_written >= 1
    sizes = sum(f.stat().st_size for f in gssic_s3["folder"].rglob("*_summer_vv_COH12.tif"))
    assert 0 < _RangeHandler.sent < 0.5 * sizes, (_RangeHandler.sent, sizes)


@pytest.mark.parametrize("args,needle", [
    (["--source", "nope"], "unknown source"),
    (["--source", "gssic", "--season", "monsoon", "--var", "COH12"], "monsoon"),
    (["--source", "gssic", "--season", "summer", "--var", "COH99"], "COH99"),
    (["--source", "gssic", "--season", "summer", "--var", "COH12", "--pol", "vh"], "vv and hh"),
    (["--source", "gssic", "--season", "summer", "--var", "COH12", "--year", "2020"], "--year"),
    (["--source", "gssic", "--var", "COH12"], "--season"),
    (["--source", "cci_biomass"], "--year"),
    (["--source", "cci_biomass", "--year", "1999", "--root", "."], "1999"),
    (["--source", "gunw"], "--products"),
    (["--source", "gunw", "--products", "nowhere"], "nowhere"),
    (["--source", "gunw", "--products", ".", "--pairs", "median"], "median"),
    (["--source", "gssic", "--season", "summer", "--var", "COH12", "--root", "s3://"], "bucket"),
    ([], "--source"),
])
def test_cli_source_bad_input_is_one_line_exit_2(tmp_path, args, needle):
    aoi = _aoi(tmp_path / "a.geojson", AOI_SEAM)
    (tmp_path / "S1-GUNW-A-R-064-tops-20200630_20200606-015142-00005E_00045N-PP-8f2a-v2_0_4.nc").write_bytes(b"")
    res = _run("tile", *args, "--aoi", str(aoi), "--store", str(tmp_path / "ds"), cwd=tmp_path)
    _one_line_error(res, 2)
    assert needle in res.stderr
    assert not (tmp_path / "ds" / "chips.zarr").exists()


def test_cli_gssic_missing_tiles_is_one_line(gssic_s3, tmp_path):
    aoi = _aoi(tmp_path / "far.geojson", (20.1, 10.1, 20.2, 10.2))
    res = _run("tile", "--source", "gssic", "--aoi", str(aoi), "--season", "summer", "--var", "COH12", "--root",
               f"s3://{BUCKET}/data/tiles", "--endpoint-url", gssic_s3["url"], "--store", str(tmp_path / "ds"))
    _one_line_error(res, 1)
    assert "N11E020" in res.stderr


# -- GUNW -------------------------------------------------------------------------------------------------------
def _write_gunw(path: Path, west: float, north: float, shape: tuple[int, int], rng: np.random.Generator) -> dict:
    import h5netcdf

    h, w = shape
    lon = west + (np.arange(w) + 0.5) * G
    lat = north - (np.arange(h) + 0.5) * G
    layers = {"coherence": _field(rng, shape, 0.05, 0.95).astype("float32"),
              "unwrappedPhase": _field(rng, shape, -30, 30).astype("float32"),
              "amplitude": _field(rng, shape, 100, 5000).astype("float32")}
    for a in layers.values():
        a[:6, :] = 0.0  # the fill value at the frame's edge
    with h5netcdf.File(path, "w") as f:
        g = f.create_group("science/grids/data")
        g.dimensions = {"latitude": h, "longitude": w}
        v = g.create_variable("longitude", ("longitude",), "f8")
        v[:] = lon
        v.attrs.update({"units": "degrees_east", "standard_name": "longitude"})
        v = g.create_variable("latitude", ("latitude",), "f8")
        v[:] = lat
        v.attrs.update({"units": "degrees_north", "standard_name": "latitude"})
        crs = g.create_variable("crs", (), "i4")
        crs.attrs.update({"grid_mapping_name": "latitude_longitude", "spatial_ref": rasterio.crs.CRS.from_epsg(
            4326).to_wkt()})
        for name, a in layers.items():
            d = g.create_variable(name, ("latitude", "longitude"), "f4", fillvalue=np.float32(0))
            d[:] = a
            d.attrs["grid_mapping"] = "crs"
    return {"west": west, "north": north, **layers}


# (reference, secondary, frame): frame A covers the whole AOI, frame B only its eastern part.
_PAIRS = [("20200630", "20200606", "A"), ("20200630", "20200618", "A"), ("20200712", "20200606", "A"),
          ("20200724", "20200606", "A"), ("20200818", "20200606", "A"), ("20200806", "20200725", "B")]


@pytest.fixture(scope="module")
def gunw_products(tmp_path_factory):
    rng = np.random.default_rng(1919)
    folder = tmp_path_factory.mktemp("gunw")
    frames = {"A": (4.70, 45.85, (240, 300)), "B": (4.87, 45.85, (240, 120))}
    out = {}
    for ref, sec, fr in _PAIRS:
        west, north, shape = frames[fr]
        lon = "00005E" if fr == "A" else "00006E"
        name = f"S1-GUNW-A-R-088-tops-{ref}_{sec}-054512-{lon}_00045N-PP-{fr.lower()}1c9-v2_0_4.nc"
        out[f"{ref}_{sec}"] = _write_gunw(folder / name, west, north, shape, rng)
    return folder, out


def _m3leo_rule(stack: dict[str, np.ndarray], rule: str, min_days: int, max_days: int) -> np.ndarray | None:
    """M3LEO's load_gunw_extended on one chip: a datepair dimension in ascending label order, the span filter,
    then close = isel([-1:]), far = isel([:1]), mean = mean over datepair (xarray skips NaN)."""
    import xarray as xr

    labels = sorted(stack)
    ds = xr.DataArray(np.stack([stack[k] for k in labels]), dims=("datepair", "y", "x"),
                      coords={"datepair": labels})
    spans = [(datetime.strptime(p.split("_")[0], "%Y%m%d") - datetime.strptime(p.split("_")[1], "%Y%m%d")).days
             for p in ds["datepair"].values]
    idx = np.where((np.array(spans) <= max_days) & (np.array(spans) >= min_days))[0]
    if len(idx) == 0:
        return None
    if rule == "close":
        return ds.isel(datepair=idx[-1:]).values[0]
    if rule == "far":
        return ds.isel(datepair=idx[:1]).values[0]
    return ds.isel(datepair=idx).mean(dim="datepair").values


@pytest.mark.parametrize("rule,ours,var,resampling", [
    ("close", "closest", "coherence", Resampling.bilinear), ("far", "farthest", "coherence", Resampling.bilinear),
    ("mean", "mean", "coherence", Resampling.bilinear), ("close", "closest", "unwrappedPhase", Resampling.nearest)])
def test_gunw_pairs_per_chip_match_m3leo_rules(gunw_products, tmp_path, rule, ours, var, resampling):
    import shapely

    folder, layers = gunw_products
    store = tmp_path / "ds"
    rep = tile_gunw(store, shapely.box(*AOI_TRAIN), products=str(folder), var=var, rule=ours, min_days=12,
                    max_days=48, workers=2)
    assert rep.ok and rep.chips_written == 10, rep.as_dict()
    st = ChipStore.open(store)
    name, period = f"gunw_{var}", f"{ours}_12-48d"
    prov = st.attrs(name)["periods"][period]
    assert prov["variable"] == f"/science/grids/data/{var}" and prov["rule"] == ours
    assert all(s.startswith('NETCDF:"') and s.endswith(f':/science/grids/data/{var}') for v in prov["pairs"].values()
               for s in v)
    assert "20200818_20200606" not in prov["pairs"]  # 73 days: outside the window
    picked = set()
    for cid in st.chip_ids(name):
        chip = Chip.from_id(cid)
        # Independently: each pair's layer warped onto the chip; the pairs with data there form its stack.
        stack = {}
        for label, lay in layers.items():
            a = np.where(lay[var] == 0, np.nan, lay[var]).astype("float32")
            ref = _reference(a, (lay["west"], lay["north"]), G, chip, 400, resampling)
            if np.isfinite(ref).any():
                stack[label] = ref
        want = _m3leo_rule(stack, rule, 12, 48)
        got = st.read_chip(name, cid, period)[0]
        np.testing.assert_allclose(got, want, atol=1e-5, equal_nan=True)
        picked.add(tuple(prov["chip_pairs"][cid]))
    if ours != "mean":
        assert picked == ({("20200724_20200606",), ("20200806_20200725",)} if ours == "closest"
                          else {("20200630_20200606",)})


def test_pick_pairs_follows_m3leo_order_and_window():
    labels = ["20200724_20200606", "20200630_20200618", "20200818_20200606", "20200630_20200606"]
    assert pick_pairs(labels, "closest", 12, 48) == ["20200724_20200606"]
    assert pick_pairs(labels, "close", 12, 48) == ["20200724_20200606"]
    assert pick_pairs(labels, "farthest", 12, 48) == ["20200630_20200606"]
    assert pick_pairs(labels, "mean", 13, 48) == ["20200630_20200606", "20200724_20200606"]
    assert pick_pairs(labels, "mean", 12, 12) == ["20200630_20200618"]
    assert pick_pairs(labels, "closest", 100, 200) == []
    p = parse_name("S1-GUNW-A-R-064-tops-20200630_20200606-015142-00119W_00034N-PP-8f2a-v2_0_4.nc")
    assert (p.label, p.days, p.track, p.direction) == ("20200630_20200606", 24, 64, "A")


class _AuthHandler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802
        if self.headers.get("Authorization") != "Bearer s3cr3t-token":
            self.send_response(401)
            self.end_headers()
            return
        body = self.files.get(self.path.rsplit("/", 1)[-1])
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


def test_cli_gunw_urls_need_an_earthdata_login_and_never_show_it(gunw_products, tmp_path):
    folder, _ = gunw_products
    files = sorted(folder.glob("*.nc"))[:2]
    _AuthHandler.files = {f.name: f.read_bytes() for f in files}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AuthHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        urls = ",".join(f"http://127.0.0.1:{server.server_port}/door/download/{f.name}" for f in files)
        aoi = _aoi(tmp_path / "a.geojson", AOI_TRAIN)
        base = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
        args = ["tile", "--source", "gunw", "--products", urls, "--aoi", str(aoi), "--store", str(tmp_path / "ds"),
                "--min-days", "0", "--max-days", "60"]
        res = _run(*args, env=base)
        _one_line_error(res, 3)
        assert "Earthdata login" in res.stderr and "~/.netrc" in res.stderr
        res = _run(*args, env={**base, "EARTHDATA_TOKEN": "wrong"})
        _one_line_error(res, 3)
        assert "refused" in res.stderr and "wrong" not in res.stderr
        res = _run(*args, "--json", env={**base, "EARTHDATA_TOKEN": "s3cr3t-token"})
        assert res.returncode == 0, res.stderr
        assert "s3cr3t" not in res.stdout + res.stderr
        assert json.loads(res.stdout.strip().splitlines()[-1])["chips_written"] == 10
        meta = "".join(p.read_text(errors="ignore") for p in (tmp_path / "ds").rglob("*.json"))
        assert "s3cr3t" not in meta and "wrong" not in meta
        assert len(list((tmp_path / "ds" / "sources" / "gunw" / "downloads").glob("*.nc"))) == 2
    finally:
        server.shutdown()


def test_earthdata_login_from_netrc(tmp_path):
    from m3leo_extract.errors import CredentialsError
    from m3leo_extract.sources.earthdata import find_login, require_login

    (tmp_path / ".netrc").write_text("machine urs.earthdata.nasa.gov login alice password pw-123\n")
    login = find_login({"HOME": str(tmp_path)})
    assert login is not None and login.username == "alice" and "pw-123" not in repr(login)
    assert find_login({"HOME": str(tmp_path), "EARTHDATA_TOKEN": "t"}).token == "t"
    with pytest.raises(CredentialsError, match="Earthdata login"):
        require_login({"HOME": str(tmp_path / "nobody")})


# -- ESA CCI Biomass + a regression trained on emulator S1 ----------------------------------------------------
BIO = 1 / 1125


def _write_biomass_tiles(folder: Path, rng: np.random.Generator, box: tuple[float, float, float, float]) -> None:
    """The real 10 x 10 degree tile N50E000 (AGB and AGB_SD, uint16 Mg/ha), sparse: data only around `box`."""
    from rasterio.windows import Window

    n = 11250
    x0, y0, x1, y1 = box
    c0, c1 = int((x0 - 0.05) / BIO), int((x1 + 0.05) / BIO)
    r0, r1 = int((50 - y1 - 0.05) / BIO), int((50 - y0 + 0.05) / BIO)
    for kind, lo, hi in (("AGB", 10, 400), ("AGB_SD", 5, 60)):
        path = folder / f"N50E000_ESACCI-BIOMASS-L4-{kind}-MERGED-100m-2020-fv4.0.tif"
        with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint16", crs="EPSG:4326",
                           transform=from_origin(0, 50, BIO, BIO), tiled=True, blockxsize=256, blockysize=256,
                           compress="deflate", sparse_ok=True) as dst:
            dst.write(np.rint(_field(rng, (r1 - r0, c1 - c0), lo, hi)).astype("uint16"), 1,
                      window=Window(c0, r0, c1 - c0, r1 - r0))


def test_biomass_regression_on_emulator_s1_end_to_end(tmp_path, gssic_s3, gunw_products):
    rng = np.random.default_rng(2020)
    bio = tmp_path / "cci"
    bio.mkdir()
    _write_biomass_tiles(bio, rng, AOI_TRAIN)
    aoi = _aoi(tmp_path / "train.geojson", AOI_TRAIN)
    store = tmp_path / "ds"
    res = _run("extract", "--aoi", str(aoi), "--collections", "s1", "--period", "2020-JJA", "--store", str(store),
               "--ee-url", "local", "--yes", "--split", NARROW_SPLIT, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = _run("tile", "--source", "cci_biomass", "--year", "2020", "--var", "agb,agb_sd", "--root", str(bio),
               "--aoi", str(aoi), "--store", str(store), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1])["chips_written"] == 10
    st = ChipStore.open(store)
    assert st.spec("cci_biomass").bands == ("agb", "agb_sd") and st.periods("cci_biomass") == ["2020"]
    assert st.attrs("cci_biomass")["units"] == ["Mg/ha", "Mg/ha"]
    # The chips equal an independent warp of the AGB tile (read back from the file, in Mg/ha).
    with rasterio.open(bio / "N50E000_ESACCI-BIOMASS-L4-AGB-MERGED-100m-2020-fv4.0.tif") as src:
        win = src.window(4.6, 45.5, 5.1, 46.0)
        agb = src.read(1, window=win).astype("float32")
        west, north = src.window_transform(win).c, src.window_transform(win).f
    for cid in st.chip_ids("cci_biomass")[:3]:
        ref = _reference(agb, (west, north), BIO, Chip.from_id(cid), 400)
        np.testing.assert_allclose(st.read_chip("cci_biomass", cid)[0], ref, atol=1e-3, rtol=1e-6)
    # Coherence (GSSIC) and interferograms (GUNW) beside S1 GRD, into the same store.
    res = _run("tile", "--source", "gssic", "--season", "summer", "--var", "COH12", "--root",
               str(gssic_s3["folder"]), "--aoi", str(aoi), "--store", str(store))
    assert res.returncode == 0, res.stderr
    res = _run("tile", "--source", "gunw", "--products", str(gunw_products[0]), "--min-days", "12",
               "--max-days", "48", "--aoi", str(aoi), "--store", str(store))
    assert res.returncode == 0, res.stderr
    # First-class in the dataset: S1, coherence and interferogram inputs, biomass target, aligned by chip id.
    from m3leo_extract.dataset import ChipDataset

    inputs = ["s1", "gssic_vv_coh12", "gunw_coherence"]
    ds = ChipDataset(store, inputs=inputs, target="cci_biomass", split="train")
    assert ds.task == "regression" and len(ds) > 0 and ds.n_skipped == 0
    s = ds[0]
    assert s["mask"].shape == (2, 400, 400) and s["s1"].shape == (4, 400, 400)
    assert s["gssic_vv_coh12"].shape == (1, 400, 400) and s["gunw_coherence"].shape == (1, 400, 400)
    np.testing.assert_array_equal(s["mask"][0].numpy(), st.read_chip("cci_biomass", s["chip_id"])[0])
    np.testing.assert_array_equal(ds.read_raw("gunw_coherence", 0),
                                  ChipStore.open(store).read_chip("gunw_coherence", s["chip_id"]))
    run = tmp_path / "run"
    res = _run("train", "--store", str(store), "--input", ",".join(inputs), "--target", "cci_biomass",
               "--epochs", "1", "--device", "cpu", "--crop", "64", "--batch-size", "4", "--out", str(run))
    assert res.returncode == 0, res.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    assert math.isfinite(metrics["history"][-1]["val_rmse"])
    assert "cci_biomass" in res.stdout and "R2" in res.stdout


def test_sources_are_in_the_catalogue():
    res = _run("catalog", "list")
    assert res.returncode == 0
    for name in SOURCES:
        assert any(line.startswith(name) and "source" in line for line in res.stdout.splitlines())
    res = _run("catalog", "show", "gunw")
    doc = json.loads(res.stdout)
    assert doc["name"] == "gunw" and {v["name"] for v in doc["variables"]} >= {"unwrappedPhase", "coherence"}
    assert "Earthdata" in doc["licence"]
    res = _run("catalog", "list", "--json")
    assert {d["name"] for d in json.loads(res.stdout)} >= set(SOURCES)
