from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cityops.accounts"
    label = "accounts"

    def ready(self):
        from cityops.accounts import signals  # noqa: F401
        from cityops.accounts.reviews.collect import register_tokens

        register_tokens()
