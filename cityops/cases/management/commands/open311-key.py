from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cityops.cases.models import Open311Client
from cityops.cases.open311.keys import client_issue, client_reissue, client_revoke
from cityops.core.errors import DomainError


def _when(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "-"


class Command(BaseCommand):
    help = (
        "Open311 api_keys: issue NAME [--contact C] (prints the key once), reissue NAME, revoke NAME, list."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        issue = sub.add_parser("issue", help="a new client and its api_key, printed once")
        issue.add_argument("name")
        issue.add_argument("--contact", default="", help="who to call about this client")
        reissue = sub.add_parser("reissue", help="a new api_key for a client (the old one stops working)")
        reissue.add_argument("name")
        revoke = sub.add_parser("revoke", help="revoke a client's api_key")
        revoke.add_argument("name")
        sub.add_parser("list", help="every client with its state and use")

    def handle(self, *args, command, **opts):
        try:
            if command == "issue":
                client, raw = client_issue(name=opts["name"], contact=opts["contact"], actor_name="cli")
                self._key(client, raw)
            elif command == "reissue":
                client, raw = client_reissue(name=opts["name"], actor_name="cli")
                self._key(client, raw)
            elif command == "revoke":
                client = client_revoke(name=opts["name"], actor_name="cli")
                self.stdout.write(self.style.SUCCESS(f"Revoked the api_key of {client.name}."))
            else:
                self._list()
        except DomainError as exc:
            raise CommandError(exc.detail) from None

    def _key(self, client, raw: str) -> None:
        self.stdout.write(raw)
        self.stderr.write(f"The api_key of {client.name} is shown only this once; store it safely.")

    def _list(self) -> None:
        self.stdout.write(f"{'name':<30} {'prefix':<10} {'state':<8} {'requests':>8}  last used")
        for c in Open311Client.objects.order_by("name"):
            state = "active" if c.active else "revoked"
            self.stdout.write(
                f"{c.name:<30} {c.prefix:<10} {state:<8} {c.requests:>8}  {_when(c.last_used_at)}"
            )
