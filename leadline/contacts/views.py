"""Contact and company screens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadline.contacts.models import Company, Contact


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    contacts = Contact.objects.for_user(request.user)[:50]
    return render(request, "contacts/contact_list.html", {"contacts": contacts})


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    companies = Company.objects.for_user(request.user)[:50]
    return render(request, "contacts/company_list.html", {"companies": companies})
