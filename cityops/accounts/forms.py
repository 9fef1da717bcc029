from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from cityops.accounts.models import User


class LoginForm(AuthenticationForm):
    """The login form, which says plainly when an account is locked and until when."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("This account is locked after too many failed logins. Try again after %(until)s."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and user.is_locked:
            # count the attempt (it extends nothing, but is audited) and refuse before checking the password
            from django.contrib.auth.signals import user_login_failed

            user_login_failed.send(sender=__name__, credentials={"username": username}, request=self.request)
            until = time_format(timezone.localtime(user.locked_until), "H:i")
            raise forms.ValidationError(self.error_messages["locked"], code="locked", params={"until": until})
        return super().clean()
