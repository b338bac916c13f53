"""The plan-coverage report as files (issue 11): CSV, XLSX and the yearly PDF.

Pure functions of one ``CoverageReport`` (fund/reports/coverage.py): every figure is taken
from the report's dataclasses, so the page and the three files cannot disagree."""

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from openpyxl import Workbook

from fund.applications.labels import FINANCING_KIND_LABELS
from fund.applications.models import FinancingKind
from fund.calls.labels import FUND_LABELS
from fund.core.pdf import render_pdf
from fund.grants.labels import GRANT_STATE_LABELS
from fund.reports.charts import coverage_charts, effects_chart
from fund.reports.coverage import CallInfo, CoverageFilter, CoverageReport, Figures
from fund.reports.evaluation_exports import evaluation_csv_rows, evaluation_sheets
from fund.reports.extras import Extras
from fund.reports.selection import ReportPart
from fund.reports.sheets import (
    FIGURE_FIELDS,
    MONEY_FIELDS,
    NOK_FORMAT,
    add_sheet,
    add_text_sheet,
    share_of,
    text_cell,
)


def figure_headers() -> list[str]:
    """The page's words (reports/coverage_macros.html), with the unit of the money."""
    return [_("Søknader mottatt"), _("Trukket"), _("Tilskudd"), _("Avslag"), _("Søkt (kr)"),
            _("Innvilget (kr)"), _("Utbetalt (kr)"), _("Bortfalt (kr)"), _("Budsjett (kr)"),
            _("Andel av budsjettet")]


def counting_rule() -> list[str]:
    """How the figures are counted, in the words of the files (and the PDF's summary)."""
    return [
        _("Tallene bygger på tiltakene saksbehandler har bekreftet, ikke på det søkeren "
          "har oppgitt."),
        _("Et prosjekt som treffer flere tiltak, telles én gang på hvert nivå: én gang i "
          "hvert tiltak, hver strategi, hvert innsatsområde og i totalen. Tallene for "
          "nivåene kan derfor ikke summeres."),
        _("Mottatt er søknader som ikke er trukket; trukne søknader telles bare som "
          "trukket."),
        _("Tilsagn er gjeldende vedtak om tilskudd; et bortfalt tilsagn er fortsatt et "
          "tilsagn, og beløpet står også under bortfalt. Avslag er gjeldende avslag og "
          "avvisninger."),
        _("Utbetalt er utbetalt minus tilbakebetalt. Budsjett er summen av budsjettene "
          "til utlysningene i utvalget, og andel av budsjett er innvilget delt på "
          "budsjettet."),
        _("Forventede effekter er fra søknadene i prosjektene som har fått tilskudd "
          "(ikke bortfalt); realiserte effekter er fra godkjente sluttrapporter. De to "
          "legges aldri sammen."),
    ]


def _values(figures: Figures) -> list:
    return [getattr(figures, name) for name in FIGURE_FIELDS[:-1]] + [share_of(figures)]


def rows(report: CoverageReport) -> list[tuple[str, str, str, Figures]]:
    """(level, code, title, figures) per node: the total, then the tree in plan order."""
    result = [(_("totalt"), "", _("Alle prosjekter med bekreftet tiltak"), report.total)]
    for area in report.areas:
        result.append((_("innsatsområde"), area.code, area.title, area.figures))
        for strategy in area.strategies:
            result.append((_("strategi"), strategy.code, strategy.title, strategy.figures))
            for measure in strategy.measures:
                result.append((_("tiltak"), measure.code, measure.text, measure.figures))
    return result


# --- CSV ---


def extra_csv_rows(extras: Extras) -> list[list]:
    """The extras as rows in the figure columns: «sted» (place: received, grants, granted)
    and «fond_år» (code the year, title the fund: received and budget); the rest blank."""
    width = len(FIGURE_FIELDS)
    result = []
    for place in extras.places:
        values = [""] * width
        values[FIGURE_FIELDS.index("received")] = place.received
        values[FIGURE_FIELDS.index("grants")] = place.grants
        values[FIGURE_FIELDS.index("granted")] = place.granted
        result.append([_("sted"), "", text_cell(place.label), *values])
    for row in extras.fund_years:
        values = [""] * width
        values[FIGURE_FIELDS.index("received")] = row.received
        values[FIGURE_FIELDS.index("budget")] = row.budget
        result.append([_("fond_år"), str(row.year), fund_year_title(row), *values])
    return result


def fund_year_title(row) -> str:
    """The fund of a FundYear row in words, with whether a call was held and joint."""
    title = str(FUND_LABELS[row.fund])
    if not row.held:
        return title + " (" + _("ingen utlysning") + ")"
    return title + (" (" + _("felles utlysning") + ")" if row.joint else "")


