"""The OpenAPI schema states the input rules the server enforces, so a request the schema calls
valid is not a 400 (schemathesis' positive_data_acceptance check). Each rule is asserted in the
schema, checked to refuse the request the server refuses, and that request is a 400 naming the
field."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from apps.analytics.flags import RULE_NAMES
from apps.costs.defaults import cost_defaults
from apps.costs.models import CostReport
from apps.costs.services.tables import TABLE_NAMES
from apps.projects.serializers import HEX_COLOR
from labelqc.cost import RATE_UNITS
from labelqc.intake import ScreeningThresholds
from labelqc.intake.sampling_tables import AQL_COLUMNS

pytestmark = pytest.mark.django_db

IOU = {"minimum": 0, "exclusiveMinimum": True, "maximum": 1}
CARD = {"vendor": "Acme", "rate_unit": "label", "rate_amount": 0.2}
SEGMENT = {"n_items": 1000, "rate_unit": "label", "rate_amount": 0.3, "defect_rate": 0.05}
RULE = {
    "when": {"fact": "n_objects", "op": ">", "value": 3},
    "then": [{"action": "set_priority", "value": 5}],
}


@pytest.fixture
def spec(lead_client) -> dict[str, Any]:
    response = lead_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def resolved(spec: dict[str, Any], schema: Any) -> Any:
    """``schema`` with every local $ref replaced by its component (none of these recurse)."""
    if isinstance(schema, list):
        return [resolved(spec, item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return resolved(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return {key: resolved(spec, value) for key, value in schema.items()}


def body(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The JSON request body schema of an operation, references resolved."""
    content = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    return resolved(spec, content["schema"])


def enum_of(schema: dict[str, Any]) -> list[Any] | None:
    """The enum of a property, inline or behind drf-spectacular's allOf wrapper of a $ref."""
    return schema.get("enum") or next(
        (part["enum"] for part in schema.get("allOf", []) if "enum" in part), None
    )


def accepts(schema: dict[str, Any], value: Any) -> bool:
    return OAS30Validator(schema).is_valid(value)


def refused(response, field: str, message: str | None = None) -> list[str]:
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    if message is not None:
        assert message in errors[field], errors
    return errors[field]


# 1. thresholds that must be > 0


@pytest.mark.parametrize(
    ("path", "method", "field", "nullable"),
    [
        ("/api/projects/", "post", "default_iou_threshold", False),
        ("/api/projects/{project_id}/", "patch", "default_iou_threshold", False),
        ("/api/projects/{project_id}/classes/", "post", "iou_threshold", True),
        ("/api/classes/{class_id}/", "patch", "iou_threshold", True),
        ("/api/projects/{project_id}/slas/classes/", "post", "iou_threshold", True),
    ],
)
def test_iou_thresholds_exclude_zero_in_the_schema(spec, path, method, field, nullable):
    schema = body(spec, path, method)["properties"][field]
    assert {key: schema.get(key) for key in IOU} == IOU
    assert schema.get("nullable", False) is nullable
    assert not accepts(schema, 0) and accepts(schema, 1) and accepts(schema, 0.5)


def test_iou_threshold_of_zero_is_a_400_naming_the_field(project, lead_client):
    greater = "must be greater than 0"
    changed = lead_client.patch(
        f"/api/projects/{project.pk}/", {"default_iou_threshold": 0}, format="json"
    )
    refused(changed, "default_iou_threshold", greater)
    url = f"/api/projects/{project.pk}/classes/"
    refused(lead_client.post(url, {"name": "bike", "iou_threshold": 0}), "iou_threshold", greater)
    car = project.classes.get(name="car")
    sla = {"label_class": car.pk, "iou_threshold": 0}
    response = lead_client.post(f"/api/projects/{project.pk}/slas/classes/", sla, format="json")
    refused(response, "iou_threshold", greater)


