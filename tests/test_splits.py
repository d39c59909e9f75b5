"""Split schemes: honest geographic bands on a continent, AOI independence, tables, and re-labelling a store."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

from m3leo_extract.aoi import load_aoi
from m3leo_extract.errors import GridError
from m3leo_extract.grid import Chip, chip_arrays
from m3leo_extract.gridio import summary
from m3leo_extract.splits import (
    DEFAULT_SCHEME,
    LEGACY_SPLIT,
    NO_SPLIT,
    SPLIT_NAMES,
    load_split_table,
    parse_split,
    relabel,
    split_of,
)
from m3leo_extract.stats import fresh_stats, load_stats, update_stats
from m3leo_extract.store import ChipStore, CollectionSpec

TRAIN, VAL, TEST, NONE = (SPLIT_NAMES.index(s) for s in ("train", "val", "test", NO_SPLIT))


def _m3leo(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "m3leo_extract", *args], capture_output=True, text=True,
                          timeout=timeout)


def _one_line_error(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("m3leo: error:") and "Traceback" not in res.stderr, res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def europe():
    return chip_arrays(load_aoi("europe").geometry)


def test_default_scheme_on_europe_is_60_20_20_and_held_out_chips_do_not_touch_train(europe) -> None:
    codes = europe.split_codes(DEFAULT_SCHEME)
    labelled = codes[codes != NONE]
    n = labelled.size
    assert n > 300_000
    for code, want in ((TRAIN, 0.6), (VAL, 0.2), (TEST, 0.2)):
        assert abs((labelled == code).sum() / n - want) <= 0.03, (SPLIT_NAMES[code], (labelled == code).sum() / n)
    # Every val/test chip's 8 neighbours in its zone (on the lattice: whether or not the AOI holds them).
    held = np.flatnonzero((codes == VAL) | (codes == TEST))
    z, s, r, c = europe.zone[held], europe.south[held], europe.row[held], europe.col[held]
    touches = np.zeros(held.size, bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                touches |= DEFAULT_SCHEME.codes(z, s, r + dr, c + dc) == TRAIN
    assert touches.mean() <= 0.01, touches.mean()
    # The old 4 km rows leak almost everywhere: every held-out chip has train rows beside it.
    legacy = parse_split(LEGACY_SPLIT)
    lc = europe.split_codes(legacy)
    lh = np.flatnonzero(lc != TRAIN)[:20000]
    leak = legacy.codes(europe.zone[lh], europe.south[lh], europe.row[lh] + 1, europe.col[lh]) == TRAIN
    leak |= legacy.codes(europe.zone[lh], europe.south[lh], europe.row[lh] - 1, europe.col[lh]) == TRAIN
    assert leak.mean() > 0.9


def test_the_guard_is_a_strip_of_train_chips_at_held_out_edges(europe) -> None:
    codes = europe.split_codes(DEFAULT_SCHEME)
    guard = codes == NONE
    assert 0.02 < guard.mean() < 0.08  # ~2 x 5.5 km per 261 km cycle
    # Every guard chip has a val or test chip within one step.
    i = np.flatnonzero(guard)[:3000]
    near = np.zeros(i.size, bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            k = DEFAULT_SCHEME.codes(europe.zone[i], europe.south[i], europe.row[i] + dr, europe.col[i] + dc)
            near |= (k == VAL) | (k == TEST)
    assert near.all()


def test_same_chip_same_split_in_two_overlapping_aois() -> None:
    a = chip_arrays(shapely.box(1.0, 44.0, 4.5, 47.0))
    b = chip_arrays(shapely.box(2.5, 45.5, 7.5, 49.0))  # overlaps a, and crosses into zone 32
    for scheme in (DEFAULT_SCHEME, parse_split("random:seed=7"), parse_split("bands:width=20km,angle=-45,guard=2")):
        sa = dict(zip(a.ids(), a.split_codes(scheme).tolist(), strict=True))
        sb = dict(zip(b.ids(), b.split_codes(scheme).tolist(), strict=True))
        common = set(sa) & set(sb)
        assert len(common) > 1000
        assert all(sa[k] == sb[k] for k in common)
    # One chip alone gets the split it has inside a continent.
    codes = dict(zip(a.ids(), a.split_codes(DEFAULT_SCHEME).tolist(), strict=True))
    for cid in a.ids()[::997]:
        assert split_of(Chip.from_id(cid), DEFAULT_SCHEME) == SPLIT_NAMES[codes[cid]]


def test_band_geometry_follows_width_and_angle() -> None:
    # angle 0: bands are whole chip rows; a 20 km band is 5 rows.
    sch = parse_split("bands:width=20km,angle=0,guard=0")
    rows = np.arange(0, 200)
    codes = sch.codes(np.full(200, 31), np.zeros(200, bool), rows, np.full(200, 77))
    same_row = sch.codes(np.full(200, 31), np.zeros(200, bool), rows, np.full(200, 5))
    assert np.array_equal(codes, same_row)
    runs = np.diff(np.flatnonzero(np.diff(codes) != 0))
    assert set(runs.tolist()) <= {5, 15}  # val / test bands 5 rows, the train run 3 bands = 15 rows
    # angle 90: bands are chip columns.
    sch90 = parse_split("bands:width=20km,angle=90,guard=0")
    cols = sch90.codes(np.full(200, 31), np.zeros(200, bool), np.full(200, 9), rows)
    assert np.array_equal(cols, sch90.codes(np.full(200, 31), np.zeros(200, bool), np.full(200, 500), rows))
    # The legacy scheme is the old row cycle train, train, val, train, test.
    legacy = parse_split(LEGACY_SPLIT)
    got = [SPLIT_NAMES[k] for k in legacy.codes(np.full(10, 31), np.zeros(10, bool), np.arange(1200, 1210),
                                                np.zeros(10))]
    assert got == ["train", "train", "val", "train", "test"] * 2


def test_random_scheme_is_seeded_and_60_20_20(europe) -> None:
    a = europe.split_codes(parse_split("random:seed=1"))
    b = europe.split_codes(parse_split("random:seed=1"))
    c = europe.split_codes(parse_split("random:seed=2"))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    for code, want in ((TRAIN, 0.6), (VAL, 0.2), (TEST, 0.2)):
        assert abs((a == code).mean() - want) < 0.005


@pytest.mark.parametrize("text", ["bands:width=50km,angle=30,guard=1", "bands:width=12.5km,angle=-20,guard=0",
                                  "random:seed=3", LEGACY_SPLIT, "m3leo:/x/y.csv", "column:/a.parquet,column=fold"])
def test_schemes_round_trip_through_their_text(text: str) -> None:
    assert str(parse_split(text)) == text
    assert parse_split(str(parse_split(text))) == parse_split(text)


@pytest.mark.parametrize("text,match", [("bogus", "unknown kind"), ("bands:width=0km", "width > 0"),
                                        ("bands:width=abc", "must be numbers"), ("bands:color=red", "not one of"),
                                        ("bands:order=train/dev", "order"), ("m3leo:", "needs a file"),
                                        ("random:seed=x", "must be numbers"), ("bands:width=8,angle=0", "no unit"),
                                        ("bands:width=8deg", "must be numbers")])
def test_bad_schemes_say_what_is_wrong(text: str, match: str) -> None:
    with pytest.raises(GridError, match=match):
        parse_split(text)


def test_m3leo_and_column_tables(tmp_path) -> None:
    a = chip_arrays(shapely.box(2.0, 45.0, 2.3, 45.2))
    ids = a.ids()
    # The --from-m3leo table: one row per (their chip, our chip); our chip ids[1] overlaps two of their splits.
    rows = [{"m3leo_id": f"h{i}", "chip_id": cid, "overlap": 0.9, "split": ["train", "val", "test"][i % 3]}
            for i, cid in enumerate(ids[:6])]
    rows.append({"m3leo_id": "hx", "chip_id": ids[1], "overlap": 0.1, "split": "train"})
    pd.DataFrame(rows).to_csv(tmp_path / "m3leo.csv", index=False)
    sch = load_split_table(parse_split(f"m3leo:{tmp_path / 'm3leo.csv'}"))
    got = [SPLIT_NAMES[k] for k in a.split_codes(sch)]
    assert got[:6] == ["train", NO_SPLIT, "test", "train", "val", "test"]
    assert set(got[6:]) == {NO_SPLIT}  # not covered: in no split
    pd.DataFrame({"chip_id": ids, "fold": ["val"] * len(ids)}).to_parquet(tmp_path / "mine.parquet")
    mine = load_split_table(parse_split(f"column:{tmp_path / 'mine.parquet'},column=fold"))
    assert set(a.split_codes(mine).tolist()) == {VAL}
    pd.DataFrame({"chip_id": ids, "fold": ["dev"] * len(ids)}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(GridError, match="split values"):
        load_split_table(parse_split(f"column:{tmp_path / 'bad.csv'},column=fold"))
    with pytest.raises(GridError, match="cannot read"):
        load_split_table(parse_split(f"column:{tmp_path / 'absent.csv'}"))
    with pytest.raises(GridError, match="needs its table"):
        a.split_codes(parse_split(f"column:{tmp_path / 'mine.parquet'}"))


def _small_store(d) -> tuple[ChipStore, list[Chip]]:
    st = ChipStore.open(d, create=True)
    chips = chip_arrays(shapely.box(2.0, 45.0, 2.25, 45.3)).chips()
    st.ensure_collection(CollectionSpec("x", ("b",), "float32", float("nan"), 1000.0, 4))
    idx = st.add_chips("x", chips)
    t = st.ensure_period("x", "2020")
    s = st.shard_chips("x")
    rng = np.random.default_rng(0)
    for shard in np.unique(idx // s):
        sel = [c for c, i in zip(chips, idx, strict=True) if i // s == shard]
        data = np.stack([np.full((1, 4, 4), c.row % 7, "float32") + rng.normal(0, 0.1, (1, 4, 4)) for c in sel])
        st.write_shard("x", int(shard), t, [c.chip_id for c in sel], data.astype("float32"), np.ones(len(sel)))
    return st, chips


def test_store_records_its_scheme_and_relabelling_drops_stale_stats(tmp_path) -> None:
    st, chips = _small_store(tmp_path / "d")
    assert str(st.split_scheme()) == str(DEFAULT_SCHEME)
    table = st.chip_table("x")
    assert list(table["split"]) == [split_of(c, DEFAULT_SCHEME) for c in chips]
    relabel(st, "bands:width=8km,angle=0,guard=0")
    before = update_stats(st, ["x"])["x"]
    assert load_stats(st, "x") is not None
    counts = relabel(st, "random:seed=5")
    sch = parse_split("random:seed=5")
    reopened = ChipStore.open(tmp_path / "d", mode="r+")
    assert str(reopened.split_scheme()) == str(sch)
    labels = list(reopened.chip_table("x")["split"])
    assert labels == [split_of(c, sch) for c in chips]
    assert counts["x"]["train"] == labels.count("train") > 0
    assert "stats" not in reopened.attrs("x") and load_stats(reopened, "x") is None
    after = fresh_stats(reopened, "x")
    assert after["chips"] == labels.count("train") and after["fingerprint"] != before["fingerprint"]
    # New chips follow the recorded scheme.
    extra = Chip(chips[0].zone, False, chips[0].row + 40, chips[0].col)
    reopened.add_chips("x", [extra])
    assert reopened.chip_table("x")["split"][-1] == split_of(extra, sch)


def test_a_store_from_before_schemes_keeps_the_legacy_rows(tmp_path) -> None:
    st, chips = _small_store(tmp_path / "old")
    del st.group.attrs["split_scheme"]
    old = ChipStore.open(tmp_path / "old")
    assert str(old.split_scheme()) == LEGACY_SPLIT


def test_cli_grid_split_option(tmp_path) -> None:
    res = _m3leo("grid", "--aoi", "demo", "--split", "random:seed=0", "--json", "--out", str(tmp_path / "g.parquet"))
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    chips = chip_arrays(load_aoi("demo").geometry)
    assert info["split"] == "random:seed=0" and info["splits"] == summary(chips, parse_split("random:seed=0"))["splits"]
    written = pd.read_parquet(tmp_path / "g.parquet")
    assert list(written["split"]) == [SPLIT_NAMES[k] for k in chips.split_codes(parse_split("random:seed=0"))]
    demo = _m3leo("grid", "--aoi", "demo")
    assert demo.returncode == 0 and "demo AOI is only" in demo.stderr and "bands:width=4km" in demo.stdout
    assert "must be numbers" in _one_line_error(_m3leo("grid", "--aoi", "demo", "--split", "bands:width=x"))
    line = _one_line_error(_m3leo("grid", "--aoi", "demo", "--split", "squares:size=3"))
    assert "unknown kind 'squares'" in line
    line = _one_line_error(_m3leo("grid", "--aoi", "demo", "--split", f"column:{tmp_path / 'nope.csv'}"))
    assert "cannot read" in line


def test_cli_split_shows_and_changes_a_store(tmp_path) -> None:
    st, chips = _small_store(tmp_path / "d")
    relabel(st, "random:seed=0")
    update_stats(st, ["x"])
    res = _m3leo("split", "--store", str(tmp_path / "d"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["after"] == "random:seed=0" and not json.loads(res.stdout)["changed"]
    res = _m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "bands:width=8km,angle=0,guard=0")
    assert res.returncode == 0, res.stderr
    assert "re-labelled" in res.stdout and "was random:seed=0" in res.stdout
    assert "stats" not in ChipStore.open(tmp_path / "d").attrs("x")
    assert "unknown kind" in _one_line_error(_m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "zz"))
    assert "no chip store" in _one_line_error(_m3leo("split", "--store", str(tmp_path / "none")))


def test_cli_init_and_extract_take_a_split(tmp_path) -> None:
    res = _m3leo("init", "--store", str(tmp_path / "a"), "--aoi", "demo", "--collections", "esa_worldcover",
                 "--period", "2020", "--split", "bands:width=8km,angle=15,guard=0")
    assert res.returncode == 0, res.stderr
    assert 'split = "bands:width=8km,angle=15,guard=0"' in (tmp_path / "a" / "m3leo.toml").read_text()
    line = _one_line_error(_m3leo("init", "--store", str(tmp_path / "b"), "--aoi", "demo", "--collections",
                                  "esa_worldcover", "--period", "2020", "--split", "bands:guard=-1"))
    assert "guard" in line and not (tmp_path / "b").exists()
    line = _one_line_error(_m3leo("extract", "--store", str(tmp_path / "c"), "--aoi", "demo", "--collections",
                                  "esa_worldcover", "--period", "2020", "--ee-url", "local", "--split", "rows:1"))
    assert "unknown kind 'rows'" in line and not (tmp_path / "c").exists()


def test_guard_width_matches_the_lattice() -> None:
    # The guard strip is guard x 4 km x (|sin|+|cos|) wide: the farthest neighbour centre across the bands.
    for angle in (0.0, 17.0, 30.0, 45.0, -60.0):
        sch = parse_split(f"bands:width=40km,angle={angle},guard=1")
        flat = parse_split(f"bands:width=40km,angle={angle},guard=0")
        r, c = np.meshgrid(np.arange(1000, 1150), np.arange(100, 250), indexing="ij")
        r, c = r.ravel(), c.ravel()
        z, s = np.full(r.size, 31), np.zeros(r.size, bool)
        assert not (flat.codes(z, s, r, c) == NONE).any()
        g = sch.codes(z, s, r, c)
        frac_guard = (g == NONE).mean()
        t = math.radians(angle)
        expect = 2 * 4.0 * (abs(math.sin(t)) + abs(math.cos(t))) / (5 * 40 + 2 * 4.0 * (abs(math.sin(t))
                                                                                       + abs(math.cos(t))))
        assert abs(frac_guard - expect) < 0.01, (angle, frac_guard, expect)
        # ... and no val/test chip of the guarded scheme has a train chip among its 8 neighbours.
        held = (g == VAL) | (g == TEST)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                assert not (held & (sch.codes(z, s, r + dr, c + dc) == TRAIN)).any(), angle


def test_lengths_need_a_unit() -> None:
    assert parse_split("bands:width=4000m,angle=0,guard=0") == parse_split("bands:width=4km,angle=0,guard=0")
    assert parse_split("bands:width=12.5KM").width_km == 12.5
    with pytest.raises(GridError, match=r"width=8 has no unit; write it with km or m, e.g. width=8km or width=8m"):
        parse_split("bands:width=8")
    assert not hasattr(Chip, "split")  # a chip's split depends on the scheme asked for: split_of(chip, scheme)


def test_cli_split_refuses_a_bare_length_and_warns_of_an_empty_split(tmp_path) -> None:
    """Issue 25 item 5: `bands:width=8,angle=0` read 8 as metres (every chip in no split) and `width=700km` on a
    small AOI put every chip in one split, both silently with exit 0."""
    from m3leo_extract.state import RunLock

    _small_store(tmp_path / "d")
    zarr_json = tmp_path / "d" / "chips.zarr" / "x" / "split" / "zarr.json"
    before = (tmp_path / "d" / "chips.zarr" / "zarr.json").read_bytes()
    line = _one_line_error(_m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "bands:width=8,angle=0"))
    assert "width=8 has no unit" in line and "km or m" in line
    assert (tmp_path / "d" / "chips.zarr" / "zarr.json").read_bytes() == before and zarr_json.exists()
    res = _m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "bands:width=700km,angle=0,guard=0")
    assert res.returncode == 0, res.stderr
    warn = [ln for ln in res.stderr.splitlines() if "warning" in ln]
    assert len(warn) == 1 and "leaves val, test without chips" in warn[0] and "Traceback" not in res.stderr
    labels = set(ChipStore.open(tmp_path / "d").chip_table("x")["split"].astype(object))
    assert labels == {"train"}  # what the warning says
    ok = _m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "bands:width=4km,angle=0,guard=0")
    assert ok.returncode == 0 and "warning" not in ok.stderr, ok.stderr
    grid = _m3leo("grid", "--aoi", "demo", "--split", "bands:width=500km,angle=0,guard=0")
    assert grid.returncode == 0 and "leaves val, test without chips" in grid.stderr
    with RunLock(tmp_path / "d"):  # relabelling is a metadata change: not while a run holds the store
        locked = _m3leo("split", "--store", str(tmp_path / "d"), "--scheme", "random:seed=1")
    assert locked.returncode == 75 and "another m3leo run" in locked.stderr
    assert str(ChipStore.open(tmp_path / "d").split_scheme()) == "bands:width=4km,angle=0,guard=0"
