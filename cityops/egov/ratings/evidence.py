"""The evidence an appeal brings: photos (a screenshot of the queue system, a signed note, a still of the
hall's camera), checked by content as the cases' photos are, stored beside the media of the cases and
served only through a page that checks the follow-up's scope."""

from django.core.files.base import ContentFile

from cityops.cases.photos import Photo, read_photo
from cityops.egov.models import AppealEvidence

MAX_FILES = 5


def read(files, field: str = "photos") -> list[Photo]:
    """The uploaded files, each checked (JPEG, PNG or WebP, the photo size limit)."""
    return [read_photo(f.name, f.read(), field) for f in files or []]


def save(photo: Photo, *, follow_up, by, now) -> AppealEvidence:
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
    row = AppealEvidence(
        follow_up=follow_up,
        name=photo.name[:200],
        content_type=photo.content_type,
        size=len(photo.data),
        sha256=photo.sha256,
        uploaded_by=by if getattr(by, "pk", None) else None,
        at=now,
    )
    row.file.save(f"{photo.sha256[:16]}.{ext}", ContentFile(photo.data), save=False)
    row.save()
    return row