def coverage_csv(parts: Sequence[ReportPart]) -> bytes:
    """One row per node of each plan version (its period in the last column); UTF-8 with a
    BOM and semicolons (as Excel in Norway reads it); kroner as whole numbers, the share
    with a decimal comma (empty without a budget)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Nivå"), _("Kode"), _("Tittel"), *figure_headers(), _("Planversjon")])
    for part in parts:
        period = part.report.plan_period
        for level, code, title, figures in rows(part.report):
            values = _values(figures)
            share = values[-1]
            writer.writerow([level, text_cell(code), text_cell(title),
                             *(int(v) for v in values[:-1]),
                             "" if share is None else str(share).replace(".", ","), period])
        if part.extras is not None:
            writer.writerows([*row, period] for row in extra_csv_rows(part.extras))
        if part.evaluation is not None:
            writer.writerows([*row, period] for row in evaluation_csv_rows(part.evaluation))
    return out.getvalue().encode("utf-8-sig")


# --- XLSX ---


def _figure_columns(offset: int) -> tuple[set[int], set[int]]:
    money = {offset + i for i, name in enumerate(FIGURE_FIELDS) if name in MONEY_FIELDS}
    return money, {offset + FIGURE_FIELDS.index("budget_share")}


def _numbers(figures: Figures) -> list:
    values = _values(figures)
    share = values[-1]
    return [*values[:-1], None if share is None else float(share)]


def per_krone(extras: Extras) -> Decimal | None:
    """Other financing per krone granted, to four decimals; None when nothing is granted."""
    ratio = extras.leverage.per_krone
    return None if ratio is None else ratio.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _extras_sheets(book: Workbook, parts: Sequence[ReportPart]) -> None:
    plan = _("Planversjon")
    add_sheet(book, _("Steder"),
              [_("Sted"), _("Søknader mottatt"), _("Tilskudd"), _("Innvilget (kr)"), plan],
              [[p.label, p.received, p.grants, p.granted, part.report.plan_period]
               for part in parts for p in part.extras.places], {3}, set())
    levers = [(part.extras.leverage, per_krone(part.extras)) for part in parts]

    def across(value) -> list:
        return [value(lev, ratio) for lev, ratio in levers]

    columns = ([_("Verdi")] if len(parts) == 1 else
               [_("Planversjon %(period)s", period=part.report.plan_period) for part in parts])
    add_sheet(book, _("Utløst kapital"), [_("Tall"), *columns],
              [[_("Prosjekter som har fått tilskudd (ikke bortfalt)"),
                *across(lambda lev, _r: lev.projects)],
               [_("Innvilget til dem (kr)"), *across(lambda lev, _r: lev.granted)],
               *[[str(FINANCING_KIND_LABELS[kind]) + " (kr)",
                  *across(lambda lev, _r, kind=kind: lev.financing.get(kind, 0))]
                 for kind in FinancingKind],
               [_("Annen finansiering i alt (kr)"), *across(lambda lev, _r: lev.other_financing)],
               [_("Annen finansiering per innvilget krone"),
                *across(lambda _lev, ratio: None if ratio is None else float(ratio))],
               [_("Samarbeidsprosjekter"), *across(lambda lev, _r: lev.cooperation)],
               [_("Tilsagn til nye foretak (KDD 1310)"),
                *across(lambda lev, _r: lev.new_firms.grants)],
               [_("Innvilget til nye foretak (kr)"),
                *across(lambda lev, _r: lev.new_firms.granted)],
               [_("Tilsagn til etablerte foretak (KDD 1110)"),
                *across(lambda lev, _r: lev.established_firms.grants)],
               [_("Innvilget til etablerte foretak (kr)"),
                *across(lambda lev, _r: lev.established_firms.granted)],
               [_("Tilsagn til andre"), *across(lambda lev, _r: lev.other_firms.grants)],
               [_("Innvilget til andre (kr)"), *across(lambda lev, _r: lev.other_firms.granted)]],
              set(), set())
    sheet = book[_("Utløst kapital")]
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value).endswith("(kr)"):
            for cell in row[1:]:
                cell.number_format = NOK_FORMAT
    add_sheet(book, _("Fondet per år"), [_("År"), _("Fond"), _("Utlysning holdt"),
                                         _("Felles utlysning"), _("Budsjett (kr)"),
                                         _("Søknader"), plan],
              [[r.year, str(FUND_LABELS[r.fund]), _("Ja") if r.held else _("Nei"),
                _("Ja") if r.joint else _("Nei"), r.budget, r.received, part.report.plan_period]
               for part in parts for r in part.extras.fund_years], {4}, set())


def coverage_xlsx(parts: Sequence[ReportPart]) -> bytes:
    """One sheet per level and one with the counting rule, each plan version's rows with
    its period in the last column; kroner and shares are numbers (with number formats),
    headers bold, the header row frozen."""
    book = Workbook()
    book.remove(book.active)
    headers, plan = figure_headers(), _("Planversjon")
    money, percent = _figure_columns(2)
    add_sheet(book, _("Innsatsområder"), [_("Kode"), _("Tittel"), *headers, plan],
              [row for part in parts for row in
               [[a.code, a.title, *_numbers(a.figures), part.report.plan_period]
                for a in part.report.areas]
               + [["", _("Totalt (hvert prosjekt én gang)"), *_numbers(part.report.total),
                   part.report.plan_period]]],
              money, percent)
    money, percent = _figure_columns(3)
    add_sheet(book, _("Strategier"), [_("Innsatsområde"), _("Kode"), _("Tittel"), *headers, plan],
              [[a.code, s.code, s.title, *_numbers(s.figures), part.report.plan_period]
               for part in parts for a in part.report.areas for s in a.strategies],
              money, percent)
    money, percent = _figure_columns(5)
    add_sheet(book, _("Tiltak"), [_("Strategi"), _("Kode"), _("Tiltak"), _("Åpent for søkere"),
                                  _("Udekket"), *headers, plan],
              [[s.code, m.code, m.text, _("Ja") if m.open else _("Nei"),
                _("Ja") if m.is_gap else _("Nei"), *_numbers(m.figures), part.report.plan_period]
               for part in parts for s in part.report.strategies for m in s.measures],
              money, percent)
    add_sheet(book, _("Prosjekter"), [_("Saksnummer"), _("Prosjekt"), _("Mottaker"),
                                      _("Org.nr."), _("Innvilget (kr)"), _("Status"),
                                      _("Tiltak"), plan],
              [[p.case_number, p.title, p.recipient, p.orgnr, p.amount, grant_state(p),
                ", ".join(measure_codes(part.report).get(p.application_id, [])),
                part.report.plan_period]
               for part in parts for p in part.report.projects],
              {4}, set())
    with_extras = [part for part in parts if part.extras is not None]
    if with_extras:
        _extras_sheets(book, with_extras)
    evaluations = [part.evaluation for part in parts if part.evaluation is not None]
    if evaluations:
        evaluation_sheets(book, evaluations)
    add_text_sheet(book, _("Slik er tallene telt"), counting_rule())
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure_codes(report: CoverageReport) -> dict[int, list[str]]:
    """The codes of the measures each project advances, in plan order."""
    codes: dict[int, list[str]] = {}
    for measure in report.measures:
        for project in measure.projects:
            codes.setdefault(project.application_id, []).append(measure.code)
    return codes


def grant_state(project) -> str:
    if project.grant_state is None:
        return _("Vedtatt, tilsagnsbrev ikke sendt")
    return str(GRANT_STATE_LABELS[project.grant_state])


# --- PDF ---


def filter_text(selection_filter: CoverageFilter, calls: Sequence[CallInfo]) -> str:
    """The filter in words, for the cover."""
    flt = selection_filter
    parts = []
    if flt.years:
        parts.append(_("År: %(years)s", years=", ".join(str(y) for y in sorted(flt.years))))
    if flt.fund is not None:
        parts.append(str(FUND_LABELS[flt.fund]))
    if flt.call_id is not None:
        parts.extend(call.title for call in calls if call.id == flt.call_id)
    return " · ".join(parts) or _("Alle utlysninger under planen")


#: The most funded projects the PDF lists in its appendix. A longer list (a year at
#: national scale has thousands) is a spreadsheet's job: the PDF says how many there are
#: and where they are listed (the CSV and XLSX of the same selection), and stays a few
#: pages, rendered in seconds.
APPENDIX_LIMIT = 150


def coverage_pdf(parts: Sequence[ReportPart], generated_on: date,
                 flt: CoverageFilter | None = None) -> bytes:
    """The report as an archivable, tagged PDF/A-2a: a cover, then each plan version's
    summary, charts, tables and appendix of funded projects."""
    flt = flt if flt is not None else (parts[0].report.filter if parts else CoverageFilter())
    periods = [part.report.plan_period for part in parts]
    return render_pdf("pdf/coverage_report.html", parts=parts, periods=periods,
                      generated_on=generated_on, per_krone=per_krone,
                      FINANCING_KIND_LABELS=FINANCING_KIND_LABELS,
                      FinancingKind=FinancingKind, fund_year_title=fund_year_title,
                      filter_text=filter_text(flt, [c for p in parts for c in p.report.calls]),
                      counting_rule=counting_rule(), share_of=share_of,
                      measure_codes=measure_codes, grant_state=grant_state,
                      coverage_charts=coverage_charts, effects_chart=effects_chart,
                      FUND_LABELS=FUND_LABELS, appendix_limit=APPENDIX_LIMIT)
