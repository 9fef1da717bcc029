"""Login events go to the audit trail (signals are used for audit only)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cityops.accounts import services
from cityops.audit.services import audit_record
from cityops.core.middleware import client_ip


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    services.login_succeeded(user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    address = client_ip(request) if request is not None else ""
    services.login_failed(username=str(credentials.get("username", ""))[:150], address=address)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", actor=user, obj=user)
