"""configs/cost_defaults.yaml mirrors labelqc.cost.defaults and feeds new cards and scenarios."""

from __future__ import annotations

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from apps.costs.defaults import cost_defaults, defaults_path, load_cost_defaults
from apps.costs.services import rate_card_create, scenario_create
from labelqc.cost import defaults as pure


def test_yaml_mirrors_the_pure_defaults():
    loaded = cost_defaults()
    assert loaded.rate_card == {
        "correction_effort": pure.DEFAULT_CORRECTION_EFFORT,
        "engineering_cost_per_batch": pure.DEFAULT_ENGINEERING_COST_PER_BATCH,
        "batch_size": pure.DEFAULT_BATCH_SIZE,
        "remediation_cost_per_escape": pure.DEFAULT_REMEDIATION_COST_PER_ESCAPE,
    }
    assert loaded.assumptions == {
        "review_share": pure.DEFAULT_REVIEW_SHARE,
        "review_recall": pure.DEFAULT_REVIEW_RECALL,
    }
    assert loaded.review_cost_ratio == pure.DEFAULT_REVIEW_COST_RATIO
    assert (loaded.confidence, loaded.period) == (pure.DEFAULT_CONFIDENCE, pure.DEFAULT_PERIOD)


@pytest.fixture
def custom_defaults(tmp_path, settings):
    data = yaml.safe_load(defaults_path().read_text())

    def write(**sections):
        for section, values in sections.items():
            if isinstance(values, dict):
                data[section] = {**data[section], **values}
            else:
                data[section] = values
        path = tmp_path / f"costs-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(data))
        settings.LABELQC_COST_DEFAULTS = str(path)
        return path

    yield write
    load_cost_defaults.cache_clear()


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"rate_card": {"correction_effort": -1}}, "rate_card.correction_effort"),
        ({"rate_card": {"batch_size": 0}}, "rate_card.batch_size"),
        ({"assumptions": {"review_share": 1.5}}, "assumptions.review_share"),
        ({"assumptions": {"review_cost_ratio": 0.3}}, "assumptions.review_cost_ratio"),
        ({"forecast": {"period": "Y"}}, "forecast.period"),
        ({"forecast": {"confidence": 1.0}}, "forecast.confidence"),
        ({"currency": ""}, "currency"),
    ],
)
def test_a_bad_default_is_refused_naming_its_key(custom_defaults, sections, key):
    custom_defaults(**sections)
    with pytest.raises(ImproperlyConfigured, match=key.replace(".", r"\.")):
        cost_defaults()


@pytest.mark.django_db
def test_new_cards_and_scenarios_take_the_configured_defaults(custom_defaults, project):
    custom_defaults(
        currency="EUR",
        rate_card={"correction_effort": 0.25, "remediation_cost_per_escape": 7.0},
        assumptions={"review_share": 0.2},
    )
    card = rate_card_create(
        actor=None,
        project_id=project.pk,
        data={"vendor": "Acme", "rate_unit": "label", "rate_amount": 1.0},
    )
    assert (card.correction_effort, card.remediation_cost_per_escape) == (0.25, 7.0)
    given = rate_card_create(
        actor=None,
        project_id=project.pk,
        data={
            "vendor": "Globex",
            "rate_unit": "label",
            "rate_amount": 1.0,
            "correction_effort": 0.9,
        },
    )
    assert given.correction_effort == 0.9
    scenario = scenario_create(
        actor=None,
        project_id=project.pk,
        data={
            "name": "s",
            "segments": [
                {"n_items": 10, "rate_unit": "label", "rate_amount": 1, "defect_rate": 0.1}
            ],
        },
    )
    assert scenario.segments[0]["review_share"] == 0.2
    assert scenario.segments[0]["remediation_cost_per_escape"] == 7.0
    assert cost_defaults().currency == "EUR"
