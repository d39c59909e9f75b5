"""The command line as a user meets it: the installed `m3leo` entry point, run as a subprocess.

Every failure must be one clear line on stderr (at most two), with the documented exit code, no traceback, and
nothing half-written. One emulator (`m3leo emulator`, a subprocess on a free port) serves the whole module.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
# A 2-chip AOI near Lyon (UTM 31N) and a polar one the UTM grid cannot cover.
SMALL = [[4.80, 45.70], [4.83, 45.70], [4.83, 45.72], [4.80, 45.72], [4.80, 45.70]]
POLAR = [[10.0, 85.0], [11.0, 85.0], [11.0, 86.0], [10.0, 86.0], [10.0, 85.0]]
# Exit codes (docs/operations.md)
OK, FAILED, USAGE, UNAVAILABLE, IO, TEMPFAIL, INTERRUPTED = 0, 1, 2, 69, 74, 75, 130


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")}
    env.update(extra)
    return env


def m3leo(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env or _env(),
                          timeout=timeout)


def one_line(res: subprocess.CompletedProcess[str], code: int, pattern: str = "") -> str:
    """The failure contract: exit code, at most two stderr lines, no traceback; returns the stderr text."""
    err = res.stderr.strip()
    assert res.returncode == code, (res.returncode, res.stdout[-2000:], err[-3000:])
    assert "Traceback" not in err and "Traceback" not in res.stdout, err[-3000:]
    assert len(err.splitlines()) <= 2, err
    if pattern:
        assert pattern.lower() in err.lower(), err
    return err


def _listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _write_aoi(path: Path, ring: list[list[float]]) -> Path:
    path.write_text(json.dumps({"type": "Feature", "properties": {},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    return path


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a test runner in the background may ignore SIGINT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Emulator:
    """`m3leo emulator` in a subprocess; `.url`, `.exports` (its export root), `.stop()`."""

    def __init__(self, exports: Path, *flags: str) -> None:
        exports.mkdir(parents=True, exist_ok=True)
        self.exports = exports
        self.proc = subprocess.Popen([BIN, "emulator", "--port", "0", "--export-root", str(exports), *flags],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert " on http://" in line, (line, self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.url = line.split(" on ", 1)[1].split(";")[0].strip()
        self._warm_up()

    def _warm_up(self) -> None:
        """One discovery request, answered or refused, before any test uses the server: the first one builds the
        emulator's catalogue (seconds on a loaded machine), longer than `m3leo extract`'s 5 s reachability probe."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/$discovery/rest?version=v1", timeout=120) as resp:
                resp.read()
        except urllib.error.HTTPError:
            pass  # an injected fault still means the server is up

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    _write_aoi(d / "small.geojson", SMALL)
    _write_aoi(d / "polar.geojson", POLAR)
    return d


@pytest.fixture(scope="module")
def emu(work: Path) -> Iterator[Emulator]:
    e = Emulator(work / "exports")
    yield e
    e.stop()


@pytest.fixture(scope="module")
def pixels_store(work: Path, emu: Emulator) -> Path:
    """A small store made through the CLI in pixels mode: the reference for export mode and a target for reads."""
    store = work / "pixels"
    res = m3leo("extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover,dem", "--period",
                "2020", "--store", store, "--ee-url", emu.url, "--shard-chips", "1", cwd=work)
    assert res.returncode == 0, res.stderr
    assert "2 chips x 2 collection-periods" in res.stdout, res.stdout
    return store


def _arrays(store: Path) -> dict[str, np.ndarray]:
    from m3leo_extract.store import ChipStore

    s = ChipStore.open(store)
    out = {}
    for name in s.collections():
        ids = np.array([str(c) for c in s.chip_table(name)["chip"]])
        order = np.argsort(ids)
        out[name] = np.asarray(s.group[name]["data"][:])[order]
        out[name + "/ids"] = ids[order]
        out[name + "/time"] = np.array(s.periods(name))
    return out


def _assert_same(a: Path, b: Path) -> None:
    x, y = _arrays(a), _arrays(b)
    assert sorted(x) == sorted(y)
    for k in x:
        assert np.array_equal(x[k], y[k], equal_nan=x[k].dtype.kind == "f"), k


def _units(store: Path) -> list:
    from m3leo_extract.state import StateDB

    db = StateDB(store / "state.sqlite")
    try:
        return db.units()
    finally:
        db.close()


def _status(store: Path, cwd: Path) -> dict:
    res = m3leo("status", "--store", store, "--json", cwd=cwd)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


# -- bad input: exit 2, one line, nothing written -------------------------------------------------------------
X = ["extract", "--aoi", "{small}", "--collections", "esa_worldcover", "--period", "2020", "--store", "{out}",
     "--ee-url", "http://127.0.0.1:9"]


def _x(**over: str) -> list[str]:
    args = list(X)
    for k, v in over.items():
        flag = "--" + k.replace("_", "-")
        if flag in args:
            args[args.index(flag) + 1] = v
        else:
            args += [flag, v]
    return args


# Each case: its arguments and the text (or every text of a tuple) its one stderr line must hold.
BAD_INPUT: dict[str, tuple[list[str], str | tuple[str, ...]]] = {
    "extract: missing AOI file": (_x(aoi="{tmp}/nope.geojson"), "does not exist"),
    "extract: unknown AOI name": (_x(aoi="atlantis"), ("unknown AOI", "atlantis")),
    "extract: AOI not JSON": (_x(aoi="{tmp}/bad.geojson"), "not valid JSON"),
    "extract: AOI with an empty geometry": (_x(aoi="{tmp}/empty.geojson"), ("geometry", "polygon")),
    "extract: polar AOI": (_x(aoi="{polar}"), "latitude"),
    "extract: unknown collection": (_x(collections="s1,sentinel9"), "sentinel9"),
    "extract: duplicated collection": (_x(collections="s2,esa_worldcover,s2"), "twice"),
    "extract: empty collection name": (_x(collections="s2,,dem"), "empty"),
    "extract: unparsable period": (_x(period="2020-13"), "2020-13"),
    "extract: period before any imagery": (_x(period="1900"), "1900"),
    "extract: period in the future": (_x(period="3000"), "3000"),
    "extract: catalog folder without TOML": (_x(catalog="{tmp}/emptydir"), "without any .toml"),
    "extract: catalog file missing": (_x(catalog="{tmp}/none.toml"), "does not exist"),
    "extract: catalog not TOML": (_x(catalog="{tmp}/bad.toml"), "bad.toml"),
    "extract: max-concurrency 0": (_x(max_concurrency="0"), "--max-concurrency"),
    "extract: max-rps 0": (_x(max_rps="0"), "--max-rps"),
    "extract: shard-chips 0": (_x(shard_chips="0"), "--shard-chips"),
    "extract: max-attempts 0": (_x(max_attempts="0"), "--max-attempts"),
    "extract: unknown mode": (_x(mode="teleport"), "teleport"),
    "extract: export without bucket": (_x(mode="export"), "--bucket"),
    "extract: unknown destination": (_x(mode="export", bucket="b", destination="ftp"), "ftp"),
    "extract: store is a file": (_x(store="{tmp}/afile"), "is a file"),
    "extract: unknown option": (X + ["--colour"], "--colour"),
    "extract: export without gcsfs": (_x(mode="export", bucket="bkt"), "gcsfs"),
    "extract: bucket name Cloud Storage refuses": (_x(mode="export", bucket="B"), ("--bucket", "3 to 63")),
    "plan: unknown mode": (["plan", "--aoi", "demo", "--collections", "s2", "--period", "2020", "--mode", "x"],
                           "'x'"),
    "plan: unknown collection": (["plan", "--aoi", "demo", "--collections", "s3", "--period", "2020"], "s3"),
    "plan: shard-chips 0": (["plan", "--aoi", "demo", "--collections", "s2", "--period", "2020",
                             "--shard-chips", "0"], "--shard-chips"),
    "grid: no AOI": (["grid", "--out", "{out}/g.parquet"], "--aoi"),
    "grid: unknown option": (["grid", "--aoi", "demo", "--no-such-flag"], "--no-such-flag"),
    "grid: png into a missing folder": (["grid", "--aoi", "{small}", "--png", "{out}/sub/map.png"], "map.png"),
    "grid: out into a missing folder": (["grid", "--aoi", "{small}", "--out", "{out}/sub/g.parquet"], "g.parquet"),
    "aoi show: missing file": (["aoi", "show", "{tmp}/nope.geojson"], "does not exist"),
    "aoi validate: polar": (["aoi", "validate", "{polar}"], "latitude"),
    "catalog show: unknown": (["catalog", "show", "sentinel9"], "sentinel9"),
    "catalog list: folder without TOML": (["catalog", "list", "--catalog", "{tmp}/emptydir"], ".toml"),
    "tile: resolution 0": (["tile", "{tmp}/afile", "--collection", "x", "--store", "{out}", "--resolution", "0"],
                           "--resolution"),
    "tile: resolution -10": (["tile", "{tmp}/afile", "--collection", "x", "--store", "{out}", "--resolution",
                              "-10"], "--resolution"),
    "tile: unknown resampling": (["tile", "{tmp}/afile", "--collection", "x", "--store", "{out}", "--resampling",
                                  "magic"], "magic"),
    "tile: unknown kind": (["tile", "{tmp}/afile", "--collection", "x", "--store", "{out}", "--kind", "odd"],
                           "odd"),
    "tile: min-valid 2": (["tile", "{tmp}/afile", "--collection", "x", "--store", "{out}", "--min-valid", "2"],
                          "--min-valid"),
    "status: no dataset": (["status", "--store", "{out}"], "no state database"),
    "show: bad chip id": (["show", "not-a-chip", "--store", "{out}"], "not-a-chip"),
    "show: no store": (["show", "31N_1350_120", "--store", "{out}"], "no chip store"),
    "train: no store given": (["train", "--input", "s1"], "--store"),
    "train: store missing": (["train", "--store", "{out}", "--input", "s1", "--out", "{out}-run"], "{out}"),
    "train: resume a non-run": (["train", "--resume", "{tmp}/emptydir"], "config.json"),
    "train: epochs 0": (["train", "--store", "{out}", "--input", "s1", "--epochs", "0"], "--epochs"),
    "stats: max-chips 0": (["stats", "--store", "{out}", "--max-chips", "0"], "--max-chips"),
    "stats: store missing": (["stats", "--store", "{out}"], "no chip store"),
    "emulator: max-concurrent -1": (["emulator", "--port", "0", "--max-concurrent", "-1"], "--max-concurrent"),
    "emulator: bad latency": (["emulator", "--port", "0", "--latency-ms", "fast"], "latency"),
    "emulator: error rate 2": (["emulator", "--port", "0", "--error-rate", "2"], "--error-rate"),
    "refresh: bad date": (["refresh", "--store", "{out}", "--today", "2024-13-45"], "--today"),
    "refresh: no dataset file": (["refresh", "--store", "{out}"], "m3leo.toml"),
    "retry: no dataset file": (["retry", "--store", "{out}"], "m3leo.toml"),
    "cancel: no dataset": (["cancel", "--store", "{out}"], "state database"),
    "init: unknown rolling": (["init", "--store", "{out}", "--aoi", "demo", "--collections", "s2", "--rolling",
                               "weekly", "--rolling-start", "2024-01"], "weekly"),
    "init: duplicated collection": (["init", "--store", "{out}", "--aoi", "demo", "--collections", "s2,s2",
                                     "--period", "2020"], "twice"),
    "init: period in the future": (["init", "--store", "{out}", "--aoi", "demo", "--collections", "s2",
                                    "--period", "3000"], "3000"),
    "quickstart: epochs 0": (["quickstart", "--out", "{out}", "--epochs", "0"], "--epochs"),
    "quickstart: out is a file": (["quickstart", "--out", "{tmp}/afile"], "is a file"),
    "unknown command": (["frobnicate"], "frobnicate"),
}


