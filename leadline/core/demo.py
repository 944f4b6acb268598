"""The demo workspace: a team, companies and a few thousand contacts with half a year of history.

Seeded once (an audit entry marks it done) from a fixed seed, so every demo looks the same, and
written with bulk inserts so that it takes a few seconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadline.accounts.models import User
    from leadline.activity.models import Activity
    from leadline.contacts.models import Company, Contact

DEMO_ADMIN_EMAIL = "admin@demo.leadline.test"
DEMO_ADMIN_PASSWORD = "leadline-demo"
DEMO_PASSWORD = DEMO_ADMIN_PASSWORD  # every demo login shares it
DEMO_SEED = 20_240_601
MARKER_ACTION = "demo.seeded"
CONTACT_COUNT = 3000
COMPANY_COUNT = 60
HISTORY_DAYS = 180

MARKETER = ("maya", "Maya", "Brooks")
TEAMS = {
    "North": [("sofia", "Sofia", "Reyes"), ("liam", "Liam", "Carter")],
    "South": [("noah", "Noah", "Okafor"), ("emma", "Emma", "Lindqvist")],
}
# The funnel: many subscribers and leads, fewer qualified, some customers.
STAGE_SHARES = {
    "subscriber": 0.30,
    "lead": 0.36,
    "mql": 0.14,
    "sql": 0.07,
    "opportunity": 0.045,
    "customer": 0.07,
    "evangelist": 0.015,
}
STAGE_ORDER = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist"]
OWNED_STAGES = {"sql", "opportunity", "customer", "evangelist"}
SOURCE_WEIGHTS = {
    "organic_search": 30, "paid_search": 12, "social": 12, "paid_social": 8, "email": 10,
    "referral": 10, "direct": 8, "event": 6, "import": 4,
}  # fmt: skip
SCORE_RANGES = {
    "subscriber": (0, 20), "lead": (5, 40), "mql": (40, 70), "sql": (55, 90),
    "opportunity": (60, 95), "customer": (45, 100), "evangelist": (70, 100),
}  # fmt: skip
PLACES = [
    ("New York", "US", "America/New_York", "+1212555"), ("San Francisco", "US", "America/Los_Angeles", "+1415555"),
    ("Chicago", "US", "America/Chicago", "+1312555"), ("Austin", "US", "America/Chicago", "+1512555"),
    ("Boston", "US", "America/New_York", "+1617555"), ("Seattle", "US", "America/Los_Angeles", "+1206555"),
    ("London", "GB", "Europe/London", "+4420794"), ("Manchester", "GB", "Europe/London", "+4416149"),
    ("Berlin", "DE", "Europe/Berlin", "+4930901"), ("Munich", "DE", "Europe/Berlin", "+4989901"),
    ("Paris", "FR", "Europe/Paris", "+3314901"), ("Amsterdam", "NL", "Europe/Amsterdam", "+3120901"),
    ("Toronto", "CA", "America/Toronto", "+1416555"), ("Sydney", "AU", "Australia/Sydney", "+6129901"),
]  # fmt: skip
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "hotmail.com"]
COMPANY_WORDS = [
    "Blue", "North", "Bright", "Silver", "Green", "Iron", "Apex", "Summit", "Harbor", "Clear", "Red",
    "Granite", "Maple", "Cedar", "Nova", "Lumen", "Vertex", "Pioneer", "Atlas", "Beacon", "Crest",
    "Falcon", "Orbit", "Quartz", "River", "Stone", "Tidal", "Urban", "Willow", "Zenith",
]  # fmt: skip
COMPANY_KINDS = [
    ("Labs", "Software"), ("Analytics", "Software"), ("Logistics", "Logistics"), ("Health", "Healthcare"),
    ("Foods", "Food & beverage"), ("Studio", "Media"), ("Systems", "Manufacturing"), ("Energy", "Energy"),
    ("Capital", "Financial services"), ("Robotics", "Manufacturing"), ("Software", "Software"),
    ("Supply", "Retail"), ("Learning", "Education"), ("Travel", "Travel"), ("Bank", "Financial services"),
]  # fmt: skip
TLDS = [".com", ".com", ".com", ".io", ".co", ".co.uk", ".de"]
INDUSTRIES = [
    "Software", "Healthcare", "Financial services", "Manufacturing", "Retail", "Education", "Media",
    "Logistics", "Energy", "Food & beverage", "Travel",
]  # fmt: skip
TOPICS = ["Product news", "Guides", "Events", "Case studies", "Pricing updates"]
NOTES = [
    "Intro call went well. They run campaigns in **three tools** today and want one place for the funnel.",
    "Asked for a demo of lead scoring next week. Decision maker is the Head of Growth.",
    "Budget approved for Q3. Needs SSO and a data processing agreement before signing.",
    "Sent the pricing sheet and a case study from a similar company.",
    "Left a voicemail; follow up by email on Thursday.",
    "Met at the conference booth. Interested in the booking pages for their sales team.",
    "Churn risk flagged by support: slow onboarding. Offered a training session.",
    "Happy with the rollout — asked if they would write a short testimonial.",
    "Procurement wants a 12-month contract instead of monthly. Checking with finance.",
    "Competitor pricing came up; they currently pay per contact elsewhere.",
]
CONSENT_TEXT = "Yes, send me the newsletter with product news and guides. I can unsubscribe at any time."


def _print_logins(echo: Callable[[str], object]) -> None:
    from leadline.accounts.models import User

    echo(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    emails = [DEMO_ADMIN_EMAIL, f"{MARKETER[0]}@demo.leadline.test"] + [
        f"{login}@demo.leadline.test" for members in TEAMS.values() for login, _first, _last in members
    ]
    users = {user.email: user for user in User.objects.filter(email__in=emails).prefetch_related("teams")}
    for email in emails:
        user = users.get(email)
        if user is None:
            continue
        teams = ", ".join(team.name for team in user.teams.all())
        echo(f"    {user.get_role_display():<10} {email}{f'  (team {teams})' if teams else ''}")


def seed_demo(*, echo: Callable[[str], object] = print) -> bool:
    """Create the demo workspace unless it exists. Returns True when it seeded something."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from leadline.accounts.models import Role, User
    from leadline.core.models import AuditEntry
    from leadline.core.services import audit_record

    if AuditEntry.objects.filter(action=MARKER_ACTION).exists():
        echo("The demo workspace is already seeded.")
        _print_logins(echo)
        return False
    started = time.monotonic()
    with transaction.atomic():
        # One hash for the shared demo password: hashing is deliberately slow, and this is a demo.
        password = make_password(DEMO_PASSWORD)
        admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create(
                email=DEMO_ADMIN_EMAIL,
                first_name="Ada",
                last_name="Admin",
                role=Role.ADMIN,
                password=password,
                is_staff=True,
                is_superuser=True,
            )
        seeder = _Seeder(admin=admin, now=_now(), password=password)
        seeder.run()
        audit_record(
            actor=admin,
            action=MARKER_ACTION,
            summary="Demo workspace seeded",
            contacts=len(seeder.contacts),
            companies=len(seeder.companies),
        )
    echo(
        f"Seeded the demo workspace: {len(seeder.contacts):,} contacts, {len(seeder.companies)} companies, "
        f"{seeder.activity_count:,} timeline entries in {time.monotonic() - started:.1f} s."
    )
    _print_logins(echo)
    return True


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now().replace(microsecond=0)


