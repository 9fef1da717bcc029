"""What a backup or a restore refuses, each with a message an operator can act on."""

from cityops.core.errors import DomainError


class BackupError(DomainError):
    title = "Backup failed"


class ToolMissing(BackupError):
    """pg_dump, pg_restore or psql is absent, or too old for the server or the archive."""

    title = "Database tool missing"


class ArchiveBroken(BackupError):
    """The archive cannot be read, is truncated, or a member does not match the manifest."""

    title = "Archive damaged"


class ArchiveIncompatible(BackupError):
    """A sound archive that this cityops or this database cannot take: another format version,
    another migration state, another database engine, other sealing keys."""

    title = "Archive incompatible"


class TargetNotEmpty(BackupError):
    """The database or the media directory to restore into already holds something."""

    status = 409
    title = "Target not empty"


class RestoreMismatch(BackupError):
    """The restored copy does not pass audit-verify or its counts differ from the manifest."""

    title = "Restored copy differs"
