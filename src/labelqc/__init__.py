"""labelqc domain core: pure functions over arrays and DataFrames (no Django, DRF or Celery)."""

__version__ = "0.1.0"
