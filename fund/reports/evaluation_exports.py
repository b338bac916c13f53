"""The yearly evaluation (fund/reports/evaluation.py) in the coverage report's files: rows
for the CSV in the shape of ``exports.extra_csv_rows``, and sheets for the XLSX. Pure
functions of one ``Evaluation``, so the files cannot disagree with the page."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from openpyxl import Workbook

from fund.calls.labels import FUND_LABELS
from fund.reports.evaluation import (
    AreaShare,
    ContextRow,
    ContextValue,
    Evaluation,
    IndustryRow,
    YearRow,
    method_text,
)
from fund.reports.sheets import FIGURE_FIELDS, add_sheet, add_text_sheet, share_of, text_cell

#: Excel's format for a difference in percentage points, with its sign.
POINTS_FORMAT = '+0.0;-0.0;0.0'


@dataclass(frozen=True)
class Line:
    """One figure of a year: its label, how to read it, and what it is."""

    label: str
    value: Callable[[YearRow], object]
    #: count, nok (whole kroner), tonnes (a decimal number), share (0–1), yes_no, text
    kind: str = "count"


def year_lines() -> list[Line]:
    """The figures of the table per year, in its order: the calls, the figures over the
    received applications, then ``effect_lines``."""
    return [
        Line(_("Utlysninger holdt"), lambda row: row.calls),
        Line(_("Fond"), lambda row: ", ".join(str(FUND_LABELS[f]) for f in row.funds), "text"),
        Line(_("Budsjett (kr)"), lambda row: row.figures.budget, "nok"),
        Line(_("Søknader mottatt"), lambda row: row.figures.received),
        Line(_("Trukket"), lambda row: row.figures.withdrawn),
        Line(_("Tilskudd"), lambda row: row.figures.grants),
        Line(_("Avslag"), lambda row: row.figures.rejections),
        Line(_("Søkt (kr)"), lambda row: row.figures.applied, "nok"),
        Line(_("Innvilget (kr)"), lambda row: row.figures.granted, "nok"),
        Line(_("Utbetalt (kr)"), lambda row: row.figures.paid, "nok"),
        Line(_("Bortfalt (kr)"), lambda row: row.figures.lapsed, "nok"),
        Line(_("Andel av budsjettet"), lambda row: share_of(row.figures), "share"),
        *effect_lines(),
    ]


def effect_lines() -> list[Line]:
    """The expected and the realised effects of a year, kept apart, and 5C-1."""
    def exp(name):
        return lambda row: getattr(row.effects.expected, name)

    def real(name):
        return lambda row: getattr(row.effects.realised, name)

    return [
        Line(_("Forventet: prosjekter med tilskudd"), exp("projects")),
        Line(_("Forventet: kunnskapsintensive arbeidsplasser"), exp("knowledge_jobs")),
        Line(_("Forventet: andre arbeidsplasser"), exp("other_jobs")),
        Line(_("Forventet: kutt i tonn CO2e per år"), exp("co2e_tonnes"), "tonnes"),
        Line(_("Forventet: prosjekter med utdanningspartnere"), exp("education_partners")),
        Line(_("Forventet: prosjekter med internasjonalt samarbeid"), exp("international")),
        Line(_("Realisert: godkjente sluttrapporter"), real("reports")),
        Line(_("Realisert: kunnskapsintensive arbeidsplasser"), real("knowledge_jobs")),
        Line(_("Realisert: andre arbeidsplasser"), real("other_jobs")),
        Line(_("Realisert: kutt i tonn CO2e per år"), real("co2e_tonnes"), "tonnes"),
        Line(_("Realisert: prosjekter med utdanningspartnere"), real("education_partners")),
        Line(_("Realisert: prosjekter med internasjonalt samarbeid"), real("international")),
        Line(_("Realisert: videre finansiering fra Innovasjon Norge (kr)"),
             real("funding_innovasjon_norge"), "nok"),
        Line(_("Realisert: videre finansiering fra Forskningsrådet (kr)"),
             real("funding_forskningsradet"), "nok"),
        Line(_("Realisert: videre finansiering fra EU (kr)"), real("funding_eu"), "nok"),
        Line(_("Realisert: annen videre finansiering (kr)"), real("funding_other"), "nok"),
        Line(_("5C-1: prosjekter med utdanningspartner"),
             lambda row: row.education_cooperations),
        Line(_("5C-1: minst ett samarbeid med utdanningsinstitusjon"),
             lambda row: row.target_5c1_met, "yes_no"),
    ]


def year_title(row: YearRow) -> str:
    """The calls of a year in words: the funds, or that no call was held."""
    if not row.held:
        return _("ingen utlysning")
    return ", ".join(str(FUND_LABELS[f]) for f in row.funds)


def year_label(year: int | None) -> str:
    return str(year) if year is not None else _("alle år")


def industry_label(row: IndustryRow) -> str:
    if row.section is None:
        return _("Ukjent eller ingen næringskode")
    return f"{row.section} {row.name}"


def context_title(row: ContextRow, value: ContextValue) -> str:
    """A context figure's label with its source (and note), for a CSV row."""
    words = [row.label + (", " + _("prosent") if row.is_percent else ""),
             _("kilde: %(source)s", source=value.source)]
    if value.note:
        words.append(_("merknad: %(note)s", note=" ".join(value.note.split())))
    return text_cell(" – ".join(words))


