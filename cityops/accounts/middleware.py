from django.shortcuts import redirect
from django.urls import reverse

from cityops.accounts.services import password_expired

_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/accounts/profile/",
    "/static/",
    "/i18n/",
    "/api/",
    "/healthz",
)


class PasswordPolicyMiddleware:
    """A signed-in staff member whose password is too old must change it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and password_expired(user)
        ):
            return redirect(f"{reverse('accounts:password_change')}?expired=1")
        return self.get_response(request)
