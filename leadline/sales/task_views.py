"""Screens of tasks: "my day", the full list, the task form, one-click completion, the contact
page's tasks panel and logging a call or a meeting. Thin: access helper → one service or selector
call → response. Forms post normally and also through htmx, which swaps in a fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.models import User
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import task_selectors as selectors
from leadline.sales import task_services as services
from leadline.sales.models import Deal, Task
from leadline.sales.task_forms import LogForm, QuickTaskForm, TaskFilterForm, TaskForm

FORM_FIELD_OF = {"due_at": "due_time", "remind_at": "reminder"}
EDIT_DENIED = "Only the person the task is assigned to, its author or an admin can change it."


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _task_to_edit(request: HttpRequest, task_id: str) -> Task:
    """404 when the task is not visible; 403 when visible but not the user's to change."""
    task = selectors.task_get(user=_user(request), public_id=task_id)
    if not services.can_edit_task(task, request.user):
        raise PermissionDenied(EDIT_DENIED)
    return task


def _optional(model: Any, user: User, public_id: str | None) -> Any:
    """A prefilled contact or deal from the query string; a stale or foreign id is just ignored."""
    if not public_id:
        return None
    try:
        return get_for_user(model.objects, user, public_id)
    except Http404:
        return None


def _save_task(form: TaskForm, user: User, task: Task | None = None) -> Task | None:
    """Create or update from a valid form; service errors land on the form (None returned)."""
    data = form.service_data()
    references = {name: form.cleaned_data.get(name) for name in ("contact", "deal") if name in form.fields}
    if task is not None:
        # A link left as it was stays, even to a contact or deal the editor cannot see themselves
        # (a task a colleague gave them about one of theirs).
        contact = task.contact
        if contact is not None and references.get("contact") in (contact.email, str(contact.public_id)):
            references.pop("contact")
            data["contact"] = contact
        if task.deal is not None and references.get("deal") == str(task.deal.public_id):
            references.pop("deal")
            data["deal"] = task.deal
    try:
        data.update(services.task_references(actor=user, **references))
        if task is None:
            return services.task_create(actor=user, **data)
        return services.task_update(task=task, actor=user, data=data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            # The services speak of moments; the form of the fields they were typed into.
            error = ValidationError(
                {FORM_FIELD_OF.get(name, name): messages for name, messages in error.error_dict.items()}
            )
        add_service_errors(form, error)
        return None


# --- My day and the list ----------------------------------------------------------------------------


@login_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    day = selectors.my_day(user=user, scope=request.GET.get("scope", "mine"))
    return render(
        request,
        "sales/tasks/my_day.html",
        {
            "day": day,
            "scopes": selectors.scopes_for(user),
            # Added from "my day", a task is for today unless said otherwise.
            "quick_form": QuickTaskForm(user=user, initial={"due_date": timezone.localdate()}),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TaskFilterForm(request.GET or None, user=user)
    if form.is_bound:
        form.is_valid()
    contact = _optional(Contact, user, request.GET.get("contact"))
    deal = _optional(Deal, user, request.GET.get("deal"))
    filters = form.filters(contact=contact, deal=deal)
    page = paginate(selectors.task_list(user=user, filters=filters), request.GET)
    return render(
        request,
        "sales/tasks/task_list.html",
        {"form": form, "filters": filters, "page": page, "now": timezone.now()},
        status=400 if form.errors else 200,
    )


# --- One task ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    contact = _optional(Contact, user, request.GET.get("contact"))
    deal = _optional(Deal, user, request.GET.get("deal"))
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") else {}
    form = TaskForm(request.POST or None, user=user, contact=contact, deal=deal, initial=initial)
    if request.method == "POST" and form.is_valid():
        task = _save_task(form, user)
        if task is not None:
            messages.success(request, f"Task added: {task.title}")
            return redirect(_next_url(request, reverse("sales:my_day")))
    return render(
        request,
        "sales/tasks/task_form.html",
        {"form": form, "task": None, "editable": True, "next": _next_url(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    """The task: its form for those who may change it, a read-only view for teammates."""
    user = _user(request)
    task = selectors.task_get(user=user, public_id=task_id)
    editable = services.can_edit_task(task, user)
    if request.method == "POST" and not editable:
        raise PermissionDenied(EDIT_DENIED)
    form = TaskForm(request.POST or None, user=user, task=task) if editable else None
    if (
        request.method == "POST"
        and form is not None
        and form.is_valid()
        and _save_task(form, user, task) is not None
    ):
        messages.success(request, "Task saved.")
        return redirect(_next_url(request, reverse("sales:my_day")))
    return render(
        request,
        "sales/tasks/task_form.html",
        {
            "form": form,
            "task": task,
            "editable": editable,
            "next": _next_url(request, ""),
            "now": timezone.now(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _after_toggle(request: HttpRequest, task: Task, message: str) -> HttpResponse:
    """The changed line for htmx (with fresh "my day" counts when it came from there), else back."""
    if not _is_htmx(request):
        messages.success(request, message)
        return redirect(_next_url(request, reverse("sales:my_day")))
    task = selectors.task_get(user=_user(request), public_id=task.public_id)
    layout = request.POST.get("layout", "item")
    context: dict[str, Any] = {
        "task": task,
        "now": timezone.now(),
        "layout": layout,
        "next": _next_url(request, ""),
        "announce": message,
        "hide_contact": layout == "contact",
    }
    if layout == "myday":
        context["day"] = selectors.my_day(user=_user(request), scope=request.POST.get("scope", "mine"))
        context["counts_oob"] = True
    template = "sales/tasks/_task_row.html" if layout == "row" else "sales/tasks/_task_item.html"
    response = render(request, template, context)
    # The contact page refreshes its timeline on this event (completing writes an entry there).
    response["HX-Trigger"] = "leadline:task-changed"
    return response


@login_required
@require_POST
def task_complete(request: HttpRequest, task_id: str) -> HttpResponse:
    task = _task_to_edit(request, task_id)
    services.task_complete(task=task, actor=_user(request))
    return _after_toggle(request, task, f"Done: {task.title}")


@login_required
@require_POST
def task_reopen(request: HttpRequest, task_id: str) -> HttpResponse:
    task = _task_to_edit(request, task_id)
    services.task_reopen(task=task, actor=_user(request))
    return _after_toggle(request, task, f"Reopened: {task.title}")


@login_required
@require_http_methods(["GET", "POST"])
def task_delete(request: HttpRequest, task_id: str) -> HttpResponse:
    task = _task_to_edit(request, task_id)
    if request.method == "POST":
        services.task_delete(task=task, actor=_user(request))
        messages.success(request, f"Deleted the task “{task.title}”.")
        return redirect(_next_url(request, reverse("sales:my_day")))
    return render(request, "sales/tasks/task_delete.html", {"task": task, "next": _next_url(request, "")})


@login_required
@require_GET
def contact_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s for the contact picker of the task form (an htmx-filled datalist)."""
    contacts = selectors.contact_suggestions(user=_user(request), query=request.GET.get("contact", ""))
    return render(request, "sales/tasks/_contact_options.html", {"contacts": contacts})


# --- The contact page ------------------------------------------------------------------------------


def _contact_panel(
    request: HttpRequest, contact: Contact, form: QuickTaskForm, status: int = 200
) -> HttpResponse:
    tasks, total = selectors.contact_open_tasks(user=_user(request), contact=contact)
    context = {
        "contact": contact,
        "contact_url": reverse("contacts:detail", args=[contact.public_id]),
        "tasks": tasks,
        "total": total,
        "quick_form": form,
        "now": timezone.now(),
        "call_form": LogForm(kind="call"),
        "meeting_form": LogForm(kind="meeting"),
    }
    template = "sales/tasks/_contact_tasks.html" if _is_htmx(request) else "sales/tasks/contact_tasks.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_tasks(request: HttpRequest, public_id: str) -> HttpResponse:
    """The tasks panel of the contact page (a fragment); its quick-add form posts here."""
    user = _user(request)
    contact = get_for_user(Contact.objects, user, public_id)
    if request.method == "GET":
        return _contact_panel(request, contact, QuickTaskForm(user=user))
    form = QuickTaskForm(request.POST, user=user)
    if form.is_valid():
        try:
            task = services.task_create(actor=user, contact=contact, **form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not _is_htmx(request):
                messages.success(request, f"Task added: {task.title}")
                return redirect("contacts:detail", contact.public_id)
            return _contact_panel(request, contact, QuickTaskForm(user=user))
    # htmx swaps only successful answers, so its error answer is a 200 carrying the messages.
    return _contact_panel(request, contact, form, status=200 if _is_htmx(request) else 400)


def _log(request: HttpRequest, public_id: str, kind: str) -> HttpResponse:
    user = _user(request)
    contact = get_for_user(Contact.objects, user, public_id)
    form = LogForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        log = services.call_log if kind == "call" else services.meeting_log
        try:
            log(
                contact=contact,
                actor=user,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data.get("notes", ""),
                duration_minutes=form.cleaned_data.get("duration_minutes"),
                occurred_at=form.cleaned_data["occurred_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error, field="occurred_time")
        else:
            messages.success(request, f"{'Call' if kind == 'call' else 'Meeting'} logged on the timeline.")
            return redirect(_next_url(request, reverse("contacts:detail", args=[contact.public_id])))
    return render(
        request,
        "sales/tasks/log_form.html",
        {"form": form, "contact": contact, "kind": kind, "next": _next_url(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def log_call(request: HttpRequest, public_id: str) -> HttpResponse:
    return _log(request, public_id, "call")


@login_required
@require_http_methods(["GET", "POST"])
def log_meeting(request: HttpRequest, public_id: str) -> HttpResponse:
    return _log(request, public_id, "meeting")
