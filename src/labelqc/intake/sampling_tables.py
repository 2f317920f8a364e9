"""Single-sampling tables of ISO 2859-1 / ANSI/ASQ Z1.4 / MIL-STD-105E (normal inspection).

Two tables, transcribed as printed in MIL-STD-105E (10 May 1989): Table I (sample size code
letters) and Table II-A (single sampling plans for normal inspection, master table).
ISO 2859-1 Tables 1 and 2-A and ANSI/ASQ Z1.4 Tables I and II-A carry the same values.  The
source and the checks made on the transcription are in docs/acceptance-sampling.md.

In Table II-A a cell holds either an acceptance / rejection number pair ``Ac/Re`` or an arrow:
``v`` "use the first sampling plan below the arrow" and ``^`` "use the first sampling plan
above the arrow".  Following an arrow changes the sample size to that of the row where the plan
is found (the sample size belongs to the plan, not to the lot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from labelqc.intake.errors import IntakeInputError

InspectionLevel = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
INSPECTION_LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

CODE_LETTERS: tuple[str, ...] = tuple("ABCDEFGHJKLMNPQR")
SAMPLE_SIZES: dict[str, int] = dict(
    zip(
        CODE_LETTERS,
        (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
        strict=True,
    )
)

# Table I: (largest lot size of the range, letters for S-1 S-2 S-3 S-4 I II III).
# The last range is "500 001 and over".
_LOT_SIZE_LETTERS: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# Column headings of Table II-A.  Up to 10 they are percent nonconforming or nonconformities per
# 100 units; above 10 only nonconformities per 100 units.
AQL_COLUMNS: tuple[float, ...] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip

# Table II-A, one row per code letter; the first string holds AQL 0.010 to 2.5, the second
# 4.0 to 1000 (columns in the order of AQL_COLUMNS).
_MASTER_TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("A", "    v     v     v     v     v     v     v     v     v     v     v     v     v",
          "    v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31"),
    ("B", "    v     v     v     v     v     v     v     v     v     v     v     v     v",
          "  0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45"),
    ("C", "    v     v     v     v     v     v     v     v     v     v     v     v   0/1",
          "    ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^"),
    ("D", "    v     v     v     v     v     v     v     v     v     v     v   0/1     ^",
          "    v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^"),
    ("E", "    v     v     v     v     v     v     v     v     v     v   0/1     ^     v",
          "  1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^"),
    ("F", "    v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2",
          "  2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^"),
    ("G", "    v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3",
          "  3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^"),
    ("H", "    v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4",
          "  5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("J", "    v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6",
          "  7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("K", "    v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8",
          "10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("L", "    v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11",
          "14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("M", "    v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15",
          "21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("N", "    v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22",
          "    ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("P", "    v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^",
          "    ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("Q", "  0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^",
          "    ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
    ("R", "    ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^",
          "    ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^"),
)  # fmt: skip

Cell = tuple[int, int] | Literal["v", "^"]


def _parse_cell(token: str) -> Cell:
    if token in ("v", "^"):
        return token  # type: ignore[return-value]
    accept, reject = token.split("/")
    return int(accept), int(reject)


def _parse_master_table() -> dict[str, tuple[Cell, ...]]:
    table: dict[str, tuple[Cell, ...]] = {}
    for letter, low_columns, high_columns in _MASTER_TABLE_ROWS:
        cells = tuple(_parse_cell(token) for token in f"{low_columns} {high_columns}".split())
        if len(cells) != len(AQL_COLUMNS):  # guards the transcription itself
            raise AssertionError(f"Table II-A row {letter}: {len(cells)} cells")
        table[letter] = cells
    return table


MASTER_TABLE: dict[str, tuple[Cell, ...]] = _parse_master_table()


@dataclass(frozen=True)
class TablePlan:
    """A Table II-A plan: the letter whose row held the plan, its sample size, Ac and Re.

    ``arrow`` is the arrow followed from the lot's own code letter (None when the cell held a
    plan); ``note`` explains an edge case where the printed arrow leads off the table.
    """

    code_letter: str
    plan_letter: str
    sample_size: int
    accept_number: int
    reject_number: int
    arrow: Literal["v", "^"] | None
    note: str | None = None


def code_letter(lot_size: int, level: str = "II") -> str:
    """Return the Table I sample size code letter for a lot (batch) size and inspection level.

    ``level`` is one of the general levels ``I``, ``II`` (the usual default), ``III`` or the
    special levels ``S-1`` to ``S-4``.  Lot sizes start at 2.
    """
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise IntakeInputError(f"lot_size: expected an int, got {lot_size!r}")
    if lot_size < 2:
        raise IntakeInputError(f"lot_size: Table I starts at lots of 2, got {lot_size}")
    if level not in INSPECTION_LEVELS:
        raise IntakeInputError(f"level: expected one of {INSPECTION_LEVELS}, got {level!r}")
    column = INSPECTION_LEVELS.index(level)
    for upper, letters in _LOT_SIZE_LETTERS:
        if upper is None or lot_size <= upper:
            return letters[column]
    raise AssertionError("unreachable: the last lot-size range is open")


def aql_column(aql: float) -> int:
    """Return the Table II-A column index of a preferred AQL value (in percent)."""
    if isinstance(aql, bool) or not isinstance(aql, int | float):
        raise IntakeInputError(f"aql: expected a number (percent), got {aql!r}")
    for index, column in enumerate(AQL_COLUMNS):
        if abs(column - aql) <= 1e-9 * column:
            return index
    raise IntakeInputError(
        f"aql: {aql!r} is not a preferred AQL of Table II-A; use one of "
        f"{', '.join(f'{value:g}' for value in AQL_COLUMNS)} (or plan_for_risks)"
    )


def _first_plan(column: int, start: int, step: int) -> int | None:
    row = start + step
    while 0 <= row < len(CODE_LETTERS):
        if isinstance(MASTER_TABLE[CODE_LETTERS[row]][column], tuple):
            return row
        row += step
    return None


def master_table_plan(letter: str, aql: float) -> TablePlan:
    """Read Table II-A at a code letter and AQL, following arrows to the first plan.

    Two printed arrows lead off the table: the up arrow at (A, 10) and the down arrow at
    (R, 0.015).  There labelqc keeps to the same column in the other direction, so (A, 10)
    gives the plan of (C, 10) and (R, 0.015) the plan of (P, 0.015); ``note`` says so.
    """
    if letter not in MASTER_TABLE:
        raise IntakeInputError(
            f"code_letter: expected one of {''.join(CODE_LETTERS)}, got {letter!r}"
        )
    column = aql_column(aql)
    row = CODE_LETTERS.index(letter)
    cell = MASTER_TABLE[letter][column]
    note = None
    if isinstance(cell, tuple):
        plan_row, arrow = row, None
    else:
        arrow = cell
        step = 1 if cell == "v" else -1
        found = _first_plan(column, row, step)
        if found is None:
            found = _first_plan(column, row, -step)
            note = (
                f"the arrow at ({letter}, {aql:g}) leads off Table II-A; the first plan the "
                "other way in the same column is used"
            )
        if found is None:  # every column holds plans, so this cannot happen
            raise AssertionError(f"Table II-A column {aql:g} holds no plan")
        plan_row = found
    plan_letter = CODE_LETTERS[plan_row]
    accept, reject = MASTER_TABLE[plan_letter][column]  # type: ignore[misc]
    return TablePlan(
        code_letter=letter,
        plan_letter=plan_letter,
        sample_size=SAMPLE_SIZES[plan_letter],
        accept_number=accept,
        reject_number=reject,
        arrow=arrow,
        note=note,
    )
