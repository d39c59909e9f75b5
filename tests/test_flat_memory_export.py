"""Flat memory of `m3leo export` and `m3leo publish` on a huge planned state (issue 26): a store whose chip
arrays and state hold a few hundred thousand planned chips but only four written shards (64 chips). Every
chip goes through the selection (all of them, an --aoi, a --chips list) and the written ones are exported;
publish walks every shard. Peak RSS is each real command's own, in a fresh subprocess; no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from flat_fixtures import COLLECTION, build_store, m3leo_rss

SIZES = (150_000, 300_000)
GROWTH_MB = 10  # RSS(2N) - RSS(N): the old export (ids, a dict of them, zarr reading a whole column) added 22 MB
CEILING_MB = 450


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict[str, int]]]:
    from m3leo_extract.store import ChipStore

    base = tmp_path_factory.mktemp("flatx")
    out = {}
    for n in SIZES:
        made = build_store(base / f"s{n}", n)
        ChipStore.open(base / f"s{n}", mode="r+").record_period(COLLECTION, "2020", assets=["synthetic"])
        out[n] = (base / f"s{n}", made)
    return out


def _aoi(path: Path) -> Path:
    """A lon/lat box around chips 31N_1000_100 .. 31N_1001_103 (in the first written shard)."""
    from m3leo_extract.grid import lonlat_transformer

    lon, lat = lonlat_transformer(32631).transform(np.array([100.2, 103.8]) * 4000, np.array([1000.2, 1001.8]) * 4000)
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [[
        [lon[0], lat[0]], [lon[1], lat[0]], [lon[1], lat[1]], [lon[0], lat[1]], [lon[0], lat[0]]]]}))
    return path


def _export(store: Path, out: Path, *args: str) -> tuple[float, dict]:
    rss, _, text = m3leo_rss("export", "--store", str(store), "--collection", COLLECTION, "--out", str(out),
                             "--json", *args)
    return rss, json.loads(text)


def test_export_of_a_planned_store_is_flat_and_exports_the_written_chips(stores, tmp_path: Path) -> None:
    rss = {}
    for n, (store, made) in stores.items():
        rss[n], rep = _export(store, tmp_path / f"all{n}")
        assert rep["written"] == rep["files"] == made["written"] and rep["unwritten"] == n - made["written"], rep
        assert len(list((tmp_path / f"all{n}" / COLLECTION / "2020").glob("*.tif"))) == made["written"]
    print("export rss_mb", rss)
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < CEILING_MB, rss


def test_export_selections_on_a_planned_store_are_flat(stores, tmp_path: Path) -> None:
    from m3leo_extract.grid import Chip

    aoi = _aoi(tmp_path / "aoi.geojson")
    listing = tmp_path / "chips.txt"  # 2 written chips, 3 planned ones far into the store
    listing.write_text("\n".join(Chip(31, False, r, c).chip_id for r, c in
                                 ((1000, 100), (1000, 101), (1200, 300), (1250, 400), (1000, 101))) + "\n")
    rss: dict[str, dict[int, float]] = {"aoi": {}, "chips": {}, "mosaic": {}}
    for n, (store, _) in stores.items():
        rss["aoi"][n], rep = _export(store, tmp_path / f"aoi{n}", "--aoi", str(aoi))
        assert (rep["written"], rep["unwritten"]) == (4, 4), rep  # row 1001 is only planned
        rss["chips"][n], rep = _export(store, tmp_path / f"chips{n}", "--chips", str(listing))
        assert (rep["written"], rep["unwritten"]) == (2, 2), rep
        rss["mosaic"][n], rep = _export(store, tmp_path / f"mosaic{n}", "--mosaic", "--chips", str(listing))
        assert rep["written"] == rep["files"] == 1, rep
    print("export selections rss_mb", rss)
    for case, r in rss.items():
        assert r[SIZES[1]] - r[SIZES[0]] < GROWTH_MB, (case, rss)
        assert max(r.values()) < CEILING_MB, (case, rss)


PUBLISH_GROWTH_MB = 20  # the old publish (a list of ids, an object array of splits, the chip index read whole) added 31


def test_publish_of_a_planned_store_is_flat(stores, tmp_path: Path) -> None:
    rss = {}
    for n, (store, made) in stores.items():
        out = tmp_path / f"pub{n}"
        rss[n], _, text = m3leo_rss("publish", "--store", str(store), "--out", str(out), "--allow-incomplete",
                                    "--json")
        rep = json.loads(text)
        blocks = -(-n // 16 // 16)  # Parquet blocks of 16 shards of 16 chips, one period
        assert rep["chips"] == n and rep["incomplete"] and rep["written"] == 4 + blocks, rep
        assert len(list(out.glob(f"{COLLECTION}/*/{COLLECTION}_2020_*.json"))) == 4  # an item per written shard
        assert sum(pq_rows(p) for p in out.glob("data/**/*.parquet")) == made["written"]
    print("publish rss_mb", rss)
    assert rss[SIZES[1]] - rss[SIZES[0]] < PUBLISH_GROWTH_MB, rss
    assert max(rss.values()) < CEILING_MB, rss


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows
