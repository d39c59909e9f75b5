"""Stores on object storage: `--store s3://bucket/prefix --state DIR` against a real S3-compatible server on
loopback (moto's server), through the installed `m3leo`: extract -> status -> verify -> train, a kill and its
resume, and the bad inputs (no --state, no bucket, no credentials)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely

pytest.importorskip("s3fs")
pytest.importorskip("moto")

AOI = shapely.box(4.80, 45.70, 4.90, 45.86)
EXE = str(Path(sys.executable).with_name("m3leo"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[dict[str, str]]:
    """moto's S3 server in its own process, and the environment a user would set to reach it."""
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    port = _free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    import s3fs

    fs = s3fs.S3FileSystem(key="test", secret="test", client_kwargs={"endpoint_url": env["AWS_ENDPOINT_URL"]})
    fs.mkdir("bkt")
    yield env
    proc.terminate()
    proc.wait(timeout=10)


def _aoi(tmp: Path) -> Path:
    path = tmp / "aoi.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(AOI)}))
    return path


def _run(*args: object, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout)


def _arrays(store: str, env: dict[str, str], name: str) -> np.ndarray:
    code = ("import sys, numpy as np, zarr; g = zarr.open_group(sys.argv[1], mode='r'); "
            f"np.save(sys.stdout.buffer, np.asarray(g['{name}']['data'][:]))")
    out = subprocess.run([sys.executable, "-c", code, store], capture_output=True, env=env, check=True).stdout
    import io

    return np.load(io.BytesIO(out))


def _bucket_keys(env: dict[str, str], prefix: str) -> list[str]:
    import s3fs

    fs = s3fs.S3FileSystem(key="test", secret="test", client_kwargs={"endpoint_url": env["AWS_ENDPOINT_URL"]},
                           skip_instance_cache=True)
    try:
        return fs.find(f"bkt/{prefix}")
    except FileNotFoundError:
        return []


def test_round_trip_extract_status_verify_train(s3, emulator, tmp_path: Path) -> None:
    aoi, ctl = _aoi(tmp_path), tmp_path / "ctl"
    common = ("--aoi", aoi, "--collections", "esa_worldcover,lonlat", "--period", "2020", "--ee-url", emulator.url,
              "--split", "bands:width=4km,angle=0,guard=0")
    r = _run("extract", *common, "--store", "s3://bkt/rt", "--state", ctl, "--json", env=s3)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and json.loads(r.stdout)["chips_done"] > 0
    assert (ctl / "state.sqlite").is_file() and (ctl / "store.url").read_text().strip() == "s3://bkt/rt"
    assert not (ctl / "chips.zarr").exists()  # the chips are in the bucket, not here
    assert any("/rt/chips.zarr/esa_worldcover/data/c/" in k for k in _bucket_keys(s3, "rt"))
    local = _run("extract", *common, "--store", tmp_path / "local", env=s3)
    assert local.returncode == 0, local.stderr
    for name in ("esa_worldcover", "lonlat"):
        np.testing.assert_array_equal(_arrays("s3://bkt/rt/chips.zarr", s3, name),
                                      _arrays(str(tmp_path / "local" / "chips.zarr"), s3, name))

    st = _run("status", "--store", "s3://bkt/rt", "--state", ctl, "--json", env=s3)
    assert st.returncode == 0, st.stderr
    rows = json.loads(st.stdout)
    assert rows and all(r["pending"] == 0 and r["failed"] == 0 for r in (rows if isinstance(rows, list)
                                                                           else rows["collections"]))
    v = _run("verify", "--store", "s3://bkt/rt", "--state", ctl, env=s3)
    assert v.returncode == 0, v.stdout + v.stderr
    t = _run("train", "--store", "s3://bkt/rt", "--state", ctl, "--input", "lonlat", "--target", "esa_worldcover",
             "--epochs", "1", "--crop", "0", "--device", "cpu", "--out", tmp_path / "run", "--json", env=s3)
    assert t.returncode == 0, t.stderr
    assert "Traceback" not in t.stderr and (tmp_path / "run").is_dir()


