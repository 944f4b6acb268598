from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "leadline.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self) -> None:
        from leadline.contacts.import_lists import register_list_destination
        from leadline.mail.audiences import register_audience_provider
        from leadline.segments import tasks  # noqa: F401  (registers the periodic update)
        from leadline.segments.audiences import SegmentAudiences
        from leadline.segments.import_lists import StaticListDestination

        register_list_destination(StaticListDestination())
        register_audience_provider(SegmentAudiences())
