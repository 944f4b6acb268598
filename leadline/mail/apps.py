from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "leadline.mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self) -> None:
        # django-anymail reports provider webhooks through its signals, the library's documented
        # integration point; the receivers record bounces, complaints, opens and clicks.
        from anymail.signals import inbound, tracking

        from leadline.mail import esp_events

        tracking.connect(esp_events.tracking_received, dispatch_uid="leadline.mail.esp_tracking")
        inbound.connect(esp_events.inbound_received, dispatch_uid="leadline.mail.esp_inbound")
