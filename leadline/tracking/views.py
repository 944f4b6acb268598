"""The Website screens (traffic overview, anonymous visitors) and the tracked-site settings.

The public endpoints (`/t.js`, `/t/collect`) are in `endpoints.py`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.access import parse_public_id
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.tracking import services
from leadline.tracking.forms import SiteForm
from leadline.tracking.models import Site
from leadline.tracking.selectors import (
    anonymous_visitors,
    site_choices,
    site_get,
    site_list,
    website_overview,
)

RECENT_VISITORS = 8


def can_manage_sites(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def install_snippet(site: Site) -> str:
    return f'<script async src="{settings.BASE_URL}/t.js" data-site="{site.key}"></script>'


def _chosen_site(request: HttpRequest, sites: list[Site]) -> Site | None:
    chosen = parse_public_id(request.GET.get("site"))
    return next((site for site in sites if site.public_id == chosen), None)


@require_GET
@login_required
def website(request: HttpRequest) -> HttpResponse:
    sites = site_choices(user=request.user)
    site = _chosen_site(request, sites)
    overview = website_overview(user=request.user, site=site)
    context = {
        "sites": sites,
        "site": site,
        "overview": overview,
        "recent_visitors": list(anonymous_visitors(user=request.user, site=site)[:RECENT_VISITORS]),
        "can_manage": can_manage_sites(request.user),
    }
    return render(request, "tracking/website.html", context)


@require_GET
@login_required
def visitor_list(request: HttpRequest) -> HttpResponse:
    sites = site_choices(user=request.user)
    site = _chosen_site(request, sites)
    domain = (request.GET.get("domain") or "").strip()[:253]
    query = (request.GET.get("q") or "").strip()[:100]
    page = paginate(anonymous_visitors(user=request.user, site=site, domain=domain, q=query), request.GET)
    context = {"sites": sites, "site": site, "domain": domain, "query": query, "page": page}
    return render(request, "tracking/visitor_list.html", context)


@require_GET
@login_required
def site_settings(request: HttpRequest) -> HttpResponse:
    sites = list(site_list(user=request.user))
    context = {
        "sites": [(site, install_snippet(site)) for site in sites],
        "can_manage": can_manage_sites(request.user),
    }
    return render(request, "tracking/site_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                allowed_domains=form.cleaned_data["allowed_domains"],
                respect_dnt=form.cleaned_data["respect_dnt"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Site “{site.name}” was added. Paste the snippet into your pages.")
            return redirect("tracking:site_edit", public_id=site.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "tracking/site_form.html", {"form": form, "site": None}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def site_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    site = site_get(user=request.user, public_id=public_id, for_edit=True)
    form = SiteForm(request.POST if request.method == "POST" else None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(
                site=site,
                actor=request.user,
                name=form.cleaned_data["name"],
                allowed_domains=form.cleaned_data["allowed_domains"],
                respect_dnt=form.cleaned_data["respect_dnt"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Site “{site.name}” was saved.")
            return redirect("tracking:site_list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "site": site, "snippet": install_snippet(site)}
    return render(request, "tracking/site_form.html", context, status=status)


@require_POST
@role_required("marketing")
def site_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    site = site_get(user=request.user, public_id=public_id, for_edit=True)
    name = site.name
    services.site_delete(site=site, actor=request.user)
    messages.success(request, f"Site “{name}” was deleted. Its snippet no longer records anything.")
    return redirect("tracking:site_list")
