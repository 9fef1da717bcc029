"""The registry import page: upload a file, see the dry run (every bad row, or what would be
written), then commit it.

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
from cityops.video.forms import ImportForm
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
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    (folder / f"{user.pk}-{token}{suffix}.sealed").write_text(seal(base64.b64encode(data).decode("ascii")))
    return token + suffix


def _staged(user, token: str) -> tuple[Path | None, bytes | None]:
    name, _sep, suffix = token.rpartition(".")
    if not name or suffix not in ("csv", "xlsx") or not name.replace("-", "").replace("_", "").isalnum():
        return None, None
    path = _stage_dir() / f"{user.pk}-{token}.sealed"
    try:
        return path, base64.b64decode(unseal(path.read_text()))
    except (OSError, SealBroken, ValueError):
        return None, None


@video_page("video.change")
def registry_import_page(request):
    """Upload → dry run → commit; each bad row of the file is listed with its row and column."""
    context = {"form": ImportForm()}
    if request.method == "POST" and request.POST.get("token"):
        path, data = _staged(request.user, request.POST["token"])
        if data is None:
            context["problem"] = _("The checked file is no longer here; upload it again.")
            return render(request, "video/import.html", context, status=400)
        try:
            result = registry_import(
                data=data,
                filename=request.POST["token"],
                project=request.POST.get("project", ""),
                update=request.POST.get("update") == "1",
                by=request.user,
            )
        except DomainError as exc:
            context.update(problem=exc.detail, errors=exc.errors)
            return render(request, "video/import.html", context, status=422)
        path.unlink(missing_ok=True)
        context.update(result=result, committed=True)
        return render(request, "video/import.html", context)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "video/import.html", context, status=422)
        upload = form.cleaned_data["file"]
        data = upload.read()
        project, update = form.cleaned_data["project"], form.cleaned_data["update"]
        try:
            result = registry_import(
                data=data, filename=upload.name, project=project, update=update, dry_run=True, by=request.user
            )
        except DomainError as exc:
            context.update(problem=exc.detail, errors=exc.errors, filename=upload.name)
            return render(request, "video/import.html", context, status=422)
        context.update(
            result=result,
            filename=upload.name,
            token=_stage(request.user, data, upload.name),
            project=project,
            update=update,
        )
    return render(request, "video/import.html", context)
