"""The roster as a workbook: exported for a span of dates, imported all or nothing.

One row a shift: the date, the shift's code or name, the leader's and the officers' user names
(officers separated by commas or 、) and, optionally, phones (officers' in the same order). Every
row is checked by the same rules as the roster page (``roster.roster_set``), rows before it in the
file included; one problem anywhere writes nothing, and every problem names its row and column.
"""

import re
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.accounts.models import User
from cityops.core import tabular
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.core.export import Sheet, columns
from cityops.core.tabular import row_error as error
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.duty.selectors import roster
from cityops.ops.models import ShiftTemplate

SHEET_NAME = "值班表"
COLUMNS = [
    tabular.Column("date", "日期", True),
    tabular.Column("shift", "班次", True),
    tabular.Column("leader", "带班领导", True),
    tabular.Column("leader_phone", "领导电话"),
    tabular.Column("officers", "值班员", True),
    tabular.Column("officer_phones", "值班员电话"),
]
SPEC = tabular.Spec(
    COLUMNS,
    "The roster was not imported: %(count)s problem(s) found; nothing was written.",
    sheet_name=SHEET_NAME,
    max_bytes=5 * 1024 * 1024,
    max_rows=5_000,
)
SPLIT = re.compile(r"[,，、;；\s]+")
PHONE_SPLIT = re.compile(r"[,，、;；]")
# a field of a roster check → the column that holds it
FIELD_COLUMN = {"leader": "leader", "officers": "officers"}


def _names(text: str) -> list[str]:
    return [n for n in SPLIT.split(text) if n]


def _phones(text: str) -> list[str]:
    """The officers' phones in their order; an empty place keeps the phone of the account."""
    return [p.strip() for p in PHONE_SPLIT.split(text)] if text.strip() else []


def export_sheet(start: date, end: date) -> Sheet:
    rows = (
        [
            e.date,
            e.template.code,
            e.leader.username,
            e.leader_phone,
            "、".join(o.user.username for o in e.officers.all()),
            "、".join(o.phone for o in e.officers.all()),
        ]
        for e in roster(start, end)
    )
    return Sheet(SHEET_NAME, columns([c.title for c in COLUMNS], width=16), rows)


def _parse(number: int, get, templates: dict, users: dict) -> tuple[list[dict], tuple | None]:
    errors = []
    try:
        day = date.fromisoformat(get("date"))
    except ValueError:
        errors.append(error(number, "date", _("%(value)r is not a date YYYY-MM-DD") % {"value": get("date")}))
        day = None
    template = templates.get(get("shift"))
    if template is None:
        errors.append(
            error(
                number,
                "shift",
                _("no shift %(value)r; the shifts are %(codes)s")
                % {"value": get("shift"), "codes": ", ".join(sorted({t.code for t in templates.values()}))},
            )
        )
    people = {}
    for column in ("leader", "officers"):
        people[column] = []
        for name in _names(get(column)):
            if name not in users:
                errors.append(error(number, column, _("no user %(name)r") % {"name": name}))
            else:
                people[column].append(users[name])
    if len(people["leader"]) > 1:
        errors.append(error(number, "leader", _("one leader a shift")))
    if errors:
        return errors, None
    slot = Slot(
        leader=people["leader"][0] if people["leader"] else None,
        officers=people["officers"],
        leader_phone=get("leader_phone"),
        officer_phones=_phones(get("officer_phones")),
    )
    return [], (day, template, slot)


@transaction.atomic
def import_roster(data: bytes, filename: str, *, by) -> int:
    """Write every row of the file, or none; how many shifts were written."""
    table, index = tabular.load(data, filename, SPEC)
    templates = {}
    for t in ShiftTemplate.objects.filter(active=True):
        templates[t.code] = templates[t.name] = t
    wanted = set()
    for _n, cells in table.rows:
        get = tabular.getter(cells, index)
        wanted.update(_names(get("leader")) + _names(get("officers")))
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    errors, written, rows_of = [], 0, {}
    for number, cells in table.rows:
        problems, parsed = _parse(number, tabular.getter(cells, index), templates, users)
        errors += problems
        if parsed is None or problems:
            continue
        day, template, slot = parsed
        if (day, template.pk) in rows_of:
            errors.append(
                error(
                    number,
                    "shift",
                    _("this shift is also in row %(row)s") % {"row": rows_of[day, template.pk]},
                )
            )
            continue
        rows_of[day, template.pk] = number
        try:
            with transaction.atomic():
                roster_set(day=day, template=template, slot=slot, by=by)
            written += 1
        except (ValidationFailed, Forbidden) as exc:
            found = [e for e in getattr(exc, "errors", []) if e.get("field")]
            if not found:
                errors.append(error(number, "date", exc.detail))
            for e in found:
                errors.append(error(number, FIELD_COLUMN.get(e["field"], "date"), e["message"]))
    if errors:
        transaction.set_rollback(True)
        tabular.refuse(errors, SPEC)
    return written
