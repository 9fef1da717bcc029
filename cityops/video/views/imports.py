"""The registry import page: upload a file (CSV/XLSX of sites and channels, or a GB/T 28181
Catalog response XML), see the dry run (every bad row or item, or what would be written), then
commit it.

Between the check and the commit the file waits in the private var directory, sealed (it may hold
stream passwords), under a random name bound to the user; it is deleted when committed, and files
older than an hour are swept away at the next upload."""

import base64
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.core.sealed import SealBroken, seal, unseal
from cityops.video.catalog import catalog_import
from cityops.video.forms import ImportForm, is_catalog
from cityops.video.registry_import import registry_import
from cityops.video.views.registry import video_page

STAGE_SECONDS = 3600


def _stage_dir() -> Path:
    path = Path(settings.VAR_DIR) / "video-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stage(user, data: bytes, filename: str) -> str:
    folder = _stage_dir()
    now = time.time()
    for old in folder.glob("*.sealed"):
        if now - old.stat().st_mtime > STAGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    suffix = (
        ".xml" if is_catalog(filename, data) else ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    )
    (folder / f"{user.pk}-{token}{suffix}.sealed").write_text(seal(base64.b64encode(data).decode("ascii")))
    return token + suffix


def _staged(user, token: str) -> tuple[Path | None, bytes | None]:
    name, _sep, suffix = token.rpartition(".")
    if (
        not name
        or suffix not in ("csv", "xlsx", "xml")
        or not name.replace("-", "").replace("_", "").isalnum()
    ):
        return None, None
    path = _stage_dir() / f"{user.pk}-{token}.sealed"
    try:
        return path, base64.b64decode(unseal(path.read_text()))
    except (OSError, SealBroken, ValueError):
        return None, None


def _run(user, data: bytes, filename: str, *, project: str, update: bool, dry_run: bool):
    """The import the file asks for: a Catalog XML or a table of sites and channels."""
    if is_catalog(filename, data):
        return catalog_import(data, project_code=project, by=user, dry_run=dry_run)
    return registry_import(
        data=data, filename=filename, project=project, update=update, dry_run=dry_run, by=user
    )


def _problems(context: dict, exc: DomainError, filename: str, data: bytes) -> None:
    """The refusal and its rows: a table's row and column, or a catalog's item, DeviceID and field."""
    catalog = is_catalog(filename, data)
    errors = [
        {
            "row": e.get("index") if catalog else e.get("row"),
            "device_id": e.get("device_id", ""),
            "column": e.get("field") if catalog else e.get("column"),
            "message": e.get("message", ""),
        }
        for e in exc.errors
    ]
    context.update(problem=exc.detail, errors=errors, catalog=catalog)


@video_page("video.change")
def registry_import_page(request):
    """Upload → dry run → commit; each bad row (or catalog item) is listed with where it is."""
    context = {"form": ImportForm()}
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        path, data = _staged(request.user, token)
        if data is None:
            context["problem"] = _("The checked file is no longer here; upload it again.")
            return render(request, "video/import.html", context, status=400)
        try:
            result = _run(
                request.user,
                data,
                token,
                project=request.POST.get("project", ""),
                update=request.POST.get("update") == "1",
                dry_run=False,
            )
        except DomainError as exc:
            _problems(context, exc, token, data)
            return render(request, "video/import.html", context, status=422)
        path.unlink(missing_ok=True)
        context.update(result=result, committed=True, catalog=is_catalog(token, data))
        return render(request, "video/import.html", context)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "video/import.html", context, status=422)
        upload, data = form.cleaned_data["file"], form.data_bytes
        project, update = form.cleaned_data["project"], form.cleaned_data["update"]
        try:
            result = _run(request.user, data, upload.name, project=project, update=update, dry_run=True)
        except DomainError as exc:
            _problems(context, exc, upload.name, data)
            context["filename"] = upload.name
            return render(request, "video/import.html", context, status=422)
        context.update(
            result=result,
            filename=upload.name,
            token=_stage(request.user, data, upload.name),
            project=project,
            update=update,
            catalog=is_catalog(upload.name, data),
        )
    return render(request, "video/import.html", context)
