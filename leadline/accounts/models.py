"""People who use Leadline, the teams they sit in, invitations and API tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class UserQuerySet(AccessQuerySet["User"]):
    def visible_to(self, user: User) -> UserQuerySet:
        # Colleagues are not secret: everyone picks owners and assignees from the whole list.
        return self

    def editable_by(self, user: User) -> UserQuerySet:
        return self if user.is_admin else self.filter(pk=user.pk)

    def admins(self) -> UserQuerySet:
        return self.filter(is_active=True).filter(models.Q(role=Role.ADMIN) | models.Q(is_superuser=True))


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def for_user(self, user: Any, *, for_edit: bool = False) -> UserQuerySet:
        return self.get_queryset().for_user(user, for_edit=for_edit)

    def _create_user_object(self, username: Any, email: Any, password: Any, **extra_fields: Any) -> User:
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        user = self._create_user_object(None, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Signs in with an email address; the role decides what they may do (see core.access)."""

    username = None  # type: ignore[assignment]
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SALES)
    time_zone = models.CharField(max_length=64, default="UTC")
    is_away = models.BooleanField(default=False, help_text="Away people are skipped when leads are routed.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_admin(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_marketing(self) -> bool:
        return self.is_active and self.role == Role.MARKETING

    @property
    def is_sales(self) -> bool:
        return self.is_active and self.role == Role.SALES


class TeamQuerySet(AccessQuerySet["Team"]):
    def visible_to(self, user: User) -> TeamQuerySet:
        return self

    def editable_by(self, user: User) -> TeamQuerySet:
        return self if user.is_admin else self.none()


class Team(BaseModel):
    name = models.CharField(max_length=120, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


INVITATION_LIFETIME = timedelta(days=7)


class InvitationQuerySet(AccessQuerySet["Invitation"]):
    def visible_to(self, user: User) -> InvitationQuerySet:
        return self if user.is_admin else self.none()

    def editable_by(self, user: User) -> InvitationQuerySet:
        return self.visible_to(user)

    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(BaseModel):
    """A teammate asked to join by email; the emailed link carries a signed token of this row."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Scope(models.TextChoices):
    CONTACTS_READ = "contacts:read", "Read contacts, companies, notes and timelines"
    CONTACTS_WRITE = "contacts:write", "Create and change contacts, companies and notes"
    SETTINGS_WRITE = "settings:write", "Define custom properties"
    SALES_READ = "sales:read", "Read deals, products, orders, tasks and meetings"
    SALES_WRITE = "sales:write", "Create and change deals, orders, tasks and meetings"


class ApiTokenQuerySet(AccessQuerySet["ApiToken"]):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        """Admins see every token; everyone else only their own."""
        return self if user.is_admin else self.filter(user=user)

    def editable_by(self, user: User) -> ApiTokenQuerySet:
        return self.visible_to(user)


class ApiToken(BaseModel):
    """A bearer token for the REST API. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=16, db_index=True, help_text="Shown to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active
