from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "leadline.analytics"
    label = "analytics"
    verbose_name = "Analytics"
