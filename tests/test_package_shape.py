"""The package's shape (issue 16): small modules, short functions, and a module graph without cycles.

Read from the source with `ast`, so the checks see in-function imports as well as the ones at the top.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "m3leo_extract"
EMULATOR = ROOT / "ee_emulator"  # a package of its own beside the main one; it imports nothing of m3leo_extract
PACKAGES = (PKG, EMULATOR)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# Data tables, not logic: a long literal is easier to read whole than split.
DATA_TABLES = {("ee_emulator/discovery.py", "_fallback_signatures")}


def _modules() -> dict[str, Path]:
    mods = {}
    for p in (p for pkg in PACKAGES for p in pkg.rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = p
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in mods}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in mods else mod)
    return {m for m in out if m in mods and m != name}


def test_no_import_cycle() -> None:
    mods = _modules()
    graph = {name: _imports(name, path, mods) for name, path in mods.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        pytest.fail(f"import cycle: {' -> '.join(e.args[1])}")


def test_cycle_finder_finds_a_cycle() -> None:
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"c"}, "c": {"a"}}).static_order())


def test_modules_and_functions_are_small() -> None:
    long_modules, long_functions = [], []
    for path in sorted(p for pkg in PACKAGES for p in pkg.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(f"{rel} ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (rel, node.name) not in DATA_TABLES:
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{rel}:{node.lineno} {node.name} ({n} lines)")
    assert not long_modules, f"modules over {MAX_MODULE_LINES} lines: {long_modules}"
    assert not long_functions, f"functions over {MAX_FUNCTION_LINES} lines: {long_functions}"


# The module map of docs/internals.md: a module imports only modules of its own layer or of layers before it.
LAYERS: dict[int, set[str]] = {
    0: {"ee_emulator"},
    1: {"defaults", "errors", "nodata", "grid", "tile.resample", "tile.terrain", "ee.sizing", "quota",
        "tile.remap", "memory", "splits.schemes", "collection_attrs", "majortom"},
    2: {"shards", "state", "catalog", "catalog.entry", "catalog.period", "config", "aoi", "gridio", "runner",
        "cluster", "splits.table"},
    3: {"store", "chipblocks", "georef", "verify", "chipindex", "splits", "storepath", "splits.relabel"},
    4: {"ee", "ee.session", "ee.pixels", "ee.export", "ee.expressions"},
    5: {"units", "planner", "request", "fetching", "exporting", "extract", "plan", "refresh", "status", "tile",
        "tile.inputs", "tile.warp", "tile.unit", "tile.planning", "tile.run", "tile.kinds", "sources",
        "sources.base", "sources.gssic", "sources.gunw", "sources.cci_biomass", "sources.earthdata", "cogs", "vrt",
        "checks", "failures", "expression_preview", "render", "publish"},
    6: {"inputs", "dataindex", "dataset", "multistore", "stats", "tasks", "models", "train", "shift", "datamodule",
        "metrics"},
    7: {"", "__main__", "quickstart", "cli"},
}
PREFIX_LAYERS = {"ee_emulator.": 0, "cli.": 7, "publish.": 5}  # every module of these packages sits in the layer named


def _layer(module: str) -> int | None:
    short = module.removeprefix("m3leo_extract").removeprefix(".")
    for prefix, layer in PREFIX_LAYERS.items():
        if short.startswith(prefix):
            return layer
    return next((n for n, names in LAYERS.items() if short in names), None)


def test_imports_follow_the_module_map() -> None:
    mods = _modules()
    unplaced = sorted(m for m in mods if _layer(m) is None)
    assert not unplaced, f"modules missing from LAYERS (add them to the map and to docs/internals.md): {unplaced}"
    upward = [f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})" for m, p in mods.items()
              for t in sorted(_imports(m, p, mods)) if (_layer(t) or 0) > (_layer(m) or 0)]
    assert not upward, f"imports against the module map: {upward}"


def test_cli_start_imports_no_heavy_package() -> None:
    """Every `m3leo` process registers all commands; none may pull zarr, torch, ee or GDAL in doing so (each
    costs ~0.3-2 s of start-up, paid by every command, and by cron's `refresh` too)."""
    import subprocess
    import sys

    heavy = ("zarr", "torch", "ee", "rasterio", "numpy", "pyproj", "shapely", "xarray", "dask", "matplotlib")
    code = ("import sys, m3leo_extract.cli as c; c._register(); "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"`m3leo` start-up imports {out}: import them inside the command that needs them"


# Imports the main install need not satisfy: an extra of its own, or a module only a tool loads.
OPTIONAL_IMPORTS = {"lightning": "the lightning extra (datamodule.py)", "pytest": "ee_emulator's pytest plugin"}


def _installed_by(requirements: list[str]) -> set[str]:
    """Distributions `requirements` install (their own requirements too, extras named in them included)."""
    import re
    from importlib import metadata

    def parse(req: str) -> tuple[str, set[str]]:
        m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", req)
        assert m, req
        return m.group(1).lower().replace("_", "-"), {e.strip() for e in (m.group(2) or "").split(",") if e.strip()}

    seen: set[str] = set()
    todo = [parse(r) for r in requirements]
    while todo:
        dist, extras = todo.pop()
        key = f"{dist}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen |= {key, dist}
        try:
            reqs = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            continue
        for r in reqs:
            marker = r.partition(";")[2]
            if "extra ==" in marker and not any(f'extra == "{e}"' in marker for e in extras):
                continue
            todo.append(parse(r.partition(";")[0]))
    return seen


def test_every_import_is_installed_by_the_main_dependencies() -> None:
    """The README's first command installs without extras and runs the main job on the emulator: every
    third-party module the package or the emulator imports (lazily too) must come with the main dependencies."""
    import sys
    from importlib import metadata

    import tomllib

    main = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    installed = _installed_by(main)
    dists = metadata.packages_distributions()
    missing = []
    for pkg in ("m3leo_extract", "ee_emulator"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
                for top in {n.split(".")[0] for n in names}:
                    if top in sys.stdlib_module_names or top in ("m3leo_extract", "ee_emulator", "__future__") \
                            or top in OPTIONAL_IMPORTS:
                        continue
                    if not any(d.lower().replace("_", "-") in installed for d in dists.get(top, [top])):
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {top}")
    assert not missing, f"imports no main dependency installs (add them to [project] dependencies): {missing}"
