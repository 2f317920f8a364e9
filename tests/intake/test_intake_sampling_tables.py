"""ISO 2859-1 / Z1.4 / MIL-STD-105E Table I and Table II-A lookups against published values."""

from __future__ import annotations

import pytest

from labelqc.intake import (
    AQL_COLUMNS,
    CODE_LETTERS,
    SAMPLE_SIZES,
    IntakeInputError,
    code_letter,
    master_table_plan,
    plan_from_table,
)
from labelqc.intake.sampling_tables import MASTER_TABLE

# MIL-STD-105E Table I as printed (levels S-1 S-2 S-3 S-4 I II III), one row per lot range.
TABLE_I = [
    ((2, 8), "AAAAAAB"),
    ((9, 15), "AAAAABC"),
    ((16, 25), "AABBBCD"),
    ((26, 50), "ABBCCDE"),
    ((51, 90), "BBCCCEF"),
    ((91, 150), "BBCDDFG"),
    ((151, 280), "BCDEEGH"),
    ((281, 500), "BCDEFHJ"),
    ((501, 1200), "CCEFGJK"),
    ((1201, 3200), "CDEGHKL"),
    ((3201, 10000), "CDFGJLM"),
    ((10001, 35000), "CDFHKMN"),
    ((35001, 150000), "DEGJLNP"),
    ((150001, 500000), "DEGJMPQ"),
    ((500001, 10**9), "DEHKNQR"),
]
LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# General level II, normal inspection, AQL 0.65 ... 15: the rejection number Re of the plan
# printed in each cell, or the arrow ("v" below, "^" above).  Source: NIBS FMOC "AC-TABLE"
# (http://www.nibs.org/FMOC/DPW_AC/AC-TABLE.ASC), Table 1-A, "developed from MIL-STD-105E
# using TABLE I ... and TABLE II-A"; its arrow shafts ("||") are read as the arrow they belong
# to.  Independent of the transcription in labelqc.intake.sampling_tables.
LEVEL_II_AQLS = (0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0, 15.0)
LEVEL_II_REJECTION = {
    "A": "v v v v v 1 ^ v",
    "B": "v v v v 1 ^ v 2",
    "C": "v v v 1 ^ v 2 3",
    "D": "v v 1 ^ v 2 3 4",
    "E": "v 1 ^ v 2 3 4 6",
    "F": "1 ^ v 2 3 4 6 8",
    "G": "^ v 2 3 4 6 8 11",
    "H": "v 2 3 4 6 8 11 15",
    "J": "2 3 4 6 8 11 15 22",
    "K": "3 4 6 8 11 15 22 ^",
    "L": "4 6 8 11 15 22 ^ ^",
    "M": "6 8 11 15 22 ^ ^ ^",
    "N": "8 11 15 22 ^ ^ ^ ^",
    "P": "11 15 22 ^ ^ ^ ^ ^",
    "Q": "15 22 ^ ^ ^ ^ ^ ^",
}

# The Ac/Re pairs of each row of MIL-STD-105E Table II-A from left to right (arrows left out),
# as in the text of the standard (MIL-STD-105E, page 19 of 74).
ROW_PLANS = {
    "A": "0 1 2 3 5 7 10 14 21 30",
    "B": "0 1 2 3 5 7 10 14 21 30 44",
    "C": "0 1 2 3 5 7 10 14 21 30 44",
    "D": "0 1 2 3 5 7 10 14 21 30 44",
    "E": "0 1 2 3 5 7 10 14 21 30 44",
    **{letter: "0 1 2 3 5 7 10 14 21" for letter in "FGHJKLMNPQ"},
    "R": "1 2 3 5 7 10 14 21",
}


@pytest.mark.parametrize(("lot_range", "letters"), TABLE_I)
def test_code_letters_at_both_ends_of_every_lot_range(
    lot_range: tuple[int, int], letters: str
) -> None:
    for lot_size in lot_range:
        assert "".join(code_letter(lot_size, level) for level in LEVELS) == letters


def test_sample_sizes_of_the_code_letters() -> None:
    assert [SAMPLE_SIZES[letter] for letter in CODE_LETTERS] == [
        2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000,
    ]  # fmt: skip


@pytest.mark.parametrize("letter", sorted(LEVEL_II_REJECTION))
def test_master_table_matches_the_published_level_ii_excerpt(letter: str) -> None:
    expected = LEVEL_II_REJECTION[letter].split()
    for aql, cell in zip(LEVEL_II_AQLS, expected, strict=True):
        printed = MASTER_TABLE[letter][AQL_COLUMNS.index(aql)]
        if cell in ("v", "^"):
            assert printed == cell, (letter, aql)
        else:
            assert printed == (int(cell) - 1, int(cell)), (letter, aql)


