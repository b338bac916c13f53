"""The innstilling (recommendation) for a whole call, for the decision body (formannskapet).

The administration's proposal (kommunedirektørens innstilling): the call's applications
ranked by score, and for each one proposal — an outcome, an amount for a grant, and a
reason written for the document — ending in a numbered «Forslag til vedtak». It is
exported as CSV and XLSX (for working in a spreadsheet) and as PDF (the document put
before the decision body; once proposed, the stored PDF is the one that counts).

Everything comes from a :class:`~fund.review.ranking.RankingResult` and the proposals
(:class:`~fund.review.ranking.ProposalLine`, by application id): title, applicant,
org.nr, amounts, scores and the proposal. Never the caseworkers' internal comments,
disagreement flags or individual recommendations (organinterne, offl § 14), and no
application text. The sums count grants only: a rejection is never an amount. Only a
complete ranking is exported: a reader from whom rows are withheld (inhabil, or bound by
blind review) is refused before it gets here, and the exports refuse it too.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app, render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from stdnum.no import orgnr as orgnr_format

from fund.calls.labels import FUND_LABELS
from fund.core import files, formatting
from fund.core.pdf import pdf_of
from fund.core.types import utcnow
from fund.review.labels import PROPOSAL_WORDS
from fund.review.models import Outcome
from fund.review.ranking import ProposalLine, RankingResult, RankingRow

#: Content types of the three exports, by file extension.
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

#: A text cell starting with one of these is read as a formula by spreadsheets (CSV
#: injection); tab and carriage return can smuggle one in after the cell is trimmed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text safe for a spreadsheet cell: a leading ``'`` where it could start a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- The columns, shared by CSV and XLSX -------------------------------------------------

#: Kinds of column: how a value is written (CSV) and typed and formatted (XLSX).
INT, AMOUNT, SCORE, YES_NO, TEXT = "int", "amount", "score", "yes_no", "text"


@dataclass(frozen=True)
class _Column:
    header: str
    kind: str
    value: object  #: _Line -> the typed value (int, Decimal, bool, str or None)
    width: int = 12  #: characters, for XLSX (text columns grow to their content)


@dataclass(frozen=True)
class _Line:
    """A row of the innstilling: the ranking row, its proposal and the running sum of
    the proposed grants down to it."""

    row: RankingRow
    proposal: ProposalLine
    running_total: int

    @property
    def within_budget(self) -> bool:
        return self.row.within_budget


def _lines(result: RankingResult, proposals: dict[int, ProposalLine]) -> list[_Line]:
    lines, running = [], 0
    for row in result.rows:
        proposal = proposals[row.application_id]
        running += proposal.granted
        lines.append(_Line(row, proposal, running))
    return lines


def proposal_word(outcome: Outcome) -> str:
    return str(PROPOSAL_WORDS.get(outcome, outcome))


def _columns(result: RankingResult) -> list[_Column]:
    columns = [
        _Column(_("Rangering"), INT, lambda r: r.row.rank, 10),
        _Column(_("Søknadsnummer"), TEXT, lambda r: r.row.case_number, 12),
        _Column(_("Søker"), TEXT, lambda r: r.row.organisation, 18),
        _Column(_("Org.nr."), TEXT, lambda r: r.row.orgnr, 11),
        _Column(_("Prosjekt"), TEXT, lambda r: r.row.title, 24),
        _Column(_("Poeng (0–100)"), SCORE, lambda r: r.row.score, 12),
        _Column(_("Søkt beløp"), AMOUNT, lambda r: r.row.amount_applied, 13),
        _Column(_("Forslag"), TEXT, lambda r: proposal_word(r.proposal.outcome), 14),
        _Column(_("Foreslått beløp"), AMOUNT,
                lambda r: r.proposal.amount if r.proposal.outcome.is_grant else None, 13),
        _Column(_("Sum foreslått (løpende)"), AMOUNT, lambda r: r.running_total, 14),
        _Column(_("Innenfor linjen (ja/nei)"), YES_NO, lambda r: r.row.within_budget, 12),
    ]
    for criterion in result.criteria:
        columns.append(_Column(
            _("%(title)s (vekt %(weight)s)", title=criterion.title, weight=criterion.weight),
            SCORE, lambda r, key=criterion.id: r.row.criterion_scores.get(key), 14))
    columns.append(_Column(_("Begrunnelse"), TEXT, lambda r: r.proposal.reason, 40))
    return columns


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nei")


def _csv_cell(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == YES_NO:
        return _yes_no(value)
    if kind == SCORE:
        return f"{Decimal(value):.1f}".replace(".", ",")
    if kind in (INT, AMOUNT):
        return str(int(value))
    return neutralise(str(value))


def _complete(result: RankingResult, proposals: dict[int, ProposalLine]) -> None:
    if result.withheld or result.line is None:
        raise ValueError("an innstilling with rows withheld from its reader is never exported")
    missing = [row.case_number for row in result.rows if row.application_id not in proposals]
    if missing:
        raise ValueError(f"no proposal for {missing}")


def to_csv(result: RankingResult, proposals: dict[int, ProposalLine]) -> bytes:
    """The ranking as CSV for Norwegian Excel: UTF-8 with BOM, ``;``-separated, decimal
    comma, amounts as plain integers; text quoted where needed and guarded against
    formula injection."""
    _complete(result, proposals)
    columns = _columns(result)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(column.header) for column in columns])
    for row in _lines(result, proposals):
        writer.writerow([_csv_cell(column.kind, column.value(row)) for column in columns])
    return out.getvalue().encode("utf-8-sig")


# --- XLSX -------------------------------------------------------------------------------

_BELOW_FILL = PatternFill("solid", start_color="FFE7E9EC", end_color="FFE7E9EC")
_BELOW_FONT = Font(color="FF45505A")
_HEADER_FILL = PatternFill("solid", start_color="FFDCE8F0", end_color="FFDCE8F0")
_LINE = Side(style="medium", color="FF0B4B6F")
_AMOUNT_FORMAT = "#,##0"
_SCORE_FORMAT = "0.0"


def _xlsx_text(value) -> str:
    """Text for a cell: control characters Excel refuses removed, formulas neutralised."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _xlsx_value(kind: str, value):
    if value is None:
        return None
    if kind == YES_NO:
        return _yes_no(value)
    if kind == SCORE:
        return Decimal(value)
    if kind in (INT, AMOUNT):
        return int(value)
    return _xlsx_text(value)


