"""The report as a workbook, written by ``core.export`` (its cells neutralise formula-looking
text): a summary sheet, then one sheet per table of the PDF."""

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.kpi_definitions import COUNT_LABELS, KPI_BY_KEY
from cityops.core.export import Column, Sheet, file_bytes
from cityops.ops.reports.figures import COUNTS, RATES, TARGET_EFFECTIVE, Figures, Line


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _summary(f: Figures, scope: str) -> Sheet:
    p = f.period
    rows: list[list] = [
        [_("Operations report"), p.title],
        [_("Period"), f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}"],
        [_("Scope"), scope],
        [_("Generated"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [],
    ]
    if f.empty:
        rows += [[_("No cases were reported and none fell due in this period.")], []]
    rows.append(
        [
            _("Indicator"),
            _("This period (%(label)s)") % {"label": p.label},
            _("Previous period (%(label)s)") % {"label": p.previous().label},
            _("Same period last year (%(label)s)") % {"label": p.year_before().label},
        ]
    )
    lines = (f.total, f.previous, f.last_year)
    for c in COUNTS:
        rows.append([str(COUNT_LABELS[c]), *(line.counts[c] for line in lines)])
    for k in RATES:
        rows.append([f"{KPI_BY_KEY[k].label} (%)", *(_pct(line.rates[k]["value"]) for line in lines)])
    rows.append([_("Target of the effective disposal rate (%)"), TARGET_EFFECTIVE * 100])
    widths = [Column("", 34), Column("", 26), Column("", 26), Column("", 26)]
    return Sheet(_("Summary"), widths, rows, header=False)


def _line_sheet(title: str, member: str, lines: list[Line]) -> Sheet:
    cols = [Column(_("Code"), 14), Column(member, 20)]
    cols += [Column(str(COUNT_LABELS[c]), 12) for c in COUNTS]
    cols += [Column(str(KPI_BY_KEY[k].label), 12, "percent") for k in RATES]
    cols.append(Column(_("Target met"), 10))
    rows = [
        [
            line.key,
            line.name,
            *(line.counts[c] for c in COUNTS),
            *(line.rates[k]["value"] for k in RATES),
            "" if line.met is None else (_("yes") if line.met else _("no")),
        ]
        for line in lines
    ]
    return Sheet(title, cols, rows, frozen_columns=2)


def workbook(f: Figures, scope: str) -> bytes:
    items = Sheet(
        _("Top patrol items"),
        [Column(_("Rank"), 6), Column(_("Code"), 14), Column(_("Patrol item"), 30), Column(_("Cases"), 10)],
        [[i + 1, r["code"], r["name"], r["cases"]] for i, r in enumerate(f.items)],
    )
    pt = f.patrol
    patrols = Sheet(
        _("Patrol coverage"),
        [Column(_("Figure"), 30), Column(_("Value"), 14)],
        [
            [_("Grid-days"), pt["grid_days"]],
            [_("Visits expected"), pt["expected"]],
            [_("Visits made"), pt["visits"]],
            [_("Grid-days missed"), pt["missed"]],
            [_("Mean share of the grid walked (%)"), _pct(pt["coverage"])],
        ],
    )
    alarms = Sheet(
        _("Sensor alarms"),
        [Column(_("Severity"), 20), Column(_("Alarms"), 10)],
        [
            *([s, n] for s, n in f.alarms["by_severity"]),
            [_("All"), f.alarms["total"]],
            [_("Opened a case"), f.alarms["with_case"]],
        ],
    )
    video_cols = [Column(_("Project"), 30), Column(_("Channels"), 10)]
    video_cols += [Column(_("Online rate (%)"), 14), Column(_("Target (%)"), 12), Column(_("Target met"), 10)]
    video = Sheet(
        _("Camera online rates"),
        video_cols,
        [
            [r.name, r.channels, r.rate, r.target, "" if r.met is None else (_("yes") if r.met else _("no"))]
            for r in f.video
        ],
    )
    sheets = [
        _summary(f, scope),
        _line_sheet(_("By village"), _("Village"), f.villages),
        _line_sheet(_("By department"), _("Department"), f.departments),
        items,
        patrols,
        alarms,
        video,
    ]
    return file_bytes(fmt="xlsx", sheets=sheets)
