"""Earth Engine expressions for collection recipes, built with the real `ee` package.

Each builder takes (recipe, period, region) and returns an `ee.Image` whose bands are the recipe's output
bands, in order, cast to the recipe's dtype, with masked pixels replaced by a nodata value (computePixels'
NPY output carries no mask, so nodata has to be burnt in server-side).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ee

from ..catalog import Period, Recipe
from ..errors import CollectionError
from ..nodata import is_nan

# JSON has no NaN, so float recipes burn this sentinel in server-side and the client turns it back into NaN.
FLOAT_SENTINEL = -9999.0

_CAST = {"uint8": "toUint8", "uint16": "toUint16", "int16": "toInt16", "int32": "toInt32",
         "float32": "toFloat", "float64": "toDouble"}


def server_nodata(recipe: Recipe) -> float:
    """The value masked pixels carry on the wire for this recipe."""
    nd = recipe.nodata
    return FLOAT_SENTINEL if is_nan(nd) else nd


def _finish(recipe: Recipe, img: ee.Image) -> ee.Image:
    img = img.unmask(server_nodata(recipe), False)
    return getattr(img, _CAST[recipe.dtype])()


def _sources(recipe: Recipe) -> list[str]:
    return [b.source for b in recipe.bands]


def _reduce(coll: ee.ImageCollection, reducer: str) -> ee.Image:
    if reducer in ("median", "mean", "min", "max", "mosaic"):
        return getattr(coll, reducer)()
    if reducer == "first":
        return coll.first()
    raise CollectionError(f"reducer {reducer!r} cannot composite a collection; use median, mean, min, max, "
                          "mosaic or first")


def _placeholder(bands: list[str]) -> ee.Image:
    """A fully masked image with the given bands: what an empty composite becomes."""
    return ee.Image.constant([0] * len(bands)).rename(bands).updateMask(0)


def _composite(coll: ee.ImageCollection, bands: list[str], reducer: str) -> ee.Image:
    """Reduce `coll` (already selected to `bands`) so that an empty collection still gives those bands.

    The median of an empty collection has no bands, and everything after it (rename, select) fails
    ("Image.rename: The number of names (2) must match the number of bands (0)"). Merging a fully masked
    image with the right bands is Earth Engine's usual idiom: it adds nothing where there is data, and an
    empty period composites to masked pixels (nodata chips with valid 0).
    """
    return _reduce(coll.merge(ee.ImageCollection([_placeholder(bands)])), reducer)


def _s1(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    opt = recipe.options
    start, end = period.iso()
    coll = (ee.ImageCollection(recipe.asset).filterBounds(region).filterDate(start, end)
            .filter(ee.Filter.eq("instrumentMode", "IW"))
            .filter(ee.Filter.listContains("transmitterReceiverPolarisation", "VV"))
            .filter(ee.Filter.listContains("transmitterReceiverPolarisation", "VH")))
    edge_db = float(opt.get("edge_mask_db", -30.0))

    def edge_mask(img: ee.Image) -> ee.Image:
        # GRD border noise: the swath edges carry near-zero backscatter; drop everything below edge_db.
        return img.updateMask(img.select("VV").gt(edge_db))

    parts = []
    for orbit, suffix in (("ASCENDING", "ASC"), ("DESCENDING", "DSC")):
        # A season may have one orbit direction only over the AOI: that half composites to masked pixels.
        c = coll.filter(ee.Filter.eq("orbitProperties_pass", orbit)).map(edge_mask).select(["VV", "VH"])
        parts.append(_composite(c, ["VV", "VH"], recipe.reducer).rename([f"VV_{suffix}", f"VH_{suffix}"]))
    img = parts[0].addBands(parts[1])
    if opt.get("scale", "db") == "linear":
        img = ee.Image.constant(10).pow(img.divide(10))
    return _finish(recipe, img.select(_band_order(recipe, ["VV_ASC", "VH_ASC", "VV_DSC", "VH_DSC"])))


def _band_order(recipe: Recipe, built: list[str]) -> list[str]:
    names = recipe.band_names
    missing = set(names) - set(built)
    if missing:
        raise CollectionError(f"recipe {recipe.name!r} asks for bands {sorted(missing)} its builder does not "
                              f"make; it makes {built}")
    return names


def _s2(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    opt = recipe.options
    start, end = period.iso()
    cs_band = str(opt.get("cs_band", "cs_cdf"))
    threshold = float(opt.get("cs_threshold", 0.6))
    cs = ee.ImageCollection(str(opt["cloud_score_asset"]))
    coll = ee.ImageCollection(recipe.asset).filterBounds(region).filterDate(start, end)
    max_cloudy = float(opt.get("max_cloudy_pct", 100.0))
    if max_cloudy < 100.0:  # granule pre-filter on the scene's own cloud estimate
        coll = coll.filter(ee.Filter.lte("CLOUDY_PIXEL_PERCENTAGE", max_cloudy))
    coll = coll.linkCollection(cs, [cs_band])

    def prepare(img: ee.Image) -> ee.Image:
        # Cloud Score+: keep pixels whose clear-sky score is at least the threshold. Resampling is set on
        # each scene: on a composite it does nothing (a composite has no fixed projection), so 20 m bands
        # come to the 10 m chip grid bilinearly only if the scenes are told before compositing.
        return img.updateMask(img.select(cs_band).gte(threshold)).resample("bilinear")

    img = _composite(coll.map(prepare).select(_sources(recipe)), _sources(recipe), recipe.reducer)
    return _finish(recipe, img.rename(recipe.band_names))


def _single_image_collection(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    img = ee.ImageCollection(recipe.asset_for(period)).first()
    return _finish(recipe, _resampled(recipe, img.select(_sources(recipe), recipe.band_names)))


def _resampled(recipe: Recipe, img: ee.Image) -> ee.Image:
    """A source image resampled as the recipe's kind says (continuous: bilinear; categorical: nearest)."""
    return img if recipe.resampling == "nearest" else img.resample(recipe.resampling)


