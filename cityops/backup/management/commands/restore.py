from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.backup.errors import BackupError
from cityops.backup.services import archive_check, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive of `cityops backup` into an empty database: every checksum is checked "
        "before anything is touched; afterwards audit-verify runs and `stats` is compared with the "
        "manifest. Stop the server and the workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace a database (and media directory) that is not empty"
        )
        parser.add_argument(
            "--check", action="store_true", help="only read the archive and check it; change nothing"
        )
        parser.add_argument(
            "--accept-new-keys",
            action="store_true",
            help="restore although the sealing keys differ (sealed passwords must be entered again)",
        )

    def handle(self, *args, **opts):
        try:
            if opts["check"]:
                manifest, notes = archive_check(path=opts["archive"])
                self._notes(notes)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{opts['archive']} is sound: {len(manifest['members'])} members match their "
                        f"checksums; made {manifest['created_at']}; its migrations are this cityops's."
                    )
                )
                return
            result = backup_restore(
                path=opts["archive"], force=opts["force"], accept_new_keys=opts["accept_new_keys"]
            )
        except BackupError as exc:
            raise CommandError(exc.detail) from exc
        self._notes(result.notes)
        if result.replaced:
            self.stdout.write(self.style.WARNING(f"Replaced (--force): {result.replaced}."))
        timings = ", ".join(f"{name} {s:.1f} s" for name, s in result.seconds.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the archive made {result.manifest['created_at']}: audit trail intact "
                f"({result.audit_records:,} records verified), stats match the manifest ({timings})."
            )
        )

    def _notes(self, notes):
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
