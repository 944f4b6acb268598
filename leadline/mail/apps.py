from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "leadline.mail"
    label = "mail"
    verbose_name = "Email"
