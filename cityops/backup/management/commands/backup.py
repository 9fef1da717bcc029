from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.backup.errors import BackupError
from cityops.backup.services import backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump from one snapshot; SQLite: the online backup API) "
        "and the media files into one archive with a checksum manifest. Keys and secrets are named "
        "in the manifest, never stored in it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            help="the archive's file name, or a directory for cityops-<time>.tar (default: $CITYOPS_BACKUP_DIR)",
        )
        parser.add_argument("--no-media", action="store_true", help="leave out the media files")
        parser.add_argument(
            "--keep", type=int, default=0, metavar="N", help="then delete all but the newest N archives there"
        )

    def handle(self, *args, **opts):
        if opts["keep"] < 0:
            raise CommandError("--keep takes a number of archives, 1 or more (0: delete none).")
        try:
            result = backup_create(out=opts["out"], media=not opts["no_media"], keep=opts["keep"])
        except BackupError as exc:
            raise CommandError(exc.detail) from exc
        manifest = result.manifest
        state, media = manifest["state"], manifest["media"]
        self.stdout.write(
            f"database: {manifest['database']['engine']} {manifest['database']['server_version']}, "
            f"{len(state['migrations'])} migrations, audit trail to record #{state['audit_head']['seq']} "
            f"({result.seconds['database']:.1f} s, of which the copy {result.seconds['dump']:.1f} s)"
        )
        if media["included"]:
            self.stdout.write(
                f"media: {media['files']:,} files, {media['bytes']:,} bytes ({result.seconds['media']:.1f} s)"
            )
        for path in result.pruned:
            self.stdout.write(f"deleted the older archive {path.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up into {result.path} ({result.size:,} bytes, {len(manifest['members'])} members, "
                f"manifest SHA-256 {manifest['manifest_sha256'][:16]}…)."
            )
        )
        self.stdout.write(
            "Keys are not in the archive: keep SECRET_KEY "
            f"({manifest['secrets']['secret_key']['kept_in']}) and CITYOPS_SEAL_KEY "
            f"({manifest['secrets']['sealing']['kept_in']}) in your key store."
        )
