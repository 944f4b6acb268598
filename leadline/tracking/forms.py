"""The site settings form. Validation of the domains lives in `services.clean_allowed_domains`."""

from __future__ import annotations

from typing import Any

from django import forms

from leadline.tracking.models import Site


class SiteForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="For you, e.g. “Main website” or “Docs”.")
    allowed_domains = forms.CharField(
        label="Allowed domains",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        max_length=5000,
        help_text="One per line. example.com allows that host only; *.example.com also every subdomain;"
        " localhost:8001 one port. Events from any other page are refused.",
    )
    respect_dnt = forms.BooleanField(
        label="Honour Do-Not-Track and Global Privacy Control",
        required=False,
        initial=True,
        help_text="Store nothing from browsers whose owner asked not to be tracked.",
    )

    def __init__(self, *args: Any, site: Site | None = None, **kwargs: Any) -> None:
        if site is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": site.name,
                    "allowed_domains": "\n".join(site.allowed_domains),
                    "respect_dnt": site.respect_dnt,
                },
            )
        super().__init__(*args, **kwargs)
