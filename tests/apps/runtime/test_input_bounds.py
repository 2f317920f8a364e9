"""Every integer a client sends is bounded, so no number reaches a query or a write unchecked.

An unbounded IntegerField lets 10**30 through to the database (SQLite: OverflowError; both: a
500 instead of a 400 naming the field). Found by fuzzing the API with schemathesis.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from rest_framework import serializers

pytestmark = pytest.mark.django_db


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _input_serializers() -> list[type[serializers.Serializer]]:
    get_resolver().url_patterns  # imports every routed view and so every serializer  # noqa: B018
    return sorted(
        (
            cls
            for cls in _all_subclasses(serializers.Serializer)
            if cls.__module__.startswith("apps.") and not cls.__name__.endswith("Output")
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__name__}",
    )


def _unbounded(field: serializers.Field, path: str) -> list[str]:
    if field.read_only:
        return []
    if isinstance(field, serializers.IntegerField):
        return [path] if field.max_value is None or field.min_value is None else []
    if isinstance(
        field, (serializers.ListField, serializers.DictField, serializers.ListSerializer)
    ):
        return _unbounded(field.child, f"{path}[]")
    if isinstance(field, serializers.Serializer):
        return [p for name, f in field.fields.items() for p in _unbounded(f, f"{path}.{name}")]
    return []


def test_input_serializers_are_found():
    names = {cls.__name__ for cls in _input_serializers()}
    assert {"SubmitInput", "RoundInput"} <= names


def test_every_input_integer_has_both_bounds():
    unbounded = [
        path
        for cls in _input_serializers()
        for name, field in cls().fields.items()
        for path in _unbounded(field, f"{cls.__module__}.{cls.__name__}.{name}")
    ]
    assert not unbounded, "\n".join(unbounded)


HUGE = str(10**30)


@pytest.fixture
def manager_client(project, make_member, client_for):
    from apps.common.roles import Role

    return client_for(make_member(project, Role.QA_MANAGER).user)


def test_an_id_beyond_bigint_in_the_path_is_not_found(project, manager_client):
    assert manager_client.get(f"/api/projects/{HUGE}/items/").status_code == 404
    assert manager_client.get(f"/api/projects/{2**63}/items/").status_code == 404
    assert manager_client.get(f"/api/projects/{project.pk}/items/").status_code == 200


def test_an_id_beyond_bigint_in_a_filter_is_a_400_naming_it(project, manager_client):
    response = manager_client.get(f"/api/projects/{project.pk}/annotations/?annotator={HUGE}")
    assert response.status_code == 400
    assert "annotator" in response.json()


def test_an_id_beyond_bigint_in_a_body_is_a_400_naming_it(project, manager_client):
    car = project.classes.get(name="car")
    body = {"annotations": [{"item": HUGE, "label_class": car.pk, "geometry_type": "box"}]}
    response = manager_client.post(f"/api/projects/{project.pk}/annotations/", body, format="json")
    assert response.status_code == 400
    assert "item" in str(response.json())


@pytest.mark.parametrize("value", ["1335416350", "²", "-3"])
def test_gold_usage_refuses_out_of_range_days(project, manager_client, value):
    response = manager_client.get(f"/api/projects/{project.pk}/gold/usage/?stale_days={value}")
    assert response.status_code == 400
    assert "stale_days" in response.json()
