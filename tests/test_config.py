"""m3leo.toml is the user's file: a save keeps their comments and tables, writes only what changed, never null."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import shapely
import tomllib

from m3leo_extract.config import CONFIG_FILE, DatasetConfig
from m3leo_extract.grid import chip_arrays
from m3leo_extract.store import ChipStore, CollectionSpec

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))


def _m3leo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)


def test_comments_and_nested_tables_survive_m3leo_split(tmp_path) -> None:
    """Bug 2: the file said "edit freely" but every save rewrote it through json.dumps (comments gone, nested
    tables as inline JSON)."""
    d = tmp_path / "ds"
    res = _m3leo("init", "--store", str(d), "--aoi", "demo", "--collections", "esa_worldcover", "--period", "2020",
                 "--split", "bands:width=4km,angle=0,guard=0")
    assert res.returncode == 0, res.stderr
    path = d / CONFIG_FILE
    edited = path.read_text().replace('aoi = "demo"', '# the quickstart\'s box, for now\naoi = "demo"  # small')
    edited += '\n# who to ask\n[options.contact]\nname = "Ada"\nteam = ["eo", "ml"]\n'
    path.write_text(edited)
    st = ChipStore.open(d, create=True)  # a store to re-label: one collection, a few chips
    st.ensure_collection(CollectionSpec("x", ("b",), "float32", float("nan"), 1000.0, 4))
    st.add_chips("x", chip_arrays(shapely.box(2.0, 45.0, 2.25, 45.3)).chips())
    res = _m3leo("split", "--store", str(d), "--scheme", "random:seed=1")
    assert res.returncode == 0, res.stderr
    text = path.read_text()
    assert "# the quickstart's box, for now\naoi = \"demo\"  # small" in text
    assert "# who to ask\n[options.contact]\nname = \"Ada\"" in text and "{" not in text
    assert text.replace('split = "random:seed=1"', 'split = "bands:width=4km,angle=0,guard=0"') == edited
    parsed = tomllib.loads(text)
    assert parsed["split"] == "random:seed=1" and parsed["options"]["contact"] == {"name": "Ada", "team": ["eo", "ml"]}
    assert DatasetConfig.load(d).options["contact"]["team"] == ["eo", "ml"]


def test_a_save_writes_valid_toml_and_only_what_changed(tmp_path) -> None:
    cfg = DatasetConfig(aoi="demo", collections=["s1"], periods=["2020"], options={"bucket": None, "max_rps": 2.5})
    path = cfg.save(tmp_path)
    text = path.read_text()
    assert "null" not in text and "bucket" not in text  # TOML has no null: a None value is left out
    assert tomllib.loads(text)["options"] == {"max_rps": 2.5}
    # An unchanged config does not touch the file; a changed one replaces that value only.
    path.write_text(text.replace("max_rps = 2.5", "max_rps = 2.5   # tuned by hand"))
    before = path.read_text()
    stamp = path.stat().st_mtime_ns
    DatasetConfig.load(tmp_path).save(tmp_path)
    assert path.read_text() == before and path.stat().st_mtime_ns == stamp
    cfg = DatasetConfig.load(tmp_path)
    cfg.periods = ["2020", "2021"]
    cfg.save(tmp_path)
    assert path.read_text() == before.replace('periods = ["2020"]', 'periods = ["2020", "2021"]')
    assert np.isclose(DatasetConfig.load(tmp_path).run_options()["max_rps"], 2.5)