@dataclass
class _Seeder:
    admin: User
    now: datetime
    password: str
    rng: random.Random = field(default_factory=lambda: random.Random(DEMO_SEED))
    marketer: Any = None
    sales: list[Any] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    activity_count: int = 0

    def run(self) -> None:
        from faker import Faker

        self.faker = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL"])
        self.faker.seed_instance(DEMO_SEED)
        self._users()
        self._properties()
        self._companies()
        self._contacts()
        self._history()

    # --- People ------------------------------------------------------------------------------------

    def _users(self) -> None:
        from leadline.accounts.models import Role, Team, User

        password = self.password

        def user(login: str, first: str, last: str, role: str) -> User:
            email = f"{login}@demo.leadline.test"
            existing = User.objects.filter(email=email).first()
            if existing is not None:
                return existing
            return User.objects.create(
                email=email, first_name=first, last_name=last, role=role, password=password
            )

        self.marketer = user(*MARKETER, Role.MARKETING)
        for team_name, members in TEAMS.items():
            team, _created = Team.objects.get_or_create(name=team_name)
            for login, first, last in members:
                person = user(login, first, last, Role.SALES)
                team.members.add(person)
                self.sales.append(person)

    def _properties(self) -> None:
        from leadline.contacts.models import CustomProperty, PropertyObject
        from leadline.contacts.services import custom_property_create

        wanted = [
            ("industry", "Industry", "choice", INDUSTRIES),
            ("annual_revenue", "Annual revenue", "number", None),
            ("newsletter_topics", "Newsletter topics", "multi_choice", TOPICS),
            ("renewal_date", "Renewal date", "date", None),
            ("decision_maker", "Decision maker", "boolean", None),
        ]
        existing = set(
            CustomProperty.objects.filter(object_type=PropertyObject.CONTACT).values_list("key", flat=True)
        )
        for key, label, kind, choices in wanted:
            if key not in existing:
                custom_property_create(
                    actor=self.admin,
                    object_type=PropertyObject.CONTACT,
                    key=key,
                    label=label,
                    type=kind,
                    choices=choices,
                )

    def _companies(self) -> None:
        from leadline.contacts.models import Company

        names: dict[str, tuple[str, str]] = {}
        while len(names) < COMPANY_COUNT:
            word = self.rng.choice(COMPANY_WORDS)
            kind, industry = self.rng.choice(COMPANY_KINDS)
            domain = f"{word}{kind}".lower() + self.rng.choice(TLDS)
            if domain not in names:
                names[domain] = (f"{word} {kind}", industry)
        taken = set(Company.objects.filter(domain__in=list(names)).values_list("domain", flat=True))
        companies = []
        for domain, (name, industry) in names.items():
            if domain in taken:
                continue
            _city, country, _zone, _phone = self.rng.choice(PLACES)
            companies.append(
                Company(
                    name=name,
                    domain=domain,
                    industry=industry,
                    employee_count=self.rng.choice([8, 15, 24, 40, 75, 120, 250, 480, 900, 2400]),
                    country=country,
                )
            )
        self.companies = Company.objects.bulk_create(companies)
        for company in self.companies:
            company.created_at = self.now - timedelta(days=self.rng.randint(HISTORY_DAYS, HISTORY_DAYS + 400))
        _backdate(Company, [(company.pk, company.created_at, None) for company in self.companies])

    # --- Contacts ----------------------------------------------------------------------------------

    def _stages(self) -> list[str]:
        stages: list[str] = []
        for stage, share in STAGE_SHARES.items():
            stages.extend([stage] * round(CONTACT_COUNT * share))
        stages = stages[:CONTACT_COUNT] + ["lead"] * (CONTACT_COUNT - len(stages))
        self.rng.shuffle(stages)
        return stages

    def _email(self, first: str, last: str, company: Company | None, used: set[str]) -> str:
        import unicodedata

        def ascii_part(text: str) -> str:
            plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
            return "".join(char for char in plain.lower() if char.isalnum())

        local = f"{ascii_part(first)}.{ascii_part(last)}".strip(".") or "contact"
        domain = company.domain if company is not None else self.rng.choice(FREE_MAIL)
        email = f"{local}@{domain}"
        while email in used:
            email = f"{local}{self.rng.randint(2, 999)}@{domain}"
        used.add(email)
        return email

    def _contacts(self) -> None:
        from leadline.contacts.models import Contact

        existing_emails = set(Contact.objects.values_list("email", flat=True))
        used = {email for email in existing_emails if email}
        sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
        contacts = []
        self.created_at: dict[str, datetime] = {}
        for stage in self._stages():
            rank = STAGE_ORDER.index(stage)
            company = self.rng.choice(self.companies) if self.rng.random() < 0.35 + 0.1 * rank else None
            first, last = self.faker.first_name(), self.faker.last_name()
            city, country, zone, phone_prefix = self.rng.choice(PLACES)
            # Further-along contacts have been around longer.
            age_days = self.rng.uniform(3 + 12 * rank, HISTORY_DAYS)
            created_at = self.now - timedelta(days=age_days, minutes=self.rng.randint(0, 1440))
            email = self._email(first, last, company, used)
            owner = (
                self.rng.choice(self.sales)
                if stage in OWNED_STAGES or (stage == "mql" and self.rng.random() < 0.3)
                else None
            )
            low, high = SCORE_RANGES[stage]
            contact = Contact(
                email=email,
                first_name=first,
                last_name=last,
                phone=f"{phone_prefix}{self.rng.randint(0, 9999):04d}" if self.rng.random() < 0.55 else "",
                job_title=self.faker.job()[:200] if company is not None or self.rng.random() < 0.3 else "",
                city=city,
                country=country,
                time_zone=zone,
                company=company,
                owner=owner,
                lifecycle_stage=stage,
                original_source=self.rng.choices(sources, source_weights)[0],
                score=self.rng.randint(low, high),
                properties=self._property_values(stage, company),
                last_activity_at=created_at,
            )
            self.created_at[email] = created_at
            contacts.append(contact)
        self.contacts = Contact.objects.bulk_create(contacts, batch_size=1000)

    def _property_values(self, stage: str, company: Company | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if company is not None:
            values["industry"] = (
                company.industry if company.industry in INDUSTRIES else self.rng.choice(INDUSTRIES)
            )
            values["annual_revenue"] = self.rng.choice([250_000, 800_000, 1_500_000, 4_000_000, 12_000_000])
        elif self.rng.random() < 0.2:
            values["industry"] = self.rng.choice(INDUSTRIES)
        if stage in ("subscriber", "lead") and self.rng.random() < 0.6:
            values["newsletter_topics"] = sorted(
                self.rng.sample(TOPICS, self.rng.randint(1, 3)), key=TOPICS.index
            )
        if stage in ("customer", "evangelist"):
            values["renewal_date"] = (self.now.date() + timedelta(days=self.rng.randint(10, 360))).isoformat()
        if stage in OWNED_STAGES and self.rng.random() < 0.4:
            values["decision_maker"] = self.rng.random() < 0.6
        return values

    # --- Timelines ---------------------------------------------------------------------------------

    def _history(self) -> None:
        from leadline.activity.models import Kind
        from leadline.activity.services import activities_record_bulk
        from leadline.contacts.models import ConsentRecord, Contact

        activities: list[Activity] = []
        consents: list[ConsentRecord] = []
        for contact in self.contacts:
            created_at = self.created_at[contact.email or ""]
            contact.created_at = created_at
            moments = self._stage_path(contact.lifecycle_stage, created_at)
            activities.append(
                self._activity(contact, Kind.CONTACT_CREATED, created_at, "Contact created", {"via": "form"})
            )
            previous = None
            for stage, moment in moments:
                if previous is not None:
                    activities.append(
                        self._activity(
                            contact,
                            Kind.STAGE_CHANGED,
                            moment,
                            f"Lifecycle stage: {_stage_label(stage)}",
                            {
                                "from": previous,
                                "to": stage,
                                "via": "scoring" if stage in ("mql",) else "manual",
                            },
                        )
                    )
                    if stage == "sql" and contact.owner is not None:
                        activities.append(
                            self._activity(
                                contact,
                                Kind.OWNER_CHANGED,
                                moment,
                                f"Owner: {contact.owner.display_name}",
                                {"via": "hand-off"},
                                actor=contact.owner,
                            )
                        )
                previous = stage
            last = moments[-1][1] if moments else created_at
            wants_note = (contact.owner is not None and self.rng.random() < 0.45) or self.rng.random() < 0.04
            if wants_note:
                moment = last + (self.now - last) * self.rng.uniform(0.1, 0.9)
                author = contact.owner or self.marketer
                activities.append(
                    self._activity(
                        contact, Kind.NOTE, moment, "Note", {"body": self.rng.choice(NOTES)}, actor=author
                    )
                )
                last = max(last, moment)
            if contact.lifecycle_stage == "subscriber" or (
                contact.lifecycle_stage == "lead" and self.rng.random() < 0.3
            ):
                consents.append(
                    ConsentRecord(
                        contact=contact,
                        purpose="marketing_email",
                        status=ConsentRecord.Status.GRANTED,
                        text=CONSENT_TEXT,
                        text_version="2024-01",
                        source="Newsletter signup form",
                        recorded_at=created_at,
                    )
                )
                activities.append(
                    self._activity(
                        contact,
                        Kind.CONSENT_CHANGED,
                        created_at,
                        "Consent granted: marketing email",
                        {
                            "status": "granted",
                            "purpose": "marketing_email",
                            "source": "Newsletter signup form",
                        },
                    )
                )
            contact.last_activity_at = last
        activities_record_bulk(activities)
        ConsentRecord.objects.bulk_create(consents, batch_size=1000)
        _backdate(
            Contact, [(contact.pk, contact.created_at, contact.last_activity_at) for contact in self.contacts]
        )
        self.activity_count = len(activities)

    def _stage_path(self, stage: str, created_at: datetime) -> list[tuple[str, datetime]]:
        """The stages a contact passed through, each with when it got there, oldest first."""
        final = STAGE_ORDER.index(stage)
        start = 0 if stage == "subscriber" or self.rng.random() < 0.25 else 1
        start = min(start, final)
        path = STAGE_ORDER[start : final + 1]
        span = (self.now - created_at) * 0.85
        moments = [created_at]
        for _step in path[1:]:
            moments.append(moments[-1] + span / max(1, len(path)) * self.rng.uniform(0.4, 1.0))
        return list(zip(path, moments, strict=True))

    def _activity(
        self,
        contact: Contact,
        kind: str,
        moment: datetime,
        title: str,
        data: dict[str, Any],
        actor: Any = None,
    ) -> Activity:
        from leadline.activity.models import Activity

        return Activity(
            kind=kind,
            contact=contact,
            company_id=contact.company_id,
            actor=actor,
            occurred_at=moment,
            title=title,
            data=data,
        )


def _backdate(model: Any, rows: list[tuple[int, datetime, datetime | None]]) -> None:
    """Set `created_at` (and `last_activity_at` when given) to the past. Inserts always stamp "now"
    on auto_now_add fields, and bulk_update's CASE expressions are slow for thousands of rows."""
    from django.db import connection

    quote = connection.ops.quote_name
    created = model._meta.get_field("created_at")
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    params: list[tuple[Any, ...]]
    with connection.cursor() as cursor:
        if rows and rows[0][2] is not None:
            last = model._meta.get_field("last_activity_at")
            assignments = f"{quote(created.column)} = %s, {quote(last.column)} = %s"
            params = [
                (created.get_db_prep_value(made, connection), last.get_db_prep_value(seen, connection), pk)
                for pk, made, seen in rows
            ]
        else:
            assignments = f"{quote(created.column)} = %s"
            params = [(created.get_db_prep_value(made, connection), pk) for pk, made, _seen in rows]
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - identifiers from metadata
        cursor.executemany(sql, params)


def _stage_label(stage: str) -> str:
    from leadline.contacts.models import LifecycleStage

    return str(LifecycleStage(stage).label)
