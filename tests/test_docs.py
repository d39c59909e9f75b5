"""Every `m3leo ...` command of a code block and every Python block of README.md and docs/*.md runs, so that a doc
cannot drift from the code again (issue 25).

They run against a store built the way the quickstart builds its own (`m3leo extract --ee-url local` of part
of the demo AOI, the chip the docs name included), through the installed `m3leo` entry point, in the order the
docs give them. The docs' placeholders are mapped to that store (PLACEHOLDERS); what cannot run here is listed
in SKIPPED with its reason (every other command runs), and a test fails when a listed one is in no doc any
more. Commands quoted inline in prose (`m3leo verify --store DIR --repair`) are not run: only code blocks.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
DOC_CHIP = "31N_1266_160"  # the chip the docs name: in the demo AOI, so in the quickstart's store too
# The fixture's AOI: 2 x 3 chips of the demo AOI around DOC_CHIP (UTM 31N x 640..648 km, y 5060..5072 km).
AOI_RING = [[4.80031, 45.68117], [4.89785, 45.67959], [4.90139, 45.78394], [4.80367, 45.78552],
            [4.80031, 45.68117]]
OTHER_RING = [[4.90, 45.80], [4.99, 45.80], [4.99, 45.84], [4.90, 45.84], [4.90, 45.80]]  # more demo chips
SPLIT = "random:seed=3"  # gives the 6 chips train, val and test chips (the demo's own scheme needs 36)

# Words of the docs that stand for a user's folders and areas -> the fixture's.
PLACEHOLDERS = {"data/europe": "data", "data/conus": "other", "data/china": "other2", "DIR": "data"}
AOI_NAMES = ("demo", "europe", "southamerica", "A")  # --aoi NAME -> the fixture AOI (a continent is too big)

# Commands that cannot run here, each with its reason (keyed by the command as the doc writes it).
SKIPPED = {
    "m3leo quickstart": "the README's install line; the quickstart itself is tests/test_cli.py's slow test",
    "m3leo extract --aoi demo --collections s1,s2,esa_worldcover --period 2020 --project my-gee-project":
        "needs a Google Earth Engine project and credentials",
    "m3leo extract --aoi europe --collections s1,s2,esa_worldcover --period 2020 --store data/europe":
        "real Earth Engine (no --ee-url): needs Google credentials; docs/training.md's same command with "
        "--ee-url local runs, and the README's next three lines run on its store",
    "m3leo emulator --port 8765 [--latency-ms 200,600] [--max-concurrent 40] [--error-rate 0.2]":
        "usage synopsis of a server that runs until stopped (tests/test_cli.py starts `m3leo emulator`)",
    "m3leo extract ... --ee-url http://127.0.0.1:8765": "a fragment ('...'), not a command",
    "m3leo extract ... --split random:seed=1": "a fragment ('...'), not a command",
    "m3leo refresh --store /data/alps >> /var/log/m3leo/alps.log 2>&1":
        "a crontab line (shell redirection); `m3leo refresh` runs here from the README",
    "m3leo extract --aoi europe --collections s1,s2 --period 2020 --store s3://bucket/europe --state europe-state "
    "--dask tcp://scheduler:8786": "needs an S3 bucket, a dask.distributed cluster and Google credentials "
                                   "(tests/test_cluster.py and tests/test_remote_store.py run both on loopback)",
    "m3leo status --store s3://bucket/europe --state europe-state": "needs an S3 bucket (tests/test_remote_store.py)",
    "m3leo verify --store s3://bucket/europe --state europe-state": "needs an S3 bucket (tests/test_remote_store.py)",
    "m3leo train --store s3://bucket/europe --state europe-state --input s1 --target esa_worldcover":
        "needs an S3 bucket (tests/test_remote_store.py trains on one)",
    "m3leo tile --source gssic --aoi demo --season summer --var COH12 --pol vv --store DIR":
        "reads GSSIC's public S3 bucket (no network here; tests/test_sources.py serves it with moto)",
    "m3leo tile --source gunw --products FOLDER --var coherence --pairs closest --min-days 12 --max-days 48 "
    "--aoi A --store DIR": "needs ARIA GUNW products (tests/test_sources.py writes synthetic ones)",
    "m3leo tile --source gunw --products https://grfn.asf.alaska.edu/door/download/S1-GUNW-...nc,... ...":
        "downloads from ASF (network, Earthdata login)",
    "m3leo tile --source cci_biomass --year 2020 --aoi A --store DIR":
        "reads ESA CCI Biomass over the network (tests/test_sources.py serves synthetic files)",
    "m3leo tile --source cci_biomass --year 2020 --var agb,agb_sd --root /data/cci/2020 --aoi A --store DIR":
        "needs the CCI Biomass files in /data/cci/2020",
    "m3leo train --store DIR --input s1,gssic_vv_coh12 --target esa_worldcover":
        "needs a GSSIC collection (see the gssic line above)",
    "m3leo train --store DIR --input s1 --target cci_biomass": "needs a CCI Biomass collection",
    "m3leo train --store DIR [--store DIR2 ... [--holdout DIRk]] --input s1[:PERIODS][[DERIVED]][,s2,...]":
        "usage synopsis (the train commands above run)",
}
SKIPPED_PYTHON = {
    "ChipDataModule": "needs the optional `lightning` package, which this environment does not install",
}


def _blocks(path: Path) -> list[tuple[int, str, str]]:
    """(first line, language, text) of every fenced block and every 4-space indented block."""
    out: list[tuple[int, str, str]] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            lang, start, body = line[3:].strip(), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((start + 1, lang, "\n".join(body)))
        elif line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            start, body = i, []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            out.append((start + 1, "", "\n".join(body).rstrip()))
            continue
        i += 1
    return out


def doc_commands() -> list[tuple[str, int, str]]:
    """(file, line, command as written) of every `m3leo ...` line of a non-Python code block."""
    found = []
    for path in DOCS:
        for first, lang, text in _blocks(path):
            if lang in ("python", "json", "toml"):
                continue
            for k, raw in enumerate(text.splitlines()):
                line = raw.strip()
                cmd = line.split("  #", 1)[0].strip()
                if "&& m3leo " in cmd:  # `pip install ... && m3leo quickstart`, a crontab's `cd ... && m3leo ...`
                    cmd = "m3leo " + cmd.split("&& m3leo ", 1)[1]
                if cmd.startswith("m3leo "):
                    found.append((path.name, first + k, cmd))
    return found


def doc_python() -> list[tuple[str, int, str]]:
    return [(p.name, first, text) for p in DOCS for first, lang, text in _blocks(p) if lang == "python"]


def test_every_doc_command_is_run_or_skipped_for_a_reason() -> None:
    commands = {c for _, _, c in doc_commands()}
    assert len(commands) > 25, commands  # the collector finds the docs' commands
    gone = sorted(set(SKIPPED) - commands)
    assert not gone, f"SKIPPED lists commands no doc has any more: {gone}"


# -- the fixture: a small store built as the quickstart builds its own -----------------------------------------
def m3leo(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")}
    return subprocess.run([BIN, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def _dem_exports(d: Path) -> None:
    """exports/*.tif of the README: a one-band 30 m DEM (seeded surface) over the fixture's chips."""
    import rasterio
    from affine import Affine

    (d / "exports").mkdir()
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:140, 0:140] * 30.0
    z = 250 + 0.03 * xx + sum(a * np.sin(xx / w + p) for a, w, p in zip(rng.uniform(5, 40, 3),
                                                                      rng.uniform(300, 900, 3),
                                                                      rng.uniform(0, 6, 3), strict=True))
    with rasterio.open(d / "exports" / "dem_0.tif", "w", driver="GTiff", width=140, height=140, count=1,
                       dtype="float32", nodata=-9999.0, crs="EPSG:32631",
                       transform=Affine(30.0, 0, 640000.0 + 15, 0, -30.0, 5068000.0 - 15)) as dst:
        dst.write(z.astype("float32"), 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    for name, ring in (("fixture.geojson", AOI_RING), ("other.geojson", OTHER_RING)):
        (d / name).write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [ring]}}))
    for store, aoi, cols in (("data", "fixture.geojson", "s1,s2,esa_worldcover"),
                             ("other", "other.geojson", "s1,esa_worldcover")):
        res = m3leo(["extract", "--aoi", aoi, "--collections", cols, "--period", "2020", "--store", store,
                     "--ee-url", "local", "--split", SPLIT], d)
        assert res.returncode == 0, res.stderr
    shutil.copytree(d / "other", d / "other2")
    _dem_exports(d)
    (d / "chips.txt").write_text(f"{DOC_CHIP}\n")
    return d


def _mapped(cmd: str, d: Path) -> list[str]:
    """The doc's command with its placeholders mapped to the fixture, as an argument list. A synopsis's
    optional parts (`[--json]`) are left out."""
    while re.search(r"\s*\[[^\[\]]*\]", cmd):
        cmd = re.sub(r"\s*\[[^\[\]]*\]", "", cmd)
    for word, to in PLACEHOLDERS.items():
        cmd = re.sub(rf"(?<![\w/]){re.escape(word)}(?![\w/])", to, cmd)
    args = shlex.split(cmd)[1:]
    if "--aoi" in args and args[args.index("--aoi") + 1] in AOI_NAMES:
        args[args.index("--aoi") + 1] = "fixture.geojson"
    if args[0] == "train":  # one epoch: the docs' runs are for learning, here only for running
        if "--epochs" in args:
            args[args.index("--epochs") + 1] = "1"
        else:
            args += ["--epochs", "1"]
        args += ["--device", "cpu"]
    if args[0] == "split" and "--scheme" in args:  # re-labelling the shared store would starve later runs
        if not (d / "data-split").exists():
            shutil.copytree(d / "data", d / "data-split")
        args[args.index("--store") + 1] = "data-split"
    return args


@pytest.mark.parametrize("doc", [p.name for p in DOCS])
def test_every_command_of_the_doc_runs(doc: str, world: Path) -> None:
    failures = []
    for name, line, cmd in doc_commands():
        if name != doc or cmd in SKIPPED:
            continue
        args = _mapped(cmd, world)
        res = m3leo(args, world)
        if res.returncode != 0 or "Traceback" in res.stderr:
            failures.append(f"{name}:{line}: `{cmd}` -> `m3leo {' '.join(args)}` exit {res.returncode}: "
                            f"{res.stderr.strip()[-600:]}")
    assert not failures, "\n".join(failures)


def test_shift_runs(world: Path) -> None:
    res = m3leo(["shift", "--store", "data", "--store", "other", "--collection", "esa_worldcover"], world)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("doc", sorted({name for name, _, _ in doc_python()}))
def test_every_python_block_of_the_doc_runs(doc: str, world: Path, tmp_path: Path) -> None:
    """A doc's Python blocks in one namespace, in order (they read as one session), in a copy of the fixture
    (they may write), as a subprocess: `python -c` with the placeholders mapped."""
    for store in ("data", "other", "other2"):
        shutil.copytree(world / store, tmp_path / store)
    code = []
    for name, line, text in doc_python():
        if name != doc:
            continue
        skip = next((why for key, why in SKIPPED_PYTHON.items() if key in text), None)
        if skip:
            try:
                __import__("lightning")
            except ImportError:
                continue
        for word, to in PLACEHOLDERS.items():
            text = re.sub(rf'(?<=["\']){re.escape(word)}(?=["\'/])', to, text)
        text = text.replace("epochs=6", "epochs=1")
        code.append(f"# {name}:{line}\n{text}")
    res = subprocess.run([sys.executable, "-c", "\n".join(code)], capture_output=True, text=True, cwd=tmp_path,
                         timeout=600, env={k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")})
    assert res.returncode == 0, res.stderr[-3000:]
