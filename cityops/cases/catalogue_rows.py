"""The patrol item catalogue's columns and the checking of every row of an import.

Everything here is pure (no database): ``parse_items`` checks each row on its own and the
categories' consistency within the file; ``check_stored`` checks the rows against what the
database holds. Each error names the row as a spreadsheet shows it (the header is row 1) and the
column, so that a data steward can fix the file in one pass.
"""

import re
from dataclasses import dataclass

from cityops.cases.choices import ItemKind, LimitUnit, Urgency

MAX_LIMIT = 10_000

# (code, Chinese header, required column); the file may use either header.
COLUMNS: list[tuple[str, str, bool]] = [
    ("code", "事项编码", True),
    ("name", "事项名称", True),
    ("kind", "类型", True),
    ("big_category_code", "大类编码", True),
    ("big_category_name", "大类名称", True),
    ("small_category_code", "小类编码", True),
    ("small_category_name", "小类名称", True),
    ("department_code", "责任部门编码", True),
    ("filing_condition", "立案条件", False),
    ("closing_condition", "结案条件", False),
    ("urgency", "紧急程度", False),
    ("resident_reportable", "居民可上报", False),
    ("on_the_spot", "可现场处置", False),
    ("dispatch_limit", "派遣时限", True),
    ("dispatch_unit", "派遣时限单位", True),
    ("disposal_limit", "处置时限", True),
    ("disposal_unit", "处置时限单位", True),
    ("recheck_limit", "核查时限", True),
    ("recheck_unit", "核查时限单位", True),
    ("active", "启用", False),
]
CODES = [code for code, _, _ in COLUMNS]
CHINESE = {zh: code for code, zh, _ in COLUMNS}
LENGTHS = {
    "code": 32,
    "name": 100,
    "big_category_code": 16,
    "big_category_name": 60,
    "small_category_code": 16,
    "small_category_name": 60,
    "department_code": 32,
    "filing_condition": 2000,
    "closing_condition": 2000,
}
KINDS = dict.fromkeys(("component", "部件"), ItemKind.COMPONENT) | dict.fromkeys(
    ("event", "事件"), ItemKind.EVENT
)
URGENCIES = dict.fromkeys(("normal", "一般"), Urgency.NORMAL) | dict.fromkeys(
    ("urgent", "紧急"), Urgency.URGENT
)
UNITS = (
    dict.fromkeys(("minutes", "工作分钟"), LimitUnit.MINUTES)
    | dict.fromkeys(("hours", "工作时", "工作小时"), LimitUnit.HOURS)
    | dict.fromkeys(("days", "工作日", "工作天"), LimitUnit.DAYS)
)
BOOLEANS = dict.fromkeys(("yes", "是", "true", "1"), True) | dict.fromkeys(("no", "否", "false", "0"), False)
# Optional columns: a blank cell means this; an absent column leaves a stored item's value alone.
DEFAULTS = {"urgency": Urgency.NORMAL, "resident_reportable": True, "on_the_spot": False, "active": True}
# Characters an XLSX file cannot hold; refused here so that every imported item can be exported.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells) of the non-blank rows


def error(row: int | None, column: str | None, message: str, label: str | None = None) -> dict:
    """One problem in the import's error format; ``label`` is the column as the file names it."""
    where = ", ".join(
        p for p in (f"row {row}" if row else "", f"column {label or column}" if column else "") if p
    )
    return {"row": row, "column": column, "message": f"{where}: {message}" if where else message}


@dataclass
class Columns:
    index: dict[str, int]  # column code → position
    labels: dict[str, str]  # column code → the header as the file writes it
    headed: set[int]  # positions with a header, known or not: their cells are not strays
    errors: list[dict]
    fatal: bool


