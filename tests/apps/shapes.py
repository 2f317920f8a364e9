"""Writing shapes straight into the tables for service tests."""

from __future__ import annotations

from django.utils import timezone

from apps.annotations.models import Annotation
from apps.items.models import Item


def add_box(
    item: Item, cls, box, *, author=None, source="human", model_id: str = "", **attributes
) -> Annotation:
    """One box annotation (x, y, w, h) on `item`; extra keywords become its attributes."""
    x, y, w, h = box
    now = timezone.now()
    return Annotation.objects.create(
        project=item.project,
        item=item,
        author=author,
        source=source,
        model_id=model_id,
        label_class=cls,
        geometry_type="box",
        geometry={"x": x, "y": y, "w": w, "h": h},
        x=x,
        y=y,
        w=w,
        h=h,
        area=w * h,
        attributes=attributes,
        created_at=now,
        updated_at=now,
    )
