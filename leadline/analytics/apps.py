from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete


def _contact_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from leadline.analytics.paths import paths_mark_dirty

    paths_mark_dirty([instance.pk])


class AnalyticsConfig(AppConfig):
    name = "leadline.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        post_delete.connect(_contact_deleted, sender="contacts.Contact", dispatch_uid="analytics.paths")
