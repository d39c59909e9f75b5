"""What a published dataset says about its store: collections, periods, sources with licences and citations,
the synthetic flag, the split scheme and its border contacts, and what is not finished. Read-only.

Every fact comes from the store (group attributes: the recipe's layout and each period's provenance), its state
database (units), and, for the licences and citations of Earth Engine assets, the table below (the terms on
each asset's Earth Engine catalog page; the store records which assets each period was made from).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..catalog.period import parse_label
from ..chipblocks import split_codes
from ..defaults import STATE_FILE
from ..errors import NotInStoreError, UsageError
from ..grid import ChipArrays, find_sorted
from ..shards import array_path, shard_file
from ..splits import SPLIT_NAMES
from ..state import StateDB
from ..store import ChipStore

COPERNICUS = ("Copernicus Sentinel data terms (free, full and open access; attribution required)",
              "https://sentinels.copernicus.eu/documents/247904/690755/Sentinel_Data_Legal_Notice")
CC_BY = ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/")
# Earth Engine asset -> (licence (SPDX id where there is one), licence URL, citation, provider)
ASSET_TERMS: dict[str, tuple[str, str, str, str]] = {
    "COPERNICUS/S1_GRD": (*COPERNICUS, "Contains modified Copernicus Sentinel-1 data, processed by ESA.", "ESA"),
    "COPERNICUS/S2_SR_HARMONIZED": (*COPERNICUS, "Contains modified Copernicus Sentinel-2 data, processed by ESA.",
                                    "ESA"),
    "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED": (
        *CC_BY, "Pasquarella, V. J., Brown, C. F., Czerwinski, W., Rucklidge, W. J. (2023). Comprehensive quality "
        "assessment of optical satellite imagery using weakly supervised video learning. CVPR Workshops.", "Google"),
    "ESA/WorldCover/v100": (*CC_BY, "Zanaga, D. et al. (2021). ESA WorldCover 10 m 2020 v100. "
                            "doi:10.5281/zenodo.5571936", "ESA"),
    "ESA/WorldCover/v200": (*CC_BY, "Zanaga, D. et al. (2022). ESA WorldCover 10 m 2021 v200. "
                            "doi:10.5281/zenodo.7254221", "ESA"),
    "JRC/GHSL/P2023A/GHS_BUILT_S": (*CC_BY, "Pesaresi, M., Politis, P. (2023). GHS-BUILT-S R2023A - GHS built-up "
                                    "surface grid. European Commission, JRC. doi:10.2905/9F06F36F-4B11-47EC-ABB0-"
                                    "4F8B7B1D72EA", "European Commission JRC"),
    "MODIS/061/MOD44B": ("NASA EOSDIS data use policy (no restrictions)",
                         "https://www.earthdata.nasa.gov/engage/open-data-services-software-policies",
                         "DiMiceli, C. et al. (2021). MODIS/Terra Vegetation Continuous Fields Yearly L3 Global 250m "
                         "SIN Grid V061. doi:10.5067/MODIS/MOD44B.061", "NASA LP DAAC"),
    "COPERNICUS/DEM/GLO30_2024_1": ("Copernicus DEM licence (free, attribution required)",
                                    "https://spacedata.copernicus.eu/documents/20123/121286/CSCDA_ESA_Mission-"
                                    "specific+Annex_31_Oct_22.pdf",
                                    "Copernicus DEM GLO-30, ESA (2021). doi:10.5270/ESA-c5d3d65", "ESA"),
}
UNFINISHED = ("planned", "running", "failed")


@dataclass(frozen=True)
class Source:
    """One source a collection was made from, with its terms."""

    id: str  # Earth Engine asset id, source name (`gssic`), or an input file
    licence: str
    licence_url: str
    citation: str
    provider: str

    @property
    def spdx(self) -> str | None:
        return self.licence if self.licence.replace("-", "").replace(".", "").isalnum() else None

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "licence": self.licence, "licence_url": self.licence_url, "citation": self.citation,
                "provider": self.provider}


@dataclass
class CollectionInfo:
    """One collection. Its chips are int64 keys (`grid.chip_keys`) and int8 split codes into SPLIT_NAMES, store
    order: 9 bytes a chip, never a Python object per chip (issue 26); ids are made a shard at a time."""

    name: str
    attrs: dict[str, Any]
    periods: list[str]
    keys: np.ndarray  # int64, per chip (store order)
    codes: np.ndarray  # int8 split codes, per chip (store order)
    shard_chips: int
    sources: list[Source]
    windows: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.attrs.get("kind", "continuous"))

    @property
    def bands(self) -> list[str]:
        return list(self.attrs["bands"])

    @property
    def n_chips(self) -> int:
        return len(self.keys)

    @property
    def n_shards(self) -> int:
        return -(-self.n_chips // self.shard_chips)

    def split_count(self, split: str) -> int:
        return int((self.codes == SPLIT_NAMES.index(split)).sum())

    def band_table(self) -> list[dict[str, Any]]:
        a = self.attrs
        n = len(self.bands)
        units, scale, offset = a.get("units") or [""] * n, a.get("scale") or [1.0] * n, a.get("offset") or [0.0] * n
        srcs = a.get("sources") or [""] * n
        return [{"name": b, "unit": units[i], "scale": scale[i], "offset": offset[i], "source": srcs[i],
                 "dtype": a["dtype"], "nodata": a["nodata"]} for i, b in enumerate(self.bands)]

    def shard_ids(self, shard: int) -> list[str]:
        return ChipArrays.from_keys(self.keys[shard * self.shard_chips:(shard + 1) * self.shard_chips]).ids()

    def shard_splits(self, shard: int) -> list[str]:
        return [SPLIT_NAMES[k] for k in self.codes[shard * self.shard_chips:(shard + 1) * self.shard_chips]]

    def span(self) -> tuple[str, str] | None:
        wins = [w for w in self.windows.values() if w]
        return (min(w[0] for w in wins), max(w[1] for w in wins)) if wins else None


@dataclass
class StoreInfo:
    root: Path
    store: ChipStore
    collections: list[CollectionInfo]
    split_scheme: str
    synthetic: bool
    unfinished: dict[str, int]  # status -> units

    def sources(self) -> list[Source]:
        seen: dict[str, Source] = {}
        for c in self.collections:
            for s in c.sources:
                seen.setdefault(s.id, s)
        return list(seen.values())

    def chip_splits(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys ascending, split codes) of every chip of any collection, a chip once (with its split in the
        first collection that has it)."""
        keys = np.concatenate([c.keys for c in self.collections])
        codes = np.concatenate([c.codes for c in self.collections])
        keys, first = np.unique(keys, return_index=True)
        return keys, codes[first]

    def split_counts(self) -> dict[str, int]:
        """Chips per split over every chip of any collection (a chip counted once)."""
        counts = np.bincount(self.chip_splits()[1].astype("int64"), minlength=len(SPLIT_NAMES))
        return {s: int(counts[i]) for i, s in enumerate(SPLIT_NAMES)}

    def border_contacts(self) -> tuple[int, int]:
        """(val/test chips with a train chip among their 8 neighbours in the same zone, val/test chips)."""
        keys, codes = self.chip_splits()
        held = keys[np.isin(codes, [SPLIT_NAMES.index("val"), SPLIT_NAMES.index("test")])]
        train = keys[codes == SPLIT_NAMES.index("train")]  # ascending
        touch = np.zeros(len(held), bool)
        zh, row, col = held >> 32, (held >> 16) & 0xFFFF, held & 0xFFFF
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                ok = (row + dr >= 0) & (col + dc >= 0) & (row + dr <= 0xFFFF) & (col + dc <= 0xFFFF) & ~touch
                if not (dr or dc) or not ok.any() or not len(train):
                    continue
                k = (zh[ok] << 32) | ((row[ok] + dr) << 16) | (col[ok] + dc)
                touch[np.flatnonzero(ok)] = find_sorted(train, k)[1]
        return int(touch.sum()), len(held)

    @property
    def n_chips(self) -> int:
        return len(np.unique(np.concatenate([c.keys for c in self.collections])))

    def all_keys(self) -> np.ndarray:
        """int64 keys of every chip of any collection, ascending, each once."""
        return np.unique(np.concatenate([c.keys for c in self.collections]))


