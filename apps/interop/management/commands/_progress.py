"""A terminal progress bar fed by the import/export services' progress callbacks."""

from __future__ import annotations

from typing import Any

from tqdm import tqdm


class _Unterminated:
    """A management command's OutputWrapper adds a newline per write; tqdm's \r redraws need none."""

    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, ending="")

    def flush(self) -> None:
        self._wrapper.flush()


class ProgressBar:
    """One tqdm bar that follows the stages ("read", "write", "build", ...) it is told about."""

    def __init__(self, stream: Any, disable: bool = False) -> None:
        self._bar = tqdm(
            total=0, file=_Unterminated(stream), disable=disable, unit="rec", dynamic_ncols=True
        )
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._stage = stage
            self._bar.set_description(stage)
            self._bar.reset(total=total)
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()
