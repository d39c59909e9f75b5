"""The training dataset's chip index (dataindex.py, issue 26): the vectorised selection against the dict-based
one it replaced, the `ChipIds` sequence, and peak RSS of building a `ChipDataset` at two sizes in a fresh
subprocess (VmHWM, tests/flat_fixtures.py)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from flat_fixtures import SCHEME, python_rss

from m3leo_extract.dataindex import ChipIds, id_keys
from m3leo_extract.dataset import ChipDataset
from m3leo_extract.grid import ChipArrays, chip_keys
from m3leo_extract.shards import CollectionSpec
from m3leo_extract.splits import relabel
from m3leo_extract.store import ChipStore

PERIODS = {"a": ("2020-JJA", "2020-SON"), "b": ("2020",)}


def _chips(n: int, cols: int = 50) -> ChipArrays:
    i = np.arange(n)
    return ChipArrays(np.full(n, 31, "int16"), np.zeros(n, bool), (1000 + i // cols).astype("int32"),
                      (100 + i % cols).astype("int32"))


def make_store(d: Path, n: int, *, seed: int | None = 0, shard_chips: int = 16, missing: float = 0.0) -> Path:
    """Collections "a" (two periods) and "b" (one; chips in another order, a `missing` fraction absent), 2 x 2
    px uint8 chips. seed None: every valid fraction 0.9; else random in [0, 1) with some NaN (never written)."""
    rng = np.random.default_rng(seed if seed is not None else 0)
    st = ChipStore.open(d, create=True)
    relabel(st, SCHEME)
    chips = _chips(n, 50 if n <= 400_000 else 800)  # rows and cols within the ids' 4 and 3 digits
    order = {"a": np.arange(n), "b": rng.permutation(n)[: n - int(n * missing)]}
    for name, labels in PERIODS.items():
        st.ensure_collection(CollectionSpec(name, ("v",), "uint8", 0, 2000.0, 2), shard_chips=shard_chips)
        with st.deferred_consolidation():
            st.add_chip_arrays(name, chips[order[name]])
            times = [st.ensure_period(name, lab) for lab in labels]
        m = st.n_chips(name)
        for lo in range(0, m, shard_chips):
            ids = [str(c) for c in st.column(name, "chip", lo, min(m, lo + shard_chips))]
            data = np.ones((len(ids), 1, 2, 2), "uint8")
            for t in times:
                if seed is None:
                    valid = np.full(len(ids), 0.9, "float32")
                else:
                    valid = rng.random(len(ids)).astype("float32")
                    valid[rng.random(len(ids)) < 0.1] = np.nan
                st.write_shard(name, lo // shard_chips, t, ids, data, valid)
    return d


def reference(st: ChipStore, names: list[str], base: str, stacks: dict[str, list[int]], split: str | None,
              min_valid: float, exclude: set[str]) -> tuple[list[str], dict[str, list[int]], dict[str, int], int]:
    """The dict-based selection ChipDataset used before dataindex.py (a Python loop over every chip)."""
    table = st.chip_table(base)
    ids = table["chip"].astype(object)
    if split not in (None, "all"):
        ids = ids[table["split"].astype(object) == split]
    ids = np.array([c for c in ids if str(c) not in exclude], dtype=object)
    rows: dict[str, list[int]] = {n: [] for n in names}
    skipped = {n: 0 for n in names}
    kept: list[str] = []
    index = {n: {c: i for i, c in enumerate(st.chip_ids(n))} for n in names}
    valid = {n: np.stack([st.read_valid(n)[:, t] for t in stacks[n]], 1) for n in names}
    for cid in map(str, ids):
        found = {}
        for n in names:
            r = index[n].get(cid)
            if r is None or not bool(np.all(valid[n][r] > min_valid)):
                skipped[n] += 1
            else:
                found[n] = r
        if len(found) == len(names):
            kept.append(cid)
            for n in names:
                rows[n].append(found[n])
    return kept, rows, skipped, len(ids) - len(kept)


@pytest.mark.parametrize(("split", "min_valid"), [("train", 0.3), ("val", 0.0), (None, 0.5), ("all", 0.0)])
def test_selection_equals_the_dict_reference(tmp_path: Path, split: str | None, min_valid: float) -> None:
    d = make_store(tmp_path / "s", 700, seed=3, missing=0.2)
    st = ChipStore.open(d, mode="r")
    exclude = [*st.chip_ids("a")[5:40:3], "31N_9999_999", "not-a-chip", "31N_1000_10x", st.chip_ids("a")[50] + "0"]
    ds = ChipDataset(d, inputs=["a:2020-*", "b"], target=None, split=split, normalize=False, min_valid=min_valid,
                     exclude=exclude)
    kept, rows, skipped, n_skipped = reference(st, ["a", "b"], "a", {"a": [0, 1], "b": [0]}, split, min_valid,
                                               set(exclude))
    assert len(kept) > 20 and all(v > 0 for v in skipped.values())  # the case is not trivial
    assert list(ds.chip_ids) == kept and ds.skipped == skipped and ds.n_skipped == n_skipped
    assert {n: r.tolist() for n, r in ds._rows.items()} == rows
    assert ds._rows["a"].dtype == np.int64 and ds.chip_keys.dtype == np.int64
    # The same chips when `exclude` comes as keys or as another dataset's chip_ids.
    again = ChipDataset(d, inputs=["a:2020-*", "b"], target=None, split=split, normalize=False,
                        min_valid=min_valid, exclude=chip_keys(exclude[:-4]))
    assert np.array_equal(again.chip_keys, ds.chip_keys)
    other = ChipDataset(d, inputs=["b"], target=None, split=split, normalize=False)
    rest = ChipDataset(d, inputs=["a"], target=None, split=split, normalize=False, exclude=other.chip_ids)
    assert not set(rest.chip_ids) & set(other.chip_ids)


def test_chip_ids_sequence(tmp_path: Path) -> None:
    d = make_store(tmp_path / "s", 300, seed=1)
    ds = ChipDataset(d, inputs=["a:2020-*", "b"], target=None, split=None, normalize=False)
    ids = ds.chip_ids
    want = ChipArrays.from_keys(ds.chip_keys).ids()
    assert len(ids) == len(ds) == len(want) and list(ids) == want and ids == want and want == ids
    assert ids[0] == want[0] and ids[-1] == want[-1] and ids[np.int64(3)] == want[3]
    assert isinstance(ids[2:9], ChipIds) and list(ids[2:9]) == want[2:9] and ids[::-1] == want[::-1]
    assert want[7] in ids and "31N_9999_999" not in ids and "junk" not in ids and 3 not in ids
    assert set(ids) == set(want) and sorted(ids) == sorted(want) and ids.index(want[4]) == 4
    with pytest.raises(IndexError):
        ids[len(ids)]
    assert pickle.loads(pickle.dumps(ids)) == ids
    blob = pickle.dumps(ds)
    assert len(blob) < 40 * len(ds) + 20_000  # arrays travel to the workers, not a list of id strings
    assert np.array_equal(id_keys(want), ds.chip_keys) and np.array_equal(id_keys(ids), ds.chip_keys)
    assert ds[0]["chip_id"] == want[0]


# The build's own peak: VmHWM is reset (clear_refs 5) once torch and zarr are imported, whose import peak
# would otherwise hide the index under it; printed with the RSS it started from.
BUILD = ("from m3leo_extract.dataset import ChipDataset\n"
         "import time\n"
         "def rss(key):\n"
         "    return [int(v.split()[1]) for v in open('/proc/self/status') if v.startswith(key)][0] / 1024\n"
         "open('/proc/self/clear_refs', 'w').write('5')\n"
         "r0, t0 = rss('VmRSS'), time.perf_counter()\n"
         "ds = ChipDataset({store!r}, inputs=['a:2020-*', 'b'], target=None, split='train', normalize=False)\n"
         "print(len(ds), round(time.perf_counter() - t0, 2), round(r0, 1), round(rss('VmHWM') - r0, 1))")
SIZES = (100_000, 300_000)
# The build's peak over the RSS it started from: the dict-based index took +57 MB at 100k and +152 MB at 300k
# chips (~480 B a chip), this one +9 MB and +17 MB (three int64 arrays of the collection at its peak).
GROWTH_MB = 30


def test_index_build_memory_is_flat(tmp_path: Path) -> None:
    grow, built = {}, {}
    for n in SIZES:
        store = make_store(tmp_path / f"s{n}", n, seed=None, shard_chips=4096)
        _, _, out = python_rss(BUILD.format(store=str(store)))
        count, secs, _, over = out.split()
        grow[n], built[n] = float(over), float(secs)
        assert int(count) > n // 10, out  # the train split's chips, every one valid in both collections
    print({"build_peak_over_start_mb": grow, "build_s": built})
    assert grow[SIZES[1]] - grow[SIZES[0]] < GROWTH_MB and grow[SIZES[1]] < 2 * GROWTH_MB, grow


def test_epoch_sampler_keys_are_the_list_it_built_before() -> None:
    from m3leo_extract.train import _EpochSampler

    def listed(s: _EpochSampler) -> list[tuple[int, int, int, int, int]]:  # the list of tuples it used to build
        rng = np.random.default_rng([s.seed, s.epoch])
        whole = s.crop <= 0 or s.crop >= s.chip_px
        idx = np.repeat(np.arange(s.n), 1 if whole else s.per_chip)
        rng.shuffle(idx)
        hi = 0 if whole else s.chip_px - s.crop + 1
        ys, xs, ks = (rng.integers(0, m, idx.size) for m in (max(hi, 1), max(hi, 1), 8))
        size = 0 if whole else s.crop
        return [(int(i), int(y), int(x), size, int(k)) for i, y, x, k in zip(idx, ys, xs, ks, strict=True)]

    for args in [(9000, 64, 32, 3, 5), (5000, 64, 0, 2, 1), (0, 64, 16, 2, 0)]:
        s = _EpochSampler(*args)
        for epoch in (0, 2):
            s.epoch = epoch
            assert list(s) == listed(s) == s.keys() and len(s) == len(listed(s))
