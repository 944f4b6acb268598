from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "leadline.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from leadline.automation import steps_scoring

        steps_scoring.register()
