from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.interop.management.commands._progress import ProgressBar
from apps.interop.serializers import IMPORT_FORMATS, IMPORT_SOURCES, ImportOptionsInput
from apps.interop.services.imports import import_local
from apps.projects.models import Project


class Command(BaseCommand):
    help = (
        "Import an annotation file (COCO, CVAT XML, Label Studio JSON) or dataset folder / zip "
        "(YOLO, Pascal VOC) into a project, all or nothing, as the API's import job does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file, zip or folder to import")
        parser.add_argument("--project", type=int, required=True)
        parser.add_argument("--format", required=True, choices=IMPORT_FORMATS)
        parser.add_argument("--create-missing-classes", action="store_true")
        parser.add_argument("--create-missing-annotators", action="store_true")
        parser.add_argument(
            "--match-images-by", default="file_name", choices=("file_name", "basename", "sha256")
        )
        parser.add_argument("--source", default="human", choices=IMPORT_SOURCES)
        parser.add_argument("--annotator", default="", help="name credited with unattributed work")
        parser.add_argument("--user", default=None, help="username recorded as the actor")
        parser.add_argument("--reason", default="")
        parser.add_argument(
            "--allow-duplicate",
            action="store_true",
            help="import even if this project already imported the same file (same SHA-256)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not Project.objects.filter(pk=opts["project"]).exists():
            raise CommandError(f"no project {opts['project']}")
        path = Path(opts["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        payload = ImportOptionsInput(data={k: opts[k] for k in ImportOptionsInput().fields})
        if not payload.is_valid():
            raise CommandError(str(payload.errors))
        actor = get_user_model().objects.filter(username=opts["user"]).first()
        if opts["user"] and actor is None:
            raise CommandError(f"no user {opts['user']!r}")
        bar = ProgressBar(self.stderr, disable=opts["no_progress"])
        try:
            job = import_local(
                actor=actor,
                project_id=opts["project"],
                path=path,
                options=payload.to_options(),
                progress=bar,
            )
        finally:
            bar.close()
        if job.status != "succeeded":
            lines = [
                f"{e.get('file')}: {e.get('record')}: {e.get('field')}: {e.get('message')}"
                for e in job.errors
            ]
            raise CommandError(f"import job {job.pk} {job.status}:\n" + "\n".join(lines))
        result = job.result or {}
        self.stdout.write(
            self.style.SUCCESS(
                f"import job {job.pk}: {result.get('created', 0)} annotations on "
                f"{result.get('items', 0)} items; classes created {result.get('classes_created')}"
                f", annotators created {result.get('annotators_created')}"
            )
        )
