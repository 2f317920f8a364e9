from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.annotations.models import Source
from apps.interop.management.commands._progress import ProgressBar
from apps.interop.serializers import ExportInput
from apps.interop.services.exports import ANNOTATION_FORMATS, QA_FORMATS, export_local
from apps.projects.models import Project


class Command(BaseCommand):
    help = (
        "Export a project's annotations (COCO, YOLO zip, VOC zip, CVAT XML, Label Studio JSON) "
        "or its QA report (qa_json, qa_csv) to a file, with the API's filters."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", type=int, required=True)
        parser.add_argument("--format", required=True, choices=ANNOTATION_FORMATS + QA_FORMATS)
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument(
            "--source", action="append", dest="sources", choices=Source.values, default=None
        )
        parser.add_argument("--approved-only", action="store_true")
        parser.add_argument("--annotator", action="append", type=int, dest="annotators")
        parser.add_argument("--class", action="append", type=int, dest="classes")
        parser.add_argument("--created-after", default=None)
        parser.add_argument("--created-before", default=None)
        parser.add_argument("--merge-annotators", action="store_true")
        parser.add_argument("--as-boxes", action="store_true")
        parser.add_argument("--unsupported", default="error", choices=("error", "drop"))
        parser.add_argument("--user", default=None, help="username recorded as the actor")
        parser.add_argument("--reason", default="")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        project_id = opts["project"]
        if not Project.objects.filter(pk=project_id).exists():
            raise CommandError(f"no project {project_id}")
        data = {k: opts[k] for k in ExportInput().fields if opts.get(k) is not None and k in opts}
        payload = ExportInput(data=data, context={"project_id": project_id})
        if not payload.is_valid():
            raise CommandError(str(payload.errors))
        actor = get_user_model().objects.filter(username=opts["user"]).first()
        if opts["user"] and actor is None:
            raise CommandError(f"no user {opts['user']!r}")
        bar = ProgressBar(self.stderr, disable=opts["no_progress"])
        try:
            job = export_local(
                actor=actor,
                project_id=project_id,
                options=payload.to_options(),
                out=Path(opts["out"]),
                progress=bar,
            )
        finally:
            bar.close()
        if job.status != "succeeded":
            lines = [
                f"{e.get('file')}: {e.get('record')}: {e.get('field')}: {e.get('message')}"
                for e in job.errors
            ]
            raise CommandError(f"export job {job.pk} {job.status}:\n" + "\n".join(lines))
        result = job.result or {}
        self.stdout.write(
            self.style.SUCCESS(
                f"export job {job.pk}: wrote {result['bytes']} bytes to {opts['out']}"
            )
        )
