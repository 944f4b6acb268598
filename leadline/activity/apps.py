from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "leadline.activity"
    label = "activity"
    verbose_name = "Activity"
