"""The simulated programs' label set: shape classes that real-photo regions can be sorted into.

"round" and "oval" are the confusable pair (neighbours on one continuous axis, eccentricity);
"irregular" is the class with an ambiguous guideline (how ragged is ragged?).
"""

from __future__ import annotations

ROUND = 0
OVAL = 1
ELONGATED = 2
IRREGULAR = 3

CLASS_NAMES: dict[int, str] = {
    ROUND: "round",
    OVAL: "oval",
    ELONGATED: "elongated",
    IRREGULAR: "irregular",
}
CONFUSABLE_PAIR: tuple[int, int] = (ROUND, OVAL)
AMBIGUOUS_CLASS: int = IRREGULAR
# COCO's "small" object definition: pixel area below 32 * 32.
SMALL_AREA: float = 32.0 * 32.0
