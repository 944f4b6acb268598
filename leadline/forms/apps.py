from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "leadline.forms"
    label = "forms"
    verbose_name = "Forms"
