import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


class StaffComplexityValidator:
    """Staff accounts need characters from several classes (lower, upper, digit, symbol)."""

    def validate(self, password, user=None):
        if user is not None and getattr(user, "role", "resident") == "resident":
            return
        needed = settings.CITYOPS_STAFF_PASSWORD_CLASSES
        present = sum(1 for pattern in _CLASSES if re.search(pattern, password))
        if present < needed:
            raise ValidationError(
                _(
                    "A staff password needs characters of at least %(n)d kinds: lower case, upper case, digits, symbols."
                )
                % {"n": needed},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Staff passwords mix lower case, upper case, digits and symbols.")
