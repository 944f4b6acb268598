"""Forms of the deal and pipeline screens. They turn what people type into objects fetched through
the access layer; the services validate the rest (required fields, amounts, currencies)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from leadline.accounts.models import Role, User
from leadline.contacts.models import Company, Contact
from leadline.core.access import parse_public_id
from leadline.sales.currencies import currency_choices
from leadline.sales.deal_selectors import deal_owners
from leadline.sales.models import Deal, DealField, LostReason, Pipeline, Product, Stage, StageKind

MAX_OTHER_CONTACT_TEXT = 5000


def _stage_choices(*, open_only: bool) -> list[tuple[str, Any]]:
    """Stages grouped by pipeline (the default pipeline first)."""
    stages = Stage.objects.filter(pipeline__is_archived=False).select_related("pipeline")
    if open_only:
        stages = stages.filter(kind=StageKind.OPEN)
    groups: dict[Pipeline, list[tuple[str, str]]] = {}
    for stage in stages.order_by("-pipeline__is_default", "pipeline__position", "pipeline__name", "position"):
        groups.setdefault(stage.pipeline, []).append((str(stage.public_id), stage.name))
    return [("", "Choose a stage…"), *((pipeline.name, options) for pipeline, options in groups.items())]


def _owner_choices() -> list[tuple[str, str]]:
    return [("", "No owner"), *((str(user.public_id), user.display_name) for user in deal_owners())]


def find_contact(user: User, value: str) -> Contact | None:
    """A contact the user can see, by email or public id."""
    text = value.strip()
    if not text:
        return None
    contacts = Contact.objects.for_user(user)
    public_id = parse_public_id(text)
    if public_id is not None:
        return contacts.filter(public_id=public_id).first()
    return contacts.filter(email=text.lower()).first()


def find_company(value: str) -> Company | None:
    """A company by public id, domain or exact name (companies are shared reference data)."""
    text = value.strip()
    if not text:
        return None
    public_id = parse_public_id(text)
    if public_id is not None:
        return Company.objects.filter(public_id=public_id).first()
    by_domain = Company.objects.filter(domain=text.lower()).first()
    if by_domain is not None:
        return by_domain
    named = list(Company.objects.filter(name__iexact=text)[:2])
    if len(named) > 1:
        raise ValidationError("Several companies have this name; type the company's domain instead.")
    return named[0] if named else None


class DealForm(forms.Form):
    name = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Website redesign"})
    )
    stage = forms.ChoiceField(
        label="Pipeline stage", error_messages={"invalid_choice": "Choose an open stage."}
    )
    contact = forms.CharField(
        label="Main contact",
        required=False,
        max_length=254,
        help_text="Email of a contact; start typing to search.",
        widget=forms.TextInput(attrs={"list": "deal-contact-options", "autocomplete": "off"}),
    )
    other_contacts = forms.CharField(
        label="Other contacts",
        required=False,
        max_length=MAX_OTHER_CONTACT_TEXT,
        help_text="Emails, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    company = forms.CharField(
        required=False,
        max_length=255,
        help_text="Name or domain; empty takes the main contact's company.",
        widget=forms.TextInput(attrs={"list": "deal-company-options", "autocomplete": "off"}),
    )
    owner = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose an active teammate."})
    amount = forms.CharField(
        required=False,
        max_length=40,
        help_text="Computed from the products when the deal has any.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    currency = forms.ChoiceField(
        choices=currency_choices,
        error_messages={
            "invalid_choice": "Use a three-letter ISO 4217 currency code such as USD, EUR or GBP."
        },
    )
    expected_close_date = forms.DateField(
        required=False,
        label="Expected close date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Use a date such as 2026-03-31."},
    )

    def __init__(self, *args: Any, user: User, deal: Deal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.deal = deal
        cast(forms.ChoiceField, self.fields["owner"]).choices = _owner_choices()
        if deal is None:
            cast(forms.ChoiceField, self.fields["stage"]).choices = _stage_choices(open_only=True)
        else:
            # The pipeline stays; moving between stages has its own action.
            del self.fields["stage"]

    def clean_stage(self) -> Stage:
        public_id = parse_public_id(self.cleaned_data.get("stage"))
        stage = (
            Stage.objects.select_related("pipeline").filter(public_id=public_id, kind=StageKind.OPEN).first()
            if public_id
            else None
        )
        if stage is None:
            raise ValidationError("Choose an open stage.")
        return stage

    def clean_contact(self) -> Contact | None:
        value = self.cleaned_data.get("contact") or ""
        contact = find_contact(self.user, value)
        if value.strip() and contact is None:
            raise ValidationError("No contact you can see has this email.")
        return contact

    def clean_other_contacts(self) -> list[Contact]:
        text = self.cleaned_data.get("other_contacts") or ""
        contacts = []
        for part in [
            piece for piece in text.replace(";", ",").replace("\n", ",").split(",") if piece.strip()
        ]:
            contact = find_contact(self.user, part)
            if contact is None:
                raise ValidationError(f"No contact you can see has the email {part.strip()[:120]}.")
            contacts.append(contact)
        return contacts

    def clean_company(self) -> Company | None:
        value = self.cleaned_data.get("company") or ""
        company = find_company(value)
        if value.strip() and company is None:
            raise ValidationError("No company has this name or domain.")
        return company

    def clean_owner(self) -> User | None:
        public_id = parse_public_id(self.cleaned_data.get("owner"))
        if public_id is None:
            return None
        owner = deal_owners().filter(public_id=public_id).first()
        if owner is None:
            raise ValidationError("Choose an active teammate.")
        return owner


class DealLineForm(forms.Form):
    product = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose one of the products."}
    )
    name = forms.CharField(
        required=False, max_length=200, widget=forms.TextInput(attrs={"placeholder": "Item"})
    )
    quantity = forms.CharField(
        required=False, max_length=20, initial="1", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit_price = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "Price"}),
    )
    discount_percent = forms.CharField(
        required=False,
        max_length=10,
        label="Discount %",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
    )

    def __init__(self, *args: Any, products: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", "Free text…"), *(products or [])]

    def line(self, products: dict[str, Product]) -> dict[str, Any] | None:
        """The line as the service takes it, or None for an untouched row."""
        data = self.cleaned_data
        if not data or data.get("DELETE"):
            return None
        product = products.get(data.get("product") or "")
        if (
            product is None
            and not (data.get("name") or "").strip()
            and not (data.get("unit_price") or "").strip()
        ):
            return None
        return {
            "product": product,
            "name": data.get("name") or "",
            "quantity": (data.get("quantity") or "").strip() or "1",
            "unit_price": (data.get("unit_price") or "").strip() or None,
            "discount_percent": (data.get("discount_percent") or "").strip() or "0",
        }


DealLineFormSet = forms.formset_factory(
    DealLineForm, extra=1, can_delete=True, max_num=100, validate_max=True
)


def product_choices() -> tuple[list[tuple[str, str]], dict[str, Product]]:
    products = list(Product.objects.active().order_by("name", "id"))
    return (
        [
            (str(product.public_id), f"{product.name} ({product.currency} {product.price:,.2f})")
            for product in products
        ],
        {str(product.public_id): product for product in products},
    )


class DealNoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened? Markdown works."}),
    )


class LostForm(forms.Form):
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.none(),
        to_field_name="key",
        empty_label="Choose a reason…",
        label="Why was it lost?",
        error_messages={"invalid_choice": "Choose one of the lost reasons."},
    )
    lost_comment = forms.CharField(
        required=False, max_length=2000, label="Comment", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].queryset = LostReason.objects.active()  # type: ignore[attr-defined]


# --- Pipeline settings ----------------------------------------------------------------------------


class PipelineForm(forms.Form):
    name = forms.CharField(max_length=120)
    currency = forms.ChoiceField(choices=currency_choices, help_text="New deals start in this currency.")
    rotting_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        initial=14,
        label="Rotting after (days)",
        help_text="Open deals untouched this long are flagged on the board; 0 turns it off.",
    )
    is_default = forms.BooleanField(required=False, label="Default pipeline", help_text="Opened by /deals/.")


class StageForm(forms.Form):
    name = forms.CharField(max_length=80)
    probability = forms.IntegerField(min_value=0, max_value=100, initial=10, label="Win probability %")
    kind = forms.ChoiceField(choices=StageKind.choices, initial=StageKind.OPEN)
    required_fields = forms.MultipleChoiceField(
        choices=DealField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Required to enter",
    )


class LostReasonForm(forms.Form):
    label = forms.CharField(max_length=80, label="New reason")


__all__ = [
    "DealForm",
    "DealLineForm",
    "DealLineFormSet",
    "DealNoteForm",
    "LostForm",
    "LostReasonForm",
    "PipelineForm",
    "Role",
    "StageForm",
]
