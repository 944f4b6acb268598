"""Writing merged import records: one batch at a time, in a couple of queries and bulk statements.

Companies are matched by domain or name (or created), existing contacts are read once per batch,
new ones inserted with one statement, changed ones updated with one executemany, and each created or
changed contact gets one `contact.imported` entry on its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.activity.services import activities_record_bulk
from leadline.contacts.freemail import work_domain
from leadline.contacts.models import Company, Contact, LifecycleStage, Source

if TYPE_CHECKING:
    from collections.abc import Iterable

    from leadline.accounts.models import User

# Fields that describe how someone first found us: an import fills them but never rewrites them.
FIRST_TOUCH_FIELDS = ("original_source", "original_source_detail")


@dataclass
class ContactRecord:
    """Everything an import file says about one email address, merged over all its rows."""

    email: str
    rows: list[int]
    fields: dict[str, Any]
    properties: dict[str, Any]
    owner: User | None = None
    company_name: str = ""
    company_domain: str = ""

    def merge(self, later: ContactRecord) -> None:
        """Later rows of the same person update what earlier rows said; their empty cells change nothing."""
        self.rows.extend(later.rows)
        self.fields.update(later.fields)
        self.properties.update(later.properties)
        if later.owner is not None:
            self.owner = later.owner
        if later.company_name or later.company_domain:
            self.company_name = later.company_name
            self.company_domain = later.company_domain


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _name_from_domain(domain: str) -> str:
    return domain.split(".")[0].replace("-", " ").title()


@dataclass(frozen=True)
class _CompanyWant:
    """Which company a record belongs to: by `domain`, or by `name` (then by the domain of the
    person's work address, which a company created here also takes)."""

    domain: str
    name: str
    email_domain: str = ""


class _Companies:
    """Finds companies by domain or name for a batch in a couple of queries; creates the missing ones."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.by_domain: dict[str, Company] = {}
        self.by_name: dict[str, Company] = {}
        self.resolved: dict[_CompanyWant, Company] = {}
        self.created = 0

    @staticmethod
    def wanted(record: ContactRecord, *, is_new: bool) -> _CompanyWant | None:
        """The company the record asks for; None to leave the contact's company as it is."""
        if record.company_domain:
            name = record.company_name or _name_from_domain(record.company_domain)
            return _CompanyWant(record.company_domain, name)
        if record.company_name:
            return _CompanyWant("", record.company_name, work_domain(record.email))
        if is_new:
            # As when a contact is added by hand: a work address brings its company along.
            domain = work_domain(record.email)
            if domain:
                return _CompanyWant(domain, _name_from_domain(domain))
        return None

    def resolve(self, wants: Iterable[_CompanyWant]) -> None:
        pending = [want for want in dict.fromkeys(wants) if want not in self.resolved]
        domains = {want.domain or want.email_domain for want in pending} - {""} - set(self.by_domain)
        if domains:
            for found in Company.objects.filter(domain__in=domains):
                self.by_domain[found.domain or ""] = found
        names = {want.name.lower() for want in pending if not want.domain} - set(self.by_name)
        if names:
            matches = Company.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=names)
            for match in matches.order_by("id"):
                self.by_name.setdefault(match.name.lower(), match)
        planned: list[Company] = []
        for want in pending:
            company: Company | None
            if want.domain:
                company = self.by_domain.get(want.domain)
                if company is None:
                    company = self.by_domain[want.domain] = Company(name=want.name[:255], domain=want.domain)
                    planned.append(company)
            else:
                company = self.by_name.get(want.name.lower()) or self.by_domain.get(want.email_domain or "-")
                if company is None:
                    company = Company(name=want.name[:255], domain=want.email_domain or None)
                    planned.append(company)
                    if want.email_domain:
                        self.by_domain[want.email_domain] = company
                self.by_name.setdefault(want.name.lower(), company)
            self.resolved[want] = company
        if planned and not self.dry_run:
            self._create(planned)
        self.created += len(planned)

    @staticmethod
    def _create(companies: list[Company]) -> None:
        try:
            with transaction.atomic():
                Company.objects.bulk_create(companies)
        except IntegrityError:
            # Someone else created one of these domains meanwhile: adopt theirs, create the rest.
            for company in companies:
                existing = Company.objects.filter(domain=company.domain).first() if company.domain else None
                if existing is not None:
                    company.pk, company.public_id, company.name = (
                        existing.pk,
                        existing.public_id,
                        existing.name,
                    )
                    company._state.adding = False
                else:
                    company.save()

    def get(self, want: _CompanyWant) -> Company:
        return self.resolved[want]


