"""Project roles and the role sets the API's access rules are written with."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    QA_MANAGER = "qa_manager", "QA manager"
    PROJECT_LEAD = "project_lead", "Project lead"
    FINANCE = "finance", "Finance"
    ADMIN = "admin", "Admin"


ALL_ROLES = frozenset(Role.values)
STAFF_ROLES = frozenset({Role.REVIEWER, Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN})
MANAGERS = frozenset({Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
LEADS = frozenset({Role.PROJECT_LEAD, Role.ADMIN})
LABELERS = frozenset(
    {Role.ANNOTATOR, Role.REVIEWER, Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN}
)
NON_FINANCE = ALL_ROLES - {Role.FINANCE}
# Which items are gold, and their answers: not labelers, who are scored on honeypots.
GOLD_READERS = MANAGERS
# Rates, budgets and costs: finance and those who run the program, not QA or labelers.
COST_READERS = frozenset({Role.FINANCE, Role.PROJECT_LEAD, Role.ADMIN})
