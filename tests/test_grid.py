"""The chip grid: exact squares, stable ids, zone/hemisphere assignment, holes, splits, outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from m3leo_extract.errors import GridError
from m3leo_extract.grid import CHIP_SIZE_M, Chip, chip_arrays, chip_outline_4326, chips_for_geometry, zone_of
from m3leo_extract.gridio import summary, write_parquet
from m3leo_extract.splits import DEFAULT_SCHEME, split_of


def _area_in_chip_crs(chip: Chip, geom_4326: shapely.Geometry) -> float:
    t = Transformer.from_crs(4326, chip.epsg, always_xy=True)
    g = shapely.transform(shapely.segmentize(geom_4326, 0.001), lambda xy: np.column_stack(t.transform(*xy.T)))
    return shapely.box(*chip.bounds).intersection(g).area


def test_chips_are_exact_4000m_squares_aligned_to_the_grid():
    for c in chips_for_geometry(shapely.box(4.74, 45.67, 4.995, 45.85)):
        x0, y0, x1, y1 = c.bounds
        assert (x1 - x0, y1 - y0) == (CHIP_SIZE_M, CHIP_SIZE_M)
        assert x0 % CHIP_SIZE_M == 0 and y0 % CHIP_SIZE_M == 0
        assert c.transform(10) @ (0, 0) == (x0, y1) and c.transform(10) @ (400, 400) == (x1, y0)
        assert c.shape(10) == (400, 400)


def test_every_chip_overlaps_the_aoi_and_every_overlapping_chip_is_listed():
    aoi = shapely.Polygon([(4.70, 45.60), (5.05, 45.65), (4.98, 45.92), (4.76, 45.85)])
    chips = chips_for_geometry(aoi)
    assert all(_area_in_chip_crs(c, aoi) > 0 for c in chips)
    # Brute force over a generous neighbourhood: nothing that overlaps is missing.
    ids = {c.chip_id for c in chips}
    rows = [c.row for c in chips]
    cols = [c.col for c in chips]
    for r in range(min(rows) - 2, max(rows) + 3):
        for col in range(min(cols) - 2, max(cols) + 3):
            c = Chip(31, False, r, col)
            if _area_in_chip_crs(c, aoi) > 1.0:
                assert c.chip_id in ids


def test_same_ground_same_id_from_two_overlapping_aois():
    a = {c.chip_id: c for c in chips_for_geometry(shapely.box(4.70, 45.60, 4.90, 45.80))}
    b = {c.chip_id: c for c in chips_for_geometry(shapely.box(4.80, 45.70, 5.10, 45.95))}
    common = set(a) & set(b)
    assert len(common) >= 4
    assert all(a[k] == b[k] and a[k].bounds == b[k].bounds for k in common)
    c = Chip.from_id(next(iter(common)))
    assert c.chip_id in common and Chip.from_id(c.chip_id) == c


def test_aoi_across_a_utm_zone_boundary_assigns_each_chip_to_the_zone_of_its_centre():
    aoi = shapely.box(5.8, 45.0, 6.2, 45.2)  # zones 31 and 32 meet at 6E
    chips = chips_for_geometry(aoi)
    zones = {c.zone for c in chips}
    assert zones == {31, 32}
    for c in chips:
        lon, lat = Transformer.from_crs(c.epsg, 4326, always_xy=True).transform(c.x_min + 2000, c.y_min + 2000)
        assert int(zone_of(lon)) == c.zone and not c.south and lat > 0
    # Squares of two zones are rotated against each other, so at the seam they cannot tile: what is left
    # uncovered is a thin sliver along 6E only (the design's "centre" rule), everything else is covered.
    union = shapely.union_all([chip_outline_4326(c, 16) for c in chips])
    gap = aoi.difference(union)
    assert gap.area / aoi.area < 0.02
    assert shapely.box(5.94, 44.9, 6.06, 45.3).contains(gap)


def test_southern_hemisphere_uses_327zz_and_ids_say_s():
    chips = chips_for_geometry(shapely.box(-47.1, -23.1, -46.9, -22.9))  # Sao Paulo, zone 23S
    assert chips and all(c.south and c.epsg == 32723 and c.chip_id.startswith("23S_") for c in chips)
    # An AOI across the equator gets chips of both hemispheres, with no gap.
    eq = shapely.box(10.0, -0.1, 10.2, 0.1)
    both = chips_for_geometry(eq)
    assert {c.south for c in both} == {True, False}
    assert shapely.union_all([chip_outline_4326(c, 16) for c in both]).buffer(1e-6).contains(eq)


def test_aoi_with_a_hole_skips_chips_wholly_inside_the_hole():
    outer = shapely.box(4.6, 45.5, 5.2, 45.9)
    hole = shapely.box(4.8, 45.6, 5.0, 45.8)
    with_hole = chips_for_geometry(shapely.Polygon(outer.exterior.coords, [hole.exterior.coords]))
    full = chips_for_geometry(outer)
    missing = {c.chip_id for c in full} - {c.chip_id for c in with_hole}
    assert missing, "chips inside the hole must be dropped"
    for cid in missing:
        assert hole.buffer(1e-9).contains(chip_outline_4326(Chip.from_id(cid), 8))


def test_splits_are_60_20_20_geographic_bands_and_deterministic():
    chips = chip_arrays(shapely.box(0.5, 40.0, 5.5, 48.0))
    info = summary(chips)
    n = info["chips"] - info["splits"]["none"]  # the default scheme's guard chips are in no split
    assert abs(info["splits"]["train"] / n - 0.6) < 0.03
    assert abs(info["splits"]["val"] / n - 0.2) < 0.03
    assert abs(info["splits"]["test"] / n - 0.2) < 0.03
    # Bands at 30 degrees: a chip's east neighbour is usually, not always, in its split; the same chip always
    # gets the same split.
    c = Chip(31, False, 1200, 50)
    assert split_of(c, DEFAULT_SCHEME) == split_of(Chip(31, False, 1200, 50), DEFAULT_SCHEME)


def test_polar_and_empty_aois_are_refused():
    with pytest.raises(GridError, match="outside the UTM grid"):
        chips_for_geometry(shapely.box(10, 83, 11, 85))
    with pytest.raises(GridError, match="empty"):
        chips_for_geometry(shapely.Polygon())
    with pytest.raises(GridError):
        Chip.from_id("not-a-chip")


def test_country_scale_is_vectorised_and_consistent_with_the_list_api(shared_data):
    world = gpd.read_file(shared_data / "countries.geo.json")
    belgium = world[world.name == "Belgium"].geometry.iloc[0]
    arrays = chip_arrays(belgium)
    assert 1500 < len(arrays) < 2600  # ~30,500 km2 / 16 km2 plus the border chips
    assert arrays.ids() == sorted(arrays.ids()) == [c.chip_id for c in chips_for_geometry(belgium)]


def test_geoparquet_and_cli_json(tmp_path):
    chips = chip_arrays(shapely.box(4.74, 45.67, 4.995, 45.85))
    path = write_parquet(chips, tmp_path / "chips.parquet", batch=10)
    gdf = gpd.read_parquet(path)
    assert list(gdf.columns) == ["chip_id", "epsg", "x_min", "y_min", "split", "geometry"]
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == len(chips)
    first = Chip.from_id(gdf.chip_id.iloc[0])
    assert gdf.x_min.iloc[0] == first.x_min and gdf.epsg.iloc[0] == first.epsg
    assert gdf.geometry.iloc[0].equals_exact(chip_outline_4326(first), 1e-9)
    out = subprocess.run([sys.executable, "-m", "m3leo_extract", "grid", "--aoi", "demo", "--json",
                          "--png", str(tmp_path / "g.png")], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    assert info["chips"] == 36 and info["zones"] == ["31N"] and sum(info["splits"].values()) == 36
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_from_m3leo_maps_their_chips_onto_ours_with_overlap_fractions(tmp_path):
    import hashlib

    import pandas as pd

    rng = np.random.default_rng(5)
    feats, splits = [], []
    for k in range(12):  # M3LEO-style ~4.48 km squares (in degrees here) with hashed ids
        x, y = 4.7 + rng.uniform(0, 0.3), 45.6 + rng.uniform(0, 0.2)
        mid = hashlib.sha1(f"{x}{y}".encode()).hexdigest()[:13]
        feats.append({"type": "Feature", "properties": {"identifier": mid},
                      "geometry": shapely.geometry.mapping(shapely.box(x, y, x + 0.057, y + 0.040))})
        splits.append({"identifier": mid, "split": ["train", "val", "test"][k % 3]})
    (tmp_path / "m3leo.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    pd.DataFrame(splits).to_csv(tmp_path / "splits.csv", index=False)
    from m3leo_extract.gridio import map_m3leo

    table = map_m3leo(tmp_path / "m3leo.geojson", tmp_path / "splits.csv", keep_split=True)
    assert table["m3leo_id"].nunique() == 12
    per = table.groupby("m3leo_id")["overlap"].sum()
    assert np.allclose(per.values, 1.0, atol=1e-3)  # every M3LEO chip is shared out among ours, whole
    assert table.groupby("m3leo_id").size().between(4, 9).all()  # a 4.5 km square meets 4-9 of our 4 km chips
    assert dict(zip(table.m3leo_id, table.split, strict=True)) == {s["identifier"]: s["split"] for s in splits}
    args = ["grid", "--from-m3leo", str(tmp_path / "m3leo.geojson"), "--out", str(tmp_path / "map.csv"), "--json"]
    out = subprocess.run([sys.executable, "-m", "m3leo_extract", *args], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout)["m3leo_chips"] == 12 and (tmp_path / "map.csv").is_file()


def test_chip_box_is_the_grids_geometry_value() -> None:
    from m3leo_extract.ee.sizing import Block
    from m3leo_extract.grid import ChipArrays, ChipBox, outlines_4326

    chip = Chip(31, False, 1250, 100)
    assert chip.box == ChipBox(32631, 1250, 100) and chip.box.crs == chip.crs
    assert chip.box.bounds == chip.bounds and chip.transform(10.0) == chip.box.transform(10.0)
    box = ChipBox(32631, 1250, 100, nrows=3, ncols=4)
    assert box.shape(10.0) == (1200, 1600) and box.transform(20.0).f == (1250 + 3) * CHIP_SIZE_M
    assert len(box.chips()) == 12 and box.chips()[0] == chip
    sub = box[1:3, 2:]
    assert sub == ChipBox(32631, 1251, 102, 2, 2) and sub.chips()[0] == Chip(31, False, 1251, 102)
    # The block a request asks for is a box: one transform for both.
    block = Block(32631, 1250, 100, 3, 4, ((1250, 100),))
    assert block.box == box and block.transform(40.0) == box.transform(40.0)
    # The footprint in lon/lat is the vectorised outline; in another CRS it holds the same ground.
    one = ChipArrays(np.array([31]), np.array([False]), np.array([1250]), np.array([100]))
    assert chip_outline_4326(chip).equals_exact(outlines_4326(one)[0], 1e-12)
    merc = box.footprint("EPSG:3857")
    assert 0.9 < merc.area / (12 * CHIP_SIZE_M**2) / (1 / np.cos(np.radians(45.2))) ** 2 < 1.1
    with pytest.raises(GridError):
        box[0:0, :]


def test_chip_positions_from_corners_and_from_keys_agree() -> None:
    """The two ways chips are rebuilt (a store's epsg/corner columns, int64 keys) give the same chips."""
    from m3leo_extract.grid import Chip, ChipArrays, chip_keys

    rng = np.random.default_rng(7)
    n = 5000
    chips = ChipArrays(rng.integers(1, 61, n).astype("int16"), rng.random(n) < 0.5,
                       rng.integers(0, 10_000, n).astype("int32"), rng.integers(40, 210, n).astype("int32"))
    assert len(set(chips.epsg.tolist())) > 50 and chips.south.any() and (~chips.south).any()
    corners = ChipArrays.from_corners(chips.epsg, chips.col * 4000.0, chips.row * 4000.0)
    keyed = ChipArrays.from_keys(chips.keys())
    for k in ("zone", "south", "row", "col"):
        assert np.array_equal(getattr(corners, k), getattr(chips, k)) and np.array_equal(getattr(keyed, k),
                                                                                         getattr(chips, k))
    assert np.array_equal(chip_keys(chips.ids()), chips.keys())
    assert [Chip.from_id(i) for i in chips.ids()[:50]] == chips.chips()[:50]


def test_find_sorted_positions_and_misses() -> None:
    import numpy as np

    from m3leo_extract.grid import find_sorted

    have = np.array([3, 7, 9], "int64")
    pos, found = find_sorted(have, np.array([7, 1, 9, 10, 3], "int64"))
    assert found.tolist() == [True, False, True, False, True]
    assert pos[found].tolist() == [1, 2, 0]
    pos, found = find_sorted(np.zeros(0, "int64"), np.array([5], "int64"))
    assert pos.tolist() == [0] and found.tolist() == [False]
