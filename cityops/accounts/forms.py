from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from cityops.accounts import services
from cityops.core import ratelimit
from cityops.core.middleware import client_ip


class LoginForm(AuthenticationForm):
    """The login form. Every refusal that concerns a name — wrong password, unknown name, locked
    account, too many failures of that name from here — gives the same message, so the form cannot
    be used to learn which names exist or which accounts are locked (docs/architecture.md)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is not correct, or this account is paused after too many failed "
            "sign-ins. Check them and try again later, or ask an administrator."
        ),
        "throttled": _("Too many failed sign-ins from your network. Try again after %(until)s."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            address = client_ip(self.request) if self.request is not None else ""
            reason = services.login_refusal(username=username, address=address)
            if reason is not None:
                services.login_refused(username=username, address=address, reason=reason)
                if reason == "address":
                    end = ratelimit.window_end(services.address_limit())
                    until = time_format(timezone.localtime(end), "H:i")
                    raise forms.ValidationError(
                        self.error_messages["throttled"], code="throttled", params={"until": until}
                    )
                raise self.get_invalid_login_error()
        # A locked account goes through the backend like any other name: the password is hashed
        # for it as for a real or an unknown name, so the answer takes the same time.
        return super().clean()
