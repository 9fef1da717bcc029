"""Photo uploads: JPEG, PNG or WebP by content (not by name), a size limit, EXIF position, thumbnails,
and the public copies that carry none of the metadata of the original."""

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from cityops.core.errors import PayloadTooLarge, ValidationFailed

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_PX = 320
MAX_PIXELS = 50_000_000
MAX_PHOTOS = 9  # per report or action


@dataclass
class Photo:
    name: str
    data: bytes
    content_type: str
    sha256: str
    exif_lon: float | None
    exif_lat: float | None
    taken_at: datetime | None
    thumbnail: bytes


def max_bytes() -> int:
    return getattr(settings, "CITYOPS_MAX_PHOTO_MB", 10) * 1024 * 1024


def _gps_degrees(values, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if ref in ("S", "W") else value


def _exif(img) -> tuple[float | None, float | None, datetime | None]:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block must not refuse a good photo
        return None, None, None
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo) if exif else {}
    lat = _gps_degrees(gps.get(2), gps.get(1)) if gps else None
    lon = _gps_degrees(gps.get(4), gps.get(3)) if gps else None
    taken = None
    raw = exif.get_ifd(ExifTags.IFD.Exif).get(36867) if exif else None  # DateTimeOriginal
    if isinstance(raw, str):
        try:
            taken = datetime.strptime(raw.strip(), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    if lat is not None and not (-90 <= lat <= 90) or lon is not None and not (-180 <= lon <= 180):
        lat = lon = None
    return lon, lat, taken


def read_photo(name: str, data: bytes, field: str = "photos") -> Photo:
    """Check one upload and make its thumbnail; the error names the file and the problem."""
    if len(data) > max_bytes():
        raise PayloadTooLarge(
            f"{name} is {len(data) / 1048576:.1f} MB; a photo may be at most {max_bytes() // 1048576} MB.",
            errors=[{"field": field, "message": f"{name}: too large"}],
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise ValidationFailed(
                f"{name} has {img.width}×{img.height} pixels, more than a photo needs.",
                errors=[{"field": field, "message": f"{name}: too many pixels"}],
            )
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(
            f"{name} is not a JPEG, PNG or WebP image.",
            errors=[{"field": field, "message": f"{name}: not an image"}],
        ) from None
    if fmt not in FORMATS:
        raise ValidationFailed(
            f"{name} is a {fmt} image; only JPEG, PNG and WebP are accepted.",
            errors=[{"field": field, "message": f"{name}: {fmt} is not accepted"}],
        )
    lon, lat, taken = _exif(img)
    thumb = img.convert("RGB")
    thumb.thumbnail((THUMB_PX, THUMB_PX))
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return Photo(name, data, FORMATS[fmt], hashlib.sha256(data).hexdigest(), lon, lat, taken, out.getvalue())


def save_photo(photo: Photo, *, case, event=None, by=None):
    """Store the photo and its thumbnail as an Attachment of ``case`` (and ``event``)."""
    from django.utils import timezone

    from cityops.cases.models import Attachment

    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
    stem = photo.sha256[:16]
    taken = timezone.make_aware(photo.taken_at) if photo.taken_at else None
    att = Attachment(
        case=case,
        event=event,
        content_type=photo.content_type,
        size=len(photo.data),
        sha256=photo.sha256,
        exif_lon=photo.exif_lon,
        exif_lat=photo.exif_lat,
        taken_at=taken,
        uploaded_by=by,
    )
    att.file.save(f"{stem}.{ext}", ContentFile(photo.data), save=False)
    att.thumbnail.save(f"{stem}.jpg", ContentFile(photo.thumbnail), save=False)
    att.save()
    return att


def photos_of(files) -> list[Photo]:
    """The uploaded files of one report or action, each checked (the API and the pages share this)."""
    files = files or []
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            f"at most {MAX_PHOTOS} photos", errors=[{"field": "photos", "message": "too many"}]
        )
    return [read_photo(f.name or "photo", f.read()) for f in files]


PUBLIC_DIR = "public-photos"


def public_copy(att) -> tuple[bytes | str, str]:
    """The photo as the public may see it (Open311): the picture alone, re-encoded without the
    original's EXIF, XMP and text chunks — a resident's phone writes the position of where it was,
    often their home, its model and the moment. The original stays untouched as the evidence (its
    position is kept in the case's own fields for staff). Made on the first public request and kept
    beside the originals; returns the stored name (or the bytes, when it could not be kept) and the
    content type."""
    storage = att.file.storage
    fmt = {"image/png": "PNG", "image/webp": "WEBP"}.get(att.content_type, "JPEG")
    name = f"{PUBLIC_DIR}/{att.sha256}.{fmt.lower()}"
    if storage.exists(name):
        return name, att.content_type
    with att.file.open("rb") as handle, Image.open(handle) as img:
        upright = ImageOps.exif_transpose(img)  # keep the orientation the EXIF gave, then drop it
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
        upright.save(out, fmt, **options)
    data = out.getvalue()
    try:
        stored = storage.save(name, ContentFile(data))
    except OSError:
        return data, att.content_type
    return stored, att.content_type
