"""Recipes and periods: parsing, validation, user overrides (no Earth Engine needed)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from m3leo_extract.catalog import get_recipe, load_catalog, parse_collections, parse_periods
from m3leo_extract.catalog.period import expand, parse_label
from m3leo_extract.errors import CollectionError, PeriodError

SHIPPED = {"s1", "s2", "esa_worldcover", "ghs_built_s", "modis_vcf", "dem", "lonlat"}


def test_shipped_recipes_load_with_consistent_fields() -> None:
    cat = load_catalog()
    assert SHIPPED <= set(cat)
    for r in cat.values():
        assert r.chip_px * r.resolution == 4000
        assert r.bands and len({b.name for b in r.bands}) == len(r.bands)
        if r.kind == "categorical":
            assert r.classes
    wc = cat["esa_worldcover"]
    assert sorted(wc.classes) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]
    assert wc.asset_for(parse_periods("2020")[0]) == "ESA/WorldCover/v100"
    assert wc.asset_for(parse_periods("2021")[0]) == "ESA/WorldCover/v200"
    assert math.isnan(cat["s1"].nodata) and cat["s2"].nodata == 0


@pytest.mark.parametrize("text, labels", [
    ("2020", ["2020"]),
    ("2019:2021", ["2019", "2020", "2021"]),
    ("2020-11:2021-02", ["2020-11", "2020-12", "2021-01", "2021-02"]),
    ("2020-jja, 2020", ["2020", "2020-JJA"]),
    ("2020-03-01/2020-09-01", ["2020-03-01_2020-09-01"]),
])
def test_parse_periods(text: str, labels: list[str]) -> None:
    assert sorted(p.label for p in parse_periods(text)) == sorted(labels)


@pytest.mark.parametrize("bad", ["", "20x0", "2020-13", "2021:2019", "2020-XYZ", "2020-05-01/2020-04-01"])
def test_bad_periods_say_what_to_do(bad: str) -> None:
    with pytest.raises(PeriodError, match="YYYY|season|empty|ends before|no period"):
        parse_periods(bad)


def test_seasons_and_months_expand_a_year() -> None:
    y = parse_periods("2020")[0]
    seasons = expand(y, "seasonal")
    assert [s.label for s in seasons] == ["2020-DJF", "2020-MAM", "2020-JJA", "2020-SON"]
    assert seasons[0].start == date(2019, 12, 1) and seasons[0].end == date(2020, 3, 1)
    assert len(expand(y, "monthly")) == 12 and expand(y, "yearly") == [y]
    for p in seasons:
        assert parse_label(p.label) == p


def test_unknown_collection_lists_known_ones() -> None:
    with pytest.raises(CollectionError, match="unknown collection 'sentinel9'.*s1"):
        parse_collections("s1,sentinel9")
    assert [r.name for r in parse_collections("s2, s1,s2")] == ["s2", "s1"]


def test_user_catalog_adds_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(
        '[ndvi_like]\nasset = "MY/ASSET"\nkind = "continuous"\ndtype = "float32"\nnodata = nan\n'
        'resolution = 20\ntemporal = "monthly"\nbands = [{ name = "b1", source = "B1" }]\n\n'
        '[s2]\nversion = 7\n')
    cat = load_catalog([tmp_path])
    assert cat["ndvi_like"].chip_px == 200 and cat["ndvi_like"].builder == "collection_composite"
    assert cat["s2"].version == 7 and cat["s2"].band_names == ["B2", "B3", "B4", "B8"]
    assert get_recipe("s1", cat).version == load_catalog()["s1"].version  # untouched by the user file


@pytest.mark.parametrize("body, field", [
    ('[x]\nasset="A"\nkind="fuzzy"\ndtype="uint8"\nresolution=10\nbands=["a"]\n', "kind"),
    ('[x]\nasset="A"\nkind="continuous"\ndtype="uint8"\nresolution=30\nbands=["a"]\n', "resolution"),
    ('[x]\nasset="A"\nkind="continuous"\ndtype="uint8"\nnodata=300\nresolution=10\nbands=["a"]\n', "nodata"),
    ('[x]\nasset="A"\nkind="categorical"\ndtype="uint8"\nresolution=10\nbands=["a"]\n', "classes"),
    ('[x]\nasset="A"\nkind="continuous"\ndtype="uint8"\nresolution=10\nbandz=["a"]\n', "bandz"),
])
def test_bad_recipe_names_file_field_and_choices(tmp_path: Path, body: str, field: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(CollectionError) as info:
        load_catalog([f])
    msg = str(info.value)
    assert str(f) in msg and f"'{field}'" in msg


def test_options_override_bands() -> None:
    s2 = get_recipe("s2").with_options(band_set="all")
    assert "B11" in s2.band_names and len(s2.band_names) == 10
    with pytest.raises(CollectionError, match="no option"):
        get_recipe("s2").with_options(cloudiness=3)
