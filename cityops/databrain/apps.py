from django.apps import AppConfig


class DatabrainConfig(AppConfig):
    name = "cityops.databrain"
    label = "databrain"

    def ready(self):
        from cityops.accounts.hooks import register_credentials
        from cityops.databrain.sharing.review import KEYS

        register_credentials(KEYS)  # the access reviews list and revoke consumer keys
