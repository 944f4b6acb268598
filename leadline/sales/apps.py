from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "leadline.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from leadline.sales import tasks  # noqa: F401  (registers the periodic routing and SLA timers)
