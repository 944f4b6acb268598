"""The testimonial screens under /testimonials/manage/: moderation (list, detail, approve, reject,
edit with the customer's re-consent), asking a contact for a testimonial, and the public walls.

Everyone signed in may open the list: admins and marketing see every testimonial and moderate;
salespeople see those of the contacts they can see, and may ask their contacts for one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail.models import Template
from leadline.testimonials import selectors, services
from leadline.testimonials.forms import EditForm, RejectForm, RequestForm, WallForm
from leadline.testimonials.links import collect_url
from leadline.testimonials.models import Testimonial, Wall
from leadline.testimonials.public_views import photo_response

STATUS_TABS = [
    ("pending", "Awaiting approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
    ("all", "All"),
]


def _moderates(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


@require_GET
@login_required
def testimonial_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    if status not in selectors.STATUS_FILTERS:
        status = "pending"
    q = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    page = paginate(selectors.testimonial_list(user=request.user, status=status, q=q), request.GET)
    context = {
        "page": page,
        "status": status,
        "q": q,
        "tabs": STATUS_TABS,
        "counts": selectors.status_counts(user=request.user),
        "open_request_count": selectors.open_requests(user=request.user).count(),
        "can_moderate": _moderates(request.user),
    }
    return render(request, "testimonials/list.html", context)


@require_GET
@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.open_requests(user=request.user), request.GET)
    return render(request, "testimonials/requests.html", {"page": page})


def _templates(user: Any) -> Any:
    return (
        Template.objects.for_user(user)
        .filter(kind=Template.Kind.TRANSACTIONAL, format="markdown")
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    """Ask a contact for a testimonial: from the contact's page (`?contact=<id>`) or by email address."""
    templates = _templates(request.user)
    source = request.POST if request.method == "POST" else None
    form = RequestForm(source, templates=templates, initial={"contact": request.GET.get("contact", "")})
    contact = None
    chosen = request.GET.get("contact") or (request.POST.get("contact") if request.method == "POST" else "")
    if chosen:
        contact = selectors.contact_for_request(user=request.user, public_id=chosen)
    if request.method == "POST" and form.is_valid():
        if contact is None:
            email = (form.cleaned_data.get("email") or "").strip().lower()
            contact = Contact.objects.for_user(request.user).filter(email=email).first() if email else None
            if contact is None:
                form.add_error("email", "No contact you can see has this email address.")
        if contact is not None:
            try:
                created = services.testimonial_request_create(
                    contact=contact, requested_by=request.user, template=form.chosen_template()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Testimonial request queued for {contact.display_name}. "
                    f"The link works until {created.expires_at:%d %b %Y}.",
                )
                return redirect("testimonials:requests")
    return render(
        request,
        "testimonials/request_form.html",
        {"form": form, "contact": contact, "has_templates": bool(form.templates)},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def testimonial_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    testimonial = selectors.testimonial_detail(user=request.user, public_id=public_id)
    return render(request, "testimonials/detail.html", _detail_context(request, testimonial))


def _detail_context(request: HttpRequest, testimonial: Testimonial, **extra: Any) -> dict[str, Any]:
    proposal = [
        {
            "label": services.FIELD_LABELS.get(field, field),
            "before": getattr(testimonial, field),
            "after": value,
        }
        for field, value in (testimonial.proposed or {}).items()
    ]
    return {
        "testimonial": testimonial,
        "contact": testimonial.contact,
        "can_moderate": _moderates(request.user),
        "proposal": proposal,
        "walls": Wall.objects.filter(is_published=True, min_rating__lte=testimonial.rating),
        "reject_form": RejectForm(),
        "collect_link": collect_url(testimonial.request.public_id)
        if _moderates(request.user) and services.request_is_open(testimonial.request)
        else "",
        **extra,
    }


def _moderated(request: HttpRequest, public_id: Any) -> Testimonial:
    return get_for_user(
        Testimonial.objects.select_related("contact", "request"), request.user, public_id, for_edit=True
    )


@require_POST
@role_required("marketing")
def testimonial_approve(request: HttpRequest, public_id: Any) -> HttpResponse:
    testimonial = _moderated(request, public_id)
    try:
        services.testimonial_approve(testimonial=testimonial, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Approved. {testimonial.display_name}'s testimonial is on the walls now.")
    return redirect("testimonials:detail", public_id=testimonial.public_id)


@require_POST
@role_required("marketing")
def testimonial_reject(request: HttpRequest, public_id: Any) -> HttpResponse:
    testimonial = _moderated(request, public_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long: at most 500 characters.")
        return redirect("testimonials:detail", public_id=testimonial.public_id)
    try:
        services.testimonial_reject(
            testimonial=testimonial, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Rejected. It is not shown anywhere.")
    return redirect("testimonials:detail", public_id=testimonial.public_id)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def testimonial_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Edits are proposals: the customer confirms them by email before they replace their words."""
    testimonial = _moderated(request, public_id)
    current = {
        field: (testimonial.proposed or {}).get(field, getattr(testimonial, field))
        for field in services.EDITABLE_FIELDS
    }
    current["rating"] = str(current["rating"])
    form = EditForm(request.POST if request.method == "POST" else None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.testimonial_propose_edit(
                testimonial=testimonial, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Edit saved as a proposal. We emailed {testimonial.contact.display_name} a link to confirm it; "
                "the published words change only when they do.",
            )
            return redirect("testimonials:detail", public_id=testimonial.public_id)
    return render(
        request,
        "testimonials/edit.html",
        {"form": form, "testimonial": testimonial, "rating_values": [5, 4, 3, 2, 1]},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required("marketing")
def proposal_cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    testimonial = _moderated(request, public_id)
    services.testimonial_proposal_cancel(testimonial=testimonial, actor=request.user)
    messages.success(request, "The proposed edit was withdrawn; the link we sent no longer works.")
    return redirect("testimonials:detail", public_id=testimonial.public_id)


@require_POST
@role_required("marketing")
def photo_remove(request: HttpRequest, public_id: Any) -> HttpResponse:
    testimonial = _moderated(request, public_id)
    services.testimonial_photo_remove(testimonial=testimonial, actor=request.user)
    messages.success(request, "Photo removed.")
    return redirect("testimonials:detail", public_id=testimonial.public_id)


@require_GET
@login_required
def photo(request: HttpRequest, public_id: Any) -> FileResponse:
    testimonial = selectors.testimonial_detail(user=request.user, public_id=public_id)
    if not testimonial.photo:
        raise Http404("No photo")
    return photo_response(testimonial, public=False)


# --- Walls ----------------------------------------------------------------------------------------


@require_GET
@login_required
def wall_list(request: HttpRequest) -> HttpResponse:
    walls = list(selectors.wall_list(user=request.user))
    rows = [
        {"wall": wall, "url": selectors.wall_url(wall), "count": len(selectors.wall_items(wall))}
        for wall in walls
    ]
    return render(request, "testimonials/walls.html", {"rows": rows, "can_edit": _moderates(request.user)})


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def wall_create(request: HttpRequest) -> HttpResponse:
    form = WallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            wall = services.wall_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Wall “{wall.title}” created.")
            return redirect("testimonials:wall_edit", public_id=wall.public_id)
    return render(request, "testimonials/wall_form.html", {"form": form, "wall": None},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def wall_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    wall = get_for_user(Wall.objects, request.user, public_id, for_edit=True)
    initial = {field: getattr(wall, field) for field in services.WALL_FIELDS}
    form = WallForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.wall_update(wall=wall, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Wall saved.")
            return redirect("testimonials:wall_edit", public_id=wall.public_id)
    context = {
        "form": form,
        "wall": wall,
        "wall_url": selectors.wall_url(wall),
        "embed_url": selectors.wall_url(wall) + "embed.js",
    }
    return render(
        request, "testimonials/wall_form.html", context, status=400 if request.method == "POST" else 200
    )


@require_POST
@role_required("marketing")
def wall_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    wall = get_for_user(Wall.objects, request.user, public_id, for_edit=True)
    services.wall_delete(wall=wall, actor=request.user)
    messages.success(request, f"Wall “{wall.title}” deleted. Pages that embed it show nothing now.")
    return redirect("testimonials:wall_list")
