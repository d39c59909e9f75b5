"""Conformance of the emulator's REST surface with Earth Engine's public REST reference, through the real
`ee` client (and raw HTTP where the shape itself is the point).

Shapes checked against the reference's JSON representations: value:compute results (Image, ImageCollection,
Projection, Date, Geometry, List, Dictionary, Number, String), image:computePixels (grid optional, NPY,
GEO_TIFF, PNG, JPEG, visualizationOptions), thumbnails create + getPixels, assets get / listAssets /
listImages / getPixels, image:export (fileFormat, maxPixels, requestId, asset exports), operations list / get /
cancel / wait / delete with OperationMetadata's fields, errors in Google's JSON error shape, and a discovery
document whose every method answers.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import zipfile

import ee
import numpy as np
import pytest
import rasterio
from affine import Affine

BOX = [4.800, 45.700, 4.804, 45.703]
S2 = "COPERNICUS/S2_SR_HARMONIZED"
WC = "ESA/WorldCover/v200"
UTM = "EPSG:32631"


def _post(emulator, path: str, body: dict) -> tuple[int, bytes, str]:
    req = urllib.request.Request(f"{emulator.url}{path}", json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read(), resp.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers["Content-Type"]


def _get(emulator, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"{emulator.url}{path}") as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _s2_image() -> ee.Image:
    return ee.Image(ee.ImageCollection(S2).filterDate("2021-06-01", "2021-07-01").first())


def _grid(t: Affine, w: int, h: int, crs: str = UTM) -> dict:
    return {"dimensions": {"width": w, "height": h}, "crsCode": crs,
            "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c, "shearY": t.d, "scaleY": t.e,
                                "translateY": t.f}}


T = Affine(10, 0, 640000, 0, -10, 5064000)


# -- value:compute shapes ----------------------------------------------------------------------------------
def test_image_getinfo_has_earth_engines_shape(emulator):
    info = _s2_image().getInfo()
    assert info["type"] == "Image" and info["id"].startswith(S2 + "/") and isinstance(info["version"], int)
    b4 = next(b for b in info["bands"] if b["id"] == "B4")
    # uint16 reflectance: PixelType "int" with its range, as Earth Engine reports S2 bands
    assert b4["data_type"] == {"type": "PixelType", "precision": "int", "min": 0, "max": 65535}
    assert b4["crs"] == "EPSG:4326" and len(b4["crs_transform"]) == 6 and len(b4["dimensions"]) == 2
    props = info["properties"]
    assert isinstance(props["system:time_start"], int) and props["system:index"] in info["id"]
    assert props["system:footprint"]["type"] == "LinearRing"
    assert "system:id" not in props and "system:version" not in props
    cs = ee.Image(ee.ImageCollection("GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED").first()).getInfo()
    assert cs["bands"][0]["data_type"] == {"type": "PixelType", "precision": "float"}
    assert ee.Image.constant(1).toDouble().getInfo()["bands"][0]["data_type"]["precision"] == "double"
    composite = ee.ImageCollection(S2).filterDate("2021-01-01", "2022-01-01").median().getInfo()
    band = composite["bands"][0]  # a composite has no fixed projection: WGS84 at 1 degree, no dimensions
    assert band["crs"] == "EPSG:4326" and band["crs_transform"] == [1, 0, 0, 0, 1, 0] and "dimensions" not in band


def test_collection_projection_date_geometry_and_plain_values(emulator):
    coll = ee.ImageCollection(S2).filterDate("2021-06-01", "2021-08-01")
    info = coll.getInfo()
    assert info["type"] == "ImageCollection" and info["id"] == S2 and len(info["features"]) == 2
    assert all(f["type"] == "Image" for f in info["features"])
    proj = _s2_image().select("B4").projection().getInfo()
    assert proj["type"] == "Projection" and proj["crs"] == "EPSG:4326"
    assert proj["transform"][0] == pytest.approx(10 / 111_320) and proj["transform"][4] < 0
    assert _s2_image().select("B4").projection().nominalScale().getInfo() == pytest.approx(10.0)
    assert ee.Date("2021-03-04T05:06:07Z").getInfo() == {"type": "Date", "value": 1614834367000}
    geom = ee.Geometry.Rectangle(BOX).getInfo()
    ring = geom["coordinates"][0]
    assert geom["type"] == "Polygon" and len(ring) == 5 and ring[0] == ring[-1]
    assert {tuple(p) for p in ring} == {(BOX[0], BOX[1]), (BOX[2], BOX[1]), (BOX[2], BOX[3]), (BOX[0], BOX[3])}
    assert ee.Geometry.Point([1.5, 2.5]).getInfo() == {"type": "Point", "coordinates": [1.5, 2.5]}
    assert ee.List([1, "a", [2]]).getInfo() == [1, "a", [2]]
    assert ee.Dictionary({"a": 1, "b": [2, 3]}).getInfo() == {"a": 1, "b": [2, 3]}
    assert ee.Number(7).divide(2).getInfo() == 3.5 and ee.String("ab").cat("c").getInfo() == "abc"


def test_algorithms_are_computed_for_real(emulator):
    coll = ee.ImageCollection(S2).filterDate("2021-01-01", "2021-07-01")
    assert coll.size().getInfo() == 6
    ids = coll.aggregate_array("system:index").getInfo()
    listed = coll.toList(6, 0).getInfo()
    assert ids == [i["properties"]["system:index"] for i in listed] and len(ids) == 6
    assert ee.ImageCollection.fromImages([ee.Image(1), ee.Image(2)]).size().getInfo() == 2
    first = ee.Image(coll.first())
    assert "system:time_start" in first.propertyNames().getInfo()
    assert first.get("CLOUDY_PIXEL_PERCENTAGE").getInfo() == 8
    assert ee.Date("2021-01-31").advance(1, "month").format("YYYY-MM-dd").getInfo() == "2021-02-28"
    assert ee.List.sequence(1, 5).map(lambda x: ee.Number(x).multiply(2)).getInfo() == [2, 4, 6, 8, 10]
    d = ee.Dictionary.fromLists(["a", "b"], [1, 2])
    assert d.get("b").getInfo() == 2 and d.keys().getInfo() == ["a", "b"]
    assert ee.String("m3leo").slice(0, 2).toUpperCase().getInfo() == "M3"
    assert ee.Algorithms.If(ee.Number(1).gt(2), "yes", "no").getInfo() == "no"
    stats = coll.reduceColumns(ee.Reducer.minMax(), ["system:time_start"]).getInfo()
    assert stats["min"] < stats["max"]
    # reduceRegion over a region: equal to numpy over the pixels whose centres are inside
    region = ee.Geometry.Rectangle(BOX, None, False)
    img = first.select("B8")
    got = img.reduceRegion(ee.Reducer.mean().combine(ee.Reducer.count(), None, True), region, 10).getInfo()
    info = img.clipToBoundsAndScale(geometry=region, scale=10).getInfo()["bands"][0]
    t, (w, h) = Affine(*info["crs_transform"]), info["dimensions"]
    raw = ee.data.computePixels({"expression": img, "fileFormat": "NUMPY_NDARRAY",
                                 "grid": _grid(t, w, h, info["crs"])})["B8"].astype(float)
    x, y = t * np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    inside = (x > BOX[0]) & (x < BOX[2]) & (y > BOX[1]) & (y < BOX[3])
    assert got["B8_count"] == inside.sum() and got["B8_mean"] == pytest.approx(raw[inside].mean())


def test_unknown_algorithm_and_errors_use_googles_error_shape(emulator):
    body = {"expression": {"result": "0", "values": {"0": {"functionInvocationValue": {
        "functionName": "Image.noSuchThing", "arguments": {}}}}}}
    code, raw, ctype = _post(emulator, "/v1/projects/m3leo-emulator/value:compute", body)
    err = json.loads(raw)["error"]
    assert code == 400 and err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert "Unknown algorithm" in err["message"] and "Image.noSuchThing" in err["message"]
    with pytest.raises(ee.EEException, match="Image.select: Band pattern 'B99' did not match any bands"):
        _s2_image().select("B99").getInfo()
    code, raw = _get(emulator, "/v1/projects/m3leo-emulator/nothing:here")
    assert code == 404 and json.loads(raw)["error"]["status"] == "NOT_FOUND"


# -- computePixels ----------------------------------------------------------------------------------------
def test_compute_pixels_grid_optional_formats_and_visualization(emulator):
    wc = ee.Image(ee.ImageCollection(WC).first())
    clipped = wc.clipToBoundsAndScale(geometry=ee.Geometry.Rectangle(BOX), scale=10)
    native = ee.data.computePixels({"expression": clipped, "fileFormat": "NUMPY_NDARRAY"})  # no grid
    info = clipped.getInfo()["bands"][0]
    assert native.shape == (info["dimensions"][1], info["dimensions"][0])
    on_grid = ee.data.computePixels({"expression": wc, "fileFormat": "NUMPY_NDARRAY",
                                     "grid": _grid(Affine(*info["crs_transform"]), *info["dimensions"],
                                                   crs=info["crs"])})
    np.testing.assert_array_equal(native["Map"], on_grid["Map"])
    tif = ee.data.computePixels({"expression": clipped, "fileFormat": "GEO_TIFF"})
    with rasterio.MemoryFile(tif) as mem, mem.open() as src:
        np.testing.assert_array_equal(src.read(1), native["Map"])
    vis = {"ranges": [{"min": 0, "max": 100}], "paletteColors": ["000000", "ffffff"]}
    png = ee.data.computePixels({"expression": clipped, "fileFormat": "PNG", "visualizationOptions": vis})
    jpg = ee.data.computePixels({"expression": clipped, "fileFormat": "JPEG", "visualizationOptions": vis})
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and jpg[:2] == b"\xff\xd8"
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)))
    assert rgb.shape == (*native.shape, 3)
    expect = np.rint(np.clip(native["Map"] / 100.0, 0, 1) * 255)  # palette interpolated black -> white
    for k in range(3):
        np.testing.assert_array_equal(rgb[..., k], expect)
    with pytest.raises(ee.EEException, match="file_format"):
        ee.data.computePixels({"expression": clipped, "fileFormat": "BMP"})
    with pytest.raises(ee.EEException, match="no fixed footprint|32768"):
        ee.data.computePixels({"expression": ee.Image(1), "fileFormat": "NUMPY_NDARRAY"})


# -- thumbnails -------------------------------------------------------------------------------------------
def test_thumb_and_download_urls_serve_what_compute_pixels_computes(emulator):
    img = _s2_image().select(["B4", "B3", "B2"])
    region = ee.Geometry.Rectangle(BOX)
    thumb = img.getThumbURL({"region": region, "dimensions": 32, "min": 0, "max": 3000, "format": "png"})
    assert thumb.startswith(emulator.url) and thumb.endswith(":getPixels")
    with urllib.request.urlopen(thumb) as resp:
        from PIL import Image

        pic = np.asarray(Image.open(io.BytesIO(resp.read())))
    assert pic.ndim == 3 and pic.shape[2] == 3 and max(pic.shape[:2]) == 32
    for fmt in ("GEO_TIFF", "ZIPPED_GEO_TIFF"):
        url = img.getDownloadURL({"region": region, "scale": 10, "crs": UTM, "format": fmt})
        with urllib.request.urlopen(url) as resp:
            data = resp.read()
        if fmt == "ZIPPED_GEO_TIFF":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                (name,) = z.namelist()
                data = z.read(name)
        with rasterio.MemoryFile(data) as mem, mem.open() as src:
            got, t, shape = src.read(), src.transform, (src.width, src.height)
            assert src.crs.to_string() == UTM and src.descriptions == ("B4", "B3", "B2")
        raw = ee.data.computePixels({"expression": img, "fileFormat": "NUMPY_NDARRAY", "grid": _grid(t, *shape)})
        np.testing.assert_array_equal(got, np.stack([raw[b] for b in ("B4", "B3", "B2")]))
    code, _ = _get(emulator, "/v1/projects/m3leo-emulator/thumbnails/nope:getPixels")
    assert code == 404


# -- assets -----------------------------------------------------------------------------------------------
def test_assets_get_list_and_get_pixels(emulator):
    coll = ee.data.getAsset(S2)
    assert coll["type"] == "IMAGE_COLLECTION" and coll["name"] == f"projects/earthengine-public/assets/{S2}"
    assert coll["startTime"] < coll["endTime"]
    assert ee.data.getInfo("COPERNICUS/NOT_THERE") is None
    with pytest.raises(ee.EEException, match="does not exist"):
        ee.data.getAsset("COPERNICUS/NOT_THERE")
    folder = ee.data.listAssets({"parent": "projects/earthengine-public/assets/COPERNICUS"})["assets"]
    assert {a["id"]: a["type"] for a in folder}[S2] == "IMAGE_COLLECTION"
    page = ee.data.listAssets({"parent": S2, "pageSize": 2})
    assert len(page["assets"]) == 2 and page["nextPageToken"]
    imgs = ee.data.listImages({"parent": S2, "startTime": "2021-06-01T00:00:00Z",
                               "endTime": "2021-09-01T00:00:00Z"})["images"]
    assert [i["startTime"][:7] for i in imgs] == ["2021-06", "2021-07", "2021-08"]
    one = ee.data.getAsset(imgs[0]["id"])
    assert one["type"] == "IMAGE" and one["id"] == imgs[0]["id"]
    b4 = next(b for b in one["bands"] if b["id"] == "B4")
    assert b4["dataType"] == {"precision": "INT", "range": {"min": 0, "max": 65535}}
    assert b4["grid"]["crsCode"] == "EPSG:4326" and b4["grid"]["dimensions"]["width"] > 1_000_000
    grid = _grid(T, 20, 10)
    got = ee.data.getPixels({"assetId": imgs[0]["id"], "fileFormat": "NUMPY_NDARRAY", "bandIds": ["B4"],
                             "grid": grid})
    direct = ee.data.computePixels({"expression": ee.Image(imgs[0]["id"]).select("B4"),
                                    "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    np.testing.assert_array_equal(got["B4"], direct["B4"])


# -- export and operations --------------------------------------------------------------------------------
def _export(name: str, dims: str = "8x8", **kw) -> ee.batch.Task:
    wc = ee.Image(ee.ImageCollection(WC).first())
    task = ee.batch.Export.image.toCloudStorage(image=wc, description=name, bucket="bkt", fileNamePrefix=name,
                                                crs=UTM, crsTransform=[10, 0, 640000, 0, -10, 5064000],
                                                dimensions=dims, **kw)
    return task


def _poll(name: str, timeout: float = 30.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        op = ee.data.getOperation(name)
        if op.get("done"):
            return op
        time.sleep(0.05)
    raise AssertionError(f"{name} did not finish")


def test_export_honours_max_pixels_file_format_and_request_id(emulator):
    t = _export("too_big", "100x100", maxPixels=1000)
    t.start()
    op = _poll(t.name)
    assert op["metadata"]["state"] == "FAILED"
    assert op["error"]["message"] == ("Export too large: specified 10000 pixels (max: 1000). Specify higher "
                                      "maxPixels value if you intend to export a large area.")
    with pytest.raises(ee.EEException, match="TF_RECORD_IMAGE"):
        _export("tfr", fileFormat="TFRecord").start()
    wc = ee.Image(ee.ImageCollection(WC).first())
    body = {"expression": ee.serializer.encode(wc, for_cloud_api=True), "description": "idem",
            "requestId": "same-request-1", "maxPixels": "1000000",
            "fileExportOptions": {"fileFormat": "GEO_TIFF", "cloudStorageDestination": {
                "bucket": "bkt", "filenamePrefix": "idem"}},
            "grid": _grid(T, 4, 4)}
    first = json.loads(_post(emulator, "/v1/projects/m3leo-emulator/image:export", body)[1])
    again = json.loads(_post(emulator, "/v1/projects/m3leo-emulator/image:export", body)[1])
    assert first["name"] == again["name"]


def test_asset_export_can_then_be_listed_and_read(emulator):
    wc = ee.Image(ee.ImageCollection(WC).first())
    name = "projects/m3leo-emulator/assets/wc_tile"
    task = ee.batch.Export.image.toAsset(image=wc, description="to_asset", assetId=name, crs=UTM,
                                         crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="12x8")
    task.start()
    op = _poll(task.name)
    assert op["metadata"]["state"] == "SUCCEEDED", op
    listed = ee.data.listAssets({"parent": "projects/m3leo-emulator/assets"})["assets"]
    assert name in [a["name"] for a in listed]
    rec = ee.data.getAsset(name)
    assert rec["type"] == "IMAGE" and rec["bands"][0]["grid"]["crsCode"] == UTM
    assert rec["bands"][0]["grid"]["dimensions"] == {"width": 12, "height": 8}
    grid = _grid(T, 12, 8)
    back = ee.data.computePixels({"expression": ee.Image(name), "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    direct = ee.data.computePixels({"expression": wc, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    np.testing.assert_array_equal(back["Map"], direct["Map"])
    got = ee.data.getPixels({"assetId": name, "fileFormat": "NUMPY_NDARRAY"})  # its native grid
    np.testing.assert_array_equal(got["Map"], direct["Map"])
    again = ee.batch.Export.image.toAsset(image=wc, description="again", assetId=name, crs=UTM,
                                          crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="4x4")
    again.start()
    failed = _poll(again.name)
    assert failed["metadata"]["state"] == "FAILED" and "Cannot overwrite asset" in failed["error"]["message"]


def test_operation_metadata_wait_cancelling_and_delete(emulator):
    old = emulator.knobs.export_duration_s
    emulator.knobs.export_duration_s = 3.0
    try:
        t = _export("slow")
        t.start()
        meta = ee.data.getOperation(t.name)["metadata"]
        for key in ("state", "description", "type", "priority", "createTime", "updateTime", "progress", "stages",
                    "attempt"):
            assert key in meta, key
        assert meta["type"] == "EXPORT_IMAGE" and meta["priority"] == 100 and meta["attempt"] == 1
        assert {s["displayName"] for s in meta["stages"]} and 0.0 <= meta["progress"] <= 1.0
        end = time.time() + 5
        while ee.data.getOperation(t.name)["metadata"]["state"] != "RUNNING" and time.time() < end:
            time.sleep(0.05)
        running = ee.data.getOperation(t.name)["metadata"]
        assert running["state"] == "RUNNING" and "startTime" in running and "batchEecuUsageSeconds" in running
        ee.data.cancelOperation(t.name)
        assert ee.data.getOperation(t.name)["metadata"]["state"] == "CANCELLING"
        assert t.status()["state"] == "CANCEL_REQUESTED"
        op = _poll(t.name)
        assert op["metadata"]["state"] == "CANCELLED" and op["error"]["code"] == 1
    finally:
        emulator.knobs.export_duration_s = old
    t2 = _export("waited")
    t2.start()
    code, raw, _ = _post(emulator, f"/v1/{t2.name}:wait", {"timeout": "20s"})
    waited = json.loads(raw)
    assert code == 200 and waited["done"] and waited["metadata"]["state"] == "SUCCEEDED"
    assert waited["metadata"]["progress"] == 1.0 and waited["metadata"]["destinationUris"] == ["gs://bkt/waited.tif"]
    req = urllib.request.Request(f"{emulator.url}/v1/{t2.name}", method="DELETE")
    with urllib.request.urlopen(req) as resp:
        assert json.loads(resp.read()) == {}
    with pytest.raises(ee.EEException, match="not found"):
        ee.data.getOperation(t2.name)


def test_export_destination_cannot_leave_the_export_root(emulator, tmp_path):
    wc = ee.Image(ee.ImageCollection(WC).first())
    grid = dict(crs=UTM, crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="4x4")
    with pytest.raises(ee.EEException, match="Invalid bucket name '../../escape'"):
        ee.batch.Export.image.toCloudStorage(image=wc, description="esc", bucket="../../escape",
                                             fileNamePrefix="x", **grid).start()
    with pytest.raises(ee.EEException, match="must not contain '..'"):
        ee.batch.Export.image.toCloudStorage(image=wc, description="esc2", bucket="bkt",
                                             fileNamePrefix="../../../escaped", **grid).start()
    from ee_emulator.errors import EEError
    from ee_emulator.operations import confined

    assert confined(tmp_path, "bkt", "a/b.tif") == tmp_path.resolve() / "bkt" / "a" / "b.tif"
    with pytest.raises(EEError, match="export root"):
        confined(tmp_path, "bkt", "../../x.tif")


# -- discovery --------------------------------------------------------------------------------------------
def test_discovery_advertises_exactly_what_is_served(emulator):
    from ee_emulator.routes import ROUTES

    doc = json.loads(_get(emulator, "/$discovery/rest?version=v1")[1])
    advertised = []

    def walk(node: dict, prefix: str) -> None:
        for name, m in node.get("methods", {}).items():
            advertised.append((f"{prefix}.{name}", m))
        for name, r in node.get("resources", {}).items():
            walk(r, f"{prefix}.{name}" if prefix else name)

    walk(doc, "")
    assert {a for a, _ in advertised} == {r.method for r in ROUTES}
    samples = {"project": "projects/m3leo-emulator", "parent": "projects/m3leo-emulator",
               "name": "projects/m3leo-emulator/operations/NOPE"}
    for method, m in advertised:
        path = m["path"]
        for p in m.get("parameterOrder", []):
            value = samples[p]
            if method == "projects.operations.list":
                value = "projects/m3leo-emulator"
            if "assets" in method and p in ("name", "parent"):
                value = f"projects/earthengine-public/assets/{WC}"
            if "thumbnails.getPixels" in method:
                value = "projects/m3leo-emulator/thumbnails/nope"
            path = path.replace("{+" + p + "}", value)
        url = "/" + path
        if m["httpMethod"] == "GET":
            code, raw = _get(emulator, url)
        elif m["httpMethod"] == "POST":
            code, raw, _ = _post(emulator, url, {})
        else:
            req = urllib.request.Request(f"{emulator.url}{url}", method="DELETE")
            try:
                with urllib.request.urlopen(req) as resp:
                    code, raw = resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                code, raw = exc.code, exc.read()
        assert b"Method not found" not in raw, (method, url, code)


def test_docs_table_names_every_implemented_algorithm():
    """docs/emulator.md's algorithm table lists each algorithm of the evaluator's table under its family."""
    from pathlib import Path

    from ee_emulator.evaluate import Evaluator

    doc = Path(__file__).resolve().parents[1] / "docs" / "emulator.md"
    rows = {}
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[2] and cells[1] not in ("family", "---"):
            rows[cells[1]] = {n.strip() for n in cells[2].split(",")}
    missing = []
    for name in Evaluator().fns:
        family, _, short = name.partition(".")
        if short:
            if short not in rows.get(family, set()):
                missing.append(name)
        elif name not in rows.get("(top level)", set()):
            missing.append(name)
    assert not missing, f"not in docs/emulator.md's algorithm table: {missing}"


def test_exported_assets_survive_an_emulator_restart_on_the_same_root(emulator, tmp_path):
    from ee_emulator import start_emulator
    from m3leo_extract.ee.session import initialize

    wc = ee.Image(ee.ImageCollection(WC).first())
    name = "projects/m3leo-emulator/assets/kept/wc.v1"
    grid = _grid(T, 12, 8)
    try:
        with start_emulator(export_root=str(tmp_path), export_duration_s=0.05) as first:
            initialize(url=first.url)
            task = ee.batch.Export.image.toAsset(image=wc, description="kept", assetId=name, crs=UTM,
                                                 crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="12x8")
            task.start()
            assert _poll(task.name)["metadata"]["state"] == "SUCCEEDED"
            direct = ee.data.computePixels({"expression": wc, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
        with start_emulator(export_root=str(tmp_path / "elsewhere")) as other:  # another root: not there
            initialize(url=other.url)
            with pytest.raises(ee.EEException, match="not found"):
                ee.Image(name).getInfo()
        with start_emulator(export_root=str(tmp_path)) as again:  # a restart on the same root
            initialize(url=again.url)
            assert name in [a["name"] for a in ee.data.listAssets({"parent": "projects/m3leo-emulator/assets"})
                            ["assets"]]
            assert ee.data.getAsset(name)["bands"][0]["grid"]["dimensions"] == {"width": 12, "height": 8}
            back = ee.data.computePixels({"expression": ee.Image(name), "fileFormat": "NUMPY_NDARRAY", "grid": grid})
            np.testing.assert_array_equal(back["Map"], direct["Map"])
    finally:
        initialize(url=emulator.url)