def _inputs(d: Path, work: Path) -> dict[str, str]:
    (d / "bad.geojson").write_text('{"type": "FeatureCollection", "features": [')
    (d / "empty.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}}]}))
    (d / "bad.toml").write_text("[s9\nasset = ")
    (d / "emptydir").mkdir()
    (d / "afile").write_text("not a folder")
    return {"tmp": str(d), "out": str(d / "out"), "small": str(work / "small.geojson"),
            "polar": str(work / "polar.geojson")}


@pytest.fixture(scope="module")
def bad_results(tmp_path_factory: pytest.TempPathFactory, work: Path) -> dict[str, tuple]:
    """Every BAD_INPUT case run once, a few at a time (each is its own process in its own folder)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: str) -> tuple:
        d = tmp_path_factory.mktemp("bad")
        fmt = _inputs(d, work)
        args, pattern = BAD_INPUT[case]
        before = _listing(d)
        res = m3leo(*[a.format(**fmt) for a in args], cwd=d, timeout=120)
        patterns = (pattern,) if isinstance(pattern, str) else pattern
        return res, [p.format(**fmt) for p in patterns], before, _listing(d)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(sorted(BAD_INPUT), pool.map(one, sorted(BAD_INPUT)), strict=True))


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case: str, bad_results: dict[str, tuple]) -> None:
    res, patterns, before, after = bad_results[case]
    err = one_line(res, USAGE)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("m3leo: error: "), err  # exactly one line, prefixed
    for pattern in patterns:
        assert pattern.lower() in err.lower(), (pattern, err)
    assert after == before  # no skeleton store, no lock file, no empty --out folder


# -- good use of the read-only commands -------------------------------------------------------------------------
GOOD = {
    "version": ["version"],
    "aoi list": ["aoi", "list"],
    "aoi show": ["aoi", "show", "demo", "--json"],
    "aoi validate": ["aoi", "validate", "demo"],
    # an explicit scheme: without one, grid says on stderr why the demo AOI gets its narrow one (test_splits)
    "grid": ["grid", "--aoi", "demo", "--split", "bands:width=4km,angle=0,guard=0", "--json"],
    "catalog list": ["catalog", "list"],
    "plan": ["plan", "--aoi", "demo", "--collections", "s1,s2", "--period", "2020", "--json"],
    "plan export": ["plan", "--aoi", "demo", "--collections", "s2", "--period", "2020", "--mode", "export"],
}


@pytest.fixture(scope="module")
def good_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Every GOOD case run once, two at a time, each in its own empty folder: (result, what the folder holds)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: str) -> tuple:
        d = tmp_path_factory.mktemp("good")
        return m3leo(*GOOD[case], cwd=d, timeout=60), _listing(d)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(sorted(GOOD), pool.map(one, sorted(GOOD)), strict=True))


@pytest.mark.parametrize("case", sorted(GOOD))
def test_read_only_commands_work(case: str, good_results: dict[str, tuple]) -> None:
    res, listing = good_results[case]
    assert res.returncode == 0 and res.stdout.strip() and not res.stderr.strip(), res.stderr
    assert listing == set()


def test_help_shows_flags_without_a_value_placeholder(tmp_path: Path) -> None:
    res = m3leo("extract", "--help", cwd=tmp_path)
    assert res.returncode == 0
    assert "<bool>" not in res.stdout and "--json " in res.stdout
    assert "--retry-failed / --no-retry-failed" in res.stdout
    res = m3leo("retry", "--help", cwd=tmp_path)
    assert "--failed / --transient-only" in res.stdout


# -- environmental failures -----------------------------------------------------------------------------------
def test_unreachable_endpoint_fails_fast_in_one_line(tmp_path: Path, work: Path) -> None:
    port = _free_port()
    t0 = time.monotonic()
    res = m3leo("extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover", "--period", "2020",
                "--store", tmp_path / "ds", "--ee-url", f"http://127.0.0.1:{port}", cwd=tmp_path)
    one_line(res, UNAVAILABLE, "cannot reach")
    assert time.monotonic() - t0 < 30  # not the client's ~30 s of retries (generous: 2 shared cores)
    assert {u.status for u in _units(tmp_path / "ds")} == {"planned"}
    # refresh from cron, endpoint down: the same one line
    res = m3leo("refresh", "--store", tmp_path / "ds", cwd=tmp_path)
    one_line(res, UNAVAILABLE, f"127.0.0.1:{port}")


def test_debug_shows_the_traceback_and_env_var_too(tmp_path: Path, work: Path) -> None:
    args = ["extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover", "--period", "2020",
            "--store", tmp_path / "ds", "--ee-url", f"http://127.0.0.1:{_free_port()}"]
    res = m3leo("--debug", *args, cwd=tmp_path)
    assert res.returncode == UNAVAILABLE and "Traceback" in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("m3leo: error: cannot reach")
    res = m3leo(*args, cwd=tmp_path, env=_env(M3LEO_DEBUG="1"))
    assert res.returncode == UNAVAILABLE and "Traceback" in res.stderr


def test_emulator_port_in_use_is_one_line(tmp_path: Path, emu: Emulator) -> None:
    port = emu.url.rsplit(":", 1)[1]
    one_line(m3leo("emulator", "--port", port, cwd=tmp_path, timeout=60), USAGE, "port")


def test_grid_png_into_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "x").write_text("")
    one_line(m3leo("grid", "--aoi", "demo", "--png", ro / "x" / "map.png", cwd=tmp_path), USAGE, "map.png")


# -- export mode through the CLI ------------------------------------------------------------------------------
def test_export_mode_through_the_cli_equals_pixels_mode(tmp_path: Path, work: Path, emu: Emulator,
                                                         pixels_store: Path) -> None:
    store = tmp_path / "export"
    res = m3leo("extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover,dem", "--period",
                "2020", "--store", store, "--ee-url", emu.url, "--mode", "export", "--bucket", "bkt",
                "--bucket-url", emu.exports / "bkt", "--shard-chips", "1", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    _assert_same(store, pixels_store)
    assert {u.mode for u in _units(store)} == {"export"}
    st = _status(store, tmp_path)
    assert st["last_run"]["command"] == "extract" and st["last_run"]["status"] == "ok"


def test_export_mode_with_ee_url_env_and_local(tmp_path: Path, work: Path, emu: Emulator,
                                                pixels_store: Path) -> None:
    common = ["extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover,dem", "--period",
              "2020", "--mode", "export", "--bucket", "bkt", "--shard-chips", "1"]
    res = m3leo(*common, "--store", tmp_path / "env", "--bucket-url", emu.exports / "bkt", cwd=tmp_path,
                env=_env(M3LEO_EE_URL=emu.url))
    assert res.returncode == 0, res.stderr
    _assert_same(tmp_path / "env", pixels_store)
    res = m3leo(*common, "--store", tmp_path / "local", "--ee-url", "local", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    _assert_same(tmp_path / "local", pixels_store)
    toml = (tmp_path / "local" / "m3leo.toml").read_text()
    assert 'ee_url = "local"' in toml
    from m3leo_extract.store import ChipStore

    prov = ChipStore.open(tmp_path / "local").attrs("dem")
    assert prov["synthetic"] is True
    p = prov["periods"]["static"] if "static" in prov["periods"] else next(iter(prov["periods"].values()))
    assert p["endpoint"] == "emulator" and p["ee_url"] == "local" and p["mode"] == "export"
    from m3leo_extract.catalog import load_catalog

    dem = load_catalog()["dem"]
    assert p["assets"] == [dem.asset] and p["client"].startswith("earthengine-api ")
    assert p["recipe_version"] == dem.version and p["updated"]


def test_export_reattaches_after_sigkill_and_leaves_no_partial_files(tmp_path: Path, work: Path,
                                                                      pixels_store: Path) -> None:
    slow = Emulator(tmp_path / "exports", "--export-duration-s", "4")
    try:
        store = tmp_path / "ds"
        cmd = [BIN, "extract", "--aoi", str(work / "small.geojson"), "--collections", "esa_worldcover,dem",
               "--period", "2020", "--store", str(store), "--ee-url", slow.url, "--mode", "export", "--bucket",
               "bkt", "--bucket-url", str(slow.exports / "bkt"), "--shard-chips", "1"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
        deadline = time.time() + 90
        while time.time() < deadline:
            time.sleep(0.3)
            if (store / "state.sqlite").exists() and sum(bool(u.task_id) for u in _units(store)) >= 4:
                break
        proc.kill()
        proc.wait(timeout=30)
        submitted = {u.id: u.task_id for u in _units(store) if u.task_id}
        assert len(submitted) == 4
        (store / "chips.zarr" / "dem" / "leftover.partial").write_bytes(b"x" * 1000)  # what a killed write leaves
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=_env())
        assert res.returncode == 0, res.stderr
        after = {u.id: (u.task_id, u.attempts) for u in _units(store)}
        assert all(after[i] == (t, 1) for i, t in submitted.items())  # reattached: not submitted again
        assert not list(store.rglob("*.partial"))
        _assert_same(store, pixels_store)
    finally:
        slow.stop()


# -- reruns resume ----------------------------------------------------------------------------------------------
def test_rerun_retries_transient_failures_and_says_when_units_are_left(tmp_path: Path, work: Path, emu: Emulator,
                                                                       pixels_store: Path) -> None:
    broken = Emulator(tmp_path / "exports", "--error-rate", "1")
    store = tmp_path / "ds"
    args = ["extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover,dem", "--period", "2020",
            "--store", store, "--shard-chips", "1"]
    try:
        res = m3leo(*args, "--ee-url", broken.url, "--max-attempts", "1", cwd=tmp_path)
    finally:
        broken.stop()
    one_line(res, TEMPFAIL, "transient")
    assert "0 written, 4 failed" in res.stdout
    assert {u.status for u in _units(store)} == {"failed"}
    st = _status(store, tmp_path)
    assert st["totals"]["failed"] == 4 and st["last_run"]["status"] == "failed"
    res = m3leo(*args, "--ee-url", emu.url, cwd=tmp_path)  # the same command again: the failed units come back
    assert res.returncode == 0, res.stderr
    assert "4 written, 0 failed" in res.stdout
    _assert_same(store, pixels_store)


def test_permanent_failures_wait_for_retry_failed(tmp_path: Path, work: Path, emu: Emulator) -> None:
    (tmp_path / "bad.toml").write_text('[badband]\ntitle = "bad band"\nasset = "ESA/WorldCover/v100"\n'
                                       'builder = "single_image_collection"\nkind = "continuous"\n'
                                       'dtype = "uint8"\nnodata = 0\nresolution = 10\ntemporal = "single"\n'
                                       'reducer = "first"\nversion = 1\n'
                                       'bands = [{ name = "map", source = "B99" }]\n')
    store = tmp_path / "ds"
    args = ["extract", "--aoi", work / "small.geojson", "--collections", "badband", "--period", "2020", "--store",
            store, "--ee-url", emu.url, "--catalog", tmp_path / "bad.toml"]
    # Earth Engine refuses the request (the band does not exist): bad input, exit 2, saying what to fix.
    one_line(m3leo(*args, cwd=tmp_path), USAGE, "refused their requests as invalid")
    again = m3leo(*args, cwd=tmp_path)  # not retried, and the run says the store is incomplete
    one_line(again, USAGE, "--retry-failed")
    assert "B99" in again.stderr and "0 written, 0 failed" in again.stdout
    one_line(m3leo(*args, "--retry-failed", cwd=tmp_path), USAGE, "B99")
    assert max(u.attempts for u in _units(store)) == 2
    one_line(m3leo("retry", "--store", store, "--ee-url", emu.url, cwd=tmp_path), USAGE, "recipe")
    assert _status(store, tmp_path)["last_run"]["command"] == "retry"


def test_sigint_is_fast_one_line_and_recorded_interrupted(tmp_path: Path, work: Path) -> None:
    slow = Emulator(tmp_path / "exports", "--latency-ms", "1500,1600")
    store = tmp_path / "ds"
    try:
        proc = subprocess.Popen([BIN, "extract", "--aoi", str(work / "small.geojson"), "--collections",
                                 "esa_worldcover,dem", "--period", "2020", "--store", str(store), "--ee-url",
                                 slow.url, "--shard-chips", "1", "--max-concurrency", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
                                preexec_fn=_default_sigint)
        deadline = time.time() + 60
        while time.time() < deadline and not any(u.status == "running" for u in
                                                 (_units(store) if (store / "state.sqlite").exists() else [])):
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - t0 < 10  # not waiting for requests in flight (generous for 2 shared cores)
    finally:
        slow.stop()
    one_line(subprocess.CompletedProcess([], proc.returncode, out, err), INTERRUPTED, "interrupted")
    assert {u.status for u in _units(store)} <= {"planned", "done"}
    assert _status(store, tmp_path)["last_run"]["status"] == "interrupted"


# -- local file system failures ----------------------------------------------------------------------------------
@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8); this test run has neither")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_is_one_line_and_units_go_back_to_planned(tmpfs: Path, work: Path, emu: Emulator,
                                                            pixels_store: Path) -> None:
    store = tmpfs / "ds"
    args = ["extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover,dem", "--period", "2020",
            "--store", store, "--ee-url", emu.url, "--shard-chips", "1"]
    # dem chips are float32 noise-like terrain: 4 of them do not fit in 1 MiB with the state and metadata
    res = m3leo(*args, cwd=work)
    one_line(res, IO, "no space left")
    assert "running" not in {u.status for u in _units(store)}
    subprocess.run(["mount", "-o", "remount,size=64m", str(tmpfs)], check=True)
    res = m3leo(*args, cwd=work)
    assert res.returncode == 0, res.stderr
    _assert_same(store, pixels_store)
    assert not list(store.rglob("*.partial"))


def test_read_only_store_is_one_line(tmpfs: Path, work: Path, emu: Emulator, shared_data: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(tmpfs)], check=True)
    store = tmpfs / "ds"
    base = ["--aoi", work / "small.geojson", "--collections", "esa_worldcover", "--store", store, "--ee-url",
            emu.url]
    assert m3leo("extract", *base, "--period", "2020", cwd=work).returncode == 0
    before = _listing(store)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)  # chmod would not stop root
    try:
        one_line(m3leo("extract", *base, "--period", "2021", cwd=work), IO, "read-only")
        one_line(m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", store,
                       "--resolution", "400", cwd=work), IO, "read-only")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert _listing(store) == before
    assert _status(store, work)["totals"]["done"] == 2


# -- provenance: synthetic chips never pass as real ------------------------------------------------------------
def test_synthetic_and_real_chips_never_share_a_store(tmp_path: Path, work: Path, pixels_store: Path) -> None:
    store = tmp_path / "ds"
    shutil.copytree(pixels_store, store)
    before = _listing(store)
    res = m3leo("extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover", "--period", "2020",
                "--store", store, "--project", "my-gee-project", cwd=tmp_path)
    one_line(res, USAGE, "synthetic")
    assert _listing(store) == before
    from m3leo_extract.store import ChipStore

    attrs = ChipStore.open(pixels_store).attrs("esa_worldcover")
    assert attrs["synthetic"] is True
    assert attrs["periods"]["2020"]["endpoint"] == "emulator" and attrs["periods"]["2020"]["mode"] == "pixels"


# -- reading commands on a real store ----------------------------------------------------------------------------
def test_status_show_and_stats_on_a_store(tmp_path: Path, pixels_store: Path) -> None:
    res = m3leo("status", "--store", pixels_store, cwd=tmp_path)
    assert res.returncode == 0 and "last run: extract ok" in res.stdout and "{" not in res.stdout, res.stdout
    chip = _arrays(pixels_store)["dem/ids"][0]
    res = m3leo("show", chip, "--store", pixels_store, "--png", tmp_path / "c.png", cwd=tmp_path)
    assert res.returncode == 0 and (tmp_path / "c.png").stat().st_size > 0, res.stderr
    one_line(m3leo("show", "31N_1_1", "--store", pixels_store, cwd=tmp_path), USAGE, "31N_1_1")
    res = m3leo("stats", "--store", pixels_store, "--collection", "dem", cwd=tmp_path)
    assert res.returncode == 0 and "dem" in json.loads(res.stdout), res.stderr
    one_line(m3leo("stats", "--store", pixels_store, "--collection", "s9", cwd=tmp_path), USAGE, "s9")


def test_train_refuses_unknown_collections_and_code_in_checkpoints(tmp_path: Path, pixels_store: Path) -> None:
    run_dir = tmp_path / "run"
    one_line(m3leo("train", "--store", pixels_store, "--input", "s9", "--target", "esa_worldcover", "--out",
                   run_dir, cwd=tmp_path), USAGE, "s9")
    assert not run_dir.exists()
    # A crafted last.pt whose unpickling would run a command: refused, and the command never runs.
    run_dir.mkdir()
    marker = tmp_path / "pwned"
    cfg = {"store": str(pixels_store), "inputs": ["dem"], "target": "esa_worldcover"}
    (run_dir / "config.json").write_text(json.dumps(cfg))

    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (os.system, (f"touch {marker}",))

    import torch

    torch.save({"config": cfg, "evil": Evil()}, run_dir / "last.pt")
    one_line(m3leo("train", "--resume", run_dir, cwd=tmp_path), USAGE, "last.pt")
    assert not marker.exists()


# -- refresh, init, retry, cancel, tile on the command line ----------------------------------------------------
def test_init_refresh_retry_cancel_and_tile(tmp_path: Path, work: Path, emu: Emulator, shared_data: Path) -> None:
    store = tmp_path / "ds"
    res = m3leo("init", "--store", store, "--aoi", work / "small.geojson", "--collections", "esa_worldcover",
                "--period", "2020", "--ee-url", emu.url, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = m3leo("refresh", "--store", store, cwd=tmp_path)
    assert res.returncode == 0 and "2 chip-periods written" in res.stdout, (res.stdout, res.stderr)
    st = _status(store, tmp_path)
    assert st["last_run"]["command"] == "refresh" and st["totals"]["done"] == 2
    res = m3leo("retry", "--store", store, "--no-failed", cwd=tmp_path)
    assert res.returncode == 2  # --failed is --failed/--transient-only, there is no --no-failed
    res = m3leo("retry", "--store", store, "--transient-only", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("retry:"), res.stderr
    res = m3leo("cancel", "--store", store, cwd=tmp_path)
    assert res.returncode == 0 and "0 export task(s)" in res.stdout, res.stderr
    res = m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", tmp_path / "t",
                "--resolution", "200", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    one_line(m3leo("tile", shared_data / "corrupt.tif", "--collection", "rgb", "--store", tmp_path / "t",
                   cwd=tmp_path), FAILED, "corrupt.tif")


def test_emulator_keeps_exports_inside_its_root(tmp_path: Path, work: Path, emu: Emulator) -> None:
    store = tmp_path / "ds"
    escape = emu.exports.parent / "escaped"
    res = m3leo("extract", "--aoi", work / "small.geojson", "--collections", "esa_worldcover", "--period", "2020",
                "--store", store, "--ee-url", emu.url, "--mode", "export", "--bucket", "../escaped",
                "--bucket-url", escape, cwd=tmp_path)
    one_line(res, USAGE, "not a Cloud Storage bucket name")  # refused before any task is submitted
    assert not escape.exists()
    assert not [p for p in emu.exports.parent.rglob("*.tif") if emu.exports not in p.parents]


def test_tile_warns_in_one_line_when_it_upsamples_a_coarse_raster(tmp_path: Path, shared_data: Path) -> None:
    aoi = _write_aoi(tmp_path / "inside.geojson", [[-77.6, 24.4], [-77.55, 24.4], [-77.55, 24.45],
                                                    [-77.6, 24.45], [-77.6, 24.4]])
    res = m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", tmp_path / "t", "--aoi",
                aoi, cwd=tmp_path)  # a 300 m Landsat scene into 10 m chips
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().splitlines() == [res.stderr.strip()] and "upsampled 30x" in res.stderr
    assert "--resolution 250" in res.stderr  # the nearest that divides the 4 km chip
    res = m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb250", "--store", tmp_path / "t",
                "--aoi", aoi, "--resolution", "250", cwd=tmp_path)
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr


@pytest.mark.slow
def test_quickstart_learns_and_its_store_can_be_refreshed_and_retried(tmp_path: Path) -> None:
    # The one training run on the demo store (s1 -> esa_worldcover, the demo split): two epochs beat the majority
    # baseline. `m3leo train` itself, as a subprocess, is judged in test_multistore and test_verify.
    res = m3leo("quickstart", "--out", tmp_path / "qs", "--epochs", "2", "--device", "cpu", cwd=tmp_path,
                timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    run_dir = tmp_path / "qs" / "run"
    last = json.loads((run_dir / "metrics.json").read_text())["history"][-1]
    assert last["val_miou"] > last["val_baseline_miou"] + 0.05, last
    assert (run_dir / "best.pt").is_file()
    store = tmp_path / "qs" / "data"
    assert 'ee_url = "local"' in (store / "m3leo.toml").read_text()
    res = m3leo("refresh", "--store", store, cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("refresh: 0 units run"), (res.stdout, res.stderr)
    res = m3leo("retry", "--store", store, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
