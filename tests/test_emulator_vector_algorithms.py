"""Geometry, Feature, FeatureCollection, Filter, Join, List, Dictionary, Date, Number and String algorithms of
the emulator (issue 27), through the unmodified `ee` client over HTTP.

Every expected value comes from an independent computation: pyproj.Geod on the ellipsoid for areas, lengths
and distances (Earth Engine's geometry is geodesic), pyproj.Transformer for reprojection, shapely on the
coordinates the test itself wrote or the features the emulator served (getInfo), plain Python for lists and
dictionaries, datetime / dateutil for dates, math / scipy for numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import ee
import pytest
from dateutil.relativedelta import relativedelta
from pyproj import Geod, Transformer
from shapely.geometry import Point, Polygon, box, shape

pytestmark = pytest.mark.usefixtures("emulator")
GEOD = Geod(ellps="WGS84")
PARIS = [2.35, 48.85]
SQ = [[2.30, 48.80], [2.40, 48.80], [2.40, 48.90], [2.30, 48.90], [2.30, 48.80]]  # ~7 x 11 km near Paris


def _geod_area(ring) -> float:
    lons, lats = zip(*ring, strict=True)
    return abs(GEOD.polygon_area_perimeter(lons, lats)[0])


def _ring(info: dict) -> list:
    assert info["type"] == "Polygon", info
    return info["coordinates"][0]


# -- geometry ---------------------------------------------------------------------------------------------
def test_point_buffer_is_geodesic_circle():
    r = 1000.0
    ring = _ring(ee.Geometry.Point(PARIS).buffer(r).getInfo())
    dists = [GEOD.inv(PARIS[0], PARIS[1], x, y)[2] for x, y in ring]
    assert max(abs(d - r) for d in dists) < 0.005 * r  # every vertex ~1 km away on the ellipsoid
    assert _geod_area(ring) == pytest.approx(math.pi * r * r, rel=0.01)
    # a negative buffer shrinks a polygon by that distance all round
    inner = _ring(ee.Geometry.Polygon([SQ]).buffer(-500).getInfo())
    w = GEOD.inv(2.30, 48.85, 2.40, 48.85)[2]
    h = GEOD.inv(2.35, 48.80, 2.35, 48.90)[2]
    assert _geod_area(inner) == pytest.approx((w - 1000) * (h - 1000), rel=0.01)


def test_area_length_perimeter_on_the_ellipsoid():
    poly = ee.Geometry.Polygon([SQ])
    lons, lats = zip(*SQ, strict=True)
    a, p = GEOD.polygon_area_perimeter(lons, lats)
    assert poly.area().getInfo() == pytest.approx(abs(a), rel=1e-6)
    assert poly.perimeter().getInfo() == pytest.approx(p, rel=1e-6)
    assert poly.length().getInfo() == 0  # polygons have no linear parts
    line = [[2.30, 48.80], [2.40, 48.85], [2.45, 48.95]]
    ll = ee.Geometry.LineString(line)
    assert ll.length().getInfo() == pytest.approx(GEOD.line_length(*zip(*line, strict=True)), rel=1e-6)
    assert ll.perimeter().getInfo() == 0
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32631", always_xy=True)
    planar = Polygon([utm.transform(x, y) for x, y in SQ]).area
    assert poly.area(proj="EPSG:32631").getInfo() == pytest.approx(planar, rel=1e-9)


def test_distance_and_within_distance():
    a, b = ee.Geometry.Point(PARIS), ee.Geometry.Point([2.50, 48.90])
    assert a.distance(b).getInfo() == pytest.approx(GEOD.inv(*PARIS, 2.50, 48.90)[2], rel=1e-9)
    # a point 0.1 degree east of the square's east edge: the nearest point is on that edge
    east = ee.Geometry.Point([2.50, 48.85])
    expected = GEOD.inv(2.40, 48.85, 2.50, 48.85)[2]
    assert east.distance(ee.Geometry.Polygon([SQ])).getInfo() == pytest.approx(expected, rel=1e-3)
    assert ee.Geometry.Point(PARIS).distance(ee.Geometry.Polygon([SQ])).getInfo() == 0
    assert east.withinDistance(ee.Geometry.Polygon([SQ]), expected * 1.01).getInfo() is True
    assert east.withinDistance(ee.Geometry.Polygon([SQ]), expected * 0.99).getInfo() is False


def test_centroid_bounds_convex_hull_and_geometries():
    c = ee.Geometry.Polygon([SQ]).centroid().getInfo()
    assert c["type"] == "Point"
    assert c["coordinates"][0] == pytest.approx(2.35, abs=1e-9)  # symmetric in longitude
    assert c["coordinates"][1] == pytest.approx(48.85, abs=1e-3)
    pts = [[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5], [0.2, 0.7]]
    hull = shape(ee.Geometry.MultiPoint(pts).convexHull().getInfo())
    assert hull.equals(box(0, 0, 1, 1))
    parts = ee.Geometry.MultiPoint(pts).geometries().getInfo()
    assert [p["coordinates"] for p in parts] == pts
    tri = ee.Geometry.Polygon([[[0, 0], [2, 0], [1, 3]]])
    assert shape(tri.bounds().getInfo()).equals(box(0, 0, 2, 3))


def test_set_operations_and_predicates():
    a = ee.Geometry.Rectangle([2.30, 48.80, 2.40, 48.90])
    b = ee.Geometry.Rectangle([2.35, 48.85, 2.45, 48.95])
    overlap = [[2.35, 48.85], [2.40, 48.85], [2.40, 48.90], [2.35, 48.90], [2.35, 48.85]]
    area_a, area_b, area_i = _geod_area(SQ), _geod_area(_ring(b.getInfo())), _geod_area(overlap)
    assert shape(a.intersection(b).getInfo()).equals(Polygon(overlap))
    # rel 2e-4: the result's edges split the rectangles' parallels, and a geodesic edge bows off its parallel
    assert a.union(b).area().getInfo() == pytest.approx(area_a + area_b - area_i, rel=2e-4)
    assert a.difference(b).area().getInfo() == pytest.approx(area_a - area_i, rel=2e-4)
    assert a.symmetricDifference(b).area().getInfo() == pytest.approx(area_a + area_b - 2 * area_i, rel=2e-4)
    p = ee.Geometry.Point(PARIS)
    far = ee.Geometry.Point([10, 10])
    assert (a.intersects(b).getInfo(), a.disjoint(b).getInfo()) == (True, False)
    assert (a.contains(p).getInfo(), p.containedIn(a).getInfo(), a.contains(far).getInfo()) == (True, True, False)
    assert far.disjoint(a).getInfo() is True
    two = ee.Geometry.MultiPolygon([[[[0, 0], [2, 0], [2, 2], [0, 2]]], [[[1, 1], [3, 1], [3, 3], [1, 3]]]])
    expected = _geod_area([[0, 0], [2, 0], [2, 1], [3, 1], [3, 3], [1, 3], [1, 2], [0, 2], [0, 0]])
    assert two.dissolve().area().getInfo() == pytest.approx(expected, rel=1e-3)


def test_transform_matches_proj():
    for crs in ("EPSG:3857", "EPSG:32631"):
        info = ee.Geometry.Point(PARIS).transform(crs).getInfo()
        x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(*PARIS)
        assert info["coordinates"] == pytest.approx([x, y], abs=1e-6)
        assert info["crs"]["properties"]["name"] == crs
    back = ee.Geometry.Point(PARIS).transform("EPSG:3857").transform("EPSG:4326").getInfo()
    assert back["coordinates"] == pytest.approx(PARIS, abs=1e-9)
    # a transformed polygon keeps its ground area
    assert ee.Geometry.Polygon([SQ]).transform("EPSG:32631").area().getInfo() == pytest.approx(
        _geod_area(SQ), rel=1e-4)


def test_simplify_keeps_within_max_error():
    n = 360
    circle = [[2.35 + 0.05 * math.cos(2 * math.pi * i / n), 48.85 + 0.03 * math.sin(2 * math.pi * i / n)]
              for i in range(n)]
    simple = _ring(ee.Geometry.Polygon([circle]).simplify(maxError=50).getInfo())
    assert len(simple) < n / 4
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32631", always_xy=True)
    s = Polygon([utm.transform(x, y) for x, y in simple]).exterior
    assert max(s.distance(Point(utm.transform(x, y))) for x, y in circle) <= 50 * 1.01


def test_cut_lines_and_closest_points():
    line = [[2.30, 48.85], [2.40, 48.85]]
    total = GEOD.line_length(*zip(*line, strict=True))
    cut = ee.Geometry.LineString(line).cutLines([1000, 3000]).getInfo()
    assert cut["type"] == "MultiLineString"
    got = [GEOD.line_length(*zip(*part, strict=True)) for part in cut["coordinates"]]
    assert got == pytest.approx([1000, 2000, total - 3000], rel=2e-3)
    pts = ee.Geometry.Point([2.50, 48.85]).closestPoints(ee.Geometry.Polygon([SQ])).getInfo()
    assert pts["left"]["coordinates"] == pytest.approx([2.50, 48.85])
    assert pts["right"]["coordinates"] == pytest.approx([2.40, 48.85], abs=1e-3)
    near = ee.Geometry.Point([2.50, 48.85]).closestPoint(ee.Geometry.Polygon([SQ])).getInfo()
    assert near["coordinates"] == pytest.approx(pts["right"]["coordinates"])


def test_covering_grid_cells_are_square_and_cover():
    region = ee.Geometry.Polygon([SQ])
    cells = ee.Geometry.Polygon([SQ]).coveringGrid("EPSG:3857", 5000).getInfo()["features"]
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    polys = [shape(c["geometry"]) for c in cells]
    for p in polys:
        xs, ys = to_m.transform(*p.exterior.xy)
        assert max(xs) - min(xs) == pytest.approx(5000, abs=0.01) and max(ys) - min(ys) == pytest.approx(5000, abs=0.01)
        assert p.intersects(shape(region.getInfo()))
    from shapely.ops import unary_union

    assert unary_union(polys).buffer(1e-9).covers(Polygon(SQ))
    assert len({c["id"] for c in cells}) == len(cells)


# -- features ----------------------------------------------------------------------------------------------
def test_feature_geometry_algorithms_keep_properties():
    f = ee.Feature(ee.Geometry.Polygon([SQ]), {"name": "sq", "n": 3})
    assert f.area().getInfo() == pytest.approx(_geod_area(SQ), rel=1e-6)
    assert f.perimeter().getInfo() == pytest.approx(GEOD.polygon_area_perimeter(*zip(*SQ, strict=True))[1], rel=1e-6)
    buf = f.buffer(100).getInfo()
    assert buf["properties"] == {"name": "sq", "n": 3}
    assert _geod_area(_ring(buf["geometry"])) > _geod_area(SQ)
    assert f.centroid().getInfo()["properties"] == {"name": "sq", "n": 3}
    other = ee.Feature(ee.Geometry.Point([2.50, 48.85]), {"name": "p"})
    assert f.distance(other).getInfo() == pytest.approx(GEOD.inv(2.40, 48.85, 2.50, 48.85)[2], rel=1e-3)
    assert f.intersects(other).getInfo() is False
    assert f.union(other).getInfo()["properties"]["name"] == "sq"


def test_feature_select_id_and_properties():
    f = ee.Feature(ee.Geometry.Point(PARIS), {"B1": 1, "B2": 2, "name": "x"})
    sel = f.select(["B.*"]).getInfo()
    assert sel["properties"] == {"B1": 1, "B2": 2} and sel["geometry"]["coordinates"] == PARIS
    renamed = f.select(["name"], ["label"]).getInfo()["properties"]
    assert renamed == {"label": "x"}
    assert f.select(["name"], None, False).getInfo()["geometry"] is None
    assert f.id().getInfo() is None  # a feature made on the client has no id
    fc = ee.FeatureCollection([f, f])
    assert [x["id"] for x in fc.getInfo()["features"]] == ["0", "1"]
    assert ee.Feature(fc.first()).id().getInfo() == "0"
    moved = f.setGeometry(ee.Geometry.Point([0, 0])).getInfo()
    assert moved["geometry"]["coordinates"] == [0, 0] and moved["properties"]["name"] == "x"
    assert f.toArray(["B1", "B2"]).getInfo() == [1, 2]


# -- feature collections -------------------------------------------------------------------------------------
def _points() -> ee.FeatureCollection:
    rows = [(2.31, 48.81, 5, "alpha", "2020-01-05"), (2.39, 48.89, 12, "beta", "2020-03-10"),
            (2.45, 48.95, 7, "alpine", "2020-06-21"), (2.33, 48.86, 12, "gamma", "2021-01-02"),
            (3.00, 49.50, 1, "delta", "2020-12-31")]
    return ee.FeatureCollection([
        ee.Feature(ee.Geometry.Point([x, y]), {"v": v, "name": n, "system:time_start": ee.Date(d).millis()})
        for x, y, v, n, d in rows])


def _served(fc: ee.FeatureCollection) -> list[dict]:
    return fc.getInfo()["features"]


def test_filters_match_python_predicates():
    fc = _points()
    feats = _served(fc)

    def names(filt) -> list[str]:
        return fc.filter(filt).aggregate_array("name").getInfo()

    def want(pred) -> list[str]:
        return [f["properties"]["name"] for f in feats if pred(f["properties"])]

    assert names(ee.Filter.eq("v", 12)) == want(lambda p: p["v"] == 12)
    assert names(ee.Filter.neq("v", 12)) == want(lambda p: p["v"] != 12)
    assert names(ee.Filter.gt("v", 5)) == want(lambda p: p["v"] > 5)
    assert names(ee.Filter.gte("v", 5)) == want(lambda p: p["v"] >= 5)
    assert names(ee.Filter.lt("v", 7)) == want(lambda p: p["v"] < 7)
    assert names(ee.Filter.lte("v", 7)) == want(lambda p: p["v"] <= 7)
    assert names(ee.Filter.inList("name", ["beta", "delta", "zeta"])) == want(lambda p: p["name"] in ("beta", "delta"))
    assert names(ee.Filter.rangeContains("v", 5, 7)) == want(lambda p: 5 <= p["v"] <= 7)
    assert names(ee.Filter.stringContains("name", "lp")) == want(lambda p: "lp" in p["name"])
    assert names(ee.Filter.stringStartsWith("name", "al")) == want(lambda p: p["name"].startswith("al"))
    assert names(ee.Filter.stringEndsWith("name", "ta")) == want(lambda p: p["name"].endswith("ta"))
    both = ee.Filter.And(ee.Filter.gt("v", 4), ee.Filter.stringContains("name", "a"))
    assert names(both) == want(lambda p: p["v"] > 4 and "a" in p["name"])
    either = ee.Filter.Or(ee.Filter.eq("v", 1), ee.Filter.eq("name", "beta"))
    assert names(either) == want(lambda p: p["v"] == 1 or p["name"] == "beta")
    assert names(ee.Filter.eq("v", 12).Not()) == want(lambda p: p["v"] != 12)
    assert names(ee.Filter.expression("v > 5 && v < 12")) == want(lambda p: 5 < p["v"] < 12)
    assert fc.filterMetadata("v", "less_than", 7).aggregate_array("name").getInfo() == want(lambda p: p["v"] < 7)


def test_spatial_and_date_filters_match_shapely_and_datetime():
    fc = _points()
    feats = _served(fc)

    def when(f) -> dt.datetime:
        return dt.datetime.fromtimestamp(f["properties"]["system:time_start"] / 1000, dt.timezone.utc)

    region = Polygon(SQ)
    inside = [f["properties"]["name"] for f in feats if region.intersects(shape(f["geometry"]))]
    assert fc.filterBounds(ee.Geometry.Polygon([SQ])).aggregate_array("name").getInfo() == inside
    assert fc.filter(ee.Filter.intersects(".geo", ee.Geometry.Polygon([SQ]))).size().getInfo() == len(inside)
    assert fc.filter(ee.Filter.isContained(".geo", ee.Geometry.Polygon([SQ]))).size().getInfo() == len(inside)
    assert fc.filter(ee.Filter.disjoint(".geo", ee.Geometry.Polygon([SQ]))).size().getInfo() == 5 - len(inside)
    dated = fc.filter(ee.Filter.date("2020-01-01", "2020-07-01")).aggregate_array("name").getInfo()
    lo, hi = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2020, 7, 1, tzinfo=dt.timezone.utc)
    assert dated == [f["properties"]["name"] for f in feats if lo <= when(f) < hi]
    months = fc.filter(ee.Filter.calendarRange(1, 3, "month")).aggregate_array("name").getInfo()
    assert months == [f["properties"]["name"] for f in feats if 1 <= when(f).month <= 3]
    wrap = fc.filter(ee.Filter.calendarRange(12, 1, "month")).aggregate_array("name").getInfo()
    assert wrap == [f["properties"]["name"] for f in feats if when(f).month in (12, 1)]
    doy = fc.filter(ee.Filter.dayOfYear(60, 200)).aggregate_array("name").getInfo()
    assert doy == [f["properties"]["name"] for f in feats if 60 <= when(f).timetuple().tm_yday <= 200]
    years = fc.filter(ee.Filter.calendarRange(2021, 2021, "year")).aggregate_array("name").getInfo()
    assert years == [f["properties"]["name"] for f in feats if when(f).year == 2021]


def test_aggregates_and_collection_algorithms():
    fc = _points()
    feats = _served(fc)
    vs = [f["properties"]["v"] for f in feats]
    st = fc.aggregate_stats("v").getInfo()
    assert st["mean"] == pytest.approx(statistics.mean(vs)) and st["sum"] == sum(vs)
    assert st["sample_sd"] == pytest.approx(statistics.stdev(vs))
    assert st["total_var"] == pytest.approx(statistics.pvariance(vs))
    assert (st["min"], st["max"], st["valid_count"]) == (min(vs), max(vs), len(vs))
    assert fc.aggregate_product("v").getInfo() == math.prod(vs)
    assert fc.sort("v", False).aggregate_array("v").getInfo() == sorted(vs, reverse=True)
    assert fc.distinct("v").size().getInfo() == len(set(vs))
    nested = ee.FeatureCollection([fc, fc.limit(2)]).flatten()
    assert nested.size().getInfo() == len(vs) + 2
    union = fc.union().getInfo()["features"]
    assert len(union) == 1 and shape(union[0]["geometry"]).equals(
        shape({"type": "MultiPoint", "coordinates": [f["geometry"]["coordinates"] for f in feats]}))
    assert fc.remap(["alpha", "beta"], ["A", "B"], "name").aggregate_array("name").getInfo() == ["A", "B"]
    arr = fc.makeArray(["v", "v"]).aggregate_array("array").getInfo()
    assert arr == [[v, v] for v in vs]
    acc = fc.iterate(lambda f, a: ee.Number(a).add(f.get("v")), 0).getInfo()
    assert acc == sum(vs)
    assert shape(fc.geometry().bounds().getInfo()).equals(box(*shape(
        {"type": "MultiPoint", "coordinates": [f["geometry"]["coordinates"] for f in feats]}).bounds))


def test_random_column_and_random_points():
    r1 = _points().randomColumn("r", 7).aggregate_array("r").getInfo()
    r2 = _points().randomColumn("r", 7).aggregate_array("r").getInfo()
    assert r1 == r2 and all(0 <= v < 1 for v in r1) and len(set(r1)) == len(r1)
    assert _points().randomColumn("r", 8).aggregate_array("r").getInfo() != r1
    pts = ee.FeatureCollection.randomPoints(ee.Geometry.Polygon([SQ]), 200, 3).getInfo()["features"]
    assert len(pts) == 200
    region = Polygon(SQ)
    assert all(region.contains(shape(p["geometry"])) for p in pts)
    lons = [p["geometry"]["coordinates"][0] for p in pts]
    assert statistics.mean(lons) == pytest.approx(2.35, abs=0.01)  # spread over the region


# -- joins ---------------------------------------------------------------------------------------------------
def _tables() -> tuple[ee.FeatureCollection, ee.FeatureCollection]:
    left = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([2.30 + 0.02 * i, 48.85]), {"k": i % 3, "t": i * 10})
                                 for i in range(6)])
    right = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([2.305 + 0.03 * j, 48.85]), {"k": j, "t": j * 17})
                                  for j in range(4)])
    return left, right


def test_joins_match_nested_loops():
    left, right = _tables()
    lf, rf = _served(left), _served(right)
    eq = ee.Filter.equals(leftField="k", rightField="k")
    pairs = [(a, b) for a in lf for b in rf if a["properties"]["k"] == b["properties"]["k"]]
    assert ee.Join.simple().apply(left, right, eq).aggregate_array("t").getInfo() == \
        [a["properties"]["t"] for a in lf if any(a is x for x, _ in pairs)]
    assert ee.Join.inverted().apply(left, right, eq).aggregate_array("t").getInfo() == \
        [a["properties"]["t"] for a in lf if not any(a is x for x, _ in pairs)]
    inner = ee.Join.inner().apply(left, right, eq).getInfo()["features"]
    assert [(f["properties"]["primary"]["properties"]["t"], f["properties"]["secondary"]["properties"]["t"])
            for f in inner] == [(a["properties"]["t"], b["properties"]["t"]) for a, b in pairs]
    saved = ee.Join.saveAll("m", "t", False).apply(left, right, eq).getInfo()["features"]
    for f in saved:
        want = sorted((b["properties"]["t"] for b in rf if b["properties"]["k"] == f["properties"]["k"]), reverse=True)
        assert [m["properties"]["t"] for m in f["properties"]["m"]] == want
    first = ee.Join.saveFirst("m").apply(left, right, eq)
    assert first.size().getInfo() == len({id(a) for a, _ in pairs})
    outer = ee.Join.saveFirst("m", outer=True).apply(left, right, eq).size().getInfo()
    assert outer == len(lf)


def test_save_best_and_spatial_join():
    left, right = _tables()
    lf, rf = _served(left), _served(right)
    diff = ee.Filter.maxDifference(15, leftField="t", rightField="t")
    best = ee.Join.saveBest("m", "d").apply(left, right, diff).getInfo()["features"]
    for f in best:
        cands = [b for b in rf if abs(b["properties"]["t"] - f["properties"]["t"]) <= 15]
        want = min(cands, key=lambda b: abs(b["properties"]["t"] - f["properties"]["t"]))
        assert f["properties"]["m"]["properties"]["t"] == want["properties"]["t"]
        assert f["properties"]["m"]["properties"]["d"] == abs(want["properties"]["t"] - f["properties"]["t"])
    assert len(best) == sum(1 for a in lf if any(abs(b["properties"]["t"] - a["properties"]["t"]) <= 15 for b in rf))
    near = ee.Filter.withinDistance(distance=1000, leftField=".geo", rightField=".geo")
    got = ee.Join.saveAll("near", measureKey="dist").apply(left, right, near).getInfo()["features"]
    for f in got:
        x, y = f["geometry"]["coordinates"]
        want = [b for b in rf if GEOD.inv(x, y, *b["geometry"]["coordinates"])[2] <= 1000]
        assert len(f["properties"]["near"]) == len(want)
        for m in f["properties"]["near"]:
            assert m["properties"]["dist"] == pytest.approx(GEOD.inv(x, y, *m["geometry"]["coordinates"])[2], rel=1e-6)


def test_join_links_s2_granules_to_cloud_score_plus():
    region = ee.Geometry.Point([4.85, 45.75])
    s2 = ee.ImageCollection("COPERNICUS/S2_SR_HARMONIZED").filterBounds(region).filterDate("2023-06-01", "2023-06-20")
    cs = ee.ImageCollection("GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED").filterBounds(region).filterDate(
        "2023-06-01", "2023-06-20")
    joined = ee.ImageCollection(ee.Join.saveFirst("cs").apply(
        s2, cs, ee.Filter.equals(leftField="system:index", rightField="system:index")))
    ids = joined.aggregate_array("system:index").getInfo()
    linked = joined.map(lambda i: i.set("cs_id", ee.Image(i.get("cs")).get("system:index"))).aggregate_array(
        "cs_id").getInfo()
    assert ids and ids == linked
    assert ids == s2.aggregate_array("system:index").getInfo()


# -- lists, dictionaries, dates, numbers, strings ---------------------------------------------------------------
def test_list_algorithms_match_python():
    xs = [3, 1, 4, 1, 5, 9, 2, 6]
    lst = ee.List(xs)
    assert lst.filter(ee.Filter.gt("item", 3)).getInfo() == [v for v in xs if v > 3]
    assert lst.insert(2, 7).getInfo() == xs[:2] + [7] + xs[2:]
    assert lst.splice(1, 3, [0, 0]).getInfo() == xs[:1] + [0, 0] + xs[4:]
    assert lst.rotate(2).getInfo() == xs[-2:] + xs[:-2]
    assert lst.swap(0, 7).getInfo() == [xs[7]] + xs[1:7] + [xs[0]]
    assert lst.replace(1, 8).getInfo() == [3, 8, 4, 1, 5, 9, 2, 6]
    assert lst.replaceAll(1, 8).getInfo() == [8 if v == 1 else v for v in xs]
    assert lst.indexOfSublist([1, 5]).getInfo() == 3
    assert lst.lastIndexOfSubList([1]).getInfo() == 3
    assert lst.equals(ee.List(xs)).getInfo() is True
    assert ee.List([[1, "a"], [2, "b"]]).unzip().getInfo() == [[1, 2], ["a", "b"]]
    shuffled = lst.shuffle(5).getInfo()
    assert sorted(shuffled) == sorted(xs) and lst.shuffle(5).getInfo() == shuffled
    assert lst.getNumber(2).getInfo() == 4


def test_dictionary_algorithms_match_python():
    d = ee.Dictionary({"a": 1, "b": 2.5, "c": "x"})
    assert d.rename(["a", "c"], ["z", "y"]).getInfo() == {"z": 1, "b": 2.5, "y": "x"}
    with pytest.raises(ee.EEException, match="already exists"):
        d.rename(["a"], ["b"]).getInfo()
    assert d.rename(["a"], ["b"], True).getInfo() == {"b": 1, "c": "x"}
    assert d.getNumber("b").getInfo() == 2.5 and d.getString("c").getInfo() == "x"
    img = ee.Dictionary({"p": 1, "q": 2}).toImage()
    assert img.bandNames().getInfo() == ["p", "q"]


def test_dates_match_datetime():
    d = dt.datetime(2020, 7, 14, 15, 30, tzinfo=dt.timezone.utc)
    ed = ee.Date(d.isoformat())
    rng = ed.getRange("month").getInfo()
    assert rng["type"] == "DateRange"
    assert rng["dates"] == [int(dt.datetime(2020, 7, 1, tzinfo=dt.timezone.utc).timestamp() * 1000),
                            int(dt.datetime(2020, 8, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)]
    start_of_year = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    assert ed.getFraction("year").getInfo() == pytest.approx(
        (d - start_of_year) / (start_of_year + relativedelta(years=1) - start_of_year))
    assert ed.getFraction("day").getInfo() == pytest.approx((15.5) / 24)
    week = ed.getRange("week").getInfo()["dates"]
    monday = (d - dt.timedelta(days=d.weekday())).replace(hour=0, minute=0)
    assert week[0] == int(monday.timestamp() * 1000)
    assert ed.update(2021, 2).getInfo()["value"] == int(d.replace(year=2021, month=2).timestamp() * 1000)
    assert ee.Date.unitRatio("day", "minute").getInfo() == 1440
    r = ee.DateRange("2020-01-01", "2020-03-01")
    assert r.getInfo() == {"type": "DateRange", "dates": [1577836800000, 1583020800000]}
    assert r.start().millis().getInfo() == 1577836800000 and r.end().millis().getInfo() == 1583020800000
    other = ee.DateRange("2020-02-01", "2020-05-01")
    assert r.intersects(other).getInfo() is True and r.contains(other).getInfo() is False
    assert r.contains(ee.Date("2020-02-10")).getInfo() is True
    assert r.intersection(other).getInfo()["dates"] == [1580515200000, 1583020800000]
    assert r.union(other).getInfo()["dates"] == [1577836800000, 1588291200000]
    assert r.isEmpty().getInfo() is False


def test_numbers_and_strings_match_math():
    from scipy import special

    assert ee.Number(0.5).acos().getInfo() == pytest.approx(math.acos(0.5))
    assert ee.Number(0.3).asin().getInfo() == pytest.approx(math.asin(0.3))
    assert ee.Number(2).atan().getInfo() == pytest.approx(math.atan(2))
    assert ee.Number(1.2).tanh().getInfo() == pytest.approx(math.tanh(1.2))
    assert ee.Number(-27).cbrt().getInfo() == pytest.approx(-3)
    assert ee.Number(4.5).gamma().getInfo() == pytest.approx(math.gamma(4.5))
    assert ee.Number(0.4).erfInv().getInfo() == pytest.approx(float(special.erfinv(0.4)))
    assert ee.Number(2.5).digamma().getInfo() == pytest.approx(float(special.digamma(2.5)))
    assert (ee.Number(12).bitwiseAnd(10).getInfo(), ee.Number(12).bitwiseOr(3).getInfo(),
            ee.Number(12).bitwiseXor(10).getInfo()) == (12 & 10, 12 | 3, 12 ^ 10)
    assert (ee.Number(3).leftShift(4).getInfo(), ee.Number(100).rightShift(3).getInfo()) == (48, 12)
    assert ee.Number(255).bitCount().getInfo() == 8
    assert ee.Number(300).toUint8().getInfo() == 255 and ee.Number(-5.7).toInt8().getInfo() == -5
    assert ee.Number(5).unitScale(0, 20).getInfo() == 0.25
    g = 607 / 128
    for x in (0.5, 3.3):
        t = x + g + 0.5
        lz = ee.Number(x).lanczos().getInfo()
        gamma = math.sqrt(2 * math.pi) / x * t ** (x + 0.5) * math.exp(-t) * lz
        assert gamma == pytest.approx(math.gamma(x), rel=1e-12)
    assert ee.Number.expression("a * 2 + b ** 2", {"a": 3, "b": 4}).getInfo() == 22
    assert ee.String("abcabc").rindex("bc").getInfo() == "abcabc".rindex("bc")


def test_image_and_collection_geometry_are_scene_footprints():
    region = ee.Geometry.Point([4.85, 45.75])
    s2 = ee.ImageCollection("COPERNICUS/S2_SR_HARMONIZED").filterBounds(region).filterDate("2023-06-01", "2023-06-20")
    first = s2.first()
    ring = first.get("system:footprint").getInfo()["coordinates"]
    geom = first.geometry().getInfo()
    assert geom["type"] == "Polygon" and geom["coordinates"][0] == ring
    assert first.geometry().area().getInfo() == pytest.approx(_geod_area(ring), rel=1e-9)
    rings = [Polygon(f["properties"]["system:footprint"]["coordinates"]) for f in s2.getInfo()["features"]]
    from shapely.ops import unary_union

    assert shape(s2.geometry().getInfo()).symmetric_difference(unary_union(rings)).area < 1e-9
