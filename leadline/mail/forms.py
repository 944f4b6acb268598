"""Forms of the email screens. They check shapes and sizes; the services check what the content means."""

from __future__ import annotations

from typing import Any

from django import forms

from leadline.mail.models import Layout, SenderIdentity, Template
from leadline.mail.rendering import BODY_MAX_LENGTH, CSS_MAX_LENGTH, LAYOUT_MAX_LENGTH
from leadline.mail.services import TemplateData

MONOSPACE = {"class": "code-input", "spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"}

STARTERS: dict[str, str] = {
    Template.Format.MARKDOWN: """\
Hi {{ first_name | default:"there" }},

Write your message here. **Bold**, *italics*, [links](https://example.com) and lists all work:

- one point
- another point

Best wishes,
{{ sender_name }}
""",
    Template.Format.MJML: """\
<mjml>
  <mj-body background-color="#f4f5f7">
    <mj-section background-color="#ffffff" padding="32px 24px">
      <mj-column>
        <mj-text font-size="22px" font-weight="700">Hi {{ first_name | default:"there" }}</mj-text>
        <mj-text font-size="16px" line-height="1.6">Write your message here.</mj-text>
        <mj-button href="{{ booking_link }}" background-color="#4f46e5">Book a call</mj-button>
      </mj-column>
    </mj-section>
    <mj-section padding="16px 24px">
      <mj-column>
        <mj-text font-size="12px" color="#8a90a8" align="center">
          {{ sender_name }} · {{ postal_address }}<br />
          <a href="{{ unsubscribe_url }}" style="color:#5d6481">Unsubscribe</a>
        </mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
""",
    Template.Format.HTML: """\
<h1>Hi {{ first_name | default:"there" }}</h1>
<p>Write your message here.</p>
<p><a href="{{ booking_link }}">Book a call</a></p>
""",
}


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Only your team sees this.")
    kind = forms.ChoiceField(
        choices=Template.Kind.choices,
        help_text="Marketing email carries an unsubscribe link and your postal address; "
        "transactional email (receipts, 1:1 replies) is sent to one person about one thing.",
    )
    format = forms.ChoiceField(choices=Template.Format.choices, label="Written in")
    layout = forms.ModelChoiceField(
        queryset=Layout.objects.none(),
        required=False,
        empty_label="No layout: the email has its own header and footer",
        help_text="The shared header and footer around the email.",
    )
    subject = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    preheader = forms.CharField(
        max_length=255,
        required=False,
        help_text="The preview text inboxes show after the subject.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        strip=False,
        label="Source",
        widget=forms.Textarea(attrs={"rows": 24, **MONOSPACE}),
    )
    # The contact the live preview shows; not saved with the template.
    preview_contact = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, layouts: Any, template: Template | None = None, **kwargs: Any) -> None:
        if template is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": template.name,
                "kind": template.kind,
                "format": template.format,
                "layout": template.layout_id,
                "subject": template.subject,
                "preheader": template.preheader,
                "body": template.body,
            }
        super().__init__(*args, **kwargs)
        self.fields["layout"].queryset = layouts  # type: ignore[attr-defined]

    def template_data(self) -> TemplateData:
        data = self.cleaned_data
        return TemplateData(
            name=data["name"],
            kind=data["kind"],
            format=data["format"],
            subject=data["subject"],
            preheader=data.get("preheader") or "",
            body=data["body"],
            layout=data.get("layout"),
        )


class PreviewForm(TemplateForm):
    """The editor's fields as the live preview reads them: nothing is required, nothing is saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class SendTestForm(forms.Form):
    to = forms.EmailField(
        label="Send to", max_length=254, help_text="The test is marked as one in its subject."
    )
    sender = forms.ModelChoiceField(
        queryset=SenderIdentity.objects.none(), required=False, empty_label="The workspace's default address"
    )
    contact = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, senders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].queryset = senders  # type: ignore[attr-defined]


class LayoutForm(forms.Form):
    name = forms.CharField(max_length=120)
    html = forms.CharField(
        max_length=LAYOUT_MAX_LENGTH,
        strip=False,
        label="HTML",
        help_text="{{ content }} marks where each email goes. Keep {{ postal_address }} and "
        "{{ unsubscribe_url }} in the footer: marketing email needs both.",
        widget=forms.Textarea(attrs={"rows": 18, **MONOSPACE}),
    )
    css = forms.CharField(
        max_length=CSS_MAX_LENGTH,
        strip=False,
        required=False,
        label="CSS",
        help_text="Inlined into every email when it is sent; media queries are kept for mobile.",
        widget=forms.Textarea(attrs={"rows": 12, **MONOSPACE}),
    )
    is_default = forms.BooleanField(
        required=False,
        label="Use for new templates",
        help_text="There is always one default layout: to change it, make another layout the default.",
    )


class SenderIdentityForm(forms.Form):
    from_name = forms.CharField(
        max_length=120, label="From name", help_text="Usually your company or your name."
    )
    from_email = forms.EmailField(max_length=254, label="From address")
    reply_to = forms.EmailField(max_length=254, required=False, label="Reply-to address")
    postal_address = forms.CharField(
        max_length=500,
        required=False,
        help_text="Shown in the footer of marketing email, as the law in most countries requires.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default sender",
        help_text="There is always one default sender: to change it, make another sender the default.",
    )
