"""factory_boy factories for the foundation's models."""

from __future__ import annotations

import factory
from django.utils import timezone

from leadline.accounts.models import Role, Team, User
from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, Contact, CustomProperty, LifecycleStage, PropertyType

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@leadline.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.SALES
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: object = None) -> None:
        if create:
            instance.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    lifecycle_stage = LifecycleStage.LEAD


class CustomPropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomProperty

    key = factory.Sequence(lambda n: f"property_{n}")
    label = factory.Sequence(lambda n: f"Property {n}")
    type = PropertyType.TEXT


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = Kind.NOTE
    occurred_at = factory.LazyFunction(timezone.now)
    contact = factory.SubFactory(ContactFactory)
    title = "Note"
    data = factory.LazyFunction(lambda: {"body": "Called, left a voicemail."})
