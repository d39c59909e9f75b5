"""Request sizing arithmetic against Earth Engine's documented limits."""

from __future__ import annotations

import pytest

from m3leo_extract.ee.sizing import (
    MAX_GRID_DIM,
    REQUEST_BYTE_LIMIT,
    Block,
    max_chips_per_request,
    plan_blocks,
    request_bytes,
)


def test_constants_are_the_documented_limits() -> None:
    assert REQUEST_BYTE_LIMIT == 50331648 == 48 * 2**20
    assert MAX_GRID_DIM == 32768


def test_chips_per_request() -> None:
    # Earth Engine counts one mask byte per band-pixel on top of the values (Xee #209 / PR 211).
    # S2, 4 bands uint16 at 10 m: a 400 x 400 chip is 1.28 MB of values + 0.64 MB of mask -> 26 chips.
    assert request_bytes(400, 400, 4, "uint16") == 400 * 400 * 4 * 3 == 1_920_000
    assert max_chips_per_request(400, 4, "uint16") == 50331648 // 1_920_000 == 26
    assert max_chips_per_request(400, 4, "float32") == 50331648 // 3_200_000 == 15
    # uint8: twice the raw size, so half the chips the raw bytes suggest.
    assert request_bytes(400, 400, 1, "uint8") == 320_000
    assert max_chips_per_request(400, 1, "uint8") == 157
    with pytest.raises(ValueError, match="over the"):
        max_chips_per_request(4000, 4, "float64")  # 1 m pixels: one chip is 512 MB


def _covered(blocks: list[Block]) -> set[tuple[int, int, int]]:
    return {(b.epsg, r, c) for b in blocks for r, c in b.chips}


def test_plan_blocks_covers_every_chip_once_within_limits() -> None:
    chips = {(32631, r, c) for r in range(100, 110) for c in range(50, 70)}  # 200 chips
    blocks = plan_blocks(chips, 400, 4, "float32")
    assert _covered(blocks) == chips
    assert sum(len(b.chips) for b in blocks) == len(chips)
    for b in blocks:
        assert b.fits(400, 4, "float32", REQUEST_BYTE_LIMIT)
        assert all(b.row0 <= r < b.row0 + b.nrows and b.col0 <= c < b.col0 + b.ncols for r, c in b.chips)
    assert len(blocks) <= 2 * (200 // 19 + 1)  # close to the ideal number of requests


def test_plan_blocks_splits_zones_and_sparse_sets() -> None:
    chips = {(32631, 0, 0), (32631, 0, 1), (32632, 5, 5), (32631, 40, 40)}
    blocks = plan_blocks(chips, 400, 1, "uint8")
    assert _covered(blocks) == chips
    assert {b.epsg for b in blocks} == {32631, 32632}
    for b in blocks:
        assert len(b.chips) >= 0.5 * b.n_cells


def test_halves_shrink_to_fit_a_lower_server_limit() -> None:
    chips = {(32631, 0, c) for c in range(16)}
    (block,) = plan_blocks(chips, 400, 2, "float32")  # 16 x 1.6 MB (values + mask) fit one request
    assert block.ncols == 16
    left, right = block.halves()
    assert left.ncols == right.ncols == 8 and set(left.chips) | set(right.chips) == set(block.chips)
    small = plan_blocks(chips, 400, 4, "float32", byte_limit=request_bytes(1600, 400, 4, "float32"))
    assert all(b.ncols <= 4 for b in small) and _covered(small) == chips


def test_block_grid_is_its_chips_grid():
    from m3leo_extract.grid import Chip

    b = Block(32631, 1264, 158, 2, 3, ((1264, 158), (1265, 160)))
    nw = Chip(31, False, 1265, 158)  # the block's north-west chip: top row, first column
    assert b.transform(10) == nw.transform(10) and b.shape(400) == (800, 1200)
