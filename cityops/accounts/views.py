from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityops.accounts import selectors, services
from cityops.accounts.forms import LoginForm
from cityops.accounts.roles import STAFF_ROLES
from cityops.core.errors import ValidationFailed


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(e.code == "throttled" for e in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(user=request.user, password=form.cleaned_data["new_password1"])
        except ValidationFailed as exc:
            form.add_error("new_password1", exc.detail)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form, "expired": request.GET.get("expired") == "1"}
    )


@login_required
def profile(request):
    # a resident has no scope to speak of and cannot have API tokens: the page points to their reports
    is_resident = request.user.role not in STAFF_ROLES
    context = {
        "is_resident": is_resident,
        "tokens": [] if is_resident else selectors.token_list(user=request.user),
        "departments": request.user.departments.order_by("code"),
    }
    return render(request, "accounts/profile.html", context)
