from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "leadline.automation"
    label = "automation"
    verbose_name = "Automation"