def test_rate_card_batch_size_excludes_zero(spec, project, lead_client):
    schema = body(spec, "/api/projects/{project_id}/costs/rate-cards/", "post")
    batch_size = schema["properties"]["batch_size"]
    assert batch_size["minimum"] == 0 and batch_size["exclusiveMinimum"] is True
    assert not accepts(schema, {**CARD, "batch_size": 0})
    url = f"/api/projects/{project.pk}/costs/rate-cards/"
    refused(lead_client.post(url, {**CARD, "batch_size": 0}, format="json"), "batch_size")


# 2. label class colour


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/projects/{project_id}/classes/", "post"), ("/api/classes/{class_id}/", "patch")],
)
def test_colour_pattern_is_in_the_schema(spec, path, method):
    color = body(spec, path, method)["properties"]["color"]
    assert color["pattern"] == HEX_COLOR.pattern
    assert not accepts(color, "red") and accepts(color, "#1f77b4")


def test_colour_keeps_its_message(project, lead_client):
    url = f"/api/projects/{project.pk}/classes/"
    response = lead_client.post(url, {"name": "bike", "color": "red"})
    assert refused(response, "color") == ["must be a hex colour like #1f77b4"]
    created = lead_client.post(url, {"name": "bike", "color": "#1f77b4"})
    assert created.status_code == 201 and created.json()["color"] == "#1f77b4"


# 3. lists that may not be empty


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/projects/{project_id}/annotations/", "annotations"),
        ("/api/projects/{project_id}/annotations/imports/", "annotations"),
        ("/api/batches/{batch_id}/items/", "item_ids"),
        ("/api/projects/{project_id}/exports/", "sources"),
    ],
)
def test_non_empty_lists_have_min_items(spec, path, field):
    schema = body(spec, path, "post")["properties"][field]
    assert schema["minItems"] == 1
    assert not accepts(schema, [])


def test_empty_lists_are_400s_naming_the_field(project, lead_client):
    empty = "This list may not be empty."
    for url in (
        f"/api/projects/{project.pk}/annotations/",
        f"/api/projects/{project.pk}/annotations/imports/",
    ):
        response = lead_client.post(url, {"annotations": []}, format="json")
        assert refused(response, "annotations") == [empty]
    batch = lead_client.post(f"/api/projects/{project.pk}/batches/", {"name": "b1"}).json()
    response = lead_client.post(
        f"/api/batches/{batch['id']}/items/", {"item_ids": []}, format="json"
    )
    assert refused(response, "item_ids") == [empty]


# 4. the cost report CSV table


def test_csv_table_is_an_enum_of_the_table_names(spec, project, lead_client):
    operation = spec["paths"]["/api/cost-reports/{cost_report_id}/csv/"]["get"]
    (table,) = [p for p in operation["parameters"] if p["name"] == "table"]
    assert table["in"] == "query" and table["required"] is True
    assert enum_of(table["schema"]) == list(TABLE_NAMES)
    assert not accepts(table["schema"], "")
    report = CostReport.objects.create(project=project)
    refused(lead_client.get(f"/api/cost-reports/{report.pk}/csv/?table="), "table")
    refused(lead_client.get(f"/api/cost-reports/{report.pk}/csv/?table=totals"), "table")


# 5. the sampling plan's AQL


def test_table_plans_take_only_preferred_aqls(spec, project, lead_client):
    schema = body(spec, "/api/projects/{project_id}/sampling-plan/", "put")
    table, risks = schema["oneOf"]
    assert enum_of(table["properties"]["aql"]) == list(AQL_COLUMNS)
    assert enum_of(risks["properties"]["aql"]) is None
    assert set(risks["required"]) >= {"method", "aql", "ltpd"}
    url = f"/api/projects/{project.pk}/sampling-plan/"
    for plan in ({"aql": 0.3}, {"method": "table", "aql": 0.3}):
        assert not accepts(schema, plan)
        response = lead_client.put(url, plan, format="json")
        assert "is not a preferred AQL" in refused(response, "aql")[0]
    for plan in ({"aql": 1}, {"method": "risks", "aql": 0.3, "ltpd": 5.0}):
        assert accepts(schema, plan)
        assert lead_client.put(url, plan, format="json").status_code == 200
    no_ltpd = {"method": "risks", "aql": 0.3}
    assert not accepts(schema, no_ltpd)
    refused(lead_client.put(url, no_ltpd, format="json"), "ltpd")
    for field in ("aql", "ltpd", "producer_risk", "consumer_risk"):
        assert risks["properties"][field]["exclusiveMinimum"] is True
        zero = {"method": "risks", "aql": 0.3, "ltpd": 5.0, field: 0}
        assert not accepts(schema, zero)
        refused(lead_client.put(url, zero, format="json"), field)


