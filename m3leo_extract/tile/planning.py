"""What `tile` will write, decided before any pixel is read: the collection's spec (a catalog recipe's, the
store's, or one made from the first input), which inputs fit it, the chips the inputs' footprints cover
(clipped to the AOI), each chip's inputs in mosaic order, and the chips too little covered to keep."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..aoi import load_aoi
from ..catalog import load_catalog
from ..errors import UsageError
from ..grid import CHIP_SIZE_M, Chip, ChipArrays, chips_for_geometry, outlines_4326
from ..store import ChipStore, CollectionAttrs, CollectionSpec
from .inputs import RasterInput, footprint_4326, footprint_in, input_resolution_m

ChooseFn = Callable[[Chip, Sequence[RasterInput]], Sequence[int]]
KINDS = ("categorical", "continuous")
UPSAMPLE_WARN = 4.0  # warn when chips have this many times finer pixels than an input


def _spec_from_input(name: str, first: RasterInput, resolution: float | None, kind: str | None,
                     nodata: float | None) -> CollectionSpec:
    """A new collection shaped like its first input: its dtype, nodata (or the caller's), band names."""
    dt = np.dtype(first.dtype)
    fill: float | int
    if first.nodata is not None:
        fill = first.nodata
    elif nodata is not None:
        fill = nodata
    else:
        fill = float("nan") if dt.kind == "f" else 0
    fill = float(fill) if dt.kind == "f" else int(fill)
    names = [d if d else f"b{b}" for d, b in zip(first.descriptions, first.bands, strict=True)]
    if len(set(names)) != len(names):
        names = [f"b{b}" for b in first.bands]
    nb = len(names)
    return CollectionSpec(name=name, bands=tuple(names), dtype=str(dt), nodata=fill,
                          resolution=float(resolution or 10), chip_px=0, kind=kind or "continuous",
                          attrs=CollectionAttrs(title=name, source="m3leo tile", units=("",) * nb, scale=(1.0,) * nb,
                                                offset=(0.0,) * nb))


def is_new_collection(name: str, store: ChipStore | None) -> bool:
    """Neither a catalog recipe nor a collection of the store: its spec comes from its first input."""
    return name not in load_catalog() and (store is None or name not in store.collections())


def collection_spec(name: str, first: RasterInput, store: ChipStore | None, resolution: float | None,
                    kind: str | None, nodata: float | None) -> tuple[CollectionSpec, int]:
    """The collection's spec and version: the catalog recipe's, the store's (None: no store yet), or one made
    from the first input."""
    cat = load_catalog()
    if name in cat:
        recipe = cat[name]
        spec, version = recipe.store_spec(), recipe.version
        if kind and kind != spec.kind:
            raise UsageError(f"collection {name!r} is the catalog's {spec.kind} recipe; drop --kind or use "
                             "another collection name")
    elif store is not None and name in store.collections():
        spec = store.spec(name)
        version = spec.attrs.recipe_version
    else:
        spec, version = _spec_from_input(name, first, resolution, kind, nodata), 1
    res = float(resolution) if resolution else spec.resolution
    if abs(CHIP_SIZE_M / res - round(CHIP_SIZE_M / res)) > 1e-9:
        raise UsageError(f"resolution {res} m does not divide the {CHIP_SIZE_M} m chip; use e.g. 10, 20, 40, 50, 100")
    return replace(spec, resolution=res, chip_px=int(round(CHIP_SIZE_M / res))), version


def given_spec(spec: CollectionSpec, resolution: float | None) -> tuple[CollectionSpec, int]:
    """A source's own spec (m3leo_extract.sources), at `resolution` if given, and its version."""
    res = float(resolution or spec.resolution)
    return replace(spec, resolution=res, chip_px=int(round(CHIP_SIZE_M / res))), spec.attrs.recipe_version


def match_bands(inp: RasterInput, spec: CollectionSpec, picked: bool) -> RasterInput | str:
    """The input reading the collection's bands, or why it cannot (a line without the path). Band
    descriptions that name the collection's bands (Earth Engine exports have them) pick them by name, unless
    the caller `picked` bands itself."""
    if not picked and set(spec.bands) <= set(inp.descriptions) and inp.descriptions != spec.bands:
        pos = [inp.descriptions.index(b) for b in spec.bands]
        inp = replace(inp, bands=tuple(inp.bands[i] for i in pos), descriptions=tuple(spec.bands))
    if len(inp.bands) != len(spec.bands):
        return (f"has {len(inp.bands)} band(s) selected but {spec.name} stores {len(spec.bands)} "
                f"({', '.join(spec.bands)}); pick them with --bands")
    return inp


def load_geometry(aoi: Any) -> Any:
    """An AOI name or vector file, an AOI object or a shapely geometry -> the geometry (None: no AOI)."""
    if aoi is None:
        return None
    if isinstance(aoi, (str, Path)):
        return load_aoi(str(aoi)).geometry
    return getattr(aoi, "geometry", aoi)


def upsampling_warning(inputs: Sequence[RasterInput], resolution: float) -> str | None:
    """A warning line when the chips upsample the coarsest input a lot (blocky, mostly empty), else None."""
    if not inputs:
        return None
    coarse = max(inputs, key=input_resolution_m)
    native = input_resolution_m(coarse)
    if native / resolution < UPSAMPLE_WARN:
        return None
    fits = [d for d in range(1, int(CHIP_SIZE_M) + 1) if CHIP_SIZE_M % d == 0]  # resolutions chips allow
    near = min(fits, key=lambda d: abs(math.log(d / native)))
    return (f"{coarse.name} has ~{native:.0f} m pixels but the chips are {resolution:g} m: upsampled "
            f"{native / resolution:.0f}x; pass --resolution {near} unless you mean to")


def chip_cover(chips: Sequence[Chip], usable: Sequence[RasterInput], feet: Sequence[Any]) -> tuple[
        list[list[int]], np.ndarray]:
    """For each chip: the inputs that cover part of it (in input order) and the area they cover (m2, an upper
    bound of its valid area: overlaps count twice)."""
    arrays = ChipArrays(np.array([c.zone for c in chips]), np.array([c.south for c in chips]),
                        np.array([c.row for c in chips]), np.array([c.col for c in chips]))
    ci, ii = shapely.STRtree(feet).query(outlines_4326(arrays), predicate="intersects")
    chip_inputs: list[list[int]] = [[] for _ in chips]
    area = np.zeros(len(chips))
    groups: dict[tuple[int, int], list[int]] = {}
    for c, i in zip(ci.tolist(), ii.tolist(), strict=True):
        groups.setdefault((chips[c].epsg, i), []).append(c)
    for (epsg, i), cs in sorted(groups.items()):
        boxes = shapely.box([chips[c].x_min for c in cs], [chips[c].y_min for c in cs],
                            [chips[c].x_max for c in cs], [chips[c].y_max for c in cs])
        try:
            part = shapely.area(shapely.intersection(boxes, footprint_in(usable[i], epsg)))
            part = np.where(np.isfinite(part), part, CHIP_SIZE_M ** 2)
        except Exception:  # a projection that fails far from the input's area of use: assume it covers
            part = np.full(len(cs), float(CHIP_SIZE_M ** 2))
        for c, a in zip(cs, part.tolist(), strict=True):
            chip_inputs[c].append(i)
            area[c] += a
    for lst in chip_inputs:
        lst.sort()
    return chip_inputs, np.minimum(area, CHIP_SIZE_M ** 2)


@dataclass(frozen=True)
class Coverage:
    """The chips to tile, each chip's inputs (indexes, mosaic order), and how many chips the footprints
    touched before `min_valid` dropped those the inputs cannot cover enough."""

    chips: tuple[Chip, ...]
    chip_inputs: tuple[tuple[int, ...], ...]
    found: int
    dropped: int


def _keep(keep: np.ndarray, *lists: Sequence[Any]) -> list[list[Any]]:
    return [[x for x, k in zip(lst, keep, strict=True) if k] for lst in lists]


def plan_coverage(usable: Sequence[RasterInput], geometry: Any, resolution: float, min_valid: float,
                  choose: ChooseFn | None = None) -> Coverage:
    """The inputs' footprints (clipped to `geometry`) -> the chips and, for each, the inputs that touch it;
    `choose(chip, inputs) -> indexes` (a source's rule, e.g. GUNW date pairs) picks among them."""
    feet = [footprint_4326(i) for i in usable]
    union = shapely.union_all(feet)
    area = union if geometry is None else shapely.intersection(union, geometry)
    chips = chips_for_geometry(area) if not area.is_empty and area.area > 0 else []
    if not chips:
        return Coverage((), (), 0, 0)
    chip_inputs, covered = chip_cover(chips, usable, feet)
    if choose is not None:
        chip_inputs = [[lst[j] for j in choose(c, [usable[i] for i in lst])] if lst else []
                       for c, lst in zip(chips, chip_inputs, strict=True)]
        covered = np.where([bool(lst) for lst in chip_inputs], covered, 0.0)
    # Chips the inputs only graze (under half a pixel: lon/lat round-off) are not the inputs' chips.
    keep = covered > 0.5 * resolution ** 2
    chips, chip_inputs = _keep(keep, chips, chip_inputs)
    covered = covered[keep]
    found = len(chips)
    if chips and min_valid > 0:
        # Chips the inputs cannot cover enough are dropped now: they need not even enter the store.
        chips, chip_inputs = _keep(covered / CHIP_SIZE_M ** 2 >= min_valid, chips, chip_inputs)
    return Coverage(tuple(chips), tuple(tuple(lst) for lst in chip_inputs), found, found - len(chips))