def _display(value: Any) -> Any:
    """A JSON-friendly form of a changed value for the timeline (companies and users by name/email)."""
    if isinstance(value, Company):
        return value.name
    if isinstance(value, models.Model):
        return getattr(value, "email", str(value))
    return value


class ContactWriter:
    """Writes batches of records (or, in a dry run, only counts what writing them would do)."""

    def __init__(self, *, actor: Any, dry_run: bool, default_owner: User | None, file_name: str) -> None:
        self.actor = actor if getattr(actor, "pk", None) else None
        self.dry_run = dry_run
        self.default_owner = default_owner
        self.file_name = file_name
        self.counts = WriteCounts()
        self.companies = _Companies(dry_run=dry_run)
        # The contacts of the last batch written (created, updated or unchanged), by primary key.
        self.batch_contact_ids: list[int] = []

    @property
    def companies_created(self) -> int:
        return self.companies.created

    def write(self, records: list[ContactRecord]) -> None:
        for attempt in (1, 2):
            self.batch_contact_ids = []
            counts = (self.counts.created, self.counts.updated, self.counts.unchanged)
            companies_created = self.companies.created
            try:
                if self.dry_run:
                    self._write(records)
                else:
                    with transaction.atomic():
                        self._write(records)
                return
            except IntegrityError:
                # A contact with one of these emails was created meanwhile: read the batch again.
                self.counts.created, self.counts.updated, self.counts.unchanged = counts
                self.companies = _Companies(dry_run=self.dry_run)
                self.companies.created = companies_created
                if attempt == 2:
                    raise

    def _write(self, records: list[ContactRecord]) -> None:
        now = timezone.now()
        existing = {
            contact.email: contact
            for contact in Contact.objects.select_related("owner", "company").filter(
                email__in=[record.email for record in records]
            )
        }
        wants = {
            record.email: self.companies.wanted(record, is_new=record.email not in existing)
            for record in records
        }
        self.companies.resolve(want for want in wants.values() if want is not None)

        to_create: list[dict[str, Any]] = []
        to_update: list[tuple[Contact, tuple[str, ...]]] = []
        activities: list[Activity] = []
        activity_contacts: list[Contact | dict[str, Any]] = []
        for record in records:
            want = wants[record.email]
            company = self.companies.get(want) if want is not None else None
            contact = existing.get(record.email)
            if contact is None:
                row = self._new_contact(record, company, now)
                to_create.append(row)
                activities.append(self._activity(record, now, created=True, changes={}))
                activity_contacts.append(row)
                continue
            self.batch_contact_ids.append(contact.pk)
            changes = self._apply(contact, record, company)
            if not changes:
                self.counts.unchanged += 1
                continue
            contact.updated_at = now
            contact.last_activity_at = now
            changed = tuple(sorted(name for name in changes if "." not in name))
            to_update.append((contact, (*changed, "updated_at", "last_activity_at")))
            activities.append(self._activity(record, now, created=False, changes=changes))
            activity_contacts.append(contact)
        self.counts.created += len(to_create)
        self.counts.updated += len(to_update)
        if self.dry_run:
            return
        if to_create:
            _insert_contacts(to_create)
            self.batch_contact_ids.extend(row["id"] for row in to_create)
        if to_update:
            _update_rows(Contact, to_update)
        for activity, target in zip(activities, activity_contacts, strict=True):
            # New contacts' primary keys were only assigned by the insert above.
            if isinstance(target, dict):
                activity.contact_id, activity.company_id = target["id"], target["company_id"]
            else:
                activity.contact_id, activity.company_id = target.pk, target.company_id
        activities_record_bulk(activities)

    def _new_contact(self, record: ContactRecord, company: Company | None, now: Any) -> dict[str, Any]:
        """The new contact's column values by attribute name (cheaper than a model instance)."""
        owner = record.owner or self.default_owner
        row = _new_contact_row(now)
        row.update(record.fields)
        row["email"] = record.email
        row["properties"] = dict(record.properties)
        row["company_id"] = company.pk if company is not None else None
        row["owner_id"] = owner.pk if owner is not None else None
        row["last_activity_at"] = now
        if not row["original_source"]:
            row["original_source"] = Source.IMPORT
        return row

    def _apply(
        self, contact: Contact, record: ContactRecord, company: Company | None
    ) -> dict[str, list[Any]]:
        """Set the record's values on an existing contact; returns {field: [before, after]}."""
        changes: dict[str, list[Any]] = {}
        for name, value in record.fields.items():
            current = getattr(contact, name)
            if current == value:
                continue
            if name in FIRST_TOUCH_FIELDS and current:
                continue
            if name == "lifecycle_stage" and LifecycleStage.rank(value) <= LifecycleStage.rank(current):
                continue  # a stale file must not move a customer back to lead
            changes[name] = [current, value]
            setattr(contact, name, value)
        if company is not None and (contact.company_id is None or contact.company_id != company.pk):
            changes["company"] = [_display(contact.company), company.name]
            contact.company = company
        if record.owner is not None and contact.owner_id != record.owner.pk:
            changes["owner"] = [_display(contact.owner), record.owner.email]
            contact.owner = record.owner
        if record.properties:
            current_properties = contact.properties or {}
            merged = {**current_properties, **record.properties}
            if merged != current_properties:
                for key, value in record.properties.items():
                    if current_properties.get(key) != value:
                        changes[f"properties.{key}"] = [current_properties.get(key), value]
                contact.properties = merged
                changes.setdefault("properties", [])
        return changes

    def _activity(
        self, record: ContactRecord, now: Any, *, created: bool, changes: dict[str, list[Any]]
    ) -> Activity:
        shown = {name: value for name, value in changes.items() if name != "properties"}
        title = f"Imported from {self.file_name}" if created else f"Updated by import of {self.file_name}"
        return Activity(
            kind=Kind.CONTACT_IMPORTED,
            actor=self.actor,
            occurred_at=now,
            title=title[:300],
            data={
                "via": "import",
                "file": self.file_name[:200],
                "created": created,
                "rows": record.rows[:20],
                "changes": {
                    name: [_display(before), _display(after)] for name, (before, after) in shown.items()
                },
            },
        )


