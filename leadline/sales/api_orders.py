"""API routes: the product catalogue, orders and refunds, and cross-sell suggestions.

Everyone with `sales:read` reads products; only admins change them. Orders follow the contacts:
salespeople see and add orders of the contacts they can see; marketing reads every order and
changes none. Every write goes through the same services as the screens.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict

from leadline.accounts.api import UserRef
from leadline.api.auth import get_for_edit, request_user, require_role, sales_read, sales_write
from leadline.api.errors import field_error
from leadline.api.idempotency import request_fingerprint, run_idempotent
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.api import ContactRef
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.sales import order_services, product_services
from leadline.sales.models import Deal, Order, OrderLine, OrderSource, Product, Refund
from leadline.sales.order_selectors import OrderFilters, order_get, order_search
from leadline.sales.product_selectors import product_get, product_search
from leadline.sales.suggestions import DEFAULT_LIMIT, MAX_LIMIT, Suggestion
from leadline.sales.suggestions import suggestions_for_contact as contact_suggestions
from leadline.sales.suggestions import suggestions_for_deal as deal_suggestions

router = Router(tags=["Products and orders"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description="Any unique string (a UUID). Retrying with the same key and body replays the first response.",
)
AMOUNT_HELP = 'A decimal number as a JSON number or a string with a dot, e.g. "1250.00".'
ADMINS_ONLY = "Only admins can change the product catalogue."
MARKETING_READS = "Marketing reads orders but does not change them."


def _amount_input(value: Any) -> Any:
    """Numbers as JSON numbers or text; anything else is refused here, under the field's own name."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError('Must be a number or a string such as "1250.00".')
    return value


Amount = Annotated[Decimal | str, BeforeValidator(_amount_input)]
BillingName = Literal["one_off", "monthly", "yearly"]


