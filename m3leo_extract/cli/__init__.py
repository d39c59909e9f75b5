"""The `m3leo` command line. Parses, validates, delegates and renders; no pipeline logic lives here.

Each command group is a module of this package that registers itself on `app`. Library code raises
`m3leo_extract.errors.M3leoError`; `main()` turns it into one line on stderr and its exit code.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import M3leoError

app = typer.Typer(
    name="m3leo",
    help="Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr (M3LEO style).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich panels print every flag as `--json <bool>`, as if it took a value.
    rich_markup_mode=None,
)


@app.command()
def version() -> None:
    """Print the m3leo-extract version."""
    from .. import __version__

    typer.echo(__version__)


COMMAND_MODULES = ("aoi", "grid", "catalog", "extract", "tile", "store", "train", "emulator", "ops", "shift",
                   "export_cog", "verify", "publish")


def _register() -> None:
    """Import the command modules, each adding its commands to `app`. A module that fails to import is a bug:
    it fails loudly here rather than leaving its commands silently missing."""
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def _store_callback(previous: Any) -> Any:
    """A click callback resolving a `--store` value (one path, several, or None) through
    `storepath.resolve_store` after `previous` (the option's own callback, if any) has run."""

    def callback(ctx: Any, param: Any, value: Any) -> Any:
        from ..shards import is_remote, pointed_url
        from ..storepath import check_remote, remote_dataset, resolve_store

        if previous is not None:
            value = previous(ctx, param, value)
        if value is None:
            return None
        many = isinstance(value, (list, tuple))
        out = []
        for v in (value if many else [value]):
            found = resolve_store(_url_back(v))
            if is_remote(found.path):  # its local folder (--state) stands for it from here on
                found = remote_dataset(str(found.path), ctx.meta.get(STATE_META) or os.environ.get(STATE_ENV))
            elif (url := pointed_url(found.path)) is not None:  # a remote store's folder, named directly
                check_remote(url)
            if found.note:
                typer.echo(f"m3leo: {found.note}", err=True)
            out.append(str(found.path) if isinstance(v, str) else found.path)  # click hands strings here
        return type(value)(out) if many else out[0]

    return callback


def _url_back(value: Any) -> Any:
    """A URL as typer's Path made it (`s3:/bucket/x`, `file:/abs/x`) back to the URL the user typed
    (`s3://bucket/x`, `file:///abs/x`: a file URL's path is absolute)."""
    import re

    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):/(?!/)(.*)$", str(value), re.DOTALL)
    if m is None:
        return value
    scheme, rest = m.groups()
    return f"{scheme}:///{rest}" if scheme.lower() == "file" else f"{scheme}://{rest}"


def _command() -> Any:
    """The click command tree of `app`, every `--store` option of every command resolved to the dataset it
    names before the command runs (so a path inside a dataset is understood or refused before any write)."""
    from typer.main import get_command

    root = get_command(app)
    state = _state_option()
    todo = [root]
    while todo:
        cmd = todo.pop()
        todo.extend(getattr(cmd, "commands", {}).values())
        for param in cmd.params:
            if "--store" in getattr(param, "opts", ()):
                param.callback = _store_callback(param.callback)
                cmd.params.append(state)
                break
    return root


STATE_META = "m3leo_state"
STATE_ENV = "M3LEO_STATE"


def _remember_state(ctx: typer.Context, value: Path | None) -> Path | None:
    ctx.meta[STATE_META] = value
    return value


StateOpt = Annotated[Path | None, typer.Option(
    "--state", metavar="DIR", is_eager=True, callback=_remember_state,
    help=f"With a remote --store (s3://, gs://): a local folder for its state database, run lock and m3leo.toml "
         f"(or ${STATE_ENV}).")]


def _state_probe(state: StateOpt = None) -> None:
    return None


def _state_option() -> Any:
    """`--state DIR`, beside every `--store`: the local folder of a remote store (s3://, gs://, ...). Made by
    typer from a one-option command (typer brings its own click), then kept out of the command's arguments."""
    from typer.main import get_command

    probe = typer.Typer()
    probe.command()(_state_probe)
    option = get_command(probe).params[0]
    option.expose_value = False
    return option


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"m3leo: error: {message}", err=True)
    return typer.Exit(code)


DEBUG_ENV = "M3LEO_DEBUG"  # M3LEO_DEBUG=1: show the traceback of a failure (same as --debug)


def _debug(args: list[str]) -> tuple[bool, list[str]]:
    """`--debug` anywhere on the line (it is not a command's option) or M3LEO_DEBUG=1."""
    on = os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")
    if "--debug" in args:
        args = [a for a in args if a != "--debug"]
        on = True
    return on, args


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of a failure (or set "
                                                                 "M3LEO_DEBUG=1).")] = False) -> None:
    """Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr (M3LEO style)."""


def _usage_line(exc: Exception) -> str:
    """A click usage error as one line, naming the command's --help."""
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"m3leo: error: {exc.format_message()}{where}"  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code (docs/operations.md lists them; `errors.EXIT_*`)."""
    from ..errors import EXIT_INTERNAL, EXIT_INTERRUPTED

    debug, args = _debug(list(sys.argv[1:] if argv is None else argv))
    _register()
    try:
        # Without standalone mode click returns (not raises) a typer.Exit's code: keep it.
        rv = _command()(args=args, prog_name="m3leo", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return _interrupted(debug) if rv == EXIT_INTERRUPTED else rv  # typer turns Ctrl-C into exit 130
    except M3leoError as exc:
        if debug:
            traceback.print_exc()
        print(f"m3leo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return _interrupted(debug) if exc.exit_code == EXIT_INTERRUPTED else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted(debug)
    except Exception as exc:
        # Click's usage errors (typer vendors click) arrive here in non-standalone mode: duck-typed on purpose.
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # type: ignore[attr-defined]  # the help text itself
            else:
                print(_usage_line(exc), file=sys.stderr)
            return int(exc.exit_code)  # type: ignore[attr-defined]
        from ..failures import translate

        if debug:
            traceback.print_exc()
        known = translate(exc)
        if known is not None:
            print(f"m3leo: error: {known}", file=sys.stderr)
            return known.exit_code
        first = (str(exc).splitlines() or [""])[0][:200]
        print(f"m3leo: internal error: {type(exc).__name__}: {first}; rerun with --debug (or M3LEO_DEBUG=1) for "
              "the traceback and report it", file=sys.stderr)
        return EXIT_INTERNAL
    return 0


def _interrupted(debug: bool) -> int:
    from ..errors import EXIT_INTERRUPTED

    if debug:
        traceback.print_exc()
    print("m3leo: interrupted; rerun the same command to resume (done units are kept)", file=sys.stderr)
    return EXIT_INTERRUPTED


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, systemd, a cron timeout): stop like Ctrl-C, state consistent


def run() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if code == 130:
        # Threads still waiting on Earth Engine would hold the interpreter up to a request timeout: the state
        # is already consistent (units in flight are back to planned), so leave at once.
        os._exit(code)
    sys.exit(code)
