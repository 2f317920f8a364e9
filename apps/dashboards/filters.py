"""The filters every page takes from its query string: time window, cohort, class.

Bad input is a 400 that names the field (PageInputError carries field -> messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms

from apps.common.ids import MAX_ID
from apps.projects.models import Cohort, LabelClass

FILTER_FIELDS = ("since", "until", "cohort", "label_class")


class PageInputError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


class FilterForm(forms.Form):
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    cohort = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    label_class = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    format = forms.ChoiceField(required=False, choices=[("", "html"), ("csv", "csv")])
    table = forms.SlugField(required=False, max_length=64)

    def __init__(self, *args: Any, project_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.project_id = project_id

    def clean_cohort(self) -> int | None:
        value = self.cleaned_data.get("cohort")
        if value and not Cohort.objects.filter(pk=value, project_id=self.project_id).exists():
            raise forms.ValidationError("is not a cohort of this project")
        return value

    def clean_label_class(self) -> int | None:
        value = self.cleaned_data.get("label_class")
        if value and not LabelClass.objects.filter(pk=value, project_id=self.project_id).exists():
            raise forms.ValidationError("is not a class of this project")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "must not be before since")
        if until and until >= date.max:
            # the query ends at the end of `until`, i.e. the next day, which must exist
            self.add_error("until", f"must be before {date.max.isoformat()}")
        if data.get("format") == "csv" and not data.get("table"):
            self.add_error("table", "name the table to download")
        return data


@dataclass(frozen=True)
class PageFilters:
    """Validated filters; `until` is exclusive (the end of the day the user picked)."""

    since: datetime | None = None
    until: datetime | None = None
    cohort_id: int | None = None
    class_id: int | None = None
    since_day: str = ""
    until_day: str = ""

    @property
    def active(self) -> bool:
        return any((self.since, self.until, self.cohort_id, self.class_id))

    @property
    def class_ids(self) -> list[int] | None:
        return [self.class_id] if self.class_id else None

    @property
    def cohort_ids(self) -> list[int] | None:
        return [self.cohort_id] if self.cohort_id else None

    def query(self, **extra: Any) -> str:
        """The filters as a query string (for links that keep them), plus `extra`."""
        values = {
            "since": self.since_day,
            "until": self.until_day,
            "cohort": self.cohort_id or "",
            "label_class": self.class_id or "",
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass(frozen=True)
class PageRequest:
    filters: PageFilters
    format: str
    table: str


def parse_filters(params: Any, project_id: int) -> PageRequest:
    form = FilterForm(params, project_id=project_id)
    if not form.is_valid():
        raise PageInputError({k: [str(m) for m in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    since, until = data.get("since"), data.get("until")
    filters = PageFilters(
        since=datetime.combine(since, time.min, tzinfo=UTC) if since else None,
        until=datetime.combine(until, time.min, tzinfo=UTC) + timedelta(days=1) if until else None,
        cohort_id=data.get("cohort") or None,
        class_id=data.get("label_class") or None,
        since_day=since.isoformat() if since else "",
        until_day=until.isoformat() if until else "",
    )
    return PageRequest(filters, data.get("format") or "", data.get("table") or "")
