"""The progress callbacks' shared part: one tqdm bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any


class Bar:
    """Base of a command's progress callback (`__call__(event)` in the subclass): `open` the bar on the
    plan event, update `self.bar` as work finishes, `close` it at the end (safe when none was opened)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None

    def open(self, total: int, unit: str, desc: str) -> None:
        if self.enabled:
            from tqdm import tqdm  # ~45 ms: only a command that draws a bar pays it, not every command's start

            self.bar = tqdm(total=total, unit=unit, desc=desc, dynamic_ncols=True, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
