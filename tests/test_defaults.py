"""Each run default is defined once (defaults.py), and the CLI's help shows those same values.

The help is read from the installed `m3leo` entry point, as a user sees it; the one-home rule is checked on the
source (AST): no module but defaults.py assigns these names or passes a number literal for these options.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from m3leo_extract import defaults
from m3leo_extract.defaults import (
    DEFAULT_DESTINATION,
    DEFAULT_EXPORT_POLL_S,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RPS,
    DEFAULT_MAX_TASK_ATTEMPTS,
    DEFAULT_MODE,
    DEFAULT_SHARD_CHIPS,
    MAX_QUEUED_TASKS,
    STATE_FILE,
    Destination,
    Mode,
)

PACKAGE = Path(__file__).resolve().parents[1] / "m3leo_extract"
CONSTANTS = {"STATE_FILE", "DEFAULT_SHARD_CHIPS", "DEFAULT_MAX_CONCURRENCY", "DEFAULT_MAX_RPS", "MAX_QUEUED_TASKS",
             "DEFAULT_MAX_ATTEMPTS", "DEFAULT_EXPORT_POLL_S", "DEFAULT_MAX_TASK_ATTEMPTS", "DEFAULT_MODE",
             "DEFAULT_DESTINATION"}
# Parameters / fields / keywords whose default must come from defaults.py, never a literal.
OPTION_NAMES = {"max_concurrency", "max_rps", "shard_chips", "max_queued", "max_attempts", "max_task_attempts",
                "poll_s", "mode", "destination"}
PENDING: set[str] = set()  # modules not yet moved onto defaults.py (none)


def _help(*command: str) -> str:
    exe = shutil.which("m3leo")
    assert exe, "the m3leo entry point is not installed (pip install -e .)"
    res = subprocess.run([exe, *command, "--help"], capture_output=True, text=True, timeout=120,
                         env={"COLUMNS": "200", "PATH": str(Path(exe).parent)})
    assert res.returncode == 0, res.stderr
    return " ".join(res.stdout.split())  # wrapped lines joined, so each option reads as one run of text


def _default_shown(text: str, flag: str) -> str:
    m = re.search(rf"{re.escape(flag)} <[^>]*>.*?\[default: \(?([^);\]]+)\)?", text)
    assert m, f"{flag} shows no default in:\n{text}"
    return m.group(1).strip()


EXTRACT = {"--max-concurrency": str(DEFAULT_MAX_CONCURRENCY), "--max-rps": str(DEFAULT_MAX_RPS),
           "--shard-chips": f"{DEFAULT_SHARD_CHIPS}, or the store's", "--max-queued": str(MAX_QUEUED_TASKS),
           "--max-attempts": str(DEFAULT_MAX_ATTEMPTS), "--mode": DEFAULT_MODE.value,
           "--destination": DEFAULT_DESTINATION.value}
PLAN = {k: EXTRACT[k] for k in ("--max-concurrency", "--max-rps", "--shard-chips", "--mode")}


@pytest.mark.parametrize(("command", "expected"), [("extract", EXTRACT), ("plan", PLAN)])
def test_help_shows_the_library_defaults(command: str, expected: dict[str, str]) -> None:
    text = _help(command)
    assert {flag: _default_shown(text, flag) for flag in expected} == expected


def test_help_choices_come_from_the_enums() -> None:
    text = _help("extract")
    assert f"--mode <{'|'.join(m.value for m in Mode)}>" in text
    assert f"--destination <{'|'.join(d.value for d in Destination)}>" in text
    assert f"1<=x<={MAX_QUEUED_TASKS}" in text  # --max-queued's bound is the queue limit itself


def test_bad_choice_is_refused_with_the_enum_values(tmp_path: Path) -> None:
    exe = shutil.which("m3leo")
    res = subprocess.run([str(exe), "extract", "--aoi", "demo", "--collections", "s2", "--period", "2020",
                          "--mode", "teleport", "--store", str(tmp_path / "s")], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2
    assert "teleport" in res.stderr and all(m.value in res.stderr for m in Mode)
    assert not (tmp_path / "s").exists()


def test_library_signatures_use_the_same_defaults() -> None:
    import inspect

    from m3leo_extract.exporting import ExportOptions
    from m3leo_extract.plan import estimate
    from m3leo_extract.runner import Limiter, RetryPolicy
    from m3leo_extract.units import ExtractOptions

    opts, exp = ExtractOptions(), ExportOptions()
    assert (opts.max_concurrency, opts.max_rps, opts.retry.max_attempts) == (
        DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RPS, DEFAULT_MAX_ATTEMPTS)
    assert opts.shard_chips is None  # the store's, else DEFAULT_SHARD_CHIPS (extract.shard_sizes)
    assert (exp.max_queued, exp.poll_s, exp.max_task_attempts) == (
        MAX_QUEUED_TASKS, DEFAULT_EXPORT_POLL_S, DEFAULT_MAX_TASK_ATTEMPTS)
    assert RetryPolicy().max_attempts == DEFAULT_MAX_ATTEMPTS
    lim = inspect.signature(Limiter).parameters
    assert (lim["max_concurrency"].default, lim["max_rps"].default) == (DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RPS)
    # None-defaults fill in the same values: built from "nothing given", the options equal the defaults.
    assert ExtractOptions.build() == ExtractOptions()
    assert ExtractOptions.build(max_attempts=None, max_rps=None) == ExtractOptions()
    assert inspect.signature(estimate).parameters["shard_chips"].default is None
    assert STATE_FILE == "state.sqlite"  # the name on disk (docs/store.md); changing it orphans every store


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "defaults.py" or p.parent != PACKAGE)


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PACKAGE).as_posix()
    out = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
            if isinstance(node.target, ast.Name) and node.target.id in OPTION_NAMES and _literal(node.value):
                out.append(f"{rel}:{node.lineno} field {node.target.id} = literal")
        for t in targets:
            if isinstance(t, ast.Name) and t.id in CONSTANTS and rel not in PENDING:
                out.append(f"{rel}:{node.lineno} assigns {t.id}")
        if isinstance(node, ast.Constant) and node.value == STATE_FILE and rel not in PENDING:
            out.append(f"{rel}:{node.lineno} writes the literal {STATE_FILE!r}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            pos = a.posonlyargs + a.args
            pairs = list(zip(pos[len(pos) - len(a.defaults):], a.defaults, strict=True))
            pairs += [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
            out += [f"{rel}:{node.lineno} {node.name}({arg.arg}=literal)" for arg, d in pairs
                    if arg.arg in OPTION_NAMES and _literal(d)]
        if isinstance(node, ast.Call):
            out += [f"{rel}:{node.lineno} call with {k.arg}=literal" for k in node.keywords
                    if k.arg in OPTION_NAMES and _literal(k.value) and rel not in PENDING]
    return out


def _literal(node: ast.expr | None) -> bool:
    """A number or a mode/destination string written out (None, a name or an expression is fine)."""
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool) or node.value in (None, 0):
        return False  # 0 is a counter starting out (ExtractReport.max_rps), not a default
    return isinstance(node.value, (int, float)) or node.value in {m.value for m in (*Mode, *Destination)}


def test_no_module_but_defaults_defines_a_default() -> None:
    found = [v for p in _modules() for v in _violations(p)]
    assert found == []
    assert CONSTANTS <= set(vars(defaults))


def test_the_ast_check_catches_a_copy(tmp_path: Path) -> None:
    bad = tmp_path / "copy.py"
    bad.write_text('STATE_FILE = "state.sqlite"\n\n\ndef run(shard_chips: int = 16, mode: str = "pixels"):\n'
                   '    return Limiter(max_rps=100.0)\n')
    found = _violations_at(bad)
    assert len(found) == 5, found  # the name, the literal, two parameter defaults and the keyword


def _violations_at(path: Path) -> list[str]:
    # The same walk over a file outside the package (relative names are reported against its folder).
    global PACKAGE
    old, PACKAGE = PACKAGE, path.parent
    try:
        return _violations(path)
    finally:
        PACKAGE = old
