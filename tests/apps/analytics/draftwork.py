"""A tiny program over drafts: one gold item whose drafts are good (the car), wrong class (the
person drawn as a car) and spurious (background), one regular item with one draft, and two
annotators: a rubber stamp who keeps every draft and a careful one who fixes the class and
deletes the spurious box."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator, Project
from tests.apps.shapes import add_box

CAR = (10, 10, 50, 40)
PERSON = (100, 10, 40, 60)
BACKGROUND = (150, 70, 30, 20)
DETECTOR = "detector-v1"


def box(cls, xywh) -> dict:
    x, y, w, h = xywh
    return {"label_class": cls.pk, "geometry_type": "box", "geometry": dict(x=x, y=y, w=w, h=h)}


@dataclass
class DraftProgram:
    project: Project
    gold: Item
    regular: Item
    stamp: Annotator
    careful: Annotator
    clients: dict

    @property
    def url(self) -> str:
        return f"/api/projects/{self.project.pk}/draft-review/"

    def pull(self, member: Annotator) -> dict:
        response = self.clients[member.pk].post(f"/api/projects/{self.project.pk}/queue/next/")
        assert response.status_code == 200, response.content
        return response.json()

    def submit(self, member: Annotator, held: dict, shapes: list[dict]) -> None:
        response = self.clients[member.pk].post(
            f"/api/assignments/{held['id']}/submit/", {"annotations": shapes}, format="json"
        )
        assert response.status_code == 201, response.content

    def keep_the_regular_draft(self, member: Annotator) -> dict:
        held = self.pull(member)
        assert held["item"]["id"] == self.regular.pk
        car = self.project.classes.order_by("pk").first()
        self.submit(member, held, [box(car, CAR)])
        return held


def draft_program(project, make_member, client_for, n_gold: int = 1) -> DraftProgram:
    """Both annotators have done the `n_gold` gold items (their first pulls are the honeypots),
    each with the same drafts; `gold` is the first of them."""
    project.overlap = 2
    project.honeypot_initial_count = n_gold
    project.honeypot_rate = 0.0
    project.save()
    car, person = project.classes.order_by("pk")
    golds = [
        Item.objects.create(
            project=project, width=200, height=100, file_name=f"g{i}.jpg", is_gold=True
        )
        for i in range(n_gold)
    ]
    regular = Item.objects.create(project=project, width=200, height=100, file_name="r.jpg")
    for gold in golds:
        add_box(gold, car, CAR, source="gold")
        add_box(gold, person, PERSON, source="gold")
        for xywh in (CAR, PERSON, BACKGROUND):
            add_box(gold, car, xywh, source="prelabel", model_id=DETECTOR)
    add_box(regular, car, CAR, source="prelabel", model_id=DETECTOR)
    stamp = make_member(project, Role.ANNOTATOR, "stamp")
    careful = make_member(project, Role.ANNOTATOR, "careful")
    program = DraftProgram(
        project,
        golds[0],
        regular,
        stamp,
        careful,
        {m.pk: client_for(m.user) for m in (stamp, careful)},
    )
    for member, shapes in (
        (stamp, [box(car, CAR), box(car, PERSON), box(car, BACKGROUND)]),
        (careful, [box(car, CAR), box(person, PERSON)]),
    ):
        for _ in golds:
            held = program.pull(member)
            assert held["item"]["id"] in {g.pk for g in golds}
            program.submit(member, held, shapes)
    return program
