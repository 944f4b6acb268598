"""Settings hub, profile, people, teams, invitations and API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html")
