"""Scale-out: extract's write side on a dask.distributed LocalCluster gives the threaded run's store."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.extract import ExtractOptions, extract
from m3leo_extract.store import ChipStore

AOI = shapely.box(4.80, 45.72, 4.90, 45.78)


def test_extract_on_a_local_cluster_equals_the_threaded_run(emulator, tmp_path):
    distributed = pytest.importorskip("distributed")
    recipes = [load_catalog()["esa_worldcover"], load_catalog()["lonlat"]]
    a = extract(tmp_path / "threads", AOI, recipes, parse_periods("2020"), ee_url=emulator.url,
                options=ExtractOptions(shard_chips=2))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        b = extract(tmp_path / "dask", AOI, recipes, parse_periods("2020"), ee_url=emulator.url,
                    options=ExtractOptions(shard_chips=2, dask=client))
    assert a.ok and b.ok and a.chips_done == b.chips_done > 0
    sa, sb = ChipStore.open(tmp_path / "threads"), ChipStore.open(tmp_path / "dask")
    for name in ("esa_worldcover", "lonlat"):
        assert sa.chip_ids(name) == sb.chip_ids(name)
        np.testing.assert_array_equal(np.asarray(sa.group[name]["data"][:]), np.asarray(sb.group[name]["data"][:]))
        np.testing.assert_array_equal(sa.read_valid(name), sb.read_valid(name))
