"""A guide's situations and materials as the item's edit page posts them: rows in columns, changed by
the page's buttons (add, move up or down, remove) before the whole guide is saved as a draft.

A situation row carries a key that stays with it while it is renamed or moved; a material names its
situation by that key, so renaming a situation keeps its materials with it.
"""

from dataclasses import dataclass, field
from itertools import zip_longest

from django.utils.translation import gettext as _

from cityops.egov.choices import MaterialForm, MaterialSource
from cityops.egov.services import GuideIn, MaterialIn, SituationIn

SITUATION_COLUMNS = ("s_key", "s_name", "s_description")
MATERIAL_COLUMNS = (
    "m_name",
    "m_form",
    "m_copies",
    "m_required",
    "m_source",
    "m_situation",
    "m_resource",
    "m_note",
)
KINDS = {"s": "situations", "m": "materials"}


@dataclass
class SituationRow:
    key: str
    name: str = ""
    description: str = ""


@dataclass
class MaterialRow:
    name: str = ""
    form: str = MaterialForm.ORIGINAL
    copies: str = "1"  # as typed, checked when the guide is saved
    required: bool = True
    source: str = MaterialSource.APPLICANT
    situation: str = ""  # the key of a situation row; "" for every situation
    resource: str = ""
    note: str = ""


@dataclass
class Parts:
    situations: list[SituationRow] = field(default_factory=list)
    materials: list[MaterialRow] = field(default_factory=list)

    @classmethod
    def of(cls, guide: GuideIn) -> "Parts":
        """The rows of a stored guide."""
        situations = [SituationRow(f"k{n}", s.name, s.description) for n, s in enumerate(guide.situations, 1)]
        keys = {s.name: s.key for s in situations}
        materials = [
            MaterialRow(
                m.name,
                m.form,
                str(m.copies),
                m.required,
                m.source,
                keys.get(m.situation, ""),
                m.resource,
                m.note,
            )
            for m in guide.materials
        ]
        return cls(situations, materials)

    @classmethod
    def posted(cls, data) -> "Parts":
        """The rows a page posted, one list per column."""
        situations = [
            SituationRow(key.strip(), name, description)
            for key, name, description in zip_longest(
                *(data.getlist(c) for c in SITUATION_COLUMNS), fillvalue=""
            )
        ]
        materials = [
            MaterialRow(
                name, form, copies.strip(), required != "0", source, situation, resource.strip(), note
            )
            for name, form, copies, required, source, situation, resource, note in zip_longest(
                *(data.getlist(c) for c in MATERIAL_COLUMNS), fillvalue=""
            )
        ]
        return cls(situations, materials)

    def apply(self, op: str) -> None:
        """One button's change: ``add:s``, ``add:m``, ``up:m:2``, ``down:s:0``, ``remove:m:1`` (rows from 0);
        an operation that does not fit (a row that is not there) changes nothing."""
        verb, _sep, rest = op.partition(":")
        kind, _sep, row = rest.partition(":")
        if kind not in KINDS:
            return
        rows = getattr(self, KINDS[kind])
        if verb == "add":
            rows.append(SituationRow(self._new_key()) if kind == "s" else MaterialRow())
            return
        if not row.isdigit() or int(row) >= len(rows):
            return
        n = int(row)
        if verb == "remove":
            del rows[n]
        elif verb in ("up", "down"):
            other = n - 1 if verb == "up" else n + 1
            if 0 <= other < len(rows):
                rows[n], rows[other] = rows[other], rows[n]

    def _new_key(self) -> str:
        numbers = [int(s.key[1:]) for s in self.situations if s.key[:1] == "k" and s.key[1:].isdigit()]
        return f"k{max(numbers, default=0) + 1}"

    def inputs(self) -> tuple[list[SituationIn], list[MaterialIn], list[tuple[str, str]]]:
        """The rows as a guide's situations and materials, with the problems only the page can have
        (copies that are not a number, the situation of a material removed)."""
        names = {s.key: s.name.strip() for s in self.situations}
        situations = [SituationIn(s.name.strip(), s.description.strip()) for s in self.situations]
        materials, errors = [], []
        for n, m in enumerate(self.materials, 1):
            whole = m.copies.lstrip("-").isdigit()
            copies = int(m.copies) if whole else 1  # the problem is named here, not twice
            if not whole:
                errors.append((f"materials.{n}.copies", _("copies are a whole number from 1 to 99")))
            if m.situation and m.situation not in names:
                errors.append(
                    (f"materials.{n}.situation", _("its situation was removed; choose another or none"))
                )
            materials.append(
                MaterialIn(
                    name=m.name.strip(),
                    form=m.form,
                    copies=copies,
                    required=m.required,
                    source=m.source,
                    situation=names.get(m.situation, ""),
                    resource=m.resource,
                    note=m.note.strip(),
                )
            )
        return situations, materials, errors


def row_errors(errors: list[dict]) -> dict[str, dict[int, list[str]]]:
    """The problems of the rows, by kind and row (from 0), for the page to show beside each row."""
    rows: dict[str, dict[int, list[str]]] = {"situations": {}, "materials": {}}
    for e in errors:
        kind, _sep, rest = e["field"].partition(".")
        number = rest.partition(".")[0]
        if kind in rows and number.isdigit():
            rows[kind].setdefault(int(number) - 1, []).append(e["message"])
    return rows


def error_place(name: str) -> str:
    """Where a problem is, in words: ``materials.2.copies`` is "Material 2"."""
    kind, _sep, rest = name.partition(".")
    number = rest.partition(".")[0]
    if kind == "situations" and number.isdigit():
        return _("Situation %(n)s") % {"n": number}
    if kind == "materials" and number.isdigit():
        return _("Material %(n)s") % {"n": number}
    return name
