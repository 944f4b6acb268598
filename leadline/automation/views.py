"""Screens of workflows: the list, the editor (a vertical diagram with branches and per-step counts),
settings, test runs, enrolments with their errors and retries, and the playbooks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.automation import graph, selectors, services
from leadline.automation.forms import STEP_FIELDS, TRIGGER_FIELDS, bound_fields, read_fields
from leadline.automation.models import Enrolment, TriggerType, Workflow, manages_automation
from leadline.automation.playbooks import PLAYBOOKS, playbook_install
from leadline.automation.steps import STEP_TYPES
from leadline.automation.triggers import describe_trigger
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.decorators import role_required
from leadline.core.pagination import paginate

manage = role_required("marketing")


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [
            f"{name.replace('_', ' ').capitalize()}: {'; '.join(texts)}"
            if name != "__all__"
            else "; ".join(texts)
            for name, texts in error.message_dict.items()
        ]
    return list(error.messages)


@require_GET
@login_required
def workflow_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = paginate(selectors.workflow_list(user=request.user, status=status), request.GET)
    for workflow in page.object_list:
        workflow.trigger_text = describe_trigger(workflow)
    return render(
        request,
        "automation/workflow_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Workflow.Status.choices,
            "can_edit": manages_automation(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@manage
def workflow_create(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    values = {"name": "", "trigger_type": TriggerType.MANUAL}
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "trigger_type": request.POST.get("trigger_type", "")}
        try:
            workflow = services.workflow_create(actor=request.user, data={**values, "trigger_config": {}})
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, "Workflow created. Choose its trigger settings, then add steps.")
            return redirect("automation:settings", workflow.public_id)
    return render(
        request,
        "automation/workflow_create.html",
        {"errors": errors, "values": values, "triggers": TriggerType.choices},
        status=400 if errors else 200,
    )


def _editor_context(request: HttpRequest, workflow: Workflow, **extra: Any) -> dict[str, Any]:
    return {
        "workflow": workflow,
        "cards": selectors.diagram(workflow),
        "trigger_text": describe_trigger(workflow),
        "can_edit": manages_automation(request.user),
        "step_types": [(kind.type, kind.label, kind.group) for kind in STEP_TYPES.values()],
        "failed_count": workflow.enrolments.filter(state=Enrolment.State.FAILED, is_test=False).count(),
        **extra,
    }


@require_GET
@login_required
def workflow_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id)
    return render(request, "automation/workflow_detail.html", _editor_context(request, workflow))


@require_http_methods(["GET", "POST"])
@manage
def workflow_settings(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    errors: list[str] = []
    trigger = (
        request.POST.get("trigger_type", workflow.trigger_type)
        if request.method == "POST"
        else workflow.trigger_type
    )
    if request.method == "POST":
        try:
            import json

            goal_raw = (request.POST.get("goal") or "").strip()
            data = {
                "name": request.POST.get("name", ""),
                "description": request.POST.get("description", ""),
                "trigger_type": trigger,
                "trigger_config": read_fields(
                    TRIGGER_FIELDS.get(trigger, []), request.POST, prefix=f"{trigger}__"
                ),
                "reenrolment": request.POST.get("reenrolment", ""),
                "reenrol_after_days": request.POST.get("reenrol_after_days", ""),
                "exit_on_unsubscribe": request.POST.get("exit_on_unsubscribe") == "on",
                "exit_on_customer": request.POST.get("exit_on_customer") == "on",
            }
            try:
                data["goal"] = json.loads(goal_raw) if goal_raw else {}
            except ValueError:
                raise ValidationError({"goal": "This is not valid JSON."}) from None
            services.workflow_update(workflow=workflow, actor=request.user, data=data)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("automation:detail", workflow.public_id)
    trigger_fields = {
        key: bound_fields(spec, workflow.trigger_config if key == workflow.trigger_type else {})
        for key, spec in TRIGGER_FIELDS.items()
    }
    import json

    return render(
        request,
        "automation/workflow_settings.html",
        {
            "workflow": workflow,
            "errors": errors,
            "triggers": TriggerType.choices,
            "trigger": trigger,
            "trigger_fields": trigger_fields,
            "goal_json": json.dumps(workflow.goal) if workflow.goal else "",
        },
        status=400 if errors else 200,
    )


@require_POST
@manage
def workflow_status(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    try:
        services.workflow_set_status(
            workflow=workflow, actor=request.user, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
    else:
        messages.success(request, f"The workflow is now {workflow.get_status_display().lower()}.")
    return redirect("automation:detail", workflow.public_id)


@require_POST
@manage
def workflow_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    try:
        services.workflow_delete(workflow=workflow, actor=request.user)
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
        return redirect("automation:detail", workflow.public_id)
    messages.success(request, "Workflow deleted.")
    return redirect("automation:list")


# --- Steps ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manage
def step_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    source = request.POST if request.method == "POST" else request.GET
    kind = STEP_TYPES.get(source.get("type", ""))
    after, branch = source.get("after", ""), source.get("branch", "")
    steps = workflow.current_version.steps if workflow.current_version else []
    if after and graph.find(steps, after) is None:
        raise Http404("This place in the workflow no longer exists.")
    errors: list[str] = []
    values: dict[str, Any] = {}
    if kind is not None and request.method == "POST":
        try:
            values = read_fields(STEP_FIELDS.get(kind.type, []), request.POST)
            services.workflow_add_step(
                workflow=workflow,
                actor=request.user,
                data={"type": kind.type, **values},
                after=after or None,
                branch=branch or None,
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, f"{kind.label} step added.")
            return redirect("automation:detail", workflow.public_id)
    context = {
        "workflow": workflow,
        "kind": kind,
        "after": after,
        "branch": branch,
        "errors": errors,
        "fields": bound_fields(STEP_FIELDS.get(kind.type, []), values) if kind else [],
        "step_types": [(k.type, k.label, k.group) for k in STEP_TYPES.values()],
        "action": reverse("automation:step_add", args=[workflow.public_id]),
    }
    template = (
        "automation/_step_form.html" if request.headers.get("HX-Request") else "automation/step_form.html"
    )
    return render(request, template, context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@manage
def step_edit(request: HttpRequest, public_id: Any, key: str) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    step = graph.find(workflow.current_version.steps if workflow.current_version else [], key)
    if step is None:
        raise Http404("This step no longer exists.")
    kind = STEP_TYPES[step["type"]]
    errors: list[str] = []
    values: dict[str, Any] = dict(step.get("config") or {})
    if request.method == "POST":
        try:
            values = read_fields(STEP_FIELDS.get(kind.type, []), request.POST)
            services.workflow_change_step(workflow=workflow, actor=request.user, key=key, data=values)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, "Step saved. Contacts on this step stay where they are.")
            return redirect("automation:detail", workflow.public_id)
    context = {
        "workflow": workflow,
        "kind": kind,
        "step": step,
        "errors": errors,
        "fields": bound_fields(STEP_FIELDS.get(kind.type, []), values),
        "action": reverse("automation:step_edit", args=[workflow.public_id, key]),
    }
    template = (
        "automation/_step_form.html" if request.headers.get("HX-Request") else "automation/step_form.html"
    )
    return render(request, template, context, status=400 if errors else 200)


@require_POST
@manage
def step_delete(request: HttpRequest, public_id: Any, key: str) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    try:
        services.workflow_remove_step(workflow=workflow, actor=request.user, key=key)
    except ValidationError:
        raise Http404("This step no longer exists.") from None
    messages.success(request, "Step removed. Contacts who were on it move on to the next step.")
    return redirect("automation:detail", workflow.public_id)


# --- Enrolling and testing ---------------------------------------------------------------------------------


def _contact_from(request: HttpRequest) -> Contact | None:
    value = (request.POST.get("contact") or "").strip()
    contacts = Contact.objects.for_user(request.user)
    public_id = parse_public_id(value)
    if public_id is not None:
        return contacts.filter(public_id=public_id).first()
    if "@" in value:
        return contacts.filter(email=value.lower()).first()
    return None


@require_POST
@manage
def workflow_test(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    contact = _contact_from(request)
    if contact is None:
        messages.error(request, "No contact you can see has this email address.")
        return redirect("automation:detail", workflow.public_id)
    try:
        enrolment = services.workflow_test_run(workflow=workflow, contact=contact, actor=request.user)
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
        return redirect("automation:detail", workflow.public_id)
    messages.success(
        request,
        f"Test run finished for {contact.display_name}: see each step on their timeline. "
        f"Emails went to {getattr(request.user, 'email', 'you')}.",
    )
    return redirect("automation:enrolment_detail", enrolment.public_id)


@require_POST
@manage
def workflow_enrol(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    contact = _contact_from(request)
    if contact is None:
        messages.error(request, "No contact you can see has this email address.")
    elif not workflow.is_active:
        messages.error(request, "Turn the workflow on before enrolling contacts.")
    elif (
        services.enrolment_create(workflow=workflow, contact=contact, trigger="manual", actor=request.user)
        is None
    ):
        messages.error(request, f"{contact.display_name} cannot be enrolled again (see the enrolment rules).")
    else:
        messages.success(request, f"{contact.display_name} enrolled; the first step runs within a minute.")
    return redirect("automation:detail", workflow.public_id)


@require_GET
@login_required
def enrolment_list(request: HttpRequest) -> HttpResponse:
    workflow = None
    if request.GET.get("workflow"):
        workflow = selectors.workflow_get(user=request.user, public_id=request.GET["workflow"])
    state = request.GET.get("state", "")
    page = paginate(selectors.enrolment_list(user=request.user, workflow=workflow, state=state), request.GET)
    return render(
        request,
        "automation/enrolment_list.html",
        {
            "page": page,
            "workflow": workflow,
            "state": state,
            "states": [*Enrolment.State.choices, ("test", "Test runs")],
            "can_edit": manages_automation(request.user),
        },
    )


@require_GET
@login_required
def enrolment_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    enrolment = selectors.enrolment_get(user=request.user, public_id=public_id)
    runs = list(enrolment.step_runs.order_by("ran_at", "id"))
    steps = enrolment.version.steps or []
    titles = {}
    for run in runs:
        found = graph.find(steps, run.step_key)
        titles[run.pk] = selectors.describe(found) if found else "A step since removed"
    rows = [(run, titles[run.pk]) for run in runs]
    return render(
        request,
        "automation/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "runs": rows,
            "current": selectors.step_title(enrolment),
            "can_edit": manages_automation(request.user),
        },
    )


@require_POST
@manage
def enrolment_retry(request: HttpRequest, public_id: Any) -> HttpResponse:
    enrolment = get_for_user(Enrolment.objects, request.user, public_id, for_edit=True)
    try:
        services.enrolment_retry(enrolment=enrolment, actor=request.user)
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
    else:
        messages.success(request, "Retrying: the step runs again within a minute.")
    return redirect("automation:enrolment_detail", enrolment.public_id)


@require_POST
@manage
def enrolment_unenrol(request: HttpRequest, public_id: Any) -> HttpResponse:
    enrolment = get_for_user(Enrolment.objects, request.user, public_id, for_edit=True)
    try:
        services.enrolment_unenrol(enrolment=enrolment, actor=request.user)
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
    else:
        messages.success(request, "Taken out of the workflow.")
    return redirect("automation:enrolment_detail", enrolment.public_id)


@require_POST
@manage
def workflow_retry_failed(request: HttpRequest, public_id: Any) -> HttpResponse:
    workflow = selectors.workflow_get(user=request.user, public_id=public_id, for_edit=True)
    count = services.enrolments_retry_failed(workflow=workflow, actor=request.user)
    messages.success(request, f"Retrying {count} failed enrolment{'s' if count != 1 else ''}.")
    return redirect("automation:detail", workflow.public_id)


# --- Playbooks --------------------------------------------------------------------------------------------


@require_GET
@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    installed = set(Workflow.objects.exclude(playbook="").values_list("playbook", flat=True))
    return render(
        request,
        "automation/playbook_list.html",
        {"playbooks": PLAYBOOKS, "installed": installed, "can_edit": manages_automation(request.user)},
    )


@require_POST
@manage
def playbook_install_view(request: HttpRequest, key: str) -> HttpResponse:
    try:
        workflow = playbook_install(key=key, actor=request.user)
    except ValidationError:
        raise Http404("No playbook has this name.") from None
    messages.success(
        request, "Playbook installed as a draft with its emails. Read it through, then turn it on."
    )
    return redirect("automation:detail", workflow.public_id)
