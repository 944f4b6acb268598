from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "leadline.tracking"
    label = "tracking"
    verbose_name = "Website tracking"