def share_percent_fraction(share: AreaShare) -> Decimal | None:
    """The share (0–1) to four decimals; None when nothing was granted."""
    value = share.share
    return None if value is None else value.quantize(Decimal("0.0001"), ROUND_HALF_UP)


# --- CSV ---


def _csv_number(value) -> object:
    """As coverage_csv writes numbers: whole numbers as they are, decimals with a comma,
    yes/no in words, None blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return value


def _in_column(name: str | None, value) -> list:
    """The figure columns with ``value`` in the column ``name`` (None: the first one)."""
    values = [""] * len(FIGURE_FIELDS)
    values[FIGURE_FIELDS.index(name) if name else 0] = _csv_number(value)
    return values


def evaluation_csv_rows(evaluation: Evaluation) -> list[list]:
    """The evaluation as rows in the figure columns of the coverage CSV (Nivå, Kode,
    Tittel, then ``FIGURE_FIELDS``):

    - «evaluering_år»: code the year, title its funds; the figures over every received
      application of the year's calls, each in its own column;
    - «evaluering_effekt»: code the year, title what is counted (expected, realised,
      5C-1); one number per row, in the first figure column;
    - «andel_område»: code the year («alle år» for the years together), title the area
      and what is counted (granted, share, priority, difference); one number per row, in
      the first figure column, except granted kroner, in the granted column;
    - «næring»: code the SN2007 section, title its name; received, grants and granted in
      their columns;
    - «kontekst»: the figures from outside the system entered by hand: code the year,
      title what it is with its source (and note); the number in the first figure column
      (a percent as the percent, e.g. 41,2)."""
    result = []
    for row in evaluation.years:
        values = [getattr(row.figures, name) for name in FIGURE_FIELDS[:-1]]
        share = share_of(row.figures)
        result.append([_("evaluering_år"), str(row.year), year_title(row), *values,
                       "" if share is None else str(share).replace(".", ",")])
    lines = effect_lines()
    for row in evaluation.years:
        for line in lines:
            result.append([_("evaluering_effekt"), str(row.year), line.label,
                           *_in_column(None, line.value(row))])
    for share in evaluation.area_shares:
        name = f"{share.code}. {share.title}"
        code = year_label(share.year)
        result += [
            [_("andel_område"), code, text_cell(name) + " – " + _("innvilget (kr)"),
             *_in_column("granted", share.granted)],
            [_("andel_område"), code, text_cell(name) + " – " + _("andel av innvilget"),
             *_in_column(None, share_percent_fraction(share))],
            [_("andel_område"), code, text_cell(name) + " – " + _("politisk prioritering (%)"),
             *_in_column(None, share.priority_percent)],
            [_("andel_område"), code,
             text_cell(name) + " – " + _("differanse (prosentpoeng)"),
             *_in_column(None, share.difference_points)],
        ]
    for row in evaluation.industries:
        values = [""] * len(FIGURE_FIELDS)
        values[FIGURE_FIELDS.index("received")] = row.received
        values[FIGURE_FIELDS.index("grants")] = row.grants
        values[FIGURE_FIELDS.index("granted")] = row.granted
        result.append([_("næring"), row.section or "", industry_label(row), *values])
    for row in evaluation.context:
        for value in row.entered:
            result.append([_("kontekst"), str(value.year), context_title(row, value),
                           *_in_column(None, value.value)])
    return result


# --- XLSX ---


def _xlsx_value(line: Line, row: YearRow):
    value = line.value(row)
    if line.kind == "yes_no":
        return _("Ja") if value else _("Nei")
    return value  # a Decimal is written as a number


def _context_cells(evaluation: Evaluation, index: int) -> list:
    """The figures from outside the system for the year at ``index`` of the table: per
    kind its value (a percent as a fraction, formatted as percent), source and note."""
    cells: list = []
    for row in evaluation.context:
        value = row.values[index]
        if value is None:
            cells += [None, None, None]
        else:
            number = value.value / 100 if row.is_percent else value.value
            cells += [number, value.source, value.note or None]
    return cells


def evaluation_sheets(book: Workbook, evaluations: Sequence[Evaluation]) -> None:
    """Four sheets: the table per year (a row per year, a column per figure, then the
    figures from outside the system, each with its source and note), the share
    per innsatsområde against the priority, the industries, and the method; each plan
    version's rows with its period in the last column. Numbers are numbers, kroner and
    shares with their formats."""
    lines, plan = year_lines(), _("Planversjon")
    kinds = next((evaluation.context for evaluation in evaluations if evaluation.context), [])
    context_headers = [header for row in kinds for header in (
        _("Utenfor systemet: %(label)s", label=row.label),
        _("Kilde: %(label)s", label=row.label), _("Merknad: %(label)s", label=row.label))]
    first = len(lines) + 1  # the context block's first column
    add_sheet(book, _("Evaluering per år"),
              [_("År"), *(line.label for line in lines), *context_headers, plan],
              [[row.year, *(_xlsx_value(line, row) for line in lines),
                *_context_cells(evaluation, index), evaluation.plan_period]
               for evaluation in evaluations for index, row in enumerate(evaluation.years)],
              {i + 1 for i, line in enumerate(lines) if line.kind == "nok"},
              {i + 1 for i, line in enumerate(lines) if line.kind == "share"}
              | {first + 3 * i for i, row in enumerate(kinds) if row.is_percent})

    def fraction(value):
        return None if value is None else float(value)

    add_sheet(book, _("Andel per innsatsområde"),
              [_("År"), _("Kode"), _("Innsatsområde"), _("Innvilget (kr)"),
               _("Innvilget i alt (kr)"), _("Andel av innvilget"), _("Politisk prioritering"),
               _("Differanse (prosentpoeng)"), plan],
              [[year_label(s.year), s.code, s.title, s.granted, s.total_granted,
                fraction(share_percent_fraction(s)),
                None if s.priority_percent is None else s.priority_percent / 100,
                fraction(s.difference_points), evaluation.plan_period]
               for evaluation in evaluations for s in evaluation.area_shares],
              {3, 4}, {5, 6})
    sheet = book[_("Andel per innsatsområde")]
    for cells in sheet.iter_rows(min_row=2):
        cells[7].number_format = POINTS_FORMAT

    add_sheet(book, _("Næringer (SN2007)"),
              [_("Hovedområde"), _("Næring"), _("Søknader mottatt"), _("Tilskudd"),
               _("Innvilget (kr)"),
               plan],
              [[row.section or "", industry_label(row), row.received, row.grants, row.granted,
                evaluation.plan_period]
               for evaluation in evaluations for row in evaluation.industries], {4}, set())

    add_text_sheet(book, _("Metode for evalueringen"), method_text())