def _sources(attrs: dict[str, Any]) -> list[Source]:
    out: dict[str, Source] = {}
    for rec in (attrs.get("periods") or {}).values():
        for asset in rec.get("assets") or []:
            terms = ASSET_TERMS.get(asset)
            if terms is None:
                url = f"https://developers.google.com/earth-engine/datasets/catalog/{asset.replace('/', '_')}"
                terms = ("see the asset's terms of use", url, f"Earth Engine asset {asset}; cite as its catalog page "
                         "asks", "Google Earth Engine")
            out.setdefault(asset, Source(asset, *terms))
    if attrs.get("source") and attrs.get("source") != "m3leo tile":
        name = str(attrs["source"])
        out.setdefault(name, Source(name, str(attrs.get("licence", "see the source's terms")), "",
                                    str(attrs.get("citation", attrs.get("title", name))), name))
    if not out:
        inputs = [i for rec in (attrs.get("periods") or {}).values() for i in rec.get("inputs") or []]
        label = f"{len(inputs)} raster file(s) given to m3leo tile" if inputs else "unrecorded"
        out[label] = Source(label, str(attrs.get("licence", "the licence of the input rasters")), "",
                            str(attrs.get("citation", attrs.get("title", ""))), "")
    return list(out.values())


def _window(label: str) -> tuple[str, str] | None:
    try:
        return parse_label(label).iso()
    except Exception:  # `static` and other labels that name no dates
        return None