class InputSchema(Schema):
    """Request bodies refuse keys they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


# --- Output schemas -----------------------------------------------------------------------------------


class ProductOut(Schema):
    id: UUID
    sku: str | None
    name: str
    description: str
    category: str
    price: Decimal
    currency: str
    billing: str
    is_recurring: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(product: Product) -> UUID:
        return product.public_id


class ProductRef(Schema):
    id: UUID
    sku: str | None
    name: str

    @staticmethod
    def resolve_id(product: Product) -> UUID:
        return product.public_id


class OrderLineOut(Schema):
    id: UUID
    product: ProductRef | None
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    total: Decimal

    @staticmethod
    def resolve_id(line: OrderLine) -> UUID:
        return line.public_id


class RefundOut(Schema):
    id: UUID
    amount: Decimal
    reason: str
    refunded_at: datetime
    actor: UserRef | None

    @staticmethod
    def resolve_id(refund: Refund) -> UUID:
        return refund.public_id


class OrderOut(Schema):
    id: UUID
    number: str
    external_id: str | None
    contact: ContactRef
    deal: UUID | None = Field(description="The won deal this order came from, if any.")
    ordered_at: datetime
    currency: str
    total: Decimal
    refunded_total: Decimal
    net_total: Decimal
    source: str
    lines: list[OrderLineOut]
    refunds: list[RefundOut]
    created_at: datetime

    @staticmethod
    def resolve_id(order: Order) -> UUID:
        return order.public_id

    @staticmethod
    def resolve_deal(order: Order) -> UUID | None:
        return order.deal.public_id if order.deal_id and order.deal else None

    @staticmethod
    def resolve_lines(order: Order) -> list[OrderLine]:
        return list(order.lines.all())

    @staticmethod
    def resolve_refunds(order: Order) -> list[Refund]:
        return list(order.refunds.all())


class SuggestionOut(Schema):
    product: ProductOut
    kind: Literal["together", "next"] = Field(
        description="`together`: bought on the same order; `next`: bought in a later order."
    )
    because_of: ProductRef = Field(description="The product the customer owns (or the deal has).")
    customers_with_both: int
    customers_with_antecedent: int
    support: float = Field(description="Share of all customers who bought both products.")
    confidence: float = Field(description="Share of the buyers of `because_of` who bought `product`.")
    lift: float = Field(description="How much more likely than for customers at large (above 1).")
    explanation: str


class SuggestionsOut(Schema):
    items: list[SuggestionOut]


# --- Input schemas ------------------------------------------------------------------------------------


class ProductCreateIn(InputSchema):
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = Field("", max_length=5000)
    category: str = Field("", max_length=80)
    price: Amount = Field(description=AMOUNT_HELP)
    currency: str = Field("USD", max_length=10, description="ISO 4217 code.")
    billing: BillingName = "one_off"
    is_active: bool = True


class ProductPatchIn(InputSchema):
    sku: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    category: str | None = Field(None, max_length=80)
    price: Amount | None = Field(None, description=AMOUNT_HELP)
    currency: str | None = Field(None, max_length=10, description="ISO 4217 code.")
    billing: BillingName | None = None
    is_active: bool | None = None


class ProductListQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Part of the name, SKU or category.")
    active: bool | None = Field(None, description="Only active (true) or inactive (false) products.")


class OrderLineIn(InputSchema):
    product: str | None = Field(None, max_length=64, description="Public id or SKU of an active product.")
    name: str | None = Field(None, max_length=200, description="Defaults to the product's name.")
    quantity: Amount = Field(Decimal(1), description=AMOUNT_HELP)
    unit_price: Amount | None = Field(None, description="Defaults to the product's price. " + AMOUNT_HELP)
    discount_percent: Amount = Field(Decimal(0), description="0 to 100.")


class OrderCreateIn(InputSchema):
    contact: str = Field(max_length=254, description="Public id or email of a contact you can see.")
    currency: str = Field(max_length=10, description="ISO 4217 code.")
    ordered_at: str | None = Field(
        None, max_length=40, description="ISO 8601 date or date-time; default: now. A date means midnight."
    )
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=order_services.MAX_LINES)
    total: Amount | None = Field(None, description="Default: the sum of the lines. " + AMOUNT_HELP)
    external_id: str | None = Field(
        None, max_length=120, description="The order's id in your system; a second order with it is refused."
    )


class RefundIn(InputSchema):
    amount: Amount | None = Field(None, description="Default: everything left on the order. " + AMOUNT_HELP)
    reason: str = Field("", max_length=order_services.REFUND_REASON_MAX_LENGTH)


class OrderListQuery(Schema):
    contact: UUID | None = None
    source: Literal["deal", "api", "import", "manual"] | None = None
    product: UUID | None = Field(None, description="Orders with a line of this product.")
    ordered_from: date | None = Field(None, description="On or after this day.")
    ordered_to: date | None = Field(None, description="On or before this day.")
    q: str | None = Field(
        None, max_length=200, description="Order number, external id, contact email or name."
    )


class SuggestionQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


ProductPage = page_schema(ProductOut, "ProductPage")
OrderPage = page_schema(OrderOut, "OrderPage")


# --- Products -----------------------------------------------------------------------------------------


@router.get(
    "/products", auth=sales_read, response=ProductPage, url_name="product_list", summary="List products"
)
def product_list_route(request: HttpRequest, filters: Query[ProductListQuery], page: Query[PageQuery]) -> Any:
    """Ordered by name."""
    products = product_search(user=request_user(request), q=filters.q or "", active=filters.active)
    return paginate(products, page, key="name", namespace="products", descending=False)


@router.get(
    "/products/{product_id}",
    auth=sales_read,
    response=ProductOut,
    url_name="product_get",
    summary="Get a product",
)
def product_get_route(request: HttpRequest, product_id: str) -> Product:
    return product_get(user=request_user(request), public_id=product_id)


@router.post(
    "/products",
    auth=sales_write,
    response={201: ProductOut},
    url_name="product_create",
    summary="Add a product",
)
def product_create_route(
    request: HttpRequest, payload: ProductCreateIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> HttpResponse:
    """Admins only."""
    user = request_user(request)
    require_role(user, message=ADMINS_ONLY)
    data = payload.model_dump(mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        product = product_services.product_create(actor=user, data=data)
        return 201, ProductOut.model_validate(product).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


@router.patch(
    "/products/{product_id}",
    auth=sales_write,
    response=ProductOut,
    url_name="product_update",
    summary="Change a product",
)
def product_update_route(request: HttpRequest, product_id: str, payload: ProductPatchIn) -> Product:
    """Admins only. Only the fields sent are changed; set `is_active` to false to retire a product."""
    user = request_user(request)
    product = get_for_edit(Product.objects.all(), user, product_id, message=ADMINS_ONLY)
    data = payload.model_dump(exclude_unset=True, mode="json")
    nulls = [name for name, value in data.items() if value is None]
    if nulls:
        raise field_error(nulls[0], "Cannot be null.")
    return product_services.product_update(product=product, actor=user, data=data)


# --- Orders -------------------------------------------------------------------------------------------


def _orders() -> Any:
    return Order.objects.select_related("contact", "deal").prefetch_related(
        "lines__product", "refunds__actor"
    )


@router.get("/orders", auth=sales_read, response=OrderPage, url_name="order_list", summary="List orders")
def order_list_route(request: HttpRequest, filters: Query[OrderListQuery], page: Query[PageQuery]) -> Any:
    """Newest first. Salespeople see the orders of the contacts they can see."""
    selected = OrderFilters(
        q=filters.q or "",
        ordered_from=filters.ordered_from,
        ordered_to=filters.ordered_to,
        source=filters.source or "",
        product=filters.product,
        contact=filters.contact,
    )
    orders = (
        order_search(user=request_user(request), filters=selected)
        .select_related("deal")
        .prefetch_related("refunds__actor")
    )
    return paginate(orders, page, key="ordered_at", namespace="orders")


@router.get(
    "/orders/{order_id}", auth=sales_read, response=OrderOut, url_name="order_get", summary="Get an order"
)
def order_get_route(request: HttpRequest, order_id: str) -> Order:
    return order_get(user=request_user(request), public_id=order_id)


def _contact(user: Any, value: str) -> Contact:
    text = value.strip()
    contacts = Contact.objects.for_user(user)
    public_id = parse_public_id(text)
    found = (
        contacts.filter(public_id=public_id).first()
        if public_id is not None
        else contacts.filter(email=text.lower()).first()
    )
    if found is None:
        raise field_error("contact", "No contact you can see has this id or email.")
    return found


def _product(value: str, index: int) -> Product:
    products = Product.objects.active()
    public_id = parse_public_id(value)
    found = products.filter(public_id=public_id).first() if public_id else products.filter(sku=value).first()
    if found is None:
        raise field_error(f"lines.{index}.product", "No active product has this id or SKU.")
    return found


@router.post(
    "/orders",
    auth=sales_write,
    response={201: OrderOut},
    url_name="order_create",
    summary="Record an order",
)
def order_create_route(
    request: HttpRequest, payload: OrderCreateIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> HttpResponse:
    """Give `lines`, or only a `total`. The contact becomes a customer and the order lands on their
    timeline. An `external_id` already used is refused (400), so retries cannot double revenue."""
    user = request_user(request)
    require_role(user, "sales", message=MARKETING_READS)
    data = payload.model_dump(mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        contact = _contact(user, payload.contact)
        lines = [
            {
                **line.model_dump(exclude={"product"}),
                "product": _product(line.product, index) if line.product else None,
            }
            for index, line in enumerate(payload.lines)
        ]
        with transaction.atomic():
            order = order_services.order_place(
                actor=user,
                contact=contact,
                lines=lines,
                currency=payload.currency,
                ordered_at=payload.ordered_at,
                total=payload.total,
                external_id=payload.external_id,
                source=OrderSource.API,
            )
        fresh = _orders().get(pk=order.pk)
        return 201, OrderOut.model_validate(fresh).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


@router.post(
    "/orders/{order_id}/refunds",
    auth=sales_write,
    response={201: OrderOut},
    url_name="order_refund",
    summary="Refund part or all of an order",
)
def order_refund_route(request: HttpRequest, order_id: str, payload: RefundIn) -> Status:
    """Never more than what is left on the order (400 otherwise). Answers with the order, its
    refunds included."""
    user = request_user(request)
    order = get_for_edit(Order.objects.select_related("contact"), user, order_id, message=MARKETING_READS)
    order_services.order_refund(order=order, amount=payload.amount, reason=payload.reason, actor=user)
    return Status(201, _orders().get(pk=order.pk))


# --- Suggestions --------------------------------------------------------------------------------------


def _suggestions_out(suggestions: list[Suggestion]) -> dict[str, Any]:
    return {
        "items": [
            {
                "product": suggestion.product,
                "kind": suggestion.kind,
                "because_of": suggestion.because_of,
                "customers_with_both": suggestion.customers_with_both,
                "customers_with_antecedent": suggestion.customers_with_antecedent,
                "support": round(suggestion.support, 4),
                "confidence": round(suggestion.confidence, 4),
                "lift": round(suggestion.lift, 4),
                "explanation": suggestion.explanation,
            }
            for suggestion in suggestions
        ]
    }


@router.get(
    "/contacts/{contact_id}/suggestions",
    auth=sales_read,
    response=SuggestionsOut,
    url_name="contact_suggestions",
    summary="Cross-sell suggestions for a contact",
)
def contact_suggestions_route(request: HttpRequest, contact_id: str, query: Query[SuggestionQuery]) -> Any:
    """Products customers like this one bought together with, or after, what this contact owns;
    never one they already own. Strongest rule first."""
    contact = get_for_user(Contact.objects, request_user(request), contact_id)
    return _suggestions_out(contact_suggestions(contact, limit=query.limit))


@router.get(
    "/deals/{deal_id}/suggestions",
    auth=sales_read,
    response=SuggestionsOut,
    url_name="deal_suggestions",
    summary="Cross-sell suggestions for a deal",
)
def deal_suggestions_route(request: HttpRequest, deal_id: str, query: Query[SuggestionQuery]) -> Any:
    """Products often bought with the products on the deal, leaving out what is on it already or
    owned by its contact."""
    deal = get_for_user(Deal.objects.select_related("contact"), request_user(request), deal_id)
    return _suggestions_out(deal_suggestions(deal, limit=query.limit))
