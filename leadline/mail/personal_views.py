"""1:1 email screens: the contact page's email panel (a fragment with the composer and the email
sent to the contact), the full-page composer, and the current user's sent email. Thin: access
helper → one service or read → response. The composer posts normally and through htmx."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail import personal
from leadline.mail.models import Template
from leadline.mail.selectors import default_sender_identity

BODY_HELP = (
    "Markdown works: **bold**, *italics*, [a link](https://example.com), lists. "
    'Merge tags such as {{ first_name | default:"there" }} are filled in when it is sent.'
)


class PersonalEmailForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=Template.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="Start from scratch",
        label="Start from a template",
    )
    # Not required here: the service says what is missing in its own words.
    subject = forms.CharField(max_length=personal.SUBJECT_MAX_LENGTH, required=False)
    body = forms.CharField(
        label="Message",
        required=False,
        max_length=personal.BODY_MAX_LENGTH,
        strip=False,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    nonce = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The body is Markdown, so only Markdown templates can be a starting point.
        self.fields["template"].queryset = personal.transactional_templates(user=user).filter(  # type: ignore[attr-defined]
            format=Template.Format.MARKDOWN
        )


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _contact(request: HttpRequest, public_id: Any) -> Contact:
    return get_for_user(Contact.objects.select_related("company", "owner"), request.user, public_id)


def _blank_form(request: HttpRequest, template: Template | None = None, nonce: str = "") -> PersonalEmailForm:
    initial: dict[str, Any] = {"nonce": nonce or personal.new_nonce()}
    if template is not None:
        initial.update(template=template.public_id, subject=template.subject, body=template.body)
    return PersonalEmailForm(initial=initial, user=request.user)


def _chosen_template(request: HttpRequest) -> Template | None:
    public_id = parse_public_id(request.GET.get("template"))
    if public_id is None:
        return None
    return (
        personal.transactional_templates(user=request.user)
        .filter(public_id=public_id, format=Template.Format.MARKDOWN)
        .first()
    )


def _composer_context(request: HttpRequest, contact: Contact, form: PersonalEmailForm) -> dict[str, Any]:
    suppression = personal.suppression_of(contact)
    return {
        "contact": contact,
        "form": form,
        "sender": default_sender_identity(),
        "suppressed": personal.suppression_message(suppression) if suppression else "",
    }


def _panel(
    request: HttpRequest,
    contact: Contact,
    form: PersonalEmailForm,
    *,
    announce: str = "",
    open_composer: bool = False,
) -> HttpResponse:
    emails = list(
        personal.contact_messages(user=request.user, contact=contact)[: personal.MESSAGE_LIST_LIMIT + 1]
    )
    context = {
        **_composer_context(request, contact, form),
        "emails": [(email, *personal.state_of(email)) for email in emails[: personal.MESSAGE_LIST_LIMIT]],
        "more": len(emails) > personal.MESSAGE_LIST_LIMIT,
        "announce": announce,
        "open_composer": open_composer or bool(form.errors),
    }
    return render(request, "mail/personal/_panel.html", context)


@require_GET
@login_required
def personal_panel(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The contact page's email panel (a fragment)."""
    contact = _contact(request, public_id)
    return _panel(request, contact, _blank_form(request))


@require_http_methods(["GET", "POST"])
@login_required
def personal_send(request: HttpRequest, public_id: Any) -> HttpResponse:
    """GET: the composer (a page, or the form alone for htmx when a template is picked).
    POST: queue the email."""
    contact = _contact(request, public_id)
    if request.method == "GET":
        form = _blank_form(request, _chosen_template(request), nonce=str(request.GET.get("nonce", ""))[:64])
        if _is_htmx(request):
            context = {
                **_composer_context(request, contact, form),
                "in_panel": request.GET.get("panel") == "1",
            }
            return render(request, "mail/personal/_composer.html", context)
        return render(request, "mail/personal/compose.html", _composer_context(request, contact, form))
    form = PersonalEmailForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            message = personal.personal_email_send(
                user=request.user,
                contact=contact,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                template=form.cleaned_data.get("template"),
                nonce=form.cleaned_data["nonce"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            announce = f"Email to {message.to_email} queued. It is sent in a moment."
            if not _is_htmx(request):
                messages.success(request, announce)
                return redirect("contacts:detail", contact.public_id)
            response = _panel(request, contact, _blank_form(request), announce=announce)
            response["HX-Trigger"] = "leadline:email-queued"
            return response
    if _is_htmx(request):
        # htmx swaps only successful answers, so its error answer is a 200 carrying the messages.
        return _panel(request, contact, form, open_composer=True)
    return render(
        request, "mail/personal/compose.html", _composer_context(request, contact, form), status=400
    )


@require_GET
@login_required
def personal_sent(request: HttpRequest) -> HttpResponse:
    """The 1:1 email the current user sent, newest first."""
    page = paginate(personal.sent_by_user(user=request.user), request.GET)
    rows = [(email, *personal.state_of(email)) for email in page.object_list]
    return render(request, "mail/personal/sent.html", {"page": page, "rows": rows})
