"""Pick the public Earth Engine Python samples the emulator can be judged by, and vendor them.

    python tools/select_samples.py --repo /path/to/google+earthengine-community/repo   # a bare git dir

Reads `samples/python/**/*.py` of google/earthengine-community (Apache-2.0) at HEAD, keeps every sample whose
asset ids (string literals given to ee.Image / ee.ImageCollection / ee.FeatureCollection / ...load, and any
literal starting with a catalogue provider seen there) are all served by the emulator (ee_emulator.assets),
or which names no asset at all, and whose imports are installed. Writes the kept samples under
tools/samples/ (their code, unchanged, with the repository's LICENSE and a NOTICE naming the commit), and
tools/samples/SAMPLES.txt: one line per sample of the corpus, `kept` or the reason it is left out.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "samples"
PREFIX = "samples/python/"
ASSET_CALLS = {"Image", "ImageCollection", "FeatureCollection", "load", "getAsset", "listAssets", "listImages"}
ID_RE = re.compile(r"^(projects/[\w-]+/assets/)?[A-Za-z][\w-]*(/[\w.-]+)+$")


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, text=True, check=True).stdout


def call_asset_ids(tree: ast.AST) -> set[str]:
    """String literals given as the first argument of an asset-loading call."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        a = node.args[0]
        if name in ASSET_CALLS and isinstance(a, ast.Constant) and isinstance(a.value, str) and ID_RE.match(a.value):
            out.add(a.value)
    return out


def literal_ids(tree: ast.AST, providers: set[str]) -> set[str]:
    """Any string literal that looks like an asset id of a provider seen in asset-loading calls."""
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and ID_RE.match(n.value) and n.value.split("/")[0] in providers}


def imports(tree: ast.AST) -> set[str]:
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.add(node.module.split(".")[0])
    return mods


def served(asset_id: str, known: set[str]) -> bool:
    aid = asset_id.removeprefix("projects/earthengine-public/assets/")
    return aid in known or any(aid.startswith(k + "/") for k in known)


def reason(src: str, known: set[str], providers: set[str]) -> str:
    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    missing = sorted(m for m in imports(tree) if importlib.util.find_spec(m) is None)
    if missing:
        return "imports not installed: " + ",".join(missing)
    ids = call_asset_ids(tree) | literal_ids(tree, providers)
    unserved = sorted(i for i in ids if not served(i, known))
    if unserved:
        return "unserved assets: " + ",".join(unserved[:4]) + (",..." if len(unserved) > 4 else "")
    return "kept"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, help="bare git dir of google/earthengine-community")
    a = ap.parse_args()
    from ee_emulator import assets

    known = set(assets.known_assets())
    commit = git(a.repo, "rev-parse", "HEAD").strip()
    paths = sorted(p for p in git(a.repo, "ls-tree", "-r", "--name-only", "HEAD", PREFIX).split()
                   if p.endswith(".py"))
    sources = {p: git(a.repo, "show", f"HEAD:{p}") for p in paths}
    providers: set[str] = set()
    for src in sources.values():
        try:
            providers |= {i.split("/")[0] for i in call_asset_ids(ast.parse(src))}
        except SyntaxError:
            pass
    providers -= {"projects", "users"}
    OUT.mkdir(exist_ok=True)
    for old in OUT.rglob("*.py"):
        old.unlink()
    lines, kept = [], 0
    for p, src in sources.items():
        why = reason(src, known, providers)
        rel = p.removeprefix(PREFIX)
        lines.append(f"{rel}\t{why}")
        if why == "kept":
            kept += 1
            dest = OUT / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(src)
    (OUT / "SAMPLES.txt").write_text(
        f"# google/earthengine-community {commit} samples/python: {kept} kept of {len(paths)}\n"
        + "\n".join(lines) + "\n")
    (OUT / "LICENSE").write_text(git(a.repo, "show", "HEAD:LICENSE.md"))
    (OUT / "NOTICE").write_text(
        "The Python files under this folder are copied unchanged from google/earthengine-community\n"
        f"(https://github.com/google/earthengine-community), commit {commit}, folder samples/python/.\n"
        "Copyright The Google Earth Engine Community Authors, licensed under the Apache License, Version 2.0\n"
        "(the LICENSE file beside this one). tools/select_samples.py picked them; tools/run_samples.py runs\n"
        "them against the m3leo emulator.\n")
    print(f"{kept} of {len(paths)} samples kept under {OUT}")


if __name__ == "__main__":
    main()
