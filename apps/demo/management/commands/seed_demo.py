from django.core.management.base import BaseCommand

from apps.demo.services import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo project (idempotent): photographs, ground truth, simulated annotators."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="delete and rebuild the demo project"
        )
        parser.add_argument(
            "--items", type=int, default=None, help="number of items (default: demo size)"
        )

    def handle(self, *args, reset: bool, items: int | None, **options) -> None:
        project = seed_demo(reset=reset, n_items=items)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo project #{project.pk} '{project.name}': {project.items.count()} items, "
                f"{project.annotations.count()} annotations. Login: admin / {DEMO_PASSWORD}"
            )
        )
