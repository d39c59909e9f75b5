"""Publishing a store as a dataset: STAC catalogue, GeoParquet chip index, Parquet chips, Croissant, HF card.

`publish(store, out, formats=...)` does it all (run.py); one module per format: stac.py, parquet.py,
croissant.py, hfcard.py; model.py publishes a `m3leo train` checkpoint as a STAC item (MLM extension).
docs/publishing.md describes the output.
"""

from __future__ import annotations

from .run import FORMATS, PublishReport, parse_formats, publish, publish_model

__all__ = ["FORMATS", "PublishReport", "parse_formats", "publish", "publish_model"]
