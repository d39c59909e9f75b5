"""`m3leo publish`: STAC valid against the official schemas and equal to the grid, Croissant and HF layouts that
load the store's pixels, resumable and incremental, one-line refusals. Stores come from the emulator."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pystac
import pytest
import shapely
from publish_fixtures import extract_store, m3leo
from pyproj import Transformer
from stac_schemas import validate

from m3leo_extract.grid import Chip
from m3leo_extract.store import ChipStore

# Across the 31N / 32N zone boundary at 6 E: chips of two zones, shards of 4 chips.
BORDER = shapely.box(5.93, 45.70, 6.07, 45.76)
SPLIT = "random:seed=1"


@pytest.fixture(scope="module")
def store(emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from m3leo_extract.splits import apply_split

    d = tmp_path_factory.mktemp("pub") / "ds"
    apply_split(d, SPLIT)
    extract_store(d, emulator.url, geom=BORDER, shard_chips=4)
    splits = set(map(str, ChipStore.open(d).chip_table("s2")["split"]))
    assert {"train", "val", "test"} <= splits, splits
    return d


@pytest.fixture(scope="module")
def published(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "pub"
    r = m3leo("publish", "--store", store, "--out", out, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["written"] > 0 and "Traceback" not in r.stderr
    return out


def _outline(chip_id: str, n: int = 4) -> shapely.Polygon:
    """The chip's square in lon/lat, from its id alone (pyproj, not the package's grid code)."""
    zh, row, col = chip_id.split("_")
    epsg = (32700 if zh[-1] == "S" else 32600) + int(zh[:-1])
    x0, y0 = int(col) * 4000.0, int(row) * 4000.0
    t = np.arange(n) / n
    xs = np.concatenate([x0 + 4000 * t, np.full(n, x0 + 4000), x0 + 4000 * (1 - t), np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + 4000 * t, np.full(n, y0 + 4000), y0 + 4000 * (1 - t)])
    lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(xs, ys)
    return shapely.Polygon(np.stack([lon, lat], 1))


def test_stac_validates_reads_back_and_matches_the_chips_footprints(store: Path, published: Path) -> None:
    checked = set()
    for path in sorted(published.rglob("*.json")):
        if path.name not in ("publish.json", "croissant.json"):
            checked |= set(validate(json.loads(path.read_text())))
    assert {"projection", "raster", "file", "label"} <= {u.split("/")[3] for u in checked if "extensions" in u}
    cat = pystac.Catalog.from_file(str(published / "catalog.json"))
    items = list(cat.get_items(recursive=True))
    st = ChipStore.open(store)
    want = sum(len(st.periods(n)) * -(-len(st.chip_ids(n)) // 4) for n in st.collections())
    assert len(items) == want and {c.id for c in cat.get_children()} == set(st.collections())
    zones = set()
    for item in items:
        ids = item.properties["m3leo:chips"]
        zones |= {i.split("_")[0] for i in ids}
        union = shapely.union_all([_outline(i) for i in ids])
        geom = shapely.geometry.shape(item.geometry)
        assert geom.symmetric_difference(union).area < 1e-6 * union.area, item.id
        assert np.allclose(item.bbox, union.bounds, atol=1e-9), item.id
        coll, period = item.properties["m3leo:collection"], item.properties["m3leo:period"]
        lo = st.index_of(coll, ids[0])
        assert [st.chip_ids(coll)[lo + k] for k in range(len(ids))] == ids
        epsgs = {Chip.from_id(i).epsg for i in ids}
        assert item.properties.get("proj:code") == (f"EPSG:{epsgs.pop()}" if len(epsgs) == 1 else None)
        data = item.assets["data"]
        shard_path = Path(data.get_absolute_href())
        assert data.extra_fields["file:checksum"] == "1220" + hashlib.sha256(shard_path.read_bytes()).hexdigest()
        assert item.properties["m3leo:synthetic"] is True and period in st.periods(coll)
        assert ("label:type" in item.properties) == (coll == "esa_worldcover")
    assert zones == {"31N", "32N"}
    for child in cat.get_children():
        assert "synthetic" in child.keywords and child.description.startswith("SYNTHETIC DATA")
        assert child.extra_fields["m3leo:split_scheme"] == SPLIT
    import pyarrow.parquet as pq
    import stac_geoparquet.arrow as sga

    back = list(sga.stac_table_to_items(pq.read_table(published / "s2" / "items.parquet")))
    assert sorted(i["id"] for i in back) == sorted(i.id for i in items if i.collection_id == "s2")
    assert all(i["assets"]["data"]["file:checksum"].startswith("1220") for i in back)


def test_the_validator_rejects_a_broken_item(published: Path) -> None:
    import jsonschema

    item = json.loads(next(published.glob("s2/*/s2_*.json")).read_text())
    validate(item)
    item["properties"]["proj:code"] = 32631
    with pytest.raises(jsonschema.ValidationError):
        validate(item)
    item["properties"]["proj:code"] = "EPSG:32631"
    item["assets"]["data"]["file:checksum"] = "not hex"
    with pytest.raises(jsonschema.ValidationError):
        validate(item)


def test_croissant_records_equal_the_store(store: Path, published: Path) -> None:
    import mlcroissant as mlc

    ds = mlc.Dataset(jsonld=str(published / "croissant.json"))
    doc = json.loads((published / "croissant.json").read_text())
    assert "http://mlcommons.org/croissant/geo/1.0" in doc["conformsTo"] and doc["rai:hasSyntheticData"] is True
    assert doc["description"].startswith("SYNTHETIC DATA")
    st = ChipStore.open(store)
    for name in ("s1", "esa_worldcover"):
        n = 0
        for rec in ds.records(name):
            cid, period = rec[f"{name}/chip_id"].decode(), rec[f"{name}/period"].decode()
            want = st.read_chip(name, cid, period)
            got = np.asarray(rec[f"{name}/pixels"], dtype=want.dtype)
            assert np.array_equal(got, want, equal_nan=True), (name, cid, period)
            assert rec[f"{name}/split"].decode() == str(st.chip_table(name)["split"][st.index_of(name, cid)])
            assert rec[f"{name}/epsg"] == Chip.from_id(cid).epsg
            n += 1
            if n == 3:
                break
        assert n == 3
    chips = [r["chips/chip_id"].decode() for r in ds.records("chips")]
    assert sorted(chips) == sorted(st.chip_ids("s2"))


def test_load_dataset_equals_chipdataset_in_every_split(store: Path, published: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import yaml

    from m3leo_extract.dataset import ChipDataset

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    text = (published / "README.md").read_text()
    head = yaml.safe_load(text.split("---")[1])
    assert head["license"] == "other" and head["size_categories"] == ["n<1K"] and "synthetic" in head["tags"]
    assert {c["config_name"] for c in head["configs"]} == {"s1", "s2", "esa_worldcover"}
    assert "SYNTHETIC DATA" in text and "Border contacts:" in text and "| B4 | reflectance | 0.0001 |" in text
    import pyarrow.parquet as pq

    for f in [published / "chips.parquet", *published.glob("data/*/*/*.parquet")]:
        assert json.loads(pq.read_schema(f).metadata[b"m3leo"])["synthetic"] is True, f
    default = datasets.load_dataset(str(published), split="train")  # the default config: the label collection
    assert set(default["period"]) == {"2020"} and default.features["pixels"].feature.feature.feature.dtype == "uint8"
    for split in ("train", "val", "test"):
        hf = datasets.load_dataset(str(published), "s2", split=split).with_format("numpy")
        ref = ChipDataset(store, inputs=["s2"], target=None, split=split, normalize=False)
        assert len(ref) and sorted(hf["chip_id"]) == sorted(ref.chip_ids)
        rows = {c: i for i, c in enumerate(hf["chip_id"])}
        for i in range(min(3, len(ref))):
            row = hf[rows[ref.chip_ids[i]]]
            assert np.array_equal(row["pixels"], ref.read_raw("s2", i)), (split, ref.chip_ids[i])
            c = Chip.from_id(ref.chip_ids[i])
            assert row["crs"] == c.crs and list(row["transform"]) == list(c.transform(10.0))[:6]


def test_bad_inputs_are_one_line_exit_2_and_write_nothing(store: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    bare = tmp_path / "bare"
    shutil.copytree(store, bare)
    ChipStore.open(bare, mode="r+").update_attrs("s2", periods={})
    cases = {"missing store": (tmp_path / "nope", tmp_path / "o1", "does not exist"),
             "out holds something else": (store, other, "holds something else"),
             "no provenance": (bare, tmp_path / "o3", "no recorded provenance"),
             "out is a file": (store, other / "notes.txt", "is a file"),
             "unknown format": (store, tmp_path / "o5", "--format zip is not known")}
    for what, (st, out, msg) in cases.items():
        fmt = ["--format", "stac,zip"] if what == "unknown format" else []
        r = m3leo("publish", "--store", st, "--out", out, *fmt)
        err = r.stderr.strip()
        assert r.returncode == 2 and len(err.splitlines()) == 1 and msg in err and "Traceback" not in err, what
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bare", "other"] or out == other, what
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    assert not list(tmp_path.glob(".*publishing"))


def test_cogs_from_export_become_item_assets_and_base_url_links(store: Path, tmp_path: Path) -> None:
    cogs = tmp_path / "cogs"
    r = m3leo("export", "--store", store, "--collection", "s2", "--period", "2020", "--format", "cog", "--out", cogs)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "pub"
    r = m3leo("publish", "--store", store, "--out", out, "--format", "stac", "--cogs", cogs, "--base-url",
              "https://data.example.org/m3leo/")
    assert r.returncode == 0, r.stderr
    items = [json.loads(p.read_text()) for p in out.glob("s2/*/s2_2020_*.json")]
    assert items and not (out / "data").exists() and not (out / "README.md").exists()
    for item in items:
        validate(item)
        cog = {k: a for k, a in item["assets"].items() if k.startswith("cog_")}
        assert sorted(k[4:] for k in cog) == sorted(item["properties"]["m3leo:chips"])
        for k, a in cog.items():
            tif = cogs / "s2" / "2020" / f"{k[4:]}.tif"
            assert a["href"] == f"https://data.example.org/m3leo/cogs/s2/2020/{k[4:]}.tif"
            assert a["file:checksum"] == "1220" + hashlib.sha256(tif.read_bytes()).hexdigest()
            assert a["type"] == "image/tiff; application=geotiff; profile=cloud-optimized"
        assert item["assets"]["data"]["href"].startswith("https://data.example.org/m3leo/chips.zarr/s2/data/c/")
