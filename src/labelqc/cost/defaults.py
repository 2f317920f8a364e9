"""Documented defaults of the cost model (see docs/cost-model.md for their sources).

The seed figure (DESIGN.md, "Rework economics") is that QA review adds 15-25% of direct cost
for crowd work. The defaults below reproduce its midpoint, 20%:
QA / direct = review share x (review cost of one item / direct cost of one item)
            = DEFAULT_REVIEW_SHARE x DEFAULT_REVIEW_COST_RATIO = 0.5 x 0.4 = 0.20.
The two factors are assumptions (a reviewer needs about a quarter of the drawing time and is
paid about 1.6x the annotator's effective hourly rate: 0.25 x 1.6 = 0.4); replace them with the
program's own review share, review time and reviewer rate as soon as they are known.
"""

from __future__ import annotations

# Seed range for QA review as a share of direct cost, crowd work (DESIGN.md "Rework economics").
CROWD_QA_SHARE_OF_DIRECT: tuple[float, float] = (0.15, 0.25)

# Share of labeled items that a reviewer samples in the first review pass.
DEFAULT_REVIEW_SHARE = 0.5
# Cost of one review pass of an item as a share of that item's direct annotation cost; used
# only when no reviewer rate is given.
DEFAULT_REVIEW_COST_RATIO = 0.4
# Probability that a reviewer spots a defect in an item they review (the seed's arithmetic
# assumes every defect in a reviewed item is found).
DEFAULT_REVIEW_RECALL = 1.0
# Cost of one correction (the fix, without its re-review) as a share of the item's direct cost:
# a correction is paid like the original label unless the vendor corrects for less or for free.
DEFAULT_CORRECTION_EFFORT = 1.0
# Engineering overhead (tooling, exports, guideline updates, vendor syncs) per delivered batch.
DEFAULT_ENGINEERING_COST_PER_BATCH = 0.0
DEFAULT_BATCH_SIZE = 1000.0
# Downstream cost of one defect that escapes QA: program-specific, so nothing is assumed.
DEFAULT_REMEDIATION_COST_PER_ESCAPE = 0.0

# Forecast interval: two-sided confidence level and the period the variance is measured over.
DEFAULT_CONFIDENCE = 0.90
DEFAULT_PERIOD = "W"
