"""Errors raised by the format readers and writers.

Every problem names the file, the record inside it (``annotations[3]``, ``image 'a.jpg'``,
``task 12 / annotation 4 / result 'x1'``) and the field (``bbox``, ``points``, ``label``), so a
user can find and fix it. Readers collect the problems of a whole file where that is cheap and
raise them together as one :class:`FormatError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Enough to show a user the pattern of a bad file without building an unbounded message.
MAX_COLLECTED_PROBLEMS = 1000
MAX_PROBLEMS_IN_MESSAGE = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One defect of one field of one record of one file."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field}: {self.message}"


class FormatError(ValueError):
    """A file (or a dataset handed to a writer) that cannot be read or written as asked.

    ``file``, ``record``, ``field`` and ``message`` describe the first problem; ``problems``
    holds every problem collected (the first one included), at most
    ``MAX_COLLECTED_PROBLEMS``; ``truncated`` tells whether more were found than kept.
    """

    def __init__(
        self,
        file: str,
        record: str,
        field: str,
        message: str,
        *,
        problems: Sequence[Problem] = (),
        truncated: bool = False,
    ) -> None:
        first = Problem(file, record, field, message)
        self.file = file
        self.record = record
        self.field = field
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems) or (first,)
        self.truncated = truncated
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1 and not self.truncated:
            return str(self.problems[0])
        shown = self.problems[:MAX_PROBLEMS_IN_MESSAGE]
        count = f"{len(self.problems)}{'+' if self.truncated else ''}"
        lines = [f"{self.file}: {count} problems:"]
        lines += [f"  {p.record}: {p.field}: {p.message}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)


class ProblemCollector:
    """Accumulates the problems of one file and raises them together.

    Use ``add`` for a defect that lets reading go on (the record is skipped), and ``fail``
    for one after which nothing sensible can be read (it raises at once, with everything
    collected so far).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self._problems: list[Problem] = []
        self._truncated = False

    def __bool__(self) -> bool:
        return bool(self._problems)

    def __len__(self) -> int:
        return len(self._problems)

    def add(self, record: str, field: str, message: str) -> None:
        """Record one problem; extra problems beyond the cap are counted as truncation."""
        if len(self._problems) >= MAX_COLLECTED_PROBLEMS:
            self._truncated = True
            return
        self._problems.append(Problem(self.file, record, field, message))

    def fail(self, record: str, field: str, message: str) -> FormatError:
        """Add a fatal problem and return the error to raise (``raise collector.fail(...)``)."""
        self.add(record, field, message)
        return self.error()

    def error(self) -> FormatError:
        """The collected problems as one FormatError (there must be at least one)."""
        first = self._problems[0]
        return FormatError(
            first.file,
            first.record,
            first.field,
            first.message,
            problems=self._problems,
            truncated=self._truncated,
        )

    def raise_if_any(self) -> None:
        """Raise the collected problems, if any."""
        if self._problems:
            raise self.error()
