"""Flat memory of the store's readers on a huge planned state (issue 26): `m3leo verify` and `m3leo stats` on
a store whose chip arrays and state hold a few hundred thousand planned chips but only four written shards.
Peak RSS is each real command's own, in a fresh subprocess; no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flat_fixtures import COLLECTION, build_store, m3leo_rss

SIZES = (150_000, 300_000)
GROWTH_MB = 40  # RSS(2N) - RSS(N): a per-chip Python object (>= 100 bytes) would add 15+ MB per 150k chips


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict[str, int]]]:
    base = tmp_path_factory.mktemp("flat")
    return {n: (base / f"s{n}", build_store(base / f"s{n}", n)) for n in SIZES}


def test_verify_on_planned_state_is_flat_and_correct(stores) -> None:
    rss = {}
    for n, (store, made) in stores.items():
        rss[n], _, out = m3leo_rss("verify", "--store", str(store), "--json")
        rep = json.loads(out)
        assert rep["ok"] and rep["errors"] == 0 and rep["warnings"] == 0, rep
        assert rep["shards"] == 4 and rep["chunks"] == made["written"], rep
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < 400, rss


def test_stats_on_planned_state_is_flat_and_correct(stores) -> None:
    rss = {}
    for n, (store, _) in stores.items():
        rss[n], _, out = m3leo_rss("stats", "--store", str(store))
        assert COLLECTION in out, out
    assert rss[SIZES[1]] - rss[SIZES[0]] < GROWTH_MB, rss
    assert max(rss.values()) < 400, rss
