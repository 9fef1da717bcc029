from django.contrib.auth.backends import ModelBackend


class LockoutBackend(ModelBackend):
    """Password login that refuses a locked account even when the password is right."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_locked