def test_a_killed_remote_run_resumes(s3, emulator, tmp_path: Path) -> None:
    aoi, ctl = _aoi(tmp_path), tmp_path / "ctl"
    args = ("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--ee-url", emulator.url,
            "--store", "s3://bkt/kill", "--state", ctl, "--shard-chips", "1", "--max-concurrency", "2")
    old = emulator.knobs.latency_ms
    emulator.knobs.latency_ms = (300.0, 400.0)
    try:
        proc = subprocess.Popen([EXE, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=s3)
        deadline, done = time.monotonic() + 120, 0
        while time.monotonic() < deadline and proc.poll() is None:
            if (ctl / "state.sqlite").exists():
                try:
                    with sqlite3.connect(ctl / "state.sqlite", timeout=1) as db:
                        done = db.execute("select count(*) from units where status='done'").fetchone()[0]
                except sqlite3.Error:
                    done = 0
                if done >= 2:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1].decode()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        emulator.knobs.latency_ms = old
    with sqlite3.connect(ctl / "state.sqlite") as db:
        left = db.execute("select count(*) from units where status!='done'").fetchone()[0]
    assert left > 0  # the kill came mid-run
    again = _run(*args, "--json", env=s3)
    assert again.returncode == 0, again.stderr
    assert 0 < json.loads(again.stdout)["units_done"] <= left  # only what the kill left
    ref = _run("extract", *args[1:9], "--store", tmp_path / "ref", "--shard-chips", "1", env=s3)
    assert ref.returncode == 0, ref.stderr
    np.testing.assert_array_equal(_arrays("s3://bkt/kill/chips.zarr", s3, "esa_worldcover"),
                                  _arrays(str(tmp_path / "ref" / "chips.zarr"), s3, "esa_worldcover"))
    assert _run("verify", "--store", "s3://bkt/kill", "--state", ctl, env=s3).returncode == 0


@pytest.mark.parametrize("case", ["no-state", "no-bucket", "no-credentials", "other-state"])
def test_bad_remote_input_is_one_line_and_writes_nothing(s3, emulator, tmp_path: Path, case: str) -> None:
    env, store, extra = dict(s3), "s3://bkt/bad", ["--state", tmp_path / "ctl"]
    want = {"no-state": (2, "--state"), "no-bucket": (2, "does not exist"), "no-credentials": (3, "credentials"),
            "other-state": (2, "is the state of")}[case]
    if case == "no-state":
        extra = []
    elif case == "no-bucket":
        store = "s3://no-such-bucket/x"
    elif case == "no-credentials":
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(k)
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"))
    else:
        (tmp_path / "ctl").mkdir()
        (tmp_path / "ctl" / "store.url").write_text("s3://bkt/elsewhere\n")
    r = _run("extract", "--aoi", "demo", "--collections", "esa_worldcover", "--period", "2020", "--ee-url",
             emulator.url, "--store", store, *extra, "--yes", env=env)
    code, words = want
    assert r.returncode == code, r.stderr
    assert words in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert _bucket_keys(s3, "bad") == []
    assert case == "other-state" or not (tmp_path / "ctl" / "state.sqlite").exists()


def test_tile_and_export_on_a_remote_store(s3, tmp_path: Path, shared_data: Path) -> None:
    """`tile` writes into s3:// like into a folder (same chunks), and `export` reads COGs back out of it."""
    import rasterio

    aoi = tmp_path / "small.geojson"
    aoi.write_text(json.dumps({"type": "Feature", "properties": {},
                               "geometry": shapely.geometry.mapping(shapely.box(-77.9, 24.5, -77.7, 24.7))}))
    src, ctl = shared_data / "RGB.byte.tif", tmp_path / "ctl"
    args = ("tile", src, "--collection", "rgb", "--resolution", "250", "--aoi", aoi)
    r = _run(*args, "--store", "s3://bkt/tiled", "--state", ctl, env=s3)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert _run(*args, "--store", tmp_path / "ref", env=s3).returncode == 0
    remote = _arrays("s3://bkt/tiled/chips.zarr", s3, "rgb")
    np.testing.assert_array_equal(remote, _arrays(str(tmp_path / "ref" / "chips.zarr"), s3, "rgb"))
    assert remote.shape[0] > 0
    r = _run("export", "--store", "s3://bkt/tiled", "--state", ctl, "--collection", "rgb", "--out",
             tmp_path / "cogs", env=s3)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    tifs = sorted((tmp_path / "cogs" / "rgb" / "static").glob("*.tif"))
    assert len(tifs) == remote.shape[0]
    with rasterio.open(tifs[0]) as ds:
        assert ds.count == 3 and ds.read().any()
