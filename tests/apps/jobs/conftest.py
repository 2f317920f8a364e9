from __future__ import annotations

import pytest

from apps.jobs import dispatch

RECORDED = "test.recorded"  # the job kind whose sends the `sent` fixture records


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Registers the job kind "test.recorded" with a sender that records the ids it was given."""
    ids: list[int] = []
    monkeypatch.setitem(dispatch._senders, RECORDED, lambda job: ids.append(job.pk))
    return ids
