"""Turns a segment's JSON tree into a Django `Q` over contacts, through an allow-list.

A tree is `{"and": [...]}`, `{"or": [...]}`, `{"not": node}` or a condition
`{"field": "...", "op": "...", "value": ...}`. Every field name maps to a fixed ORM path or expression
below and every operator to a fixed lookup, so nothing a user types ever becomes a lookup string:
unknown fields, operators of the wrong type and malformed nodes raise `SegmentError` naming the node.

Compiling also tells the incremental worker what can change the result: `Dependencies` (which
columns and activity kinds a tree reads) and `Trigger`s — for each condition that reads the activity
log, which new rows can change it, and whether such rows can only ever ADD contacts (a behaviour
condition that is not negated: "did X at least N times" only grows as events arrive).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, Count, DateTimeField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Round
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
from leadline.core.access import parse_public_id
from leadline.segments.expressions import ALL, ANY, EMPTY, ListProperty, Unindexed

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
MULTI, DEAL, ORDER, TOTAL = "multi_choice", "deal", "order", "total"

OPERATORS: dict[str, tuple[str, ...]] = {
    TEXT: ("equals", "not_equals", "contains", "starts_with", "in", "is_empty", "is_not_empty"),
    NUMBER: ("eq", "neq", "gt", "gte", "lt", "lte", "between", "is_empty"),
    DATE: ("before", "after", "within_last_days", "between", "is_empty"),
    CHOICE: ("equals", "in"),
    MULTI: ("contains_any", "contains_all", "contains_none", "is_empty", "is_not_empty"),
    BOOLEAN: ("is_true", "is_false"),
    OWNER: ("equals", "in", "is_empty"),
    SEGMENT: ("in", "not_in"),
    DEAL: ("in_stage", "any_open", "any_won", "any_lost", "any"),
    ORDER: ("any", "of_product"),
    TOTAL: ("gte", "lte", "gt", "lt", "eq", "between"),
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
DEAL_KINDS = (Kind.DEAL_CREATED.value, Kind.DEAL_CHANGED.value, Kind.DEAL_WON.value, Kind.DEAL_LOST.value)
ORDER_KINDS = (Kind.ORDER_PLACED.value, Kind.ORDER_REFUNDED.value)
MEMBERSHIP_KINDS = (Kind.SEGMENT_ENTERED.value, Kind.SEGMENT_LEFT.value)
CONDITION_KEYS = {"field", "op", "value", "min_count", "within_days", "currency"}
# Keys beyond field/op/value, by field type (and by field name for the one with its own).
EXTRA_KEYS: dict[str, frozenset[str]] = {
    BEHAVIOUR: frozenset({"min_count", "within_days"}),
    ORDER: frozenset({"within_days"}),
    "revenue": frozenset({"currency"}),
}
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
    "deal": FieldSpec("Has a deal", DEAL, group="Sales"),
    "placed_order": FieldSpec("Placed an order", ORDER, group="Sales"),
    "order_count": FieldSpec("Number of orders", TOTAL, group="Sales"),
    "revenue": FieldSpec("Revenue (net of refunds)", TOTAL, group="Sales"),
    "member_of": FieldSpec("Member of segment", SEGMENT, group="Segments"),
}
PROPERTY_PREFIX = "property:"
_PROPERTY_TYPES = {
    PropertyType.TEXT.value: TEXT,
    PropertyType.NUMBER.value: NUMBER,
    PropertyType.DATE.value: DATE,
    PropertyType.CHOICE.value: CHOICE,
    PropertyType.MULTI_CHOICE.value: MULTI,
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
    sales: bool = False  # deals and orders: also rebuilt periodically (deletions leave no activity)

    def as_json(self) -> dict[str, Any]:
        return {
            "contact": self.contact,
            "company": self.company,
            "consent": self.consent,
            "kinds": sorted(self.kinds),
            "segments": sorted(self.segments),
            "time_relative": self.time_relative,
            "sales": self.sales,
        }


@dataclass(frozen=True)
class Trigger:
    """New activity rows matching `events` (a filter over Activity) may change the tree's answer for
    their contacts. With `adds_only`, such rows can only make the answer true, so contacts already
    in the segment need not be looked at again. With `settles`, one such row makes its condition
    true by itself ("did X", "placed an order"): re-evaluating the contacts it brings, the
    condition need not be asked of the database (see `compile_tree(assume=…)`)."""

    events: Q
    adds_only: bool
    settles: bool = False


@dataclass
class Compiled:
    q: Q
    dependencies: Dependencies
    behaviours: int = 0
    triggers: list[Trigger] = field(default_factory=list)


def new_rows_of(kinds: str | tuple[str, ...], since: datetime | None = None) -> Q:
    """A trigger's filter on the kind (and time) of new activity rows. The columns are marked
    unindexed: these filters only ever narrow a range of new rows read by primary key, and an index
    on kind or time would make SQLite read the whole history instead."""
    kind_column = Unindexed(F("kind"), output_field=CharField())
    condition = Q(Exact(kind_column, kinds)) if isinstance(kinds, str) else Q(In(kind_column, list(kinds)))
    if since is not None:
        time_column = Unindexed(F("occurred_at"), output_field=DateTimeField())
        condition &= Q(GreaterThanOrEqual(time_column, since))
    return condition


# True for every contact (an empty Q would vanish inside AND / OR instead).
ALWAYS = Q(id__isnull=False)
SegmentResolver = Callable[[str], "Segment | None"]
# Contacts to limit activity/deal/order subqueries to: a list of ids or a subquery of ids.
Scope = Any


class _Compiler:
    def __init__(
        self,
        *,
        properties: dict[str, str],
        resolve_segment: SegmentResolver,
        stack: tuple[int, ...],
        now: datetime,
        scope: Scope = None,
        lookups: dict[Any, Any] | None = None,
        triggers: list[Trigger] | None = None,
        assume: frozenset[int] = frozenset(),
    ) -> None:
        self.scope = scope
        self.assume = assume
        self.behaviours = 0
        self.properties = properties
        self.resolve_segment = resolve_segment
        self.stack = stack
        self.now = now
        self.conditions = 0
        self.dependencies = Dependencies()
        # Shared with the compilers of nested segments, so that a trigger's position is its id.
        self.triggers: list[Trigger] = [] if triggers is None else triggers
        # Ids looked up by public id (teammates, stages, products), kept across compilations of
        # the same tree within one pass.
        self.lookups = {} if lookups is None else lookups

    # --- structure --------------------------------------------------------------------------------

    def node(self, node: Any, path: str, depth: int, negated: bool = False) -> Q:
        """`negated`: the node sits under an odd number of NOTs (what can only add members at the
        top can only remove them there)."""
        if depth > MAX_DEPTH:
            raise SegmentError(path, f"groups may be nested at most {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            raise SegmentError(path, "must be an object")
        if "field" in node:
            return self.condition(node, path, negated)
        keys = list(node)
        if len(keys) != 1 or keys[0] not in ("and", "or", "not"):
            shown = ", ".join(repr(str(key)[:40]) for key in keys[:5]) or "nothing"
            raise SegmentError(path, f'expected "and", "or", "not" or a condition with "field", got {shown}')
        key = keys[0]
        child = node[key]
        child_path = f"{path}.{key}" if path else key
        if key == "not":
            return ~self.node(child, child_path, depth + 1, not negated)
        if not isinstance(child, list):
            raise SegmentError(child_path, "must be a list of conditions or groups")
        if not child:
            raise SegmentError(child_path, "must not be empty")
        combined = Q()
        for index, item in enumerate(child):
            compiled = self.node(item, f"{child_path}[{index}]", depth + 1, negated)
            combined = (combined & compiled) if key == "and" else (combined | compiled)
        return combined

    def condition(self, node: dict[str, Any], path: str, negated: bool) -> Q:
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
            kind = "behaviour" if spec.type == BEHAVIOUR else spec.type.replace("_", "-")
            raise SegmentError(
                f"{path}.op",
                f'"{op[:40]}" is not an operator for {kind} fields (use one of: {", ".join(allowed)})',
            )
        extras = EXTRA_KEYS.get(spec.type, frozenset()) | EXTRA_KEYS.get(name, frozenset())
        for key in ("min_count", "within_days", "currency"):
            if key in node and key not in extras:
                where = {
                    "min_count": "behaviour conditions",
                    "within_days": "behaviour and order conditions",
                    "currency": "revenue conditions",
                }[key]
                raise SegmentError(path, f'"{key}" only applies to {where}')
        value = node.get("value")
        value_path = f"{path}.value"
        if name.startswith(PROPERTY_PREFIX):
            self.dependencies.contact = True
            return self.property_condition(name.removeprefix(PROPERTY_PREFIX), spec, op, value, value_path)
        if spec.type == BEHAVIOUR:
            return self.behaviour(name, node, op, value, path, negated)
        if spec.type == SEGMENT:
            return self.member_of(op, value, value_path, negated)
        if spec.type in (DEAL, ORDER, TOTAL):
            return self.sales_condition(name, spec, node, op, value, path, negated)
        if name == "consent":
            self.dependencies.consent = True
            self.dependencies.kinds.add(Kind.CONSENT_CHANGED.value)
            self.triggers.append(Trigger(new_rows_of(Kind.CONSENT_CHANGED.value), adds_only=False))
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

    def scoped(self, queryset: Any, column: str = "contact_id") -> Any:
        """Limit a subquery to the contacts being re-evaluated, if any."""
        if self.scope is None:
            return queryset
        return queryset.filter(**{f"{column}__in": self.scope})

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
            ids = self.ids_for(User.objects.all(), public_ids, path, "no teammate has this id")
            condition |= Q(owner_id__in=ids)
        return condition

    def ids_for(self, queryset: Any, references: list[str], path: str, missing: str) -> list[int]:
        """Primary keys of the objects with these public ids; an unknown or malformed id is an error."""
        parsed = [parse_public_id(reference) for reference in references]
        for index, public_id in enumerate(parsed):
            if public_id is None:
                where = path if len(parsed) == 1 else f"{path}[{index}]"
                raise SegmentError(where, f"{missing} (not an id)")
        key = (queryset.model._meta.label, tuple(sorted(str(public_id) for public_id in parsed)))
        if key not in self.lookups:
            found = list(queryset.filter(public_id__in=parsed).values_list("id", flat=True))
            if len(found) != len(set(parsed)):
                raise SegmentError(path, missing)
            self.lookups[key] = found
        return list(self.lookups[key])

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
        if spec.type == MULTI:
            return self.multi_choice(key, op, value, path)
        if op == "is_true":
            return json_lookup("exact", True)
        return json_lookup("exact", False) | json_lookup("isnull", True)  # is_false: false or not set

    def multi_choice(self, key: str, op: str, value: Any, path: str) -> Q:
        """A multiple-choice property holds a JSON list of the chosen values."""
        if not _SAFE_KEY.fullmatch(key):
            raise SegmentError(path, f'the property key "{key[:64]}" cannot be used in segments')
        if op == "is_empty":
            return Q(ListProperty(key, [], EMPTY))
        if op == "is_not_empty":
            return ~Q(ListProperty(key, [], EMPTY))
        values = self.texts(value, path)
        if op == "contains_all":
            return Q(ListProperty(key, values, ALL))
        holds_any = Q(ListProperty(key, values, ANY))
        return holds_any if op == "contains_any" else ~holds_any

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

    def behaviour(self, name: str, node: dict[str, Any], op: str, value: Any, path: str, negated: bool) -> Q:
        kind = BEHAVIOUR_KINDS[name]
        self.dependencies.kinds.add(kind)
        matches = Q()  # what an event must be to count, beyond its kind
        if op != "any":
            text = self.text(value, f"{path}.value")
            if name == "submitted_form":
                matches = Q(data__form=text)
            elif op == "equals":
                matches = Q(url=text)
            elif op == "starts_with":
                matches = Q(url__startswith=text)
            else:
                matches = Q(url__contains=text)
        window, since = Q(), None
        if node.get("within_days") is not None:
            days = self.whole(node["within_days"], f"{path}.within_days", low=1, high=MAX_DAYS)
            self.dependencies.time_relative = True
            since = self.now - timedelta(days=days)
            window = Q(occurred_at__gte=since)
        min_count = 1
        if node.get("min_count") is not None:
            min_count = self.whole(node["min_count"], f"{path}.min_count", low=1, high=MAX_COUNT)
        self.behaviours += 1
        # A new event like these can only raise the count, so it can only add contacts, unless
        # the condition sits under a NOT.
        trigger = len(self.triggers)
        self.triggers.append(
            Trigger(new_rows_of(kind, since) & matches, adds_only=not negated, settles=min_count == 1)
        )
        if trigger in self.assume:
            return ALWAYS
        if self.scope is not None or (not window and matches):
            # Re-evaluating a few contacts: read their rows through the timeline index, never all
            # rows of a kind. Over the whole log with no time window, the condition reads most rows
            # of the kind anyway: one sequential scan beats an index lookup per row. SQLite would
            # take the kind index in both cases, so the kind is kept out of its choice.
            of_kind = Q(Exact(Unindexed(F("kind"), output_field=CharField()), kind))
        else:
            of_kind = Q(kind=kind)
        events = self.scoped(Activity.objects.filter(of_kind, matches, window, contact__isnull=False))
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

    def member_of(self, op: str, value: Any, path: str, negated: bool) -> Q:
        from leadline.segments.models import SegmentMembership

        reference = self.text(value, path)
        segment = self.resolve_segment(reference)
        if segment is None:
            raise SegmentError(path, "no segment has this id")
        if segment.pk in self.stack:
            raise SegmentError(path, f'"{segment.name}" refers back to itself: segments cannot form a cycle')
        self.dependencies.segments.add(segment.pk)
        negated = negated if op == "in" else not negated
        if segment.is_static:
            # Hand-kept lists change by additions and removals, each recorded on the activity log.
            self.dependencies.kinds.update(MEMBERSHIP_KINDS)
            self.triggers.append(
                Trigger(
                    new_rows_of(MEMBERSHIP_KINDS) & Q(data__segment=str(segment.public_id)), adds_only=False
                )
            )
            members = SegmentMembership.objects.filter(segment_id=segment.pk)
            inner = Q(id__in=self.scoped(members).values("contact_id"))
        else:
            nested = _Compiler(
                properties=self.properties,
                resolve_segment=self.resolve_segment,
                stack=(*self.stack, segment.pk),
                now=self.now,
                scope=self.scope,
                lookups=self.lookups,
                triggers=self.triggers,
                assume=self.assume,
            )
            nested.conditions = self.conditions
            try:
                inner = nested.node(segment.definition, "", 1, negated)
            except SegmentError as error:
                raise SegmentError(path, f'segment "{segment.name}" cannot be used: {error}') from None
            self.conditions = nested.conditions
            self.behaviours += nested.behaviours
            _merge(self.dependencies, nested.dependencies)
        return inner if op == "in" else ~inner

    # --- deals and orders (the sales room's tables) -----------------------------------------------

    def sales_condition(
        self, name: str, spec: FieldSpec, node: dict[str, Any], op: str, value: Any, path: str, negated: bool
    ) -> Q:
        self.dependencies.sales = True
        value_path = f"{path}.value"
        if spec.type == DEAL:
            self.dependencies.kinds.update(DEAL_KINDS)
            self.triggers.append(Trigger(new_rows_of(DEAL_KINDS), adds_only=False))
            return self.deal(op, value, value_path)
        if spec.type == ORDER:
            return self.placed_order(node, op, value, path, negated)
        self.dependencies.kinds.update(ORDER_KINDS)
        self.triggers.append(Trigger(new_rows_of(ORDER_KINDS), adds_only=False))
        return self.order_total(name, node, op, value, value_path)

    def deal(self, op: str, value: Any, path: str) -> Q:
        from leadline.sales.models import Deal, DealStatus, Stage

        deals = Deal.objects.filter(contact__isnull=False)
        if op == "in_stage":
            references = self.texts(value, path) if isinstance(value, list) else [self.text(value, path)]
            stage_ids = self.ids_for(Stage.objects.all(), references, path, "no deal stage has this id")
            deals = deals.filter(stage_id__in=stage_ids)
        elif op != "any":
            status = {"any_open": DealStatus.OPEN, "any_won": DealStatus.WON, "any_lost": DealStatus.LOST}[op]
            deals = deals.filter(status=status)
        return Q(id__in=self.scoped(deals).order_by().values("contact_id"))

    def placed_order(self, node: dict[str, Any], op: str, value: Any, path: str, negated: bool) -> Q:
        from leadline.sales.models import Order, Product

        self.dependencies.kinds.add(Kind.ORDER_PLACED.value)
        orders = Order.objects.all()
        since = None
        if node.get("within_days") is not None:
            days = self.whole(node["within_days"], f"{path}.within_days", low=1, high=MAX_DAYS)
            self.dependencies.time_relative = True
            since = self.now - timedelta(days=days)
            orders = orders.filter(ordered_at__gte=since)
        if op == "of_product":
            value_path = f"{path}.value"
            references = (
                self.texts(value, value_path) if isinstance(value, list) else [self.text(value, value_path)]
            )
            product_ids = self.ids_for(
                Product.objects.all(), references, value_path, "no product has this id"
            )
            orders = orders.filter(lines__product_id__in=product_ids)
        # A new order can only add people who "placed an order"; deleting one leaves no activity
        # and is caught by the periodic rebuild of sales segments.
        # (An order's timeline entry is dated when it was placed; the product is not on it.)
        trigger = len(self.triggers)
        self.triggers.append(
            Trigger(new_rows_of(Kind.ORDER_PLACED.value, since), adds_only=not negated, settles=op == "any")
        )
        if trigger in self.assume:
            return ALWAYS
        return Q(id__in=self.scoped(orders).order_by().values("contact_id"))

    def order_total(self, name: str, node: dict[str, Any], op: str, value: Any, path: str) -> Q:
        """Number of orders or net revenue per contact compared with a number. People without
        orders have 0, so when 0 itself passes ("revenue ≤ 100") the answer is everyone except
        those whose orders fail the test — one uncorrelated set either way."""
        from leadline.sales.currencies import ISO_4217
        from leadline.sales.models import Order

        orders = Order.objects.all()
        if name == "revenue":
            currency = node.get("currency")
            if currency is not None:
                if not isinstance(currency, str) or currency.upper() not in ISO_4217:
                    raise SegmentError(
                        path.removesuffix(".value") + ".currency", "must be a currency code like USD"
                    )
                orders = orders.filter(currency=currency.upper())
            amount: Any = Round(Sum(F("total") - F("refunded_total")), 2)
        else:
            amount = Count("id")
        # Money is compared as the decimal the person typed (500.1, not the float 500.1000000000000227).
        exact = (lambda number: Decimal(str(number))) if name == "revenue" else (lambda number: number)
        if op == "between":
            low, high = self.pair(value, path)
            bounds = (exact(self.number(low, f"{path}[0]")), exact(self.number(high, f"{path}[1]")))
            passes = Q(amount__gte=bounds[0]) & Q(amount__lte=bounds[1])
            zero_passes = bounds[0] <= 0 <= bounds[1]
        else:
            number = exact(self.number(value, path))
            lookup = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}[op]
            passes = Q(**{f"amount__{lookup}": number})
            zero_passes = {
                "exact": number == 0,
                "gt": number < 0,
                "gte": number <= 0,
                "lt": number > 0,
                "lte": number >= 0,
            }[lookup]
        totals = self.scoped(orders).order_by().values("contact_id").annotate(amount=amount)
        if zero_passes:
            return ~Q(id__in=totals.exclude(passes).values("contact_id"))
        return Q(id__in=totals.filter(passes).values("contact_id"))


def _merge(into: Dependencies, other: Dependencies) -> None:
    into.contact |= other.contact
    into.company |= other.company
    into.consent |= other.consent
    into.time_relative |= other.time_relative
    into.sales |= other.sales
    into.kinds |= other.kinds
    into.segments |= other.segments


def property_types() -> dict[str, str]:
    from leadline.contacts.models import CustomProperty, PropertyObject

    return dict(CustomProperty.objects.filter(object_type=PropertyObject.CONTACT).values_list("key", "type"))


def _default_resolver(reference: str) -> Segment | None:
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
    scope: Scope = None,
    lookups: dict[Any, Any] | None = None,
    assume: frozenset[int] = frozenset(),
) -> Compiled:
    """The `Q` selecting the contacts a tree describes, and what the tree depends on.

    `segment_id` is the segment being saved, so that a reference back to it is reported as a cycle.
    `scope` (a list of contact ids, or a subquery of them) limits the activity, deal and order
    subqueries to these contacts; the tree must then only be applied to them. Re-evaluating a few
    contacts stays cheap however long the activity log is. `lookups` caches the ids found for
    public ids (teammates, stages, products) across compilations. `assume` names triggers (by
    position) whose condition is known to hold for every contact in scope: it compiles to true.
    """
    compiler = _Compiler(
        properties=property_types() if properties is None else properties,
        resolve_segment=resolve_segment or _default_resolver,
        stack=(segment_id,) if segment_id is not None else (),
        now=now or timezone.now(),
        scope=scope,
        lookups=lookups,
        assume=assume,
    )
    q = compiler.node(tree, "", 1)
    return Compiled(
        q=q, dependencies=compiler.dependencies, behaviours=compiler.behaviours, triggers=compiler.triggers
    )


def field_catalogue(properties: Iterable[tuple[str, str, str, Any]]) -> list[dict[str, Any]]:
    """Every field the builder offers: name, label, group, type, operators and choices.

    `properties` are the custom properties as (key, label, type, choices)."""
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
                "extras": sorted(EXTRA_KEYS.get(spec.type, frozenset()) | EXTRA_KEYS.get(name, frozenset())),
            }
        )
    for key, label, property_type, choices in properties:
        if property_type in _PROPERTY_TYPES:
            kind = _PROPERTY_TYPES[property_type]
            listed = [str(choice) for choice in choices] if isinstance(choices, list) else []
            rows.append(
                {
                    "field": f"{PROPERTY_PREFIX}{key}",
                    "label": label,
                    "group": "Custom properties",
                    "type": kind,
                    "operators": list(OPERATORS[kind]),
                    "choices": listed if kind in (CHOICE, MULTI) else [],
                    "extras": [],
                }
            )
    return rows
