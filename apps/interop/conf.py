"""Settings of the import/export app, with the defaults used when configs/settings.py has none."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

DEFAULT_MAX_IMPORT_BYTES = 512 * 1024 * 1024
IMPORT_KIND = "interop.import"
EXPORT_KIND = "interop.export"


def max_import_bytes() -> int:
    """Cap on an uploaded file (and on the uncompressed content of a zip)."""
    configured = getattr(settings, "LABELQC_MAX_IMPORT_BYTES", None)
    if configured is None:
        configured = os.environ.get("LABELQC_MAX_IMPORT_BYTES") or DEFAULT_MAX_IMPORT_BYTES
    return int(configured)


def job_dir(job_id: int) -> Path:
    """MEDIA_ROOT/jobs/<id>/: where a job's uploaded input and its output file live."""
    return Path(settings.MEDIA_ROOT) / "jobs" / str(int(job_id))


def safe_file_name(name: str, default: str = "upload") -> str:
    """A file name without directories or unusual characters, kept under 120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return (cleaned or default)[-120:]
