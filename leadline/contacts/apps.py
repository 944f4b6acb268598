from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "leadline.contacts"
    label = "contacts"
    verbose_name = "Contacts"