def _ghsl_epoch(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    # GHSL epochs are every 5 years, 1975..2030: take the one nearest the period; 100 m, bilinear to the chip.
    epoch = min(range(1975, 2031, 5), key=lambda y: abs(y - period.year))
    img = ee.Image(f"{recipe.asset}/{epoch}")
    return _finish(recipe, _resampled(recipe, img.select(_sources(recipe), recipe.band_names)))


def _yearly_collection(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    y = period.year
    coll = ee.ImageCollection(recipe.asset).filterDate(f"{y:04d}-01-01", f"{y + 1:04d}-01-01")
    mask_values = [float(v) for v in recipe.options.get("mask_values", [])]

    def prepare(img: ee.Image) -> ee.Image:
        # e.g. MOD44B's percent bands carry 200 for water (MOD44B user guide): masked, not 200 %.
        for v in mask_values:
            img = img.updateMask(img.neq(v))
        return img

    c = coll.select(_sources(recipe))
    if mask_values:
        c = c.map(prepare)
    img = _composite(c, _sources(recipe), recipe.reducer)  # a year not yet published composites to nodata
    return _finish(recipe, img.rename(recipe.band_names))


def _dem(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    # Tiles over the region (none over open ocean: the composite is then masked, not band-less).
    tiles = ee.ImageCollection(recipe.asset).filterBounds(region).select("DEM")
    dem = _composite(tiles, ["DEM"], "mosaic").setDefaultProjection("EPSG:4326", None, recipe.native_resolution)
    img = (dem.rename("elevation").addBands(ee.Terrain.slope(dem).rename("slope"))
           .addBands(ee.Terrain.aspect(dem).rename("aspect")))
    return _finish(recipe, img.select(_band_order(recipe, ["elevation", "slope", "aspect"])))


def _collection_composite(recipe: Recipe, period: Period, region: ee.Geometry) -> ee.Image:
    start, end = period.iso()
    coll = ee.ImageCollection(recipe.asset).filterBounds(region).filterDate(start, end)
    img = _composite(coll.select(_sources(recipe)), _sources(recipe), recipe.reducer)
    return _finish(recipe, img.rename(recipe.band_names))


BUILDERS: dict[str, Callable[[Recipe, Period, Any], ee.Image]] = {
    "s1": _s1, "s2": _s2, "single_image_collection": _single_image_collection, "ghsl_epoch": _ghsl_epoch,
    "yearly_collection": _yearly_collection, "dem": _dem, "collection_composite": _collection_composite,
}


def region_geometry(bounds_4326: tuple[float, float, float, float]) -> ee.Geometry:
    """The filterBounds region: a lon/lat rectangle (geodesic=False so it is the plain box)."""
    return ee.Geometry.Rectangle(list(bounds_4326), "EPSG:4326", False)


# Builders whose image does not depend on the region (no filterBounds): every unit of a recipe and period asks
# for the same image, so it is built once per process and shared (building one costs ~0.5-2 ms of client CPU,
# the ee objects are immutable and serialise the same from any thread).
REGION_FREE = frozenset({"single_image_collection", "ghsl_epoch", "yearly_collection"})
_SHARED: dict[tuple[Recipe, Period], ee.Image] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 256


def build(recipe: Recipe, period: Period, bounds_4326: tuple[float, float, float, float]) -> ee.Image:
    """The Earth Engine image for one recipe, period and region (lon/lat bounds)."""
    if not recipe.remote:
        raise CollectionError(f"recipe {recipe.name!r} is computed locally and has no Earth Engine expression")
    try:
        builder = BUILDERS[recipe.builder]
    except KeyError:
        raise CollectionError(f"recipe {recipe.name!r} names builder {recipe.builder!r}; "
                              f"builders: {', '.join(sorted(BUILDERS))}") from None
    if recipe.builder not in REGION_FREE:
        return builder(recipe, period, region_geometry(bounds_4326))
    key = (recipe, period)
    with _SHARED_LOCK:
        img = _SHARED.get(key)
    if img is None:
        img = builder(recipe, period, region_geometry(bounds_4326))
        with _SHARED_LOCK:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            img = _SHARED.setdefault(key, img)
    return img


def serialize(image: ee.Image, pretty: bool = True) -> str:
    """The expression graph as JSON text, as it goes over the wire."""
    return ee.serializer.toJSON(image, opt_pretty=pretty)
