"""Flat memory of the store's readers on a huge planned state (issue 26): `m3leo verify` and `m3leo stats` on
a store whose chip arrays and state hold a few hundred thousand planned chips but only four written shards.
Peak RSS is each real command's own, in a fresh subprocess; no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flat_fixtures import COLLECTION, build_store, m3leo_rss

SIZES = (150_000, 300_000)
GROWTH_MB = 40  # RSS(2N) - RSS(N): a per-chip Python object (>= 100 bytes) would add 15+ MB per 150k chips


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict[str, int]]]:
    base = tmp_path_factory.mktemp("flat")
    return {n: (base / f"s{n}", build_store(base / f"s{n}", n)) for n in SIZES}


def test_verify_on_planned_state_is_flat_and_correct(stores) -> None:
    rss = {}
    for n, (store, made) in stores.items():
        rss[n], _, out = m3leo_rss("verify", "--store", str(store), "--json")
        rep = json.loads(out)
        assert rep["ok"] and rep["errors"] == 0 and rep["warnings"] == 0, rep
        assert rep["shards"] == 4 and rep["chunks"] == made["written"], rep
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < 400, rss


def test_stats_on_planned_state_is_flat_and_correct(stores) -> None:
    rss = {}
    for n, (store, _) in stores.items():
        rss[n], _, out = m3leo_rss("stats", "--store", str(store))
        assert COLLECTION in out, out
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < 400, rss


def _aoi(directory: Path, n: int) -> Path:
    """A lon/lat box over ten UTM zones (31N among them, where the store's chips are) of about `n` chips."""
    top = 40.0 + 4.2 * n / 150_000
    path = directory / f"aoi{n}.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [[[-30.0, 40.0], [30.0, 40.0], [30.0, top],
                                                                   [-30.0, top], [-30.0, 40.0]]]}))
    return path


def test_split_on_planned_state_is_flat_and_correct(stores) -> None:
    rss = {}
    for n, (store, _) in stores.items():
        rss[n], _, out = m3leo_rss("split", "--store", str(store), "--scheme", "random:seed=3", "--json")
        rep = json.loads(out)
        assert rep["changed"] and sum(rep["counts"][COLLECTION].values()) == n, rep
        assert rep["counts"][COLLECTION]["train"] > 0.5 * n, rep
        rss[n, "same"], _, out = m3leo_rss("split", "--store", str(store), "--scheme", "random:seed=3", "--json")
        assert json.loads(out)["counts"] == rep["counts"]
    print("split rss", rss)
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < 400, rss


def test_grid_with_store_on_planned_state_is_flat_and_correct(stores, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rss = {}
    for n, (store, _) in stores.items():
        out = tmp_path / f"g{n}.parquet"
        rss[n], _, _ = m3leo_rss("grid", "--aoi", str(_aoi(tmp_path, n)), "--out", str(out), "--store", str(store))
        f = pq.ParquetFile(out)
        assert b"geo" in f.schema_arrow.metadata and f.metadata.num_rows > 0.8 * n
        status = f.read(columns=["status_x_2020"]).column(0).value_counts().to_pylist()
        assert {s["values"] for s in status} <= {"pending", "absent", "done"} and len(status) >= 2, status
    print("grid rss", rss)
    # the AOI's own grid doubles too (a box twice as tall: its rasters, chip arrays and the summary)
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB + 20, rss
    assert max(rss.values()) < 500, rss
