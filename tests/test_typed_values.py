"""Typed values where strings and free dicts were: a period's kind, a collection's attributes."""

from __future__ import annotations

import dataclasses

from m3leo_extract.catalog import load_catalog
from m3leo_extract.catalog.period import PeriodKind, expand, parse_label, parse_periods
from m3leo_extract.store import ChipStore, CollectionAttrs, CollectionSpec


def test_a_period_knows_its_kind_from_where_it_was_made() -> None:
    kinds = {p.label: p.kind for p in parse_periods("2020,2021-06,2020-JJA,2020-03-01/2020-09-01")}
    assert kinds == {"2020": PeriodKind.YEAR, "2021-06": PeriodKind.MONTH, "2020-JJA": PeriodKind.SEASON,
                     "2020-03-01_2020-09-01": PeriodKind.RANGE}
    assert parse_label("2020-DJF").kind is PeriodKind.SEASON and parse_label("2020").kind is PeriodKind.YEAR
    year = parse_periods("2020")[0]
    assert [p.kind for p in expand(year, "seasonal")] == [PeriodKind.SEASON] * 4
    jja = parse_label("2020-JJA")
    assert len(expand(year, "monthly")) == 12 and expand(jja, "monthly") == [jja]
    # The kind is not part of a period's identity: equal windows and labels are equal periods.
    assert dataclasses.replace(year, kind=PeriodKind.RANGE) == year


def test_collection_attributes_round_trip_through_a_store(tmp_path) -> None:
    spec = dataclasses.replace(load_catalog()["esa_worldcover"].store_spec(), resolution=500.0, chip_px=8)
    assert isinstance(spec.attrs, CollectionAttrs) and spec.attrs.recipe == "esa_worldcover"
    st = ChipStore.open(tmp_path, create=True)
    st.ensure_collection(spec)
    back = ChipStore.open(tmp_path).spec("esa_worldcover").attrs
    assert back == spec.attrs  # every field, typed (tuples, ints), nothing of the format's own keys in extra
    assert back.class_names()[10] == "Tree cover" and back.per_band("units", 1, "") == list(spec.attrs.units)
    assert back.extra == {}
    raw = st.attrs("esa_worldcover")
    assert raw["recipe_version"] == spec.attrs.recipe_version and raw["bands"] == list(spec.bands)
    # Keys it does not know (a source's own) are kept as extra, both ways.
    own = CollectionSpec("g", ("v",), "float32", float("nan"), 500.0, 8,
                         attrs=CollectionAttrs(source="gssic", extra={"season": "winter", "pol": "vv"}))
    st.ensure_collection(own)
    got = ChipStore.open(tmp_path).spec("g").attrs
    assert got.source == "gssic" and got.extra == {"season": "winter", "pol": "vv"}
    assert got.per_band("scale", 1, 1.0) == [1.0]  # absent per-band lists: the default per band
