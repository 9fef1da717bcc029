"""The report as a PDF: an HTML template laid out by WeasyPrint, with the SVG charts inline and
the Noto Sans CJK font (Debian's fonts-noto-cjk, found through fontconfig) embedded as a subset."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import HTML

from cityops.cases.kpi_definitions import COUNT_LABELS, KPI_BY_KEY
from cityops.ops.reports import charts
from cityops.ops.reports.figures import COUNTS, RATES, TARGET_EFFECTIVE, Figures, Line


def _charts(f: Figures) -> dict:
    p = f.period
    shown = ("registered", "due", "closed", "effective", "overdue_open")
    trend = charts.grouped_bars(
        [str(COUNT_LABELS[c]) for c in shown],
        [
            (_("This period (%(label)s)") % {"label": p.label}, [f.total.counts[c] for c in shown]),
            (
                _("Previous (%(label)s)") % {"label": p.previous().label},
                [f.previous.counts[c] for c in shown],
            ),
            (
                _("A year before (%(label)s)") % {"label": p.year_before().label},
                [f.last_year.counts[c] for c in shown],
            ),
        ],
    )
    villages = charts.rate_bars([(v.name, v.effective) for v in f.villages], target=TARGET_EFFECTIVE)
    return {"trend": trend, "villages": villages}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _rows(lines: list[Line]) -> list[dict]:
    return [
        {
            "name": line.name,
            "counts": [f"{line.counts[c]:,}" for c in COUNTS],
            "rates": [pct(line.rates[k]["value"]) for k in RATES],
            "met": line.met,
        }
        for line in lines
    ]


def document(f: Figures, scope: str) -> bytes:
    lines = (f.total, f.previous, f.last_year)
    summary = [(str(COUNT_LABELS[c]), [f"{line.counts[c]:,}" for line in lines]) for c in COUNTS]
    summary += [(str(KPI_BY_KEY[k].label), [pct(line.rates[k]["value"]) for line in lines]) for k in RATES]
    context = {
        "f": f,
        "p": f.period,
        "scope": scope,
        "generated": timezone.localtime(),
        "summary": summary,
        "heads": [str(COUNT_LABELS[c]) for c in COUNTS] + [str(KPI_BY_KEY[k].label) for k in RATES],
        "villages": _rows(f.villages),
        "departments": _rows(f.departments),
        "coverage": pct(f.patrol["coverage"]),
        "target": f"{TARGET_EFFECTIVE * 100:.1f}%",
        "effective": pct(f.total.effective),
        "charts": {} if f.empty else _charts(f),
    }
    html = render_to_string("ops/reports/report_pdf.html", context)
    return HTML(string=html).write_pdf()
