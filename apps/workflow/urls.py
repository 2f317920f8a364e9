from django.urls import path

from apps.workflow import apis, qualification_apis, sla_apis

urlpatterns = [
    path("projects/<id:project_id>/queue/next/", apis.QueueNextApi.as_view(), name="queue-next"),
    path(
        "assignments/<id:assignment_id>/submit/",
        apis.AssignmentSubmitApi.as_view(),
        name="assignment-submit",
    ),
    path(
        "assignments/<id:assignment_id>/release/",
        apis.AssignmentReleaseApi.as_view(),
        name="assignment-release",
    ),
    path(
        "assignments/<id:assignment_id>/image/",
        apis.AssignmentImageApi.as_view(),
        name="assignment-image",
    ),
    path("projects/<id:project_id>/me/stats/", apis.MyStatsApi.as_view(), name="my-stats"),
    path("projects/<id:project_id>/reviews/", apis.ProjectReviewsApi.as_view(), name="review-list"),
    path(
        "projects/<id:project_id>/reviews/next/", apis.ReviewNextApi.as_view(), name="review-next"
    ),
    path(
        "reviews/<id:review_id>/decision/",
        apis.ReviewDecisionApi.as_view(),
        name="review-decision",
    ),
    path(
        "projects/<id:project_id>/escalation-rules/", apis.RuleListApi.as_view(), name="rule-list"
    ),
    path(
        "projects/<id:project_id>/escalation-rules/dry-run/",
        apis.RuleDryRunApi.as_view(),
        name="rule-dry-run",
    ),
    path("escalation-rules/<id:rule_id>/", apis.RuleDetailApi.as_view(), name="rule-detail"),
    path("projects/<id:project_id>/gold/usage/", apis.GoldUsageApi.as_view(), name="gold-usage"),
    path(
        "projects/<id:project_id>/slas/queues/",
        sla_apis.QueueSlaListApi.as_view(),
        name="queue-sla-list",
    ),
    path("queue-slas/<id:sla_id>/", sla_apis.QueueSlaDetailApi.as_view(), name="queue-sla-detail"),
    path(
        "projects/<id:project_id>/slas/classes/",
        sla_apis.ClassSlaListApi.as_view(),
        name="class-sla-list",
    ),
    path(
        "class-slas/<id:class_sla_id>/",
        sla_apis.ClassSlaDetailApi.as_view(),
        name="class-sla-detail",
    ),
    path(
        "projects/<id:project_id>/slas/compliance/",
        sla_apis.ClassComplianceApi.as_view(),
        name="sla-compliance",
    ),
    path(
        "projects/<id:project_id>/slas/overdue/", sla_apis.OverdueApi.as_view(), name="sla-overdue"
    ),
    path("projects/<id:project_id>/slas/check/", sla_apis.SlaCheckApi.as_view(), name="sla-check"),
    path("projects/<id:project_id>/alerts/", sla_apis.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<id:alert_id>/resolve/", sla_apis.AlertResolveApi.as_view(), name="alert-resolve"),
    path(
        "projects/<id:project_id>/qualification/",
        qualification_apis.QualificationProgressApi.as_view(),
        name="qualification-progress",
    ),
    path(
        "annotators/<id:annotator_id>/qualification/",
        qualification_apis.QualificationDecisionApi.as_view(),
        name="annotator-qualification",
    ),
    path(
        "reviews/<id:review_id>/release/",
        apis.ReviewReleaseApi.as_view(),
        name="review-release",
    ),
]
