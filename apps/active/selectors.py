"""Reads for active learning: the item pool, item-level labels, sample weights, SAM 2 scores.

Item-level target: the majority class among an item's trusted annotations (ties -> the lowest
class id), trusted meaning, in this order of precedence:
  1. gold annotations (gold items: the answer key),
  2. consensus annotations (written by the quality report's consensus step),
  3. human annotations whose assignment a reviewer approved (or edited and approved).
Items with none of these are unlabeled. Pre-labels are model output and never labels.

Sample weight of a label (only with `down_weight_below_gold = t`): gold and consensus labels
weigh 1; an approved human label weighs the mean, over the annotators who drew the majority
class on that item, of min(1, a / t), a being the annotator's mean gold (honeypot) accuracy;
annotators without scored honeypots weigh 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Avg, QuerySet

from apps.active.models import ActiveLearningRound
from apps.annotations.models import Annotation, Source
from apps.items.models import Item
from apps.workflow.models import Assignment, Review, ReviewStatus
from apps.workflow.services.queue import NOT_SERVABLE

UNLABELED = -1
APPROVED = (ReviewStatus.APPROVED, ReviewStatus.EDITED)


@dataclass(frozen=True)
class ItemLabels:
    """Per item id: class id (absent = unlabeled), weight, and where the label came from."""

    labels: dict[int, int]
    weights: dict[int, float]
    sources: dict[int, str]


def pool_items(*, project_id: int) -> list[Item]:
    """Every item of the project that can take part (gold items only ever as labeled ones)."""
    return list(Item.objects.filter(project_id=project_id).order_by("id"))


def unservable_item_ids(*, project_id: int) -> set[int]:
    """Items the queue does not serve: held by intake, or in a batch not yet released."""
    held = Item.objects.filter(NOT_SERVABLE, project_id=project_id)
    return set(held.values_list("pk", flat=True))


def gold_accuracy(*, project_id: int) -> dict[int, float]:
    """Mean honeypot accuracy per annotator (only annotators with scored honeypots)."""
    rows = (
        Assignment.objects.filter(project_id=project_id, is_gold=True, gold_accuracy__isnull=False)
        .values("annotator_id")
        .annotate(accuracy=Avg("gold_accuracy"))
        .values_list("annotator_id", "accuracy")
    )
    return {annotator: float(accuracy) for annotator, accuracy in rows}


def annotator_weight(accuracy: float | None, threshold: float | None) -> float:
    if threshold is None or threshold <= 0 or accuracy is None or accuracy >= threshold:
        return 1.0
    return max(accuracy, 0.0) / threshold


def _majority(classes: list[int]) -> int:
    counts = Counter(classes)
    best = max(counts.values())
    return min(cls for cls, n in counts.items() if n == best)


def item_labels(
    *, project_id: int, item_ids: list[int], down_weight_below_gold: float | None
) -> ItemLabels:
    rows = Annotation.objects.filter(
        project_id=project_id,
        item_id__in=item_ids,
        source__in=(Source.GOLD, Source.CONSENSUS, Source.HUMAN),
    ).values_list("item_id", "source", "author_id", "label_class_id")
    approved = set(
        Review.objects.filter(project_id=project_id, status__in=APPROVED).values_list(
            "assignment__item_id", "assignment__annotator_id"
        )
    )
    by_item: dict[int, dict[str, list[tuple[int | None, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item_id, source, author_id, class_id in rows:
        if source == Source.HUMAN and (item_id, author_id) not in approved:
            continue
        by_item[item_id][source].append((author_id, class_id))
    accuracy = gold_accuracy(project_id=project_id) if down_weight_below_gold is not None else {}
    labels, weights, sources = {}, {}, {}
    for item_id, per_source in by_item.items():
        for source in (Source.GOLD, Source.CONSENSUS, Source.HUMAN):
            entries = per_source.get(source)
            if not entries:
                continue
            label = _majority([class_id for _, class_id in entries])
            weight = 1.0
            if source == Source.HUMAN and down_weight_below_gold is not None:
                authors = {author for author, class_id in entries if class_id == label}
                weight = sum(
                    annotator_weight(accuracy.get(a), down_weight_below_gold) for a in authors
                ) / len(authors)
            labels[item_id], weights[item_id], sources[item_id] = label, weight, str(source)
            break
    return ItemLabels(labels, weights, sources)


def prelabel_uncertainty(*, item_ids: list[int]) -> dict[int, float]:
    """Per item, the highest combined uncertainty in [0, 1] among its SAM 2 pre-labels."""
    scores: dict[int, float] = {}
    rows = Annotation.objects.filter(item_id__in=item_ids, source=Source.PRELABEL).values_list(
        "item_id", "attributes"
    )
    for item_id, attributes in rows:
        value = (attributes or {}).get("uncertainty") if isinstance(attributes, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
            scores[item_id] = max(scores.get(item_id, 0.0), float(value))
    return scores


def rounds_of(*, project_id: int) -> QuerySet[ActiveLearningRound]:
    return ActiveLearningRound.objects.filter(project_id=project_id).order_by("-id")
