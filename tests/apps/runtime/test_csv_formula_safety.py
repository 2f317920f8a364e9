"""Every CSV the service writes quotes user text a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from apps.common.spreadsheets import FORMULA_PREFIXES, formula_safe
from apps.costs.services.tables import to_csv
from apps.dashboards.tables import Column, Table, csv_response
from apps.interop.services.exports import QA_COLUMNS, qa_csv

ATTACKS = [prefix + 'HYPERLINK("http://x")' for prefix in FORMULA_PREFIXES]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_writer_quotes_a_formula(attack):
    qa = qa_csv([{k: attack if k == "username" else 1 for k in QA_COLUMNS}]).decode()
    cost = to_csv([{"vendor": attack}])
    page = csv_response(Table("t", "t", [Column("name", "name")], [{"name": attack}]), "t.csv")
    for text in (qa, cost, page.content.decode()):
        assert "'" + attack in cells(text), text


def test_plain_values_pass_unchanged():
    assert (
        formula_safe("car") == "car" and formula_safe(-1.5) == -1.5 and formula_safe(None) is None
    )
