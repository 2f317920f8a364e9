"""Display names of a project's classes, cohorts and members, loaded once per page."""

from __future__ import annotations

from dataclasses import dataclass

from apps.dashboards.tables import MISSING
from apps.projects.models import Annotator, Cohort, LabelClass, Project


@dataclass(frozen=True)
class ProjectNames:
    class_names: dict[int, str]
    class_colors: dict[int, str]
    class_threshold: dict[int, float]
    cohort_names: dict[int, str]
    cohort_vendor: dict[int, str]
    pseudonyms: dict[int, str]
    usernames: dict[int, str]
    annotator_cohort: dict[int, int | None]

    def class_name(self, class_id: int | None) -> str:
        return self.class_names.get(class_id, f"class {class_id}") if class_id else MISSING

    def cohort_name(self, cohort_id: int | None) -> str:
        if cohort_id is None or cohort_id < 0:
            return "no cohort"
        return self.cohort_names.get(cohort_id, f"cohort {cohort_id}")

    def pseudonym(self, annotator_id: int) -> str:
        return self.pseudonyms.get(annotator_id) or f"#{annotator_id}"

    def username(self, annotator_id: int) -> str:
        return self.usernames.get(annotator_id, "")


def project_names(project_id: int) -> ProjectNames:
    project = Project.objects.only("default_iou_threshold").get(pk=project_id)
    classes = list(
        LabelClass.objects.filter(project_id=project_id).values_list(
            "id", "name", "color", "iou_threshold"
        )
    )
    cohorts = list(Cohort.objects.filter(project_id=project_id).values_list("id", "name", "vendor"))
    members = list(
        Annotator.objects.filter(project_id=project_id).values_list(
            "id", "pseudonym", "user__username", "cohort_id"
        )
    )
    return ProjectNames(
        class_names={c[0]: c[1] for c in classes},
        class_colors={c[0]: c[2] for c in classes},
        class_threshold={
            c[0]: c[3] if c[3] is not None else project.default_iou_threshold for c in classes
        },
        cohort_names={c[0]: c[1] for c in cohorts},
        cohort_vendor={c[0]: c[2] for c in cohorts},
        pseudonyms={m[0]: m[1] for m in members},
        usernames={m[0]: m[2] for m in members},
        annotator_cohort={m[0]: m[3] for m in members},
    )