@pytest.mark.parametrize("letter", CODE_LETTERS)
def test_master_table_rows_hold_the_published_plans_in_order(letter: str) -> None:
    plans = [cell for cell in MASTER_TABLE[letter] if isinstance(cell, tuple)]
    assert [accept for accept, _ in plans] == [int(v) for v in ROW_PLANS[letter].split()]
    assert all(reject == accept + 1 for accept, reject in plans)


def test_master_table_plans_sit_on_the_diagonals_of_the_standard() -> None:
    # Sample sizes and AQLs both step by ~1.6 (R5 series), so a plan depends only on
    # row + column: Ac 0 at n * AQL ~ 0.125 and one Ac step per diagonal.
    by_diagonal: dict[int, set[object]] = {}
    for row, letter in enumerate(CODE_LETTERS):
        for column, cell in enumerate(MASTER_TABLE[letter]):
            if isinstance(cell, tuple):
                by_diagonal.setdefault(row + column, set()).add(cell)
    assert {diagonal: len(cells) for diagonal, cells in by_diagonal.items()} == {
        diagonal: 1 for diagonal in by_diagonal
    }
    assert sorted(by_diagonal) == [14, *range(17, 27)]


@pytest.mark.parametrize(
    ("lot_size", "aql", "letter", "plan_letter", "n", "ac", "re"),
    [
        (1000, 1.0, "J", "J", 80, 2, 3),  # the usual textbook case
        (1000, 0.65, "J", "J", 80, 1, 2),
        (1000, 2.5, "J", "J", 80, 5, 6),
        (1000, 4.0, "J", "J", 80, 7, 8),
        (2000, 1.0, "K", "K", 125, 3, 4),
        (500, 1.5, "H", "H", 50, 2, 3),
        (100, 6.5, "F", "F", 20, 3, 4),
        (5000, 0.4, "L", "L", 200, 2, 3),
        # Arrows: the sample size follows the plan, not the lot.
        (1000, 0.4, "J", "K", 125, 1, 2),  # down arrow
        (1000, 0.25, "J", "H", 50, 0, 1),  # up arrow
        (2000, 0.15, "K", "J", 80, 0, 1),  # up arrow: a smaller sample than the lot's letter
        (150, 0.1, "F", "K", 125, 0, 1),  # long down arrow, from F to K
        (200000, 10.0, "P", "K", 125, 21, 22),  # up arrow in the right-hand region
    ],
)
def test_table_plans_with_and_without_arrows(
    lot_size: int, aql: float, letter: str, plan_letter: str, n: int, ac: int, re: int
) -> None:
    plan = plan_from_table(lot_size, aql)
    assert (plan.code_letter, plan.plan_letter) == (letter, plan_letter)
    assert (plan.sample_size, plan.accept_number, plan.reject_number) == (n, ac, re)
    assert not plan.full_inspection


def test_sample_reaching_the_lot_means_inspecting_every_item() -> None:
    plan = plan_from_table(100, 0.1)  # the arrow leads to n = 125 > 100
    assert plan.sample_size == 100
    assert plan.full_inspection
    assert (plan.accept_number, plan.reject_number) == (0, 1)
    assert "inspect all" in (plan.note or "")


def test_arrows_leading_off_the_table_take_the_other_direction() -> None:
    top = master_table_plan("A", 10.0)
    assert (top.arrow, top.plan_letter, top.accept_number) == ("^", "C", 1)
    assert top.note is not None
    bottom = master_table_plan("R", 0.015)
    assert (bottom.arrow, bottom.plan_letter, bottom.accept_number) == ("v", "P", 0)
    assert bottom.note is not None


def test_every_cell_resolves_to_a_plan_in_its_own_column() -> None:
    for letter in CODE_LETTERS:
        for aql in AQL_COLUMNS:
            plan = master_table_plan(letter, aql)
            cell = MASTER_TABLE[plan.plan_letter][AQL_COLUMNS.index(aql)]
            assert cell == (plan.accept_number, plan.reject_number)


def test_bad_table_inputs_name_the_field() -> None:
    with pytest.raises(IntakeInputError, match="aql"):
        plan_from_table(1000, 0.3)
    with pytest.raises(IntakeInputError, match="lot_size"):
        plan_from_table(1, 1.0)
    with pytest.raises(IntakeInputError, match="level"):
        code_letter(1000, "IV")
    with pytest.raises(IntakeInputError, match="code_letter"):
        master_table_plan("I", 1.0)