# 6. objects with a fixed set of keys


def test_fault_rules_list_the_known_rules(spec, project, lead_client):
    rules = body(spec, "/api/projects/{project_id}/fault-flags/", "post")["properties"]["rules"]
    assert rules["additionalProperties"] is False
    assert list(rules["properties"]) == list(RULE_NAMES)
    size_bias = rules["properties"]["size_bias"]
    assert size_bias["additionalProperties"] is False
    assert size_bias["properties"]["band"] == {"type": "number"}
    assert size_bias["properties"]["min_pairs"] == {"type": "integer"}
    assert rules["properties"]["drift"]["properties"]["window"] == {"type": "string"}
    assert rules["properties"]["check_every_items"] == {"type": "integer"}
    url = f"/api/projects/{project.pk}/fault-flags/"
    for overrides, field in (
        ({"bogus": {}}, "rules.bogus"),
        ({"size_bias": {"bandwidth": 0.2}}, "rules.size_bias.bandwidth"),
    ):
        assert not accepts(rules, overrides)
        refused(lead_client.post(url, {"rules": overrides}, format="json"), field)


def test_screening_thresholds_list_the_known_thresholds(spec, project, lead_client):
    path = "/api/projects/{project_id}/screening-settings/"
    thresholds = body(spec, path, "put")["properties"]["thresholds"]
    assert thresholds["additionalProperties"] is False
    assert list(thresholds["properties"]) == [f.name for f in fields(ScreeningThresholds)]
    assert thresholds["properties"]["max_dark_share"] == {"type": "number"}
    assert thresholds["properties"]["max_hamming_distance"] == {"type": "integer"}
    assert not accepts(thresholds, {"bogus": 1})
    url = f"/api/projects/{project.pk}/screening-settings/"
    response = lead_client.put(url, {"thresholds": {"bogus": 1}}, format="json")
    refused(response, "thresholds.bogus")
    good = lead_client.put(url, {"thresholds": {"min_side": 32}}, format="json")
    assert good.status_code == 200, good.content


# 7. JSON bodies that may not be null


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/projects/{project_id}/costs/scenarios/", "post"),
        ("/api/cost-scenarios/{scenario_id}/", "patch"),
    ],
)
def test_segments_are_a_non_null_list_of_segments(spec, path, method):
    segments = body(spec, path, method)["properties"]["segments"]
    assert segments["type"] == "array" and "nullable" not in segments
    assert segments["minItems"] == 1
    item = segments["items"]
    assert item["type"] == "object" and item["additionalProperties"] is False
    assert set(item["required"]) == {"n_items", "rate_unit", "rate_amount", "defect_rate"}
    assert accepts(segments, [SEGMENT])
    assert item["properties"]["rate_unit"]["enum"] == list(RATE_UNITS)
    for bad in (
        None,
        [],
        "crowd",
        [None],
        [{**SEGMENT, "defect_rte": 0.1}],
        [{"n_items": 5}],
        [{**SEGMENT, "rate_unit": ""}],
    ):
        assert not accepts(segments, bad), bad


