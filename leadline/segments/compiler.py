"""Turns a segment's JSON tree into a Django `Q` over contacts, through an allow-list.

A tree is `{"and": [...]}`, `{"or": [...]}`, `{"not": node}` or a condition
`{"field": "...", "op": "...", "value": ...}`. Every field name maps to a fixed ORM path or expression
below and every operator to a fixed lookup, so nothing a user types ever becomes a lookup string:
unknown fields, operators of the wrong type and malformed nodes raise `SegmentError` naming the node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IExact,
    In,
    IsNull,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord, LifecycleStage, PropertyType, Source

if TYPE_CHECKING:
    from leadline.segments.models import Segment

MAX_DEPTH = 10
MAX_CONDITIONS = 200
MAX_LIST_VALUES = 500
MAX_TEXT = 500
MAX_DAYS = 3650
MAX_COUNT = 10_000

TEXT, NUMBER, DATE, CHOICE, BOOLEAN, OWNER, BEHAVIOUR, SEGMENT = (
    "text",
    "number",
    "date",
    "choice",
    "boolean",
    "owner",
    "behaviour",
    "segment",
)

OPERATORS: dict[str, tuple[str, ...]] = {
    TEXT: ("equals", "not_equals", "contains", "starts_with", "in", "is_empty", "is_not_empty"),
    NUMBER: ("eq", "neq", "gt", "gte", "lt", "lte", "between", "is_empty"),
    DATE: ("before", "after", "within_last_days", "between", "is_empty"),
    CHOICE: ("equals", "in"),
    BOOLEAN: ("is_true", "is_false"),
    OWNER: ("equals", "in", "is_empty"),
    SEGMENT: ("in", "not_in"),
}
# Behaviour conditions: "any" or a URL/form match, optionally "at least N times in the last D days".
BEHAVIOUR_OPERATORS: dict[str, tuple[str, ...]] = {
    "visited": ("contains", "equals", "starts_with"),
    "submitted_form": ("any", "equals"),
    "email_opened": ("any",),
    "email_clicked": ("any", "contains"),
}
BEHAVIOUR_KINDS = {
    "visited": Kind.PAGE_VIEW.value,
    "submitted_form": Kind.FORM_SUBMITTED.value,
    "email_opened": Kind.EMAIL_OPENED.value,
    "email_clicked": Kind.EMAIL_CLICKED.value,
}
CONDITION_KEYS = {"field", "op", "value", "min_count", "within_days"}
CONSENT_VALUES = ("granted", "withdrawn", "pending", "none")


class SegmentError(ValueError):
    """A tree that cannot be compiled; `path` names the node (e.g. `and[2].op`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path or "definition"
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    label: str
    type: str
    column: str = ""  # a constant ORM path; never built from user input
    choices: tuple[str, ...] = ()
    group: str = "Contact"


CONTACT_FIELDS: dict[str, FieldSpec] = {
    "email": FieldSpec("Email", TEXT, "email"),
    "first_name": FieldSpec("First name", TEXT, "first_name"),
    "last_name": FieldSpec("Last name", TEXT, "last_name"),
    "job_title": FieldSpec("Job title", TEXT, "job_title"),
    "city": FieldSpec("City", TEXT, "city"),
    "country": FieldSpec("Country", TEXT, "country"),
    "lifecycle_stage": FieldSpec(
        "Lifecycle stage", CHOICE, "lifecycle_stage", tuple(stage.value for stage in LifecycleStage)
    ),
    "original_source": FieldSpec(
        "Original source", CHOICE, "original_source", tuple(source.value for source in Source)
    ),
    "owner": FieldSpec("Owner", OWNER, "owner"),
    "score": FieldSpec("Score", NUMBER, "score"),
    "created_at": FieldSpec("Created", DATE, "created_at"),
    "last_activity_at": FieldSpec("Last activity", DATE, "last_activity_at"),
    "company.name": FieldSpec("Company name", TEXT, "company__name", group="Company"),
    "company.industry": FieldSpec("Company industry", TEXT, "company__industry", group="Company"),
    "company.employee_count": FieldSpec("Company size", NUMBER, "company__employee_count", group="Company"),
    "company.country": FieldSpec("Company country", TEXT, "company__country", group="Company"),
    "consent": FieldSpec("Marketing email consent", CHOICE, choices=CONSENT_VALUES, group="Consent"),
    "visited": FieldSpec("Visited a page", BEHAVIOUR, group="Behaviour"),
    "submitted_form": FieldSpec("Submitted a form", BEHAVIOUR, group="Behaviour"),
    "email_opened": FieldSpec("Opened an email", BEHAVIOUR, group="Behaviour"),
    "email_clicked": FieldSpec("Clicked an email link", BEHAVIOUR, group="Behaviour"),
    "member_of": FieldSpec("Member of segment", SEGMENT, group="Segments"),
}
PROPERTY_PREFIX = "property:"
_PROPERTY_TYPES = {
    PropertyType.TEXT.value: TEXT,
    PropertyType.NUMBER.value: NUMBER,
    PropertyType.DATE.value: DATE,
    PropertyType.CHOICE.value: CHOICE,
    PropertyType.BOOLEAN.value: BOOLEAN,
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SAFE_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass
class Dependencies:
    """What a tree reads; the incremental worker uses it to skip segments nothing touched."""

    contact: bool = False  # contact columns, custom properties (contact.updated_at moves)
    company: bool = False
    consent: bool = False
    kinds: set[str] = field(default_factory=set)
    segments: set[int] = field(default_factory=set)
    time_relative: bool = False  # "within the last N days": membership changes as time passes

    def as_json(self) -> dict[str, Any]:
        return {
            "contact": self.contact,
            "company": self.company,
            "consent": self.consent,
            "kinds": sorted(self.kinds),
            "segments": sorted(self.segments),
            "time_relative": self.time_relative,
        }


@dataclass
class Compiled:
    q: Q
    dependencies: Dependencies
    behaviours: int = 0


SegmentResolver = Callable[[str], "Segment | None"]


class _Compiler:
    def __init__(
        self,
        *,
        properties: dict[str, str],
        resolve_segment: SegmentResolver,
        stack: tuple[int, ...],
        now: datetime,
        scope: list[int] | None = None,
    ) -> None:
        self.scope = scope
        self.behaviours = 0
        self.properties = properties
        self.resolve_segment = resolve_segment
        self.stack = stack
        self.now = now
        self.conditions = 0
        self.dependencies = Dependencies()

    # --- structure --------------------------------------------------------------------------------

    def node(self, node: Any, path: str, depth: int) -> Q:
        if depth > MAX_DEPTH:
            raise SegmentError(path, f"groups may be nested at most {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            raise SegmentError(path, "must be an object")
        if "field" in node:
            return self.condition(node, path)
        keys = list(node)
        if len(keys) != 1 or keys[0] not in ("and", "or", "not"):
            shown = ", ".join(repr(str(key)[:40]) for key in keys[:5]) or "nothing"
            raise SegmentError(path, f'expected "and", "or", "not" or a condition with "field", got {shown}')
        key = keys[0]
        child = node[key]
        child_path = f"{path}.{key}" if path else key
        if key == "not":
            return ~self.node(child, child_path, depth + 1)
        if not isinstance(child, list):
            raise SegmentError(child_path, "must be a list of conditions or groups")
        if not child:
            raise SegmentError(child_path, "must not be empty")
        combined = Q()
        for index, item in enumerate(child):
            compiled = self.node(item, f"{child_path}[{index}]", depth + 1)
            combined = (combined & compiled) if key == "and" else (combined | compiled)
        return combined

    def condition(self, node: dict[str, Any], path: str) -> Q:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise SegmentError(path, f"a segment may have at most {MAX_CONDITIONS} conditions")
        unknown = [str(key)[:40] for key in node if key not in CONDITION_KEYS]
        if unknown:
            raise SegmentError(path, f'unknown key "{unknown[0]}" in a condition')
        name = node.get("field")
        if not isinstance(name, str) or not name:
            raise SegmentError(f"{path}.field", "must be a field name")
        op = node.get("op")
        spec = self.field_spec(name, f"{path}.field")
        if not isinstance(op, str):
            raise SegmentError(f"{path}.op", "must be an operator name")
        if spec.type == BEHAVIOUR:
            allowed = BEHAVIOUR_OPERATORS[name]
        else:
            allowed = OPERATORS[spec.type]
        if op not in allowed:
            kind = "behaviour" if spec.type == BEHAVIOUR else spec.type
            raise SegmentError(
                f"{path}.op",
                f'"{op[:40]}" is not an operator for {kind} fields (use one of: {", ".join(allowed)})',
            )
        if spec.type != BEHAVIOUR and ("min_count" in node or "within_days" in node):
            raise SegmentError(path, '"min_count" and "within_days" only apply to behaviour conditions')
        value = node.get("value")
        value_path = f"{path}.value"
        if name.startswith(PROPERTY_PREFIX):
            self.dependencies.contact = True
            return self.property_condition(name.removeprefix(PROPERTY_PREFIX), spec, op, value, value_path)
        if spec.type == BEHAVIOUR:
            return self.behaviour(name, node, op, value, path)
        if spec.type == SEGMENT:
            return self.member_of(op, value, value_path)
        if name == "consent":
            self.dependencies.consent = True
            self.dependencies.kinds.add(Kind.CONSENT_CHANGED.value)
            return self.consent(op, value, value_path, spec)
        if name.startswith("company."):
            self.dependencies.company = True
        self.dependencies.contact = True
        return self.column(spec, op, value, value_path)

    def field_spec(self, name: str, path: str) -> FieldSpec:
        if name in CONTACT_FIELDS:
            return CONTACT_FIELDS[name]
        if name.startswith(PROPERTY_PREFIX):
            key = name.removeprefix(PROPERTY_PREFIX)
            property_type = self.properties.get(key)
            if property_type is None:
                raise SegmentError(path, f'there is no custom property "{key[:64]}"')
            if property_type not in _PROPERTY_TYPES:
                raise SegmentError(
                    path, f'"{key}" is a {property_type} property, which segments cannot use yet'
                )
            return FieldSpec(key, _PROPERTY_TYPES[property_type], group="Custom properties")
        raise SegmentError(path, f'"{name[:60]}" is not a field segments can use')

    # --- values -----------------------------------------------------------------------------------

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise SegmentError(path, "must be text")
        if len(value) > MAX_TEXT:
            raise SegmentError(path, f"at most {MAX_TEXT} characters")
        return value

    def texts(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list) or not value:
            raise SegmentError(path, "must be a non-empty list")
        if len(value) > MAX_LIST_VALUES:
            raise SegmentError(path, f"at most {MAX_LIST_VALUES} values")
        return [self.text(item, f"{path}[{index}]") for index, item in enumerate(value)]

    def number(self, value: Any, path: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SegmentError(path, "must be a number")
        if value != value or abs(value) > 1e15:  # NaN or absurdly large
            raise SegmentError(path, "must be a finite number")
        return value

    def pair(self, value: Any, path: str) -> tuple[Any, Any]:
        if not isinstance(value, list) or len(value) != 2:
            raise SegmentError(path, "must be a list of two values [from, to]")
        return value[0], value[1]

    def whole(self, value: Any, path: str, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SegmentError(path, f"must be a whole number from {low} to {high}")
        return value

    def moment(self, value: Any, path: str) -> datetime:
        if isinstance(value, str) and len(value) <= 40 and _DATE_RE.match(value):
            try:
                parsed = parse_datetime(value)
                if parsed is None:
                    day = parse_date(value)
                    parsed = datetime.combine(day, time.min) if day else None
            except ValueError:
                parsed = None
            if parsed is not None:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
                return parsed
        raise SegmentError(path, "must be a date like 2026-01-31")

    # --- columns ----------------------------------------------------------------------------------

    def column(self, spec: FieldSpec, op: str, value: Any, path: str) -> Q:
        column = spec.column
        if spec.type == TEXT:
            return self.text_q(lambda lookup, operand: Q(**{f"{column}__{lookup}": operand}), op, value, path)
        if spec.type == NUMBER:
            return self.number_q(
                lambda lookup, operand: Q(**{f"{column}__{lookup}": operand}), op, value, path
            )
        if spec.type == DATE:
            return self.date_q(lambda lookup, operand: Q(**{f"{column}__{lookup}": operand}), op, value, path)
        if spec.type == CHOICE:
            return self.choice_q(
                lambda lookup, operand: Q(**{f"{column}__{lookup}": operand}), spec, op, value, path
            )
        if spec.type == OWNER:
            return self.owner(op, value, path)
        raise SegmentError(path, "this field cannot be compared")  # pragma: no cover

    def text_q(self, make: Callable[[str, Any], Q], op: str, value: Any, path: str) -> Q:
        empty = make("isnull", True) | make("exact", "")
        if op == "is_empty":
            return empty
        if op == "is_not_empty":
            return ~empty
        if op == "in":
            return make("in", self.texts(value, path))
        text = self.text(value, path)
        if op == "equals":
            return make("iexact", text)
        if op == "not_equals":
            return make("isnull", True) | ~make("iexact", text)
        if op == "contains":
            return make("icontains", text)
        return make("istartswith", text)  # starts_with

    def number_q(self, make: Callable[[str, Any], Q], op: str, value: Any, path: str) -> Q:
        if op == "is_empty":
            return make("isnull", True)
        if op == "between":
            low, high = self.pair(value, path)
            return make("gte", self.number(low, f"{path}[0]")) & make("lte", self.number(high, f"{path}[1]"))
        number = self.number(value, path)
        if op == "neq":
            return make("isnull", True) | ~make("exact", number)
        lookup = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}[op]
        return make(lookup, number)

    def date_q(self, make: Callable[[str, Any], Q], op: str, value: Any, path: str) -> Q:
        if op == "is_empty":
            return make("isnull", True)
        if op == "within_last_days":
            days = self.whole(value, path, low=0, high=MAX_DAYS)
            self.dependencies.time_relative = True
            return make("gte", self.now - timedelta(days=days))
        if op == "between":
            start, end = self.pair(value, path)
            return make("gte", self.moment(start, f"{path}[0]")) & make("lte", self.moment(end, f"{path}[1]"))
        moment = self.moment(value, path)
        return make("lt", moment) if op == "before" else make("gt", moment)

    def choice_q(self, make: Callable[[str, Any], Q], spec: FieldSpec, op: str, value: Any, path: str) -> Q:
        values = [self.text(value, path)] if op == "equals" else self.texts(value, path)
        if spec.choices:
            for index, item in enumerate(values):
                if item not in spec.choices:
                    where = path if op == "equals" else f"{path}[{index}]"
                    raise SegmentError(where, f'"{item[:40]}" is not one of: {", ".join(spec.choices)}')
        return make("exact", values[0]) if op == "equals" else make("in", values)

    def owner(self, op: str, value: Any, path: str) -> Q:
        from leadline.accounts.models import User

        if op == "is_empty":
            return Q(owner__isnull=True)
        values = [self.text(value, path)] if op == "equals" else self.texts(value, path)
        condition = Q()
        public_ids = []
        for index, item in enumerate(values):
            if item == "none":
                condition |= Q(owner__isnull=True)
                continue
            if not re.fullmatch(r"[0-9a-fA-F-]{32,36}", item):
                where = path if op == "equals" else f"{path}[{index}]"
                raise SegmentError(where, 'must be the id of a teammate or "none"')
            public_ids.append(item)
        if public_ids:
            ids = list(User.objects.filter(public_id__in=public_ids).values_list("id", flat=True))
            if len(ids) != len(set(public_ids)):
                raise SegmentError(path, "no teammate has this id")
            condition |= Q(owner_id__in=ids)
        return condition

    # --- custom properties (values in the JSON `properties` column) -------------------------------

    def property_condition(self, key: str, spec: FieldSpec, op: str, value: Any, path: str) -> Q:
        # Expressions with an explicit key: the key is never parsed as a lookup path.
        as_text = KeyTextTransform(key, "properties")

        def text_lookup(lookup: str, operand: Any) -> Q:
            if lookup == "isnull":
                return Q(IsNull(as_text, operand))
            lookups: dict[str, Any] = {"exact": Exact, "iexact": IExact, "icontains": IContains, "in": In}
            lookups |= {"istartswith": IStartsWith, "gte": GreaterThanOrEqual, "lte": LessThanOrEqual}
            lookups |= {"gt": GreaterThan, "lt": LessThan}
            # "AND is not null" keeps NOT correct for contacts without the key: NOT (NULL AND FALSE)
            # is true, where NOT (NULL) would drop them.
            return Q(lookups[lookup](as_text, operand)) & Q(IsNull(as_text, False))

        def json_lookup(lookup: str, operand: Any) -> Q:
            if lookup == "isnull":
                return Q(IsNull(as_text, operand))
            # JSON comparisons need Django to prepare the value for the column (numbers and booleans
            # as JSON), which only the keyword form does. `key` is a defined property key that
            # matched _SAFE_KEY (no "__"), so it can only ever be read as one JSON key.
            if not _SAFE_KEY.fullmatch(key):
                raise SegmentError(path, f'the property key "{key[:64]}" cannot be used in segments')
            return Q(**{f"properties__{key}__{lookup}": operand}) & Q(IsNull(as_text, False))

        def date_lookup(lookup: str, operand: Any) -> Q:
            if isinstance(operand, datetime):
                # Dates are stored as ISO text, which sorts like the dates themselves.
                operand = timezone.localtime(operand).date().isoformat() if lookup != "isnull" else operand
            return text_lookup(lookup, operand)

        if spec.type == TEXT:
            return self.text_q(text_lookup, op, value, path)
        if spec.type == NUMBER:
            return self.number_q(json_lookup, op, value, path)
        if spec.type == DATE:
            return self.date_q(date_lookup, op, value, path)
        if spec.type == CHOICE:
            return self.choice_q(text_lookup, spec, op, value, path)
        if op == "is_true":
            return json_lookup("exact", True)
        return json_lookup("exact", False) | json_lookup("isnull", True)  # is_false: false or not set

    # --- consent, behaviour, other segments -------------------------------------------------------

    def consent(self, op: str, value: Any, path: str, spec: FieldSpec) -> Q:
        values = [self.text(value, path)] if op == "equals" else self.texts(value, path)
        for index, item in enumerate(values):
            if item not in CONSENT_VALUES:
                where = path if op == "equals" else f"{path}[{index}]"
                raise SegmentError(where, f'"{item[:40]}" is not one of: {", ".join(CONSENT_VALUES)}')
        records = ConsentRecord.objects.filter(contact=OuterRef("pk"), purpose="marketing_email")
        latest = Subquery(records.order_by("-recorded_at", "-id").values("status")[:1])
        # Never NULL, so that NOT around it keeps the people without any record.
        return Q(In(Coalesce(latest, Value("none")), values))

    def behaviour(self, name: str, node: dict[str, Any], op: str, value: Any, path: str) -> Q:
        kind = BEHAVIOUR_KINDS[name]
        self.dependencies.kinds.add(kind)
        events = Activity.objects.filter(kind=kind, contact__isnull=False)
        if op != "any":
            text = self.text(value, f"{path}.value")
            if name == "submitted_form":
                events = events.filter(data__form=text)
            elif op == "equals":
                events = events.filter(url=text)
            elif op == "starts_with":
                events = events.filter(url__startswith=text)
            else:
                events = events.filter(url__contains=text)
        if node.get("within_days") is not None:
            days = self.whole(node["within_days"], f"{path}.within_days", low=1, high=MAX_DAYS)
            self.dependencies.time_relative = True
            events = events.filter(occurred_at__gte=self.now - timedelta(days=days))
        min_count = 1
        if node.get("min_count") is not None:
            min_count = self.whole(node["min_count"], f"{path}.min_count", low=1, high=MAX_COUNT)
        self.behaviours += 1
        if self.scope is not None:
            # Re-evaluating a few contacts: read only their rows (the timeline index).
            events = events.filter(contact_id__in=self.scope)
        # Uncorrelated sets: the database computes each once per statement, where a correlated
        # subquery per contact lets SQLite pick the (kind, time) index and rescan it every row.
        if min_count == 1:
            return Q(id__in=events.order_by().values("contact_id"))
        counted = (
            events.order_by()
            .values("contact_id")
            .annotate(times=Count("id"))
            .filter(times__gte=min_count)
            .values("contact_id")
        )
        return Q(id__in=counted)

    def member_of(self, op: str, value: Any, path: str) -> Q:
        from leadline.segments.models import SegmentMembership

        reference = self.text(value, path)
        segment = self.resolve_segment(reference)
        if segment is None:
            raise SegmentError(path, "no segment has this id")
        if segment.pk in self.stack:
            raise SegmentError(path, f'"{segment.name}" refers back to itself: segments cannot form a cycle')
        self.dependencies.segments.add(segment.pk)
        if segment.is_static:
            inner = Q(id__in=SegmentMembership.objects.filter(segment_id=segment.pk).values("contact_id"))
        else:
            nested = _Compiler(
                properties=self.properties,
                resolve_segment=self.resolve_segment,
                stack=(*self.stack, segment.pk),
                now=self.now,
                scope=self.scope,
            )
            nested.conditions = self.conditions
            try:
                inner = nested.node(segment.definition, "", 1)
            except SegmentError as error:
                raise SegmentError(path, f'segment "{segment.name}" cannot be used: {error}') from None
            self.conditions = nested.conditions
            self.behaviours += nested.behaviours
            _merge(self.dependencies, nested.dependencies)
        return inner if op == "in" else ~inner


def _merge(into: Dependencies, other: Dependencies) -> None:
    into.contact |= other.contact
    into.company |= other.company
    into.consent |= other.consent
    into.time_relative |= other.time_relative
    into.kinds |= other.kinds
    into.segments |= other.segments


def property_types() -> dict[str, str]:
    from leadline.contacts.models import CustomProperty, PropertyObject

    return dict(CustomProperty.objects.filter(object_type=PropertyObject.CONTACT).values_list("key", "type"))


def _default_resolver(reference: str) -> Segment | None:
    from leadline.core.access import parse_public_id
    from leadline.segments.models import Segment

    public_id = parse_public_id(reference)
    return Segment.objects.filter(public_id=public_id).first() if public_id else None


def compile_tree(
    tree: Any,
    *,
    segment_id: int | None = None,
    properties: dict[str, str] | None = None,
    resolve_segment: SegmentResolver | None = None,
    now: datetime | None = None,
    scope: list[int] | None = None,
) -> Compiled:
    """The `Q` selecting the contacts a tree describes, and what the tree depends on.

    `segment_id` is the segment being saved, so that a reference back to it is reported as a cycle.
    `scope` limits behaviour subqueries to these contacts (the tree must then only be applied to
    them): re-evaluating a few contacts stays cheap however long the activity log is.
    """
    compiler = _Compiler(
        properties=property_types() if properties is None else properties,
        resolve_segment=resolve_segment or _default_resolver,
        stack=(segment_id,) if segment_id is not None else (),
        now=now or timezone.now(),
        scope=scope,
    )
    q = compiler.node(tree, "", 1)
    return Compiled(q=q, dependencies=compiler.dependencies, behaviours=compiler.behaviours)


def field_catalogue(properties: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Every field the builder offers: name, label, group, type, operators and choices."""
    rows = []
    for name, spec in CONTACT_FIELDS.items():
        operators = BEHAVIOUR_OPERATORS[name] if spec.type == BEHAVIOUR else OPERATORS[spec.type]
        rows.append(
            {
                "field": name,
                "label": spec.label,
                "group": spec.group,
                "type": spec.type,
                "operators": list(operators),
                "choices": list(spec.choices),
            }
        )
    for key, label, property_type in properties:
        if property_type in _PROPERTY_TYPES:
            kind = _PROPERTY_TYPES[property_type]
            rows.append(
                {
                    "field": f"{PROPERTY_PREFIX}{key}",
                    "label": label,
                    "group": "Custom properties",
                    "type": kind,
                    "operators": list(OPERATORS[kind]),
                    "choices": [],
                }
            )
    return rows
