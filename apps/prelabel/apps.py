from django.apps import AppConfig


class PrelabelConfig(AppConfig):
    name = "apps.prelabel"
    label = "prelabel"
    verbose_name = "Pre-labeling (SAM 2 / GrabCut)"

    def ready(self) -> None:
        from apps.jobs.dispatch import TaskSender, register_sender
        from apps.prelabel.conf import IMAGE_JOB_KIND, VIDEO_JOB_KIND

        register_sender(IMAGE_JOB_KIND, TaskSender("apps.prelabel.tasks.run_job"))
        register_sender(VIDEO_JOB_KIND, TaskSender("apps.prelabel.tasks.propagate_video"))
