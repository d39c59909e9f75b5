"""Each recipe's Earth Engine expression, built offline with the real `ee` package (the emulator only serves
the algorithm list), names the right asset, bands, filters, reducer and period."""

from __future__ import annotations

import json
from typing import Any

import pytest

from m3leo_extract.catalog import load_catalog, parse_periods

BOUNDS = (4.74, 45.67, 4.995, 45.85)


def _walk(node: Any, values: dict[str, Any], calls: list[str], consts: list[Any]) -> None:
    if isinstance(node, dict):
        if "functionInvocationValue" in node:
            fi = node["functionInvocationValue"]
            calls.append(fi.get("functionName", ""))
            for arg in fi.get("arguments", {}).values():
                _walk(arg, values, calls, consts)
            return
        if "constantValue" in node:
            consts.append(node["constantValue"])
            return
        if "functionDefinitionValue" in node:
            body = node["functionDefinitionValue"]["body"]
            _walk(values[body] if isinstance(body, str) else body, values, calls, consts)
            return
        if "valueReference" in node:
            _walk(values[node["valueReference"]], values, calls, consts)
            return
        for v in node.values():
            _walk(v, values, calls, consts)
    elif isinstance(node, list):
        for v in node:
            _walk(v, values, calls, consts)


def graph(recipe_name: str, period: str) -> tuple[list[str], str]:
    from m3leo_extract.ee import expressions

    recipe = load_catalog()[recipe_name]
    comp = recipe.periods(parse_periods(period)[0])[0]
    text = expressions.serialize(expressions.build(recipe, comp, BOUNDS), pretty=False)
    g = json.loads(text)
    calls: list[str] = []
    consts: list[Any] = []
    _walk(g["values"][g["result"]], g["values"], calls, consts)
    return calls, json.dumps(consts)


@pytest.fixture(autouse=True)
def _ee(emulator):
    yield


def test_s1_graph():
    calls, consts = graph("s1", "2020")
    assert "ImageCollection.load" in calls and '"COPERNICUS/S1_GRD"' in consts
    assert '"2019-12-01' in consts  # DJF of 2020 starts 1 Dec 2019 (the client sends dates as ISO strings)
    for needle in ('"instrumentMode"', '"IW"', '"orbitProperties_pass"', '"ASCENDING"', '"DESCENDING"',
                   '"transmitterReceiverPolarisation"', '"VV"', '"VH"'):
        assert needle in consts, needle
    assert "reduce.median" in calls
    assert "Image.updateMask" in calls  # the border-noise edge mask
    assert "Collection.map" in calls


def test_s2_graph():
    calls, consts = graph("s2", "2021")
    assert '"COPERNICUS/S2_SR_HARMONIZED"' in consts and '"GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED"' in consts
    for band in ("B2", "B3", "B4", "B8", "cs_cdf"):
        assert f'"{band}"' in consts
    assert "Image.linkCollection" in calls and "Image.updateMask" in calls
    assert "reduce.median" in calls and "Image.resample" in calls
    assert '"2021-01-01' in consts


def test_worldcover_graph_picks_the_version_of_the_year():
    _, consts = graph("esa_worldcover", "2020")
    assert '"ESA/WorldCover/v100"' in consts and '"Map"' in consts
    _, consts = graph("esa_worldcover", "2021")
    assert '"ESA/WorldCover/v200"' in consts


def test_auxiliary_graphs():
    calls, consts = graph("dem", "2020")
    # GLO30 is deprecated in the catalogue; its successor there is GLO30_2024_1.
    assert '"COPERNICUS/DEM/GLO30_2024_1"' in consts and "Terrain.slope" in calls and "Terrain.aspect" in calls
    calls, consts = graph("ghs_built_s", "2021")
    assert '"JRC/GHSL/P2023A/GHS_BUILT_S/2020"' in consts
    assert "Image.resample" in calls and '"bilinear"' in consts  # docs/catalog.md: bilinear to 10 m
    calls, consts = graph("modis_vcf", "2020")
    assert '"MODIS/061/MOD44B"' in consts and '"Percent_Tree_Cover"' in consts
    assert "Image.neq" in calls and "200" in consts  # MOD44B's 200 (water) is masked


def test_every_recipe_casts_to_its_dtype_and_burns_nodata():
    cat = load_catalog()
    for name, recipe in cat.items():
        if not recipe.remote:
            continue
        calls, _ = graph(name, "2020")
        assert "Image.unmask" in calls, name
        cast = {"uint8": "Image.toUint8", "uint16": "Image.toUint16", "float32": "Image.toFloat",
                "int16": "Image.toInt16"}[recipe.dtype]
        assert cast in calls, name


def test_region_free_images_are_built_once_and_region_filters_are_not() -> None:
    """WorldCover (one image a version) is the same graph for every unit: built once and shared; S2 filters
    its granules by the unit's region, so each unit's bounds give their own graph."""
    from m3leo_extract.ee import expressions

    cat = load_catalog()
    wc = cat["esa_worldcover"]
    p = wc.periods(parse_periods("2020")[0])[0]
    other = (10.0, 50.0, 10.1, 50.1)
    first = expressions.build(wc, p, BOUNDS)
    assert wc.builder in expressions.REGION_FREE and expressions.build(wc, p, other) is first
    fresh = expressions.BUILDERS[wc.builder](wc, p, expressions.region_geometry(other))
    assert expressions.serialize(first, pretty=False) == expressions.serialize(fresh, pretty=False)
    p21 = wc.periods(parse_periods("2021")[0])[0]
    assert expressions.build(wc, p21, BOUNDS) is not first  # another period: another image
    s2 = cat["s2"]
    q = s2.periods(parse_periods("2021")[0])[0]
    assert s2.builder not in expressions.REGION_FREE
    a, b = expressions.build(s2, q, BOUNDS), expressions.build(s2, q, other)
    assert expressions.serialize(a, pretty=False) != expressions.serialize(b, pretty=False)
