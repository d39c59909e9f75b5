"""m3leo-extract: Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr, M3LEO style."""

__version__ = "0.1.0"
