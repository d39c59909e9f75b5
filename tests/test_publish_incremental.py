"""`m3leo publish` again: after `m3leo refresh` only what changed is made; an interrupted publish resumes;
an unfinished store is refused unless --allow-incomplete (then every card says so); a train run as an MLM item."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import shapely
from publish_fixtures import extract_store, m3leo
from stac_schemas import validate

from m3leo_extract.config import DatasetConfig
from m3leo_extract.publish import publish
from m3leo_extract.refresh import refresh
from m3leo_extract.state import StateDB

SMALL = shapely.box(4.80, 45.72, 4.86, 45.76)  # four chips near Lyon (31N), one shard


def _aoi(tmp_path: Path) -> str:
    p = tmp_path / "aoi.geojson"
    p.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(SMALL)}))
    return str(p)


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file()}


def test_a_publish_after_refresh_makes_only_the_new_periods(emulator, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    DatasetConfig(aoi=_aoi(tmp_path), collections=["s2"], rolling="monthly", rolling_start="2024-01",
                  ee_url=emulator.url).save(ds)
    assert refresh(ds, today=date(2024, 3, 5)).exit_code == 0  # Jan + Feb
    out = tmp_path / "pub"
    first = publish(ds, out)
    assert sorted({k.split("/")[2] for k in first.written}) == ["2024-01", "2024-02"] and not first.reused
    before = _stamps(out)
    assert refresh(ds, today=date(2024, 5, 2)).exit_code == 0  # Mar + Apr
    second = publish(ds, out)
    assert sorted({k.split("/")[2] for k in second.written}) == ["2024-03", "2024-04"]
    assert sorted(second.reused) == sorted(first.written)
    after = _stamps(out)
    old_units = [f for f in before if f.startswith(("s2/31N/s2_2024-0", "data/")) and "2024-0" in f
                 and not f.endswith("catalog.json")]
    assert old_units and all(after[f] == before[f] for f in old_units)  # the same files (linked), untouched
    new = [f for f in after if f not in before]
    assert new and all("2024-03" in f or "2024-04" in f for f in new)
    manifest = json.loads((out / "publish.json").read_text())
    assert len(manifest["units"]) == len(first.written) + len(second.written)
    assert not list(tmp_path.glob(".pub.*"))
    third = publish(ds, out)
    assert not third.written and len(third.reused) == len(manifest["units"])


def test_an_interrupted_publish_resumes_where_it_stopped(emulator, tmp_path: Path) -> None:
    ds = extract_store(tmp_path / "ds", emulator.url, geom=SMALL, collections="s1", shard_chips=2)
    out = tmp_path / "pub"
    seen = []

    def stop_after_three(ev: dict) -> None:
        if ev["event"] == "unit":
            seen.append(1)
            if len(seen) == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(ds, out, formats="stac,parquet", progress=stop_after_three)
    assert not out.exists() and (tmp_path / ".pub.publishing").is_dir()  # nothing half-written in OUT
    report = publish(ds, out, formats="stac,parquet")
    assert len(report.reused) == 3 and report.written and not (tmp_path / ".pub.publishing").exists()
    assert not list(out.rglob("*.part")) and not (out / ".journal").exists()


def test_an_unfinished_store_is_refused_unless_allowed_and_then_the_cards_say_so(emulator, tmp_path: Path) -> None:
    ds = extract_store(tmp_path / "ds", emulator.url, geom=SMALL, collections="s2,esa_worldcover")
    db = StateDB(ds / "state.sqlite")
    db.mark(db.units(collection="s2")[0].id, "failed", error="boom", error_kind="permanent")
    db.close()
    r = m3leo("publish", "--store", ds, "--out", tmp_path / "pub")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--allow-incomplete" in r.stderr
    assert not (tmp_path / "pub").exists()
    r = m3leo("publish", "--store", ds, "--out", tmp_path / "pub", "--allow-incomplete")
    assert r.returncode == 0 and "INCOMPLETE" in r.stdout, r.stderr
    out = tmp_path / "pub"
    assert "> **INCOMPLETE.**" in (out / "README.md").read_text()
    assert "INCOMPLETE" in json.loads((out / "croissant.json").read_text())["description"]
    coll = json.loads((out / "s2" / "collection.json").read_text())
    assert "INCOMPLETE: 1 failed" in coll["description"] and coll["m3leo:incomplete"]
    assert "INCOMPLETE" in json.loads((out / "catalog.json").read_text())["description"]


def test_a_train_run_is_published_as_an_mlm_item(emulator, tmp_path: Path) -> None:
    from m3leo_extract.splits import apply_split
    from m3leo_extract.train import TrainConfig, train

    apply_split(tmp_path / "ds", "random:seed=3")  # the 7 Lyon chips: train, val and test
    ds = extract_store(tmp_path / "ds", emulator.url, collections="s1,esa_worldcover")
    run = tmp_path / "run"
    train(TrainConfig(store=ds, inputs=["s1"], target="esa_worldcover", epochs=1, device="cpu", out=run, crop=32,
                      batch_size=2, base_channels=4, depth=2))
    out = tmp_path / "pub"
    r = m3leo("publish", "--store", ds, "--out", out, "--format", "stac", "--checkpoint", run)
    assert r.returncode == 0, r.stderr
    item = json.loads((out / "models" / "run.json").read_text())
    checked = validate(item)
    assert any("/mlm/" in u for u in checked) and any("/file/" in u for u in checked)
    assert item["properties"]["mlm:tasks"] == ["semantic-segmentation"]
    channels = json.loads((run / "metrics.json").read_text())["channels"]["s1"]
    assert item["properties"]["mlm:input"][0]["bands"] == channels
    assert (out / "models" / item["assets"]["model"]["href"]).resolve() == (run / "best.pt").resolve()
    cat = json.loads((out / "catalog.json").read_text())
    assert {"rel": "item", "href": "./models/run.json"}.items() <= next(
        ln for ln in cat["links"] if ln["rel"] == "item").items()
    from m3leo_extract.publish import publish_model

    bare = tmp_path / "bare"
    publish(ds, bare, formats="stac")
    path = publish_model(run, bare)
    assert validate(json.loads(path.read_text())) and path == bare / "models" / "run.json"
    assert any(ln["href"] == "./models/run.json" for ln in json.loads((bare / "catalog.json").read_text())["links"])
    r = m3leo("publish", "--store", ds, "--out", tmp_path / "pub2", "--checkpoint", tmp_path / "nothing")
    assert r.returncode == 2 and "metrics.json" in r.stderr and not (tmp_path / "pub2").exists()
    shutil.rmtree(run)
