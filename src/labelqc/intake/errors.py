"""The error raised for bad input anywhere in :mod:`labelqc.intake`."""

from __future__ import annotations


class IntakeInputError(ValueError):
    """An intake input is unusable; the message names the field (and record) at fault."""
