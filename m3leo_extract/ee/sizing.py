"""How big one computePixels request may be, from Earth Engine's documented limits.

Earth Engine rejects a computePixels/getPixels request whose uncompressed result exceeds 48 MiB
("Total request size (N bytes) must be less than or equal to 50331648 bytes"), whose grid is more than
32768 pixels on a side, or that has more than 1024 bands. The size it counts includes one mask byte per
band-pixel on top of the band's own bytes (EE server code `ImageUtils.enforceRequestedSizeLimits`, as cited
in google/Xee issue 209 and PRs 210/211, "Account for mask byte in chunk size calculation"), so a uint8
block holds half the pixels its raw size suggests. A work unit (the chips of one Zarr shard) is cut
into rectangular blocks of neighbouring chips that each fit one request; each block is one request and
is cut back into chips on arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from affine import Affine

from ..grid import ChipBox

REQUEST_BYTE_LIMIT = 48 * 1024 * 1024  # 50331648 bytes, uncompressed result of one request
MAX_GRID_DIM = 32768  # pixels per side of one request
MAX_BANDS = 1024  # bands per request
# A block's bounding rectangle may include chips that are not asked for (they cost bytes, not requests);
# below this fraction of wanted chips the rectangle is split instead.
MIN_BLOCK_FILL = 0.5


MASK_BYTES = 1  # per band-pixel, counted by Earth Engine's size rule (see the module docstring)


def request_bytes(width: int, height: int, n_bands: int, dtype: str | np.dtype) -> int:
    """The bytes Earth Engine's size rule counts for a (width x height x bands) request: values + mask."""
    return int(width) * int(height) * int(n_bands) * (np.dtype(dtype).itemsize + MASK_BYTES)


def max_chips_per_request(chip_px: int, n_bands: int, dtype: str | np.dtype,
                          byte_limit: int = REQUEST_BYTE_LIMIT) -> int:
    """How many whole chips one request can carry under the byte limit (at least 1 is required)."""
    per_chip = request_bytes(chip_px, chip_px, n_bands, dtype)
    if n_bands > MAX_BANDS:
        raise ValueError(f"{n_bands} bands exceed Earth Engine's {MAX_BANDS} bands per request")
    if per_chip > byte_limit:
        raise ValueError(f"one chip ({chip_px}x{chip_px} px, {n_bands} bands of {np.dtype(dtype)}) is "
                         f"{per_chip} bytes, over the {byte_limit}-byte request limit; use a coarser resolution")
    return byte_limit // per_chip


@dataclass(frozen=True, slots=True)
class Block:
    """A rectangle of chips in one UTM zone: rows row0..row0+nrows-1 (south to north), cols likewise.

    `chips` are the (row, col) pairs inside it that are wanted; others are fetched and dropped.
    """

    epsg: int
    row0: int
    col0: int
    nrows: int
    ncols: int
    chips: tuple[tuple[int, int], ...]

    @property
    def n_cells(self) -> int:
        return self.nrows * self.ncols

    @property
    def box(self) -> ChipBox:
        """The block's geometry (grid.ChipBox): CRS, bounds, footprint."""
        return ChipBox(self.epsg, self.row0, self.col0, self.nrows, self.ncols)

    def transform(self, resolution_m: float) -> Affine:
        """North-up transform of the block's pixel grid in its zone CRS (top-left = its north-west chip)."""
        return self.box.transform(resolution_m)

    def shape(self, chip_px: int) -> tuple[int, int]:
        """(height, width) in pixels."""
        return (self.nrows * chip_px, self.ncols * chip_px)

    def fits(self, chip_px: int, n_bands: int, dtype: str | np.dtype, byte_limit: int) -> bool:
        w, h = self.ncols * chip_px, self.nrows * chip_px
        return (w <= MAX_GRID_DIM and h <= MAX_GRID_DIM and n_bands <= MAX_BANDS
                and request_bytes(w, h, n_bands, dtype) <= byte_limit)

    def halves(self) -> list[Block]:
        """Split along the longer side; empty halves are dropped, each half shrinks to its chips' bbox."""
        if self.n_cells <= 1:
            return [self]
        if self.ncols >= self.nrows:
            mid = self.col0 + self.ncols // 2
            parts = ([rc for rc in self.chips if rc[1] < mid], [rc for rc in self.chips if rc[1] >= mid])
        else:
            mid = self.row0 + self.nrows // 2
            parts = ([rc for rc in self.chips if rc[0] < mid], [rc for rc in self.chips if rc[0] >= mid])
        return [bbox_block(self.epsg, p) for p in parts if p]


def bbox_block(epsg: int, chips: Sequence[tuple[int, int]]) -> Block:
    rows = [r for r, _ in chips]
    cols = [c for _, c in chips]
    r0, c0 = min(rows), min(cols)
    return Block(epsg, r0, c0, max(rows) - r0 + 1, max(cols) - c0 + 1, tuple(sorted(set(chips))))


def plan_blocks(chips: Iterable[tuple[int, int, int]], chip_px: int, n_bands: int, dtype: str | np.dtype,
                byte_limit: int = REQUEST_BYTE_LIMIT, min_fill: float = MIN_BLOCK_FILL) -> list[Block]:
    """Cover (epsg, row, col) chips with few rectangular blocks that each fit one request.

    Per zone, start from the bounding rectangle and bisect along the longer side until every block fits the
    limits and at least `min_fill` of its cells are wanted chips. Pure function; order is deterministic.
    """
    by_zone: dict[int, list[tuple[int, int]]] = {}
    for epsg, row, col in chips:
        by_zone.setdefault(int(epsg), []).append((int(row), int(col)))
    out: list[Block] = []
    for epsg in sorted(by_zone):
        todo = [bbox_block(epsg, by_zone[epsg])]
        while todo:
            b = todo.pop()
            ok = b.fits(chip_px, n_bands, dtype, byte_limit) and len(b.chips) >= min_fill * b.n_cells
            if ok or b.n_cells == 1:
                if not b.fits(chip_px, n_bands, dtype, byte_limit):
                    max_chips_per_request(chip_px, n_bands, dtype, byte_limit)  # raises the clear error
                out.append(b)
            else:
                todo.extend(reversed(b.halves()))
    return sorted(out, key=lambda b: (b.epsg, b.row0, b.col0))
