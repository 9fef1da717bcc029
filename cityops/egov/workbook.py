"""The item catalogue as one workbook — items, situations and materials on three sheets — to export
and to import back, all or nothing.

Every row of every sheet is checked before anything is written; a refusal lists every problem with
its sheet, row, column and what is wrong. Headers are the English codes or the Chinese titles (an
export writes the titles); a choice is its code or its label in either language (an export writes
the label); yes/no cells read 是/否, yes/no, true/false or 1/0. An exported workbook imports back
unchanged. Reading goes through ``core/tabular`` like the other importers of the project.
"""

import io
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.utils import translation
from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed
from cityops.core.export import Column as ExportColumn
from cityops.core.export import Sheet
from cityops.core.tabular import Column, Spec, getter, load, row_error
from cityops.egov.choices import Applicant, Delivery, ItemType, LimitKind, MaterialForm, MaterialSource
from cityops.egov.models import Material, ServiceItem, Situation
from cityops.egov.services import GuideIn, ItemIn, MaterialIn, SituationIn, data_resources, guide_errors

ITEMS, SITUATIONS, MATERIALS = ("items", "事项"), ("situations", "办理情形"), ("materials", "申请材料")

ITEM_COLUMNS = [
    Column("code", "事项编码", True),
    Column("name", "事项名称", True),
    Column("department", "主管部门编码", True),
    Column("item_type", "事项类型", True),
    Column("implementing_body", "实施主体", True),
    Column("applicant", "服务对象"),
    Column("legal_basis", "设定依据", True),
    Column("conditions", "受理条件"),
    Column("limit_kind", "办件类型", True),
    Column("legal_days", "法定办结时限(工作日)"),
    Column("promised_days", "承诺办结时限(工作日)"),
    Column("fee", "是否收费"),
    Column("fee_standard", "收费标准"),
    Column("fee_basis", "收费依据"),
    Column("online", "网上办理"),
    Column("window", "窗口办理"),
    Column("kiosk", "自助终端办理"),
    Column("visits", "到现场次数"),
    Column("online_depth", "网上办事深度"),
    Column("place", "办理地点"),
    Column("hours", "办理时间"),
    Column("phone", "咨询电话"),
    Column("result_name", "办理结果"),
    Column("delivery", "结果送达方式"),
]
SITUATION_COLUMNS = [
    Column("item_code", "事项编码", True),
    Column("name", "办理情形", True),
    Column("description", "情形说明"),
]
MATERIAL_COLUMNS = [
    Column("item_code", "事项编码", True),
    Column("name", "材料名称", True),
    Column("situation", "适用情形"),
    Column("form", "材料形式", True),
    Column("copies", "份数"),
    Column("required", "是否必需"),
    Column("source", "材料来源"),
    Column("resource", "数据智脑资源编码"),
    Column("note", "备注"),
]
ENUMS = {
    "item_type": ItemType,
    "applicant": Applicant,
    "limit_kind": LimitKind,
    "form": MaterialForm,
    "source": MaterialSource,
}
YES = {"是", "yes", "y", "true", "1", "√"}
NO = {"否", "no", "n", "false", "0", ""}
MAX_BYTES = 20 * 1024 * 1024


def _spec(columns, sheet_name: str) -> Spec:
    return Spec(
        columns,
        _("The workbook has %(count)s problems; nothing was imported."),
        sheet_name,
        MAX_BYTES,
        20_000,
    )


