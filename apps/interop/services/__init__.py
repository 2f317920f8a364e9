"""Writes of the import/export app: import and export jobs (see imports.py and exports.py)."""
