"""The chip index (GeoParquet): new columns (ml-aoi split, Major-TOM cell, windows, images), streamed row groups."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from publish_fixtures import extract_store
from pyproj import Transformer

from m3leo_extract.chipindex import write_chip_index
from m3leo_extract.grid import Chip
from m3leo_extract.majortom import cell_names
from m3leo_extract.store import ChipStore

# (lon, lat) -> cell name, computed by Major-TOM's own code (MajorTOM/grid.py at ESA-PhiLab/Major-TOM's main,
# `Grid(10, latitude_range=..., longitude_range=...)` around each point, then `latlon2rowcol`).
MAJOR_TOM_10KM = {
    (4.85, 45.73): "509U_37R", (-0.1278, 51.5074): "573U_1L", (151.2093, -33.8688): "378D_1396R",
    (-70.6693, -33.4489): "373D_657L", (179.95, 10.2): "113U_1971R", (-179.97, -5.3): "60D_1995L",
    (0.0, 0.0): "1D_1L", (0.03, -0.02): "1D_0R", (-0.03, 0.04): "0U_1L", (37.6173, 55.7558): "620U_236R",
    (18.4, 69.6): "774U_71R", (-122.42, 37.77): "420U_1078L", (4.80, 45.70): "508U_37R", (4.9, 45.76): "509U_38R",
}


def test_majortom_cells_equal_major_toms_own_values() -> None:
    pts = list(MAJOR_TOM_10KM)
    got = cell_names(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    assert dict(zip(pts, got, strict=True)) == MAJOR_TOM_10KM


@pytest.mark.skipif(not os.environ.get("MAJOR_TOM_GRID"), reason="MAJOR_TOM_GRID=path/to/MajorTOM/grid.py not set")
def test_majortom_cells_equal_major_toms_code_on_random_points() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mt_grid", os.environ["MAJOR_TOM_GRID"])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mt_grid"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(2, 3, 40), rng.uniform(44, 45, 40)
    g = mod.Grid(10, latitude_range=(43.5, 45.5), longitude_range=(1.5, 3.5))
    rows, cols = g.latlon2rowcol(lat, lon)
    assert cell_names(lon, lat) == [f"{r}_{c}" for r, c in zip(rows, cols, strict=True)]


@pytest.fixture(scope="module")
def store(emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_store(tmp_path_factory.mktemp("idx") / "ds", emulator.url, shard_chips=4)


def test_index_streams_row_groups_with_split_cells_windows_and_images(store: Path, tmp_path: Path) -> None:
    import geopandas as gpd

    st = ChipStore.open(store, mode="r+")
    ids = st.chip_ids("s2")
    images = {ids[0]: ["S2A_20200601_T31TFL", "S2B_20200611_T31TFL"], ids[1]: ["S2A_20200601_T31TFL"]}
    st.record_period("s2", "2020", chip_images=images)
    out = write_chip_index(store, tmp_path / "chips.parquet", batch_chips=3)
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-len(ids) // 3)
    gdf = gpd.read_parquet(out).set_index("chip_id")
    assert gdf.crs.to_epsg() == 4326 and sorted(gdf.index) == sorted(ids) == list(gdf.index)
    split = dict(zip(map(str, st.chip_table("s2")["chip"]), map(str, st.chip_table("s2")["split"]), strict=True))
    want = {"train": "train", "val": "validate", "test": "test", "none": None}
    for cid, row in gdf.iterrows():
        c = Chip.from_id(cid)
        ml = row["ml-aoi:split"] if isinstance(row["ml-aoi:split"], str) else None
        assert row["split"] == split[cid] and ml == want[split[cid]]
        lon, lat = Transformer.from_crs(c.epsg, 4326, always_xy=True).transform(c.x_min + 2000, c.y_min + 2000)
        assert row["majortom_cell"] == cell_names(np.array([lon]), np.array([lat]))[0]
        assert str(row["start_s1_2020-JJA"].date()) == "2020-06-01"
        assert str(row["end_s1_2020-JJA"].date()) == "2020-09-01"
        assert str(row["start_s1_2020-DJF"].date()) == "2019-12-01"
        lowest = min(float(st.read_valid(n)[st.index_of(n, cid)].min()) for n in st.collections())
        assert row["valid_fraction"] == pytest.approx(lowest)
    assert list(gdf.loc[ids[0], "images_s2_2020"]) == images[ids[0]] and gdf.loc[ids[0], "n_images_s2_2020"] == 2
    assert gdf.loc[ids[1], "n_images_s2_2020"] == 1 and gdf.loc[ids[2], "images_s2_2020"] is None
    assert "images_s1_2020-JJA" not in gdf.columns  # not recorded per chip: no column
    meta = pq.read_schema(out).metadata[b"geo"]
    assert b'"covering"' in meta and b'"version": "1.1.0"' in meta


def test_index_of_a_store_with_unsorted_chips_and_missing_period(store: Path, tmp_path: Path) -> None:
    """A collection whose chips were added out of id order still lines up chip by chip."""
    import shutil

    import geopandas as gpd

    d = tmp_path / "unsorted"
    shutil.copytree(store, d)
    st = ChipStore.open(d, mode="r+")
    st.ensure_collection(st.spec("s2").__class__(**{**st.spec("s2").__dict__, "name": "late"}))
    chips = sorted(Chip.from_id(c) for c in st.chip_ids("s2"))
    st.add_chips("late", chips[3:] + chips[:3][::-1])
    t = st.ensure_period("late", "2021")
    lo = st.index_of("late", chips[4].chip_id)
    sh = st.shard_of("late", lo)
    idx = [i for i in range(len(chips)) if st.shard_of("late", i) == sh]
    got = [st.chip_ids("late")[i] for i in idx]
    st.write_shard("late", sh, t, got, np.ones((len(got), 4, 400, 400), "uint16"), np.full(len(got), 0.5))
    gdf = gpd.read_parquet(write_chip_index(d, tmp_path / "u.parquet", batch_chips=2)).set_index("chip_id")
    for cid in st.chip_ids("late"):
        assert (gdf.loc[cid, "valid_late_2021"] == 0.5) == (cid in got)
        assert gdf.loc[cid, "status_late_2021"] == ("done" if cid in got else "absent")