@cache
def _labels(enum) -> dict[str, str]:
    """Code, Chinese label and English label (lower-cased) → code."""
    out = {}
    for value, label in enum.choices:
        out[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                out[str(label).lower()] = value
    return out


class Rows:
    """The cells of one sheet read into typed values, problems collected with sheet, row and column."""

    def __init__(self, sheet: str, errors: list[dict]):
        self.sheet, self.errors = sheet, errors

    def fail(self, row: int | None, column: str | None, message: str) -> None:
        err = row_error(row, column, message)
        self.errors.append({"sheet": self.sheet, **err, "message": f"{self.sheet}, {err['message']}"})

    def enum(self, row: int, column: str, text: str, default: str = ""):
        if not text:
            if not default:
                self.fail(row, column, _("this cell is required"))
            return default
        value = _labels(ENUMS[column]).get(text.lower())
        if value is None:
            self.fail(row, column, _("%(value)r is not a valid choice") % {"value": text})
        return value or default

    def number(self, row: int, column: str, text: str, default: int | None, lo: int = 0, hi: int = 365):
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            self.fail(row, column, _("%(value)r is not a whole number") % {"value": text})
            return default
        if not lo <= value <= hi:
            self.fail(row, column, _("a number from %(lo)s to %(hi)s") % {"lo": lo, "hi": hi})
        return value

    def yes(self, row: int, column: str, text: str, default: bool) -> bool:
        t = text.strip().lower()
        if t in YES:
            return True
        if t in NO:
            return default if not t else False
        self.fail(row, column, _("%(value)r is not yes or no") % {"value": text})
        return default


def _sheet_names(data: bytes) -> dict[str, str]:
    """The workbook's sheets by their code (items, situations, materials), English or Chinese titles."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception as exc:  # a broken zip or XML surfaces as many exception types
        raise ValidationFailed(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": type(exc).__name__}
        ) from None
    names = {}
    for title in book.sheetnames:
        for code, chinese in (ITEMS, SITUATIONS, MATERIALS):
            if title.strip().lower() in (code, chinese, _(code).lower()):
                names[code] = title
    book.close()
    return names


def _read(data: bytes, filename: str, columns, sheet: str, errors: list[dict]):
    """One sheet's table and column positions; its header problems go to ``errors``."""
    try:
        return load(data, filename, _spec(columns, sheet))
    except ValidationFailed as exc:
        errors.extend({"sheet": sheet, **e, "message": f"{sheet}, {e['message']}"} for e in exc.errors)
        return None, None


def _guide(rows: Rows, n: int, get) -> GuideIn:
    limit = rows.enum(n, "limit_kind", get("limit_kind"))
    delivery = []
    labels = _labels(Delivery)
    for part in filter(
        None, (p.strip() for p in get("delivery").replace("，", ",").replace("、", ",").split(","))
    ):
        if part.lower() in labels:
            delivery.append(labels[part.lower()])
        else:
            rows.fail(n, "delivery", _("%(value)r is not a way of delivery") % {"value": part})
    return GuideIn(
        name=get("name"),
        item_type=rows.enum(n, "item_type", get("item_type")),
        implementing_body=get("implementing_body"),
        applicant=rows.enum(n, "applicant", get("applicant"), Applicant.PERSON),
        legal_basis=get("legal_basis"),
        conditions=get("conditions"),
        limit_kind=limit,
        legal_days=rows.number(n, "legal_days", get("legal_days"), None),
        promised_days=rows.number(n, "promised_days", get("promised_days"), 0),
        fee=rows.yes(n, "fee", get("fee"), False),
        fee_standard=get("fee_standard"),
        fee_basis=get("fee_basis"),
        online=rows.yes(n, "online", get("online"), False),
        window=rows.yes(n, "window", get("window"), True),
        kiosk=rows.yes(n, "kiosk", get("kiosk"), False),
        visits=rows.number(n, "visits", get("visits"), 1, 0, 9),
        online_depth=rows.number(n, "online_depth", get("online_depth"), 1, 1, 4),
        place=get("place"),
        hours=get("hours"),
        phone=get("phone"),
        result_name=get("result_name"),
        delivery=delivery,
    )


def parse_workbook(data: bytes, filename: str = "catalogue.xlsx") -> list[ItemIn]:
    """Every item of a catalogue workbook, or ``ValidationFailed`` listing every problem in it."""
    names = _sheet_names(data)
    errors: list[dict] = []
    if ITEMS[0] not in names:
        raise ValidationFailed(
            _("The workbook has no sheet %(name)s; it needs the sheets 事项, 办理情形 and 申请材料.")
            % {"name": ITEMS[1]},
            errors=[{"sheet": "", "row": None, "column": None, "message": _("no sheet 事项 (items)")}],
        )
    items_sheet = names[ITEMS[0]]
    table, index = _read(data, filename, ITEM_COLUMNS, items_sheet, errors)
    items: dict[str, tuple[int, ItemIn]] = {}
    rows = Rows(items_sheet, errors)
    for n, cells in table.rows if table else []:
        get = getter(cells, index)
        code = get("code")
        for column in ITEM_COLUMNS:
            if column.required and not get(column.code) and column.code not in ENUMS:
                rows.fail(n, column.code, _("this cell is required"))
        if code in items:
            rows.fail(
                n,
                "code",
                _("item %(code)s appears again (first on row %(row)s)")
                % {"code": code, "row": items[code][0]},
            )
            continue
        if code:
            items[code] = (n, ItemIn(code, get("department"), _guide(rows, n, get)))
    situation_rows = _parts(data, filename, names, SITUATIONS, SITUATION_COLUMNS, items, errors)
    for _n, get in situation_rows:
        items[get("item_code")][1].guide.situations.append(SituationIn(get("name"), get("description")))
    material_rows = _parts(data, filename, names, MATERIALS, MATERIAL_COLUMNS, items, errors)
    parts = Rows(names.get(MATERIALS[0], MATERIALS[1]), errors)
    where: dict[tuple[str, int], int] = {}
    for n, get in material_rows:
        guide = items[get("item_code")][1].guide
        guide.materials.append(
            MaterialIn(
                name=get("name"),
                situation=get("situation"),
                form=parts.enum(n, "form", get("form")),
                copies=parts.number(n, "copies", get("copies"), 1, 1, 99),
                required=parts.yes(n, "required", get("required"), True),
                source=parts.enum(n, "source", get("source"), MaterialSource.APPLICANT),
                resource=get("resource"),
                note=get("note"),
            )
        )
        where[(get("item_code"), len(guide.materials))] = n
    _check_guides(items, names, where, situation_rows, errors)
    if errors:
        raise ValidationFailed(
            _("The workbook has %(count)s problems; nothing was imported.") % {"count": len(errors)},
            errors=errors[:200],
        )
    return [item for _row, item in items.values()]


def _parts(data, filename, names, sheet, columns, items, errors) -> list:
    """The rows of the situations or materials sheet whose item is in the items sheet."""
    code, chinese = sheet
    if code not in names:
        return []  # an item without situations or materials is a valid item
    table, index = _read(data, filename, columns, names[code], errors)
    rows = Rows(names[code], errors)
    out = []
    for n, cells in table.rows if table else []:
        get = getter(cells, index)
        if not get("name"):
            rows.fail(n, "name", _("this cell is required"))
        elif get("item_code") not in items:
            rows.fail(n, "item_code", _("no item %(code)s in the sheet 事项") % {"code": get("item_code")})
        else:
            out.append((n, get))
    return out


def _check_guides(items, names, where, situation_rows, errors) -> None:
    """The guide rules (time limits, channels, situations named by materials, data brain codes),
    each problem put back on the row and column it came from."""
    resources = data_resources([i.guide for _r, i in items.values()])
    situation_row = {}
    for n, get in situation_rows:
        situation_row.setdefault(get("item_code"), []).append(n)
    sheets = {code: names.get(code, chinese) for code, chinese in (ITEMS, SITUATIONS, MATERIALS)}
    for code, (row, item) in items.items():
        for field, message in guide_errors(item.guide, resources):
            parts = field.split(".")
            if parts[0] == "materials":
                Rows(sheets["materials"], errors).fail(where.get((code, int(parts[1]))), parts[2], message)
            elif parts[0] == "situations":
                rows = situation_row.get(code, [])
                number = rows[int(parts[1]) - 1] if int(parts[1]) <= len(rows) else None
                Rows(sheets["situations"], errors).fail(number, parts[2], message)
            else:
                Rows(sheets["items"], errors).fail(row, field, message)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def export_sheets(items: Iterable[ServiceItem]) -> list[Sheet]:
    """The newest guide of each item on the three sheets of the import format."""
    items = list(items)
    heads = [(item, item.head) for item in items]
    version_ids = [v.pk for _i, v in heads]
    situations = defaultdict(list)
    names = {}
    for s in Situation.objects.filter(version_id__in=version_ids).order_by("version_id", "position"):
        situations[s.version_id].append(s)
        names[s.pk] = s.name
    materials = defaultdict(list)
    for m in (
        Material.objects.filter(version_id__in=version_ids)
        .select_related("resource")
        .order_by("version_id", "position")
    ):
        materials[m.version_id].append(m)
    item_rows = [_item_row(item, v) for item, v in heads]
    situation_rows = [[item.code, s.name, s.description] for item, v in heads for s in situations[v.pk]]
    material_rows = [
        [
            item.code,
            m.name,
            names.get(m.situation_id, ""),
            MaterialForm(m.form).label,
            m.copies,
            _yes_no(m.required),
            MaterialSource(m.source).label,
            m.resource.code if m.resource_id else "",
            m.note,
        ]
        for item, v in heads
        for m in materials[v.pk]
    ]
    return [
        Sheet(ITEMS[1], [ExportColumn(c.title) for c in ITEM_COLUMNS], item_rows, frozen_columns=2),
        Sheet(SITUATIONS[1], [ExportColumn(c.title) for c in SITUATION_COLUMNS], situation_rows),
        Sheet(MATERIALS[1], [ExportColumn(c.title) for c in MATERIAL_COLUMNS], material_rows),
    ]


def _item_row(item: ServiceItem, v) -> list:
    return [
        item.code,
        v.name,
        item.department.code,
        ItemType(v.item_type).label,
        v.implementing_body,
        Applicant(v.applicant).label,
        v.legal_basis,
        v.conditions,
        LimitKind(v.limit_kind).label,
        v.legal_days if v.legal_days is not None else "",
        v.promised_days,
        _yes_no(v.fee),
        v.fee_standard,
        v.fee_basis,
        _yes_no(v.online),
        _yes_no(v.window),
        _yes_no(v.kiosk),
        v.visits,
        v.online_depth,
        v.place,
        v.hours,
        v.phone,
        v.result_name,
        "、".join(str(Delivery(d).label) for d in v.delivery),
    ]