# Field types whose Python value is already what the database driver takes.
_PASS_THROUGH_TYPES = {"CharField", "IntegerField", "ForeignKey"}


def _contact_columns() -> list[Any]:
    return [field for field in Contact._meta.concrete_fields if not field.primary_key]


@cache
def _contact_defaults() -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Column defaults of a new contact: fixed values, and the fields whose default is computed."""
    fixed: dict[str, Any] = {}
    computed = []
    for field in _contact_columns():
        if field.has_default() and callable(field.default):
            computed.append(field)
        else:
            fixed[field.attname] = field.get_default() if field.has_default() or not field.null else None
    return fixed, tuple(computed)


def _new_contact_row(now: Any) -> dict[str, Any]:
    """Every column of a new contact at its default, as Contact() would set them."""
    fixed, computed = _contact_defaults()
    row = dict(fixed)
    for field in computed:
        row[field.attname] = field.get_default()
    row["created_at"] = row["updated_at"] = now
    return row


def _insert_contacts(rows: list[dict[str, Any]]) -> None:
    """Insert new contacts with one executemany and read their primary keys back by email.

    Each value goes through its field's own conversion, as with bulk_create, but without building a
    model instance and compiling a placeholder per cell, which is most of the cost of a large import.
    """
    connection = connections[router.db_for_write(Contact)]
    quote = connection.ops.quote_name
    fields = _contact_columns()
    converted = [(field, field.get_internal_type() not in _PASS_THROUGH_TYPES) for field in fields]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's metadata, values travel as parameters.
    sql = f"INSERT INTO {quote(Contact._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    parameters = [
        [
            field.get_db_prep_save(row[field.attname], connection) if convert else row[field.attname]
            for field, convert in converted
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, parameters)
    emails = [row["email"] for row in rows]
    ids = dict(Contact.objects.filter(email__in=emails).values_list("email", "id"))
    for row in rows:
        row["id"] = ids[row["email"]]


def _update_rows(model: type[models.Model], changes: list[tuple[Any, tuple[str, ...]]]) -> None:
    """Save the changed fields of many objects: one UPDATE per object, grouped by which fields changed
    and sent with executemany. (bulk_update builds CASE expressions that grow with the batch squared.)"""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    by_name = {field.name: field for field in model._meta.concrete_fields}
    groups: dict[tuple[str, ...], list[Any]] = {}
    for instance, names in changes:
        groups.setdefault(names, []).append(instance)
    with connection.cursor() as cursor:
        for names, instances in groups.items():
            fields = [by_name[name] for name in names]
            assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
            table, key = quote(model._meta.db_table), quote(str(model._meta.pk.column))
            sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - identifiers from metadata
            cursor.executemany(
                sql,
                [
                    [
                        *(
                            field.get_db_prep_save(getattr(instance, field.attname), connection)
                            for field in fields
                        ),
                        instance.pk,
                    ]
                    for instance in instances
                ],
            )