def read_store(store_dir: str | Path) -> StoreInfo:
    """Everything the published files say, from the store alone. Refuses a missing store and one without
    recorded provenance (exit 2)."""
    root = Path(store_dir)
    if "://" in str(store_dir):
        raise UsageError(f"--store {store_dir}: publish reads a local store; copy it here first")
    if not root.is_dir():
        raise NotInStoreError(f"--store {root} does not exist; give the folder `m3leo extract --store` made")
    st = ChipStore.open(root, mode="r")
    colls = []
    for name in st.collections():
        attrs = st.attrs(name)
        periods = st.periods(name)
        missing = [p for p in periods if not isinstance((attrs.get("periods") or {}).get(p), dict)]
        if missing:
            raise UsageError(f"collection {name!r} of {root} has no recorded provenance for period(s) "
                             f"{', '.join(missing)} (made by hand or by an old m3leo), so its sources and licences are "
                             "unknown; re-make it with `m3leo extract` or `m3leo tile` before publishing")
        info = CollectionInfo(name, attrs, periods, st.chip_keys(name), split_codes(st, name), st.shard_chips(name),
                              _sources(attrs))
        info.windows = {p: _window(p) for p in periods}
        colls.append(info)
    if not colls:
        raise UsageError(f"{root} holds no collection yet; nothing to publish")
    synthetic = any(bool(c.attrs.get("synthetic")) or any(bool(r.get("synthetic"))
                    for r in (c.attrs.get("periods") or {}).values()) for c in colls)
    return StoreInfo(root, st, colls, str(st.split_scheme()), synthetic, _unfinished(root))


def _unfinished(root: Path) -> dict[str, int]:
    path = root / STATE_FILE
    if not path.exists():
        return {}
    db = StateDB(path)
    try:
        out: dict[str, int] = {}
        for row in db.counts():
            if row["status"] in UNFINISHED:
                out[row["status"]] = out.get(row["status"], 0) + int(row["units"])
        return out
    finally:
        db.close()


def shard_files(info: StoreInfo, c: CollectionInfo, shard: int) -> Iterator[tuple[int, str, Path]]:
    """(time index, period, path) of each period's shard file that exists."""
    base = array_path(info.root, c.name)
    for t, p in enumerate(c.periods):
        path = Path(shard_file(base, shard, t))
        if path.exists():
            yield t, p, path


def fingerprint(*parts: Any) -> str:
    """A short stable hash of what an output file is made from."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def file_stamp(path: Path) -> tuple[int, int]:
    s = os.stat(path)
    return s.st_size, s.st_mtime_ns


def multihash_sha256(path: Path) -> str:
    """The file's sha2-256 as a hex multihash (what STAC's file:checksum holds)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "1220" + h.hexdigest()
