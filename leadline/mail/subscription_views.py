"""The subscription type screens (admins and marketing): the types the preference centre offers,
who stands opted out, and one contact's email opt-outs and consent history (anyone who can see
the contact)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail import preferences
from leadline.mail.models import SubscriptionType, UnsubscribeSource
from leadline.mail.subscription_forms import SubscriptionTypeForm, UnsubscribeFilterForm

CONSENT_ROWS = 100


@require_GET
@role_required("marketing")
def subscription_list(request: HttpRequest) -> HttpResponse:
    types = list(preferences.subscription_type_list(user=request.user))
    context = {
        "types": [item for item in types if not item.is_archived],
        "archived": [item for item in types if item.is_archived],
    }
    return render(request, "mail/subscriptions/list.html", context)


def _form_page(request: HttpRequest, subscription_type: SubscriptionType | None) -> HttpResponse:
    editing = subscription_type is not None
    initial = (
        {
            "name": subscription_type.name,
            "description": subscription_type.description,
            "position": subscription_type.position,
        }
        if subscription_type is not None
        else {"position": 0}
    )
    form = SubscriptionTypeForm(
        request.POST if request.method == "POST" else None, initial=initial, editing=editing
    )
    if request.method == "POST" and form.is_valid():
        try:
            if subscription_type is None:
                saved = preferences.subscription_type_create(actor=request.user, data=form.cleaned_data)
            else:
                saved = preferences.subscription_type_update(
                    subscription_type=subscription_type, actor=request.user, data=form.cleaned_data
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Subscription type “{saved.name}” saved.")
            return redirect("mail:subscription_list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "subscription_type": subscription_type}
    return render(request, "mail/subscriptions/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def subscription_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def subscription_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _form_page(request, preferences.subscription_type_get(user=request.user, public_id=public_id))


@require_POST
@role_required("marketing")
def subscription_archive(request: HttpRequest, public_id: Any) -> HttpResponse:
    subscription_type = preferences.subscription_type_get(user=request.user, public_id=public_id)
    preferences.subscription_type_archive(subscription_type=subscription_type, actor=request.user)
    messages.success(request, f"“{subscription_type.name}” was archived. Opt-outs from it are kept.")
    return redirect("mail:subscription_list")


@require_POST
@role_required("marketing")
def subscription_restore(request: HttpRequest, public_id: Any) -> HttpResponse:
    subscription_type = preferences.subscription_type_get(user=request.user, public_id=public_id)
    preferences.subscription_type_archive(
        subscription_type=subscription_type, actor=request.user, archived=False
    )
    messages.success(request, f"“{subscription_type.name}” is back in the preference centre.")
    return redirect("mail:subscription_list")


@require_GET
@role_required("marketing")
def unsubscribe_list(request: HttpRequest) -> HttpResponse:
    form = UnsubscribeFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {"q": "", "type": "", "source": ""}
    rows = preferences.unsubscribe_list(
        user=request.user, q=filters["q"], type_key=filters["type"], source=filters["source"]
    )
    context = {
        "page": paginate(rows, request.GET),
        "filters": filters,
        "is_filtered": any(filters.values()),
        "types": preferences.subscription_type_list(user=request.user),
        "sources": UnsubscribeSource.choices,
    }
    return render(request, "mail/subscriptions/unsubscribes.html", context)


@require_GET
@login_required
def contact_unsubscribes(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = get_for_user(Contact.objects, request.user, public_id)
    standing = preferences.contact_preferences(contact)
    context = {
        "contact": contact,
        "unsubscribed_all": standing.unsubscribed_from_all,
        "types": [
            (item, item.pk not in standing.unsubscribed_type_ids)
            for item in preferences.active_subscription_types()
        ],
        "unsubscribes": preferences.contact_unsubscribes(contact=contact),
        "consents": preferences.contact_email_consents(contact=contact)[:CONSENT_ROWS],
    }
    return render(request, "mail/subscriptions/contact.html", context)
