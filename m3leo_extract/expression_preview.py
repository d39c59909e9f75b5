"""What a recipe asks Earth Engine for: its description plus the serialised expression for one chip."""

from __future__ import annotations

import json
from typing import Any

from .catalog import Period, Recipe


def preview(recipe: Recipe, period: Period, aoi: str, ee_url: str | None = None) -> dict[str, Any]:
    """Describe `recipe` and, for its first composite of `period` over the first chip of `aoi`, the expression.

    Building an `ee` expression needs the server's algorithm list: without `ee_url` a local emulator is
    started for the duration (no data is computed, nothing leaves this machine).
    """
    from .aoi import load_aoi
    from .grid import chips_for_geometry
    from .units import chips_lonlat_bounds

    out = recipe.describe()
    composites = recipe.periods(period)
    out["composites_for_period"] = [c.label for c in composites]
    if not recipe.remote:
        out["expression"] = None
        return out
    chip = chips_for_geometry(load_aoi(aoi).geometry)[0]
    out["example"] = {"aoi": aoi, "chip_id": chip.chip_id, "period": composites[0].label}

    def build() -> None:
        from .ee import expressions

        img = expressions.build(recipe, composites[0], chips_lonlat_bounds([chip]))
        out["expression"] = json.loads(expressions.serialize(img, pretty=False))

    if ee_url:
        from .ee.session import initialize

        initialize(ee_url, None)
        build()
    else:
        from ee_emulator import start_emulator

        from .ee.session import initialize

        with start_emulator() as emu:
            initialize(emu.url, None)
            build()
    return out