def _excel_time(value: datetime) -> datetime:
    """Excel has no time zones: Oslo wall-clock time."""
    return formatting.to_local(value).replace(tzinfo=None)


def _cell(sheet, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def to_xlsx(result: RankingResult, proposals: dict[int, ProposalLine],
            generated_at: datetime | None = None) -> bytes:
    """The ranking as an Excel workbook: sheet "Innstilling" with typed cells, the rows
    below the budget line greyed and the line drawn; sheet "Om" about the call. Written
    row by row (openpyxl's write-only mode): the whole call in one pass, not a sheet of
    styled cell objects held in memory."""
    _complete(result, proposals)
    generated_at = generated_at or utcnow()
    columns = _columns(result)
    lines = _lines(result, proposals)
    # The widths come first in the file: one pass over the text columns' values.
    widths = [column.width for column in columns]
    for index, column in enumerate(columns):
        if column.kind != TEXT:
            continue
        for line in lines:
            value = column.value(line)
            if value:
                longest = max(len(part) for part in str(value).splitlines() or [""])
                widths[index] = max(widths[index], min(longest + 2, 60))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Innstilling"))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(lines) + 1, 2)}"
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.row_dimensions[1].height = 45

    header = dict(font=Font(bold=True), fill=_HEADER_FILL,
                  alignment=Alignment(wrap_text=True, vertical="bottom"),
                  border=Border(bottom=Side(style="thin", color="FF1C2329")))
    sheet.append([_cell(sheet, _xlsx_text(column.header), **header) for column in columns])
    formats = {AMOUNT: _AMOUNT_FORMAT, SCORE: _SCORE_FORMAT}
    below = dict(fill=_BELOW_FILL, font=_BELOW_FONT)
    first_below = below | dict(border=Border(top=_LINE))
    line_drawn = False
    for line in lines:
        style = {} if line.within_budget else (below if line_drawn else first_below)
        cells = []
        for column in columns:
            number_format = formats.get(column.kind)
            cells.append(_cell(sheet, _xlsx_value(column.kind, column.value(line)), **style,
                               **({"number_format": number_format} if number_format else {})))
        sheet.append(cells)
        if not line.within_budget:
            line_drawn = True

    _about_sheet(workbook.create_sheet(_("Om")), result, proposals, generated_at)

    workbook.properties.title = _("Innstilling: %(title)s", title=result.call.title)
    workbook.properties.creator = current_app.config["MUNICIPALITY_NAME"]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _about_sheet(sheet, result: RankingResult, proposals: dict[int, ProposalLine],
                 generated_at: datetime) -> None:
    figures = _figures(result, proposals)
    call = result.call
    rows = [
        (_("Utlysning"), _xlsx_text(call.title), None),
        (_("Fond"), _xlsx_text(_fund_label(call.fund)), None),
        (_("År"), call.year, None),
        (_("Handlingsplan"), _xlsx_text(call.plan.title), None),
        (_("Søknadsfrist"), _excel_time(call.closes_at), "dd.mm.yyyy hh:mm"),
        (_("Budsjett"), result.budget, _AMOUNT_FORMAT),
        (_("Antall søknader"), figures.count, None),
        (_("Søknader innenfor linjen"), result.line, None),
        (_("Foreslått innvilget"), figures.granted_count, None),
        (_("Sum foreslått innvilget"), figures.proposed, _AMOUNT_FORMAT),
        (_("Gjenstår av budsjettet"), figures.remaining, _AMOUNT_FORMAT),
        (_("Linjen flyttet manuelt (ja/nei)"), _yes_no(result.manual_line), None),
        (_("Begrunnelse for flyttingen"),
         _xlsx_text(result.reason) if result.manual_line and result.reason else None, None),
        (_("Generert"), _excel_time(generated_at), "dd.mm.yyyy hh:mm"),
    ]
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 60
    value_style = dict(alignment=Alignment(horizontal="left", wrap_text=True, vertical="top"))
    for label, value, number_format in rows:
        sheet.append([_cell(sheet, label, font=Font(bold=True)),
                      _cell(sheet, value, **value_style,
                            **({"number_format": number_format} if number_format else {}))])


# --- PDF --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Figures:
    count: int  #: applications in the ranking
    applied: int
    granted_count: int  #: applications proposed granted (in full or in part)
    proposed: int  #: the proposed grants; a rejection is never an amount
    remaining: int  #: budget − proposed; negative when the proposals go over


def _figures(result: RankingResult, proposals: dict[int, ProposalLine]) -> _Figures:
    lines = [proposals[row.application_id] for row in result.rows]
    proposed = sum(line.granted for line in lines)
    return _Figures(count=len(result.rows), applied=result.applied,
                    granted_count=sum(1 for line in lines if line.outcome.is_grant),
                    proposed=proposed, remaining=result.budget - proposed)


def _fund_label(fund) -> str:
    return str(FUND_LABELS.get(fund, fund))


def _score(value: Decimal | None) -> str:
    """``71,6``; an en dash when there is no score."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.0")


def _line_text(result: RankingResult) -> str:
    """What the budget line row in the PDF says."""
    if result.manual_line:  # the template adds the reason after the colon
        return _("Linjen er flyttet manuelt:") if result.reason else \
            _("Linjen er flyttet manuelt.")
    below = [row for row in result.rows if not row.within_budget]
    if not below:
        return _("Alle søknadene er innenfor budsjettet.")
    if below[0].score is None and below[0].running_total <= result.budget:
        return _("Linjen stopper ved den første søknaden uten poeng.")
    return _("Budsjettet er brukt opp her")


def decision_paragraph(number: int, row: RankingRow, proposal: ProposalLine) -> str:
    """One numbered paragraph of «Forslag til vedtak»: «1. Søknad NF-2027-0003 fra Firma
    AS, «Tittel», innvilges med kr 200 000.»"""
    values = dict(number=number, case=row.case_number, organisation=row.organisation,
                  title=row.title, amount=formatting.format_nok(proposal.amount),
                  applied=formatting.format_nok(row.amount_applied))
    if proposal.outcome == Outcome.GRANTED:
        return _("%(number)s. Søknad %(case)s fra %(organisation)s, «%(title)s», innvilges "
                 "med %(amount)s.", **values)
    if proposal.outcome == Outcome.PARTLY_GRANTED:
        return _("%(number)s. Søknad %(case)s fra %(organisation)s, «%(title)s», innvilges "
                 "delvis med %(amount)s (søkt %(applied)s).", **values)
    if proposal.outcome == Outcome.DISMISSED:
        return _("%(number)s. Søknad %(case)s fra %(organisation)s, «%(title)s», avvises.",
                 **values)
    return _("%(number)s. Søknad %(case)s fra %(organisation)s, «%(title)s», avslås.",
             **values)


def _orgnr(value: str) -> str:
    """``912 345 688`` (formatting only; the number was validated when registered)."""
    return orgnr_format.format(value) if value else ""


#: Up to this many applications the PDF has the table of scores per criterion; above it
#: the table (a row per application, a cell per criterion) would be most of the pages
#: and of the rendering time, and the reader is pointed to the spreadsheet, which has it.
CRITERIA_TABLE_ROWS = 50


def render_html(result: RankingResult, proposals: dict[int, ProposalLine],
                generated_at: datetime | None = None, draft: bool = False) -> str:
    """The innstilling as HTML for WeasyPrint (also handy for a preview). ``draft``: not
    yet proposed (the proposals may still change), said on the document."""
    _complete(result, proposals)
    generated_at = generated_at or utcnow()
    lines = _lines(result, proposals)
    line_at = next((index for index, line in enumerate(lines) if not line.within_budget),
                   len(lines))
    return render_template(
        "pdf/innstilling.html", result=result, call=result.call, lines=lines,
        line_at=line_at, line_text=_line_text(result), figures=_figures(result, proposals),
        fund_label=_fund_label(result.call.fund), draft=draft,
        paragraphs=[decision_paragraph(number, line.row, line.proposal)
                    for number, line in enumerate(lines, start=1)],
        generated=formatting.format_datetime(generated_at),
        generated_date=formatting.format_date(generated_at), score=_score, orgnr=_orgnr,
        proposal_word=proposal_word, municipality=current_app.config["MUNICIPALITY_NAME"],
        criteria_table=len(lines) <= CRITERIA_TABLE_ROWS,
        criteria_list=", ".join(_("%(title)s (vekt %(weight)s)", title=criterion.title,
                                  weight=criterion.weight) for criterion in result.criteria))


def to_pdf(result: RankingResult, proposals: dict[int, ProposalLine],
           generated_at: datetime | None = None, draft: bool = False) -> bytes:
    """The innstilling as an A4 landscape PDF/A-2a document for the decision body."""
    return pdf_of(render_html(result, proposals, generated_at, draft))


def filename(result: RankingResult, extension: str) -> str:
    """``innstilling-2027-naeringsfond-klima-og-naeringsfond-2027.pdf``: ASCII, for a
    Content-Disposition header."""
    call = result.call
    slug = call.title.lower()
    for norwegian, ascii_ in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        slug = slug.replace(norwegian, ascii_)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")[:60].strip("-")
    fund = getattr(call.fund, "value", call.fund)
    parts = ["innstilling", str(call.year), str(fund)] + ([slug] if slug else [])
    return "-".join(parts) + "." + extension


# The proposed innstilling, stored -----------------------------------------------------------

def _folder() -> Path:
    return Path(current_app.instance_path) / "letters"


def store(data: bytes) -> tuple[str, str]:
    """Keep the proposed innstilling's PDF under <instance>/letters/ with a random name;
    returns the name and the SHA-256 of the bytes. The file is kept once the
    transaction commits (``fund.core.files``)."""
    return files.write(data, _folder())


def stored_path(name: str) -> Path:
    """Where the stored PDF is read from (``fund.core.files.resolve``)."""
    return files.resolve(_folder(), name)
