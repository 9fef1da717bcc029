from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cityops.cases"
    label = "cases"

    def ready(self):
        from cityops.accounts.hooks import on_notice
        from cityops.cases.notify import account_notice

        on_notice(account_notice)  # the access reviews' notices arrive in the in-app inbox
