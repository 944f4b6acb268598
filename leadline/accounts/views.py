"""Settings hub, profile, people, teams, invitations and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from leadline.accounts import selectors, services
from leadline.accounts.forms import (
    InvitationAcceptForm,
    InviteForm,
    ProfileForm,
    RoleForm,
    TeamCreateForm,
    TeamForm,
    TeamMemberAddForm,
    TokenForm,
    apply_service_error,
)
from leadline.accounts.models import ApiToken, Invitation, Team, User
from leadline.core.access import get_for_user
from leadline.core.decorators import admin_required
from leadline.core.pagination import paginate

# A password set on the invitation page must not end up in error reports.
SECRET_FIELDS = ("password1", "password2")


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one), None on a GET so the form stays unbound."""
    return request.POST if request.method == "POST" else None


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Hub and profile -------------------------------------------------------------------------------


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {"two_factor_on": selectors.has_two_factor(user)}
    return render(request, "accounts/settings.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "time_zone": user.time_zone,
        "is_away": user.is_away,
    }
    form = ProfileForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    context = {"form": form, "two_factor_on": selectors.has_two_factor(user)}
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


# --- People and invitations ------------------------------------------------------------------------


@admin_required
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    page = paginate(selectors.people_for_admin(user=request.user, query=query), request.GET)  # type: ignore[arg-type]
    invitations = selectors.invitations_for_admin(user=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/people.html", {"page": page, "invitations": invitations, "query": query})


@admin_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(_posted(request), initial={"role": request.GET.get("role", "sales")})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.user_invite(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
            return redirect("accounts:people")
    return render(request, "accounts/invite.html", {"form": form}, status=400 if form.errors else 200)


@admin_required
@require_POST
def invitation_resend(request: HttpRequest, public_id: str) -> HttpResponse:
    invitation = get_for_user(Invitation.objects.all(), request.user, public_id, for_edit=True)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"A fresh link is on its way to {invitation.email}.")
    return redirect("accounts:people")


@admin_required
@require_POST
def invitation_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    invitation = get_for_user(Invitation.objects.all(), request.user, public_id, for_edit=True)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(
            request, f"The invitation to {invitation.email} is revoked; its link no longer works."
        )
    return redirect("accounts:people")


@admin_required
def person_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    person = get_for_user(User.objects.get_queryset(), request.user, public_id, for_edit=True)
    form = RoleForm(_posted(request), initial={"role": person.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_role(user=person, role=form.cleaned_data["role"], actor=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"{person.display_name} is now {person.get_role_display()}.")
            return redirect("accounts:people")
    context = {
        "person": person,
        "form": form,
        "teams": person.teams.order_by("name"),
        "two_factor_on": selectors.has_two_factor(person),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "accounts/person_edit.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def person_deactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    person = get_for_user(User.objects.get_queryset(), request.user, public_id, for_edit=True)
    try:
        services.user_deactivate(user=person, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"{person.display_name} is deactivated and can no longer sign in.")
    return redirect("accounts:person_edit", public_id=person.public_id)


@admin_required
@require_POST
def person_reactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    person = get_for_user(User.objects.get_queryset(), request.user, public_id, for_edit=True)
    services.user_reactivate(user=person, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{person.display_name} can sign in again.")
    return redirect("accounts:person_edit", public_id=person.public_id)


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the page an invitation email links to."""
    try:
        invitation = selectors.invitation_for_token(token)
    except selectors.InvitationUnavailable as unavailable:
        return _invitation_unavailable(request, unavailable.reason)
    form = InvitationAcceptForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) in {"accepted", "revoked", "expired", "exists"}:
                return _invitation_unavailable(request, str(error.code))
            apply_service_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Leadline, {user.first_name}!")
            return redirect("core:home")
    context = {"invitation": invitation, "form": form}
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


INVITATION_PROBLEMS = {
    "invalid": (
        404,
        "This invitation link is not valid",
        "The link may have been cut short or changed. Copy the whole link from the email, or ask the person who invited you to send a new one.",
    ),
    "expired": (
        410,
        "This invitation has expired",
        "Invitation links work for 7 days. Ask the person who invited you to send a new one.",
    ),
    "revoked": (
        410,
        "This invitation was withdrawn",
        "An admin revoked it. Ask them for a new invitation if you still need access.",
    ),
    "accepted": (
        410,
        "This invitation was already used",
        "Each link works once. If you set up your account, sign in with your email and password.",
    ),
    "exists": (
        410,
        "You already have an account",
        "This email address can already sign in to Leadline. Sign in with your password, or reset it.",
    ),
}


def _invitation_unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    status, title, detail = INVITATION_PROBLEMS.get(reason, INVITATION_PROBLEMS["invalid"])
    context = {"title": title, "detail": detail, "reason": reason}
    return render(request, "accounts/invitation_unavailable.html", context, status=status)


# --- Teams -----------------------------------------------------------------------------------------


@admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.teams_with_members(user=request.user), request.GET)  # type: ignore[arg-type]
    return render(request, "accounts/team_list.html", {"page": page})


@admin_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("accounts:team_detail", public_id=team.public_id)
    return render(request, "accounts/team_create.html", {"form": form}, status=400 if form.errors else 200)


def _team_page(request: HttpRequest, team: Team, **forms: Any) -> dict[str, Any]:
    candidates = selectors.team_member_candidates(team)
    return {
        "team": team,
        "members": selectors.team_members(team),
        "rename_form": forms.get("rename_form") or TeamForm(initial={"name": team.name}),
        "add_form": forms.get("add_form") or TeamMemberAddForm(candidates=candidates),
        "has_candidates": candidates.exists(),
    }


@admin_required
def team_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_for_user(Team.objects.all(), request.user, public_id, for_edit=True)
    if request.method == "POST":
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                services.team_update(team=team, name=form.cleaned_data["name"], actor=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, "Team renamed.")
                return redirect("accounts:team_detail", public_id=team.public_id)
        team.refresh_from_db()
        return render(
            request, "accounts/team_detail.html", _team_page(request, team, rename_form=form), status=400
        )
    return render(request, "accounts/team_detail.html", _team_page(request, team))


@admin_required
@require_POST
def team_member_add(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_for_user(Team.objects.all(), request.user, public_id, for_edit=True)
    form = TeamMemberAddForm(request.POST, candidates=selectors.team_member_candidates(team))
    if not form.is_valid():
        return render(
            request, "accounts/team_detail.html", _team_page(request, team, add_form=form), status=400
        )
    person = form.cleaned_data["user"]
    services.team_member_add(team=team, user=person, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{person.display_name} joined {team.name}.")
    return redirect("accounts:team_detail", public_id=team.public_id)


@admin_required
@require_POST
def team_member_remove(request: HttpRequest, public_id: str, user_id: str) -> HttpResponse:
    team = get_for_user(Team.objects.all(), request.user, public_id, for_edit=True)
    person = get_for_user(selectors.team_members(team), request.user, user_id)
    services.team_member_remove(team=team, user=person, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{person.display_name} left {team.name}.")
    return redirect("accounts:team_detail", public_id=team.public_id)


@admin_required
def team_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_for_user(Team.objects.all(), request.user, public_id, for_edit=True)
    if request.method == "POST":
        name = team.name
        services.team_delete(team=team, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, f"Team {name} deleted. Its members keep their accounts.")
        return redirect("accounts:team_list")
    return render(request, "accounts/team_delete.html", {"team": team, "member_count": team.members.count()})


# --- API tokens ------------------------------------------------------------------------------------


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Lists tokens; a POST creates one and shows its secret on this response only."""
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(_posted(request), user=user)
    created: tuple[ApiToken, str] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.api_token_create(
                    user=user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], actor=user
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                form = TokenForm(user=user)
        if form.errors:
            status = 400
    page = paginate(selectors.tokens_for_settings(user=user), request.GET)
    context = {
        "form": form,
        "page": page,
        "new_token": created[0] if created else None,
        "new_secret": created[1] if created else None,
        "show_owner": user.is_admin,
    }
    return render(request, "accounts/token_list.html", context, status=status)


@login_required
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = get_for_user(ApiToken.objects.select_related("user"), request.user, public_id, for_edit=True)
    if request.method == "POST":
        services.api_token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” is revoked; requests using it are now refused.")
        return redirect("accounts:token_list")
    return render(request, "accounts/token_revoke.html", {"token": token})