def map_header(header: list[str]) -> Columns:
    """Which position holds which column; a missing required column or a doubled one is fatal."""
    cols = Columns({}, {}, {pos for pos, text in enumerate(header) if text}, [], False)
    for pos, text in enumerate(header):
        if not text:
            continue
        code = text.lower() if text.lower() in CODES else CHINESE.get(text)
        if code is None:
            cols.errors.append(error(1, text, f"unknown column '{text}'"))
        elif code in cols.index:
            cols.errors.append(
                error(1, code, f"the column appears twice ('{cols.labels[code]}' and '{text}')")
            )
            cols.fatal = True
        else:
            cols.index[code], cols.labels[code] = pos, text if text == code else f"{text} ({code})"
    for code, zh, required in COLUMNS:
        if required and code not in cols.index:
            cols.errors.append(error(1, code, f"the required column {code} ({zh}) is missing"))
            cols.fatal = True
    return cols


class CellError(ValueError):
    pass


def _text(limit: int):
    def parse(raw: str) -> str:
        if len(raw) > limit:
            raise CellError(f"'{raw[:20]}…' has {len(raw)} characters, more than {limit}")
        return raw

    return parse


def _choice(options: dict, what: str, hint: str):
    def parse(raw: str) -> str:
        try:
            return options[raw.lower()]
        except KeyError:
            raise CellError(f"'{raw}' is not {what}; use {hint}") from None

    return parse


