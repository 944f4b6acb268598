from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "leadline.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self) -> None:
        from leadline.segments import tasks  # noqa: F401  (registers the periodic update)