def test_null_segments_are_400s_naming_the_field(project, lead_client):
    url = f"/api/projects/{project.pk}/costs/scenarios/"
    null = {"name": "plan", "segments": None}
    refused(lead_client.post(url, null, format="json"), "segments", "This field may not be null.")
    created = lead_client.post(url, {"name": "plan", "segments": [SEGMENT]}, format="json")
    assert created.status_code == 201, created.content
    patch = lead_client.patch(
        f"/api/cost-scenarios/{created.json()['id']}/", {"segments": None}, format="json"
    )
    refused(patch, "segments", "This field may not be null.")
    no_unit = {"name": "other", "segments": [{**SEGMENT, "rate_unit": ""}]}
    refused(lead_client.post(url, no_unit, format="json"), "segments[0].rate_unit")


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/projects/{project_id}/escalation-rules/", "post"),
        ("/api/escalation-rules/{rule_id}/", "patch"),
    ],
)
def test_rule_definitions_are_non_null_objects(spec, path, method):
    definition = body(spec, path, method)["properties"]["definition"]
    assert definition["type"] == "object" and "nullable" not in definition
    assert definition["additionalProperties"] is False
    assert set(definition["required"]) == {"when", "then"}
    assert accepts(definition, RULE)
    sla_of_zero = {**RULE, "then": [{"action": "set_sla", "hours": 0}]}
    for bad in (None, "rule", {}, {**RULE, "then": []}, sla_of_zero):
        assert not accepts(definition, bad), bad


def test_null_definitions_are_400s_naming_the_field(project, lead_client):
    url = f"/api/projects/{project.pk}/escalation-rules/"
    refused(lead_client.post(url, {"name": "r", "definition": None}, format="json"), "definition")
    rule = lead_client.post(url, {"name": "r", "definition": RULE}, format="json")
    assert rule.status_code == 201, rule.content
    detail = f"/api/escalation-rules/{rule.json()['id']}/"
    refused(lead_client.patch(detail, {"definition": None}, format="json"), "definition")
    sla_of_zero = {**RULE, "then": [{"action": "set_sla", "hours": 0}]}
    response = lead_client.patch(detail, {"definition": sla_of_zero}, format="json")
    refused(response, "definition.then[0].hours", "must be > 0")


def test_dry_run_rules_are_objects_with_object_definitions(spec, project, lead_client):
    path = "/api/projects/{project_id}/escalation-rules/dry-run/"
    rules = body(spec, path, "post")["properties"]["rules"]
    assert rules["items"]["type"] == "object"
    assert rules["items"]["properties"]["definition"]["type"] == "object"
    url = f"/api/projects/{project.pk}/escalation-rules/dry-run/"
    for bad in (["null"], [{"name": "a", "definition": None}]):
        assert not accepts(rules, bad)
        refused(lead_client.post(url, {"rules": bad}, format="json"), "rules")


# 7b. a rate card's cost assumptions: null means "the default", on create and on PATCH


def test_null_cost_assumption_on_patch_restores_the_default(spec, project, lead_client):
    defaults = cost_defaults().rate_card
    patched = body(spec, "/api/cost-rate-cards/{rate_card_id}/", "patch")["properties"]
    assert all(patched[name]["nullable"] is True for name in defaults)
    url = f"/api/projects/{project.pk}/costs/rate-cards/"
    card = lead_client.post(url, {**CARD, "correction_effort": None}, format="json")
    assert (
        card.status_code == 201
        and card.json()["correction_effort"] == defaults["correction_effort"]
    )
    detail = f"/api/cost-rate-cards/{card.json()['id']}/"
    changed = {"correction_effort": 0.5, "batch_size": 50, "engineering_cost_per_batch": 10}
    assert lead_client.patch(detail, changed, format="json").json()["correction_effort"] == 0.5
    cleared = lead_client.patch(detail, dict.fromkeys(defaults), format="json")
    assert cleared.status_code == 200, cleared.content
    assert {name: cleared.json()[name] for name in defaults} == defaults
    # reviewer_rate_amount keeps its own meaning: null is "no reviewer rate"
    reviewer = {"reviewer_rate_unit": None, "reviewer_rate_amount": None}
    assert lead_client.patch(detail, reviewer, format="json").status_code == 200
    lone = lead_client.patch(detail, {"reviewer_rate_amount": 0.1}, format="json")
    refused(lone, "reviewer_rate_unit")