def _limit(raw: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise CellError(f"'{raw}' is not a whole number")
    if not 1 <= int(raw) <= MAX_LIMIT:
        raise CellError(f"{int(raw)} is not between 1 and {MAX_LIMIT}")
    return int(raw)


_unit = _choice(UNITS, "a time unit", "minutes, hours or days (工作分钟/工作时/工作日)")
_boolean = _choice(BOOLEANS, "yes or no", "yes/no, 是/否, true/false or 1/0")
PARSERS = {
    **{code: _text(limit) for code, limit in LENGTHS.items()},
    "kind": _choice(KINDS, "a kind", "component or event (部件/事件)"),
    "urgency": _choice(URGENCIES, "an urgency", "normal or urgent (一般/紧急)"),
    "resident_reportable": _boolean,
    "on_the_spot": _boolean,
    "active": _boolean,
    "dispatch_limit": _limit,
    "dispatch_unit": _unit,
    "disposal_limit": _limit,
    "disposal_unit": _unit,
    "recheck_limit": _limit,
    "recheck_unit": _unit,
}
REQUIRED = {code for code, _, required in COLUMNS if required}
# Columns that name things rather than hold the item's own fields.
REFERENCES = (
    "code",
    "big_category_code",
    "big_category_name",
    "small_category_code",
    "small_category_name",
    "department_code",
)


@dataclass
class ItemRow:
    row: int
    code: str
    kind: str
    big: tuple[str, str]  # (code, name)
    small: tuple[str, str]
    department: str
    fields: dict  # PatrolItem fields of the columns the file has, besides the references


def _letter(pos: int) -> str:
    out = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        out = chr(65 + rem) + out
    return out


def _values(number: int, cells: list[str], cols: Columns, errors: list) -> dict | None:
    """The parsed value of every column the file has, or None (with errors added) if a cell is bad."""
    values, ok = {}, True
    for pos, raw in enumerate(cells):
        if raw and pos not in cols.headed:
            errors.append(error(number, _letter(pos), f"'{raw[:20]}' stands in a column without a header"))
            ok = False
    for code, pos in cols.index.items():
        raw = cells[pos] if pos < len(cells) else ""
        try:
            if CONTROL.search(raw):
                raise CellError("contains a control character")
            if not raw and code in REQUIRED:
                raise CellError("a value is required")
            values[code] = PARSERS[code](raw) if raw else DEFAULTS.get(code, "")
        except CellError as exc:
            errors.append(error(number, code, str(exc), cols.labels[code]))
            ok = False
    return values if ok else None


def _item(number: int, values: dict) -> ItemRow:
    fields = {k: v for k, v in values.items() if k not in REFERENCES}
    return ItemRow(
        row=number,
        code=values["code"],
        kind=values["kind"],
        big=(values["big_category_code"], values["big_category_name"]),
        small=(values["small_category_code"], values["small_category_name"]),
        department=values["department_code"],
        fields=fields,
    )


def _check_categories(items: list[ItemRow], labels: dict, errors: list) -> None:
    """A category code keeps one name, one kind and (for a small one) one big category in the file."""
    bigs: dict[str, tuple[int, str, str]] = {}
    smalls: dict[str, tuple[int, str, str, str]] = {}

    def err(item: ItemRow, column: str, message: str) -> None:
        errors.append(error(item.row, column, message, labels[column]))

    for it in items:
        (big, big_name), (small, small_name) = it.big, it.small
        if big in smalls:
            err(it, "big_category_code", f"'{big}' is a small category in row {smalls[big][0]}")
        row, kind, name = bigs.setdefault(big, (it.row, it.kind, big_name))
        if kind != it.kind:
            err(it, "kind", f"big category '{big}' is of kind {kind} in row {row}, not {it.kind}")
        if name != big_name:
            err(it, "big_category_name", f"big category '{big}' is named '{name}' in row {row}")
        if small in bigs:
            err(it, "small_category_code", f"'{small}' is a big category in row {bigs[small][0]}")
        row, kind, name, parent = smalls.setdefault(small, (it.row, it.kind, small_name, big))
        if parent != big:
            err(
                it,
                "big_category_code",
                f"small category '{small}' belongs to '{parent}' in row {row}, not '{big}'",
            )
        if kind != it.kind:
            err(it, "kind", f"small category '{small}' is of kind {kind} in row {row}, not {it.kind}")
        if name != small_name:
            err(it, "small_category_name", f"small category '{small}' is named '{name}' in row {row}")


@dataclass
class Parsed:
    items: list[ItemRow]
    errors: list[dict]
    labels: dict[str, str]


def parse_items(table: Table) -> Parsed:
    """Every row checked on its own and against the others in the file; errors in row order."""
    cols = map_header(table.header)
    errors = list(cols.errors)
    if cols.fatal:
        return Parsed([], errors, cols.labels)
    items, seen = [], {}
    for number, cells in table.rows:
        values = _values(number, cells, cols, errors)
        if values is None:
            continue
        if values["code"] in seen:
            label = cols.labels["code"]
            errors.append(
                error(
                    number,
                    "code",
                    f"'{values['code']}' is already the code of row {seen[values['code']]}",
                    label,
                )
            )
            continue
        seen[values["code"]] = number
        items.append(_item(number, values))
    _check_categories(items, cols.labels, errors)
    return Parsed(items, errors, cols.labels)


def check_stored(
    parsed: Parsed, departments: set[str], categories: dict[str, tuple[str, str | None]]
) -> list[dict]:
    """Rows against the database: departments exist, stored categories keep their kind and place.

    ``categories`` maps a stored category code to (kind, parent code or None). A conflicting
    category is reported once, at the first row that names it.
    """
    errors, told = [], set()

    def err(it: ItemRow, column: str, message: str) -> None:
        errors.append(error(it.row, column, message, parsed.labels[column]))

    for it in parsed.items:
        if it.department not in departments:
            err(it, "department_code", f"no department has the code '{it.department}'")
        for code, parent in ((it.big[0], None), (it.small[0], it.big[0])):
            if code not in categories or (code, parent) in told:
                continue
            told.add((code, parent))
            kind, stored_parent = categories[code]
            column = "big_category_code" if parent is None else "small_category_code"
            if stored_parent is None and parent is not None:
                err(it, column, f"'{code}' is already a big category")
            elif stored_parent is not None and parent is None:
                err(it, column, f"'{code}' is already a small category of '{stored_parent}'")
            elif stored_parent != parent:
                err(
                    it,
                    "big_category_code",
                    f"small category '{code}' already belongs to '{stored_parent}', not '{parent}'",
                )
            elif kind != it.kind:
                err(it, "kind", f"category '{code}' is already of kind {kind}, not {it.kind}")
    return errors
