"""Dead letters: the messages the ingest refused, for system administrators (``iot.admin``).

A payload is shown as data, never as markup: text is escaped by the template and cut, JSON is
indented, anything that is not UTF-8 text is a hex dump.
"""

import json
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import BinaryField
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.export import csv_download, local_time
from cityops.iot.choices import DeadLetterReason, IngestSource
from cityops.iot.forms import DeadLetterFilterForm
from cityops.iot.models import DeadLetter
from cityops.iot.services import dead_letter_resolve
from cityops.iot.views.devices import EXPORT_CHUNK, iot_page, paged

PREVIEW_CHARS = 120
TEXT_CHARS = 20_000
HEX_BYTES = 4096


@dataclass(frozen=True)
class Payload:
    kind: str  # "json", "text", "binary" or "empty"
    text: str  # what to show (escaped by the template)
    shown: int  # bytes or characters shown
    cut: bool


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def hex_dump(data: bytes) -> str:
    """Offset, 16 bytes in hex, and the same bytes as ASCII (a dot for anything else)."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<47}  |{ascii_}|")
    return "\n".join(lines)


def payload_view(raw) -> Payload:
    data = bytes(raw or b"")
    if not data:
        return Payload("empty", "", 0, False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _printable(text):
        try:
            text, kind = json.dumps(json.loads(text), ensure_ascii=False, indent=2), "json"
        except ValueError:
            kind = "text"
        return Payload(kind, text[:TEXT_CHARS], min(len(text), TEXT_CHARS), len(text) > TEXT_CHARS)
    return Payload("binary", hex_dump(data[:HEX_BYTES]), min(len(data), HEX_BYTES), len(data) > HEX_BYTES)


def preview(raw) -> str:
    """One line of a payload for the list."""
    data = bytes(raw or b"")[: PREVIEW_CHARS * 4]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + data[:24].hex() + ("…" if len(data) > 24 else "")
    flat = " ".join(text.split())
    if not _printable(flat):
        return "0x" + data[:24].hex() + "…"
    return flat[:PREVIEW_CHARS] + ("…" if len(flat) > PREVIEW_CHARS else "")


def present(letter):
    reason = DeadLetterReason(letter.reason)
    letter.reason_label, letter.reason_colour = reason.label, reason.colour
    letter.source_label = IngestSource(letter.source).label
    letter.preview = preview(letter.payload)
    return letter


def _letters(user):
    return DeadLetter.objects.restrict(user, "iot.admin").select_related("device")


def _filtered(request):
    """The dead letters of the filters, newest first; the bound form and the state filter."""
    form = DeadLetterFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = _letters(request.user)
    if d.get("reason"):
        qs = qs.filter(reason=d["reason"])
    state = d.get("state") or "open"
    if state != "all":
        qs = qs.filter(resolved_at__isnull=state == "open")
    return qs.order_by("-received_at", "-id"), form, state


@iot_page("iot.admin")
def dead_letters(request):
    """Refused messages, newest first, by reason; unresolved ones unless asked otherwise."""
    qs, form, state = _filtered(request)
    context = paged(qs, request.GET)
    for letter in context["page"].object_list:
        present(letter)
    context.update(form=form, state=state)
    return render(request, "iot/dead_letters.html", context)


def _columns() -> list[str]:
    return [
        _("ID"),
        _("Received"),
        _("Reason"),
        _("Source"),
        _("Client or device"),
        _("Topic"),
        _("Detail"),
        _("Payload size"),
        _("Payload (start)"),
        _("State"),
        _("Resolved at"),
    ]


def _rows(qs):
    resolved, not_resolved = _("Resolved"), _("Not resolved")
    # only the payload's start: whole payloads (up to the size limit each) would fill the memory
    head = Substr("payload", 1, PREVIEW_CHARS * 4, output_field=BinaryField())
    for letter in qs.defer("payload").annotate(head=head).iterator(chunk_size=EXPORT_CHUNK):
        letter.payload = letter.head
        present(letter)
        yield [
            letter.pk,
            local_time(letter.received_at),
            letter.reason_label,
            letter.source_label,
            letter.device.code if letter.device else letter.client,
            letter.topic,
            letter.detail,
            letter.payload_size,
            letter.preview,
            resolved if letter.resolved_at else not_resolved,
            local_time(letter.resolved_at),
        ]


@iot_page("iot.admin")
def dead_letters_export(request):
    """Every dead letter of the list's filters, as CSV (the payload's first line, as the list shows)."""
    qs, _form, _state = _filtered(request)
    return csv_download(name="dead-letters", header=_columns(), rows=_rows(qs))


def _letter_or_404(user, pk: int):
    letter = _letters(user).filter(pk=pk).first()
    if letter is None:
        raise Http404("No such dead letter.")
    return letter


@iot_page("iot.admin")
def dead_letter_detail(request, pk: int):
    letter = present(_letter_or_404(request.user, pk))
    return render(
        request, "iot/dead_letter_detail.html", {"letter": letter, "payload": payload_view(letter.payload)}
    )


@iot_page("iot.admin")
@require_POST
def dead_letter_mark_resolved(request, pk: int):
    _letter_or_404(request.user, pk)
    if dead_letter_resolve(pk=pk, by=request.user):
        messages.success(request, _("Dead letter %(id)s marked resolved.") % {"id": pk})
    else:
        messages.warning(request, _("Dead letter %(id)s was already resolved.") % {"id": pk})
    return redirect("iot:dead_letter", pk=pk)
