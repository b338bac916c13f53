"""What the report's files share (fund/reports/exports.py and evaluation_exports.py): the
figure columns, Excel's number formats, a cell of text that is never a formula, and a
sheet with bold frozen headers."""

from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from fund.reports.coverage import Figures

#: The Figures fields, in the order of the columns; money fields are NOK.
FIGURE_FIELDS = ("received", "withdrawn", "grants", "rejections", "applied", "granted",
                 "paid", "lapsed", "budget", "budget_share")
MONEY_FIELDS = frozenset({"applied", "granted", "paid", "lapsed", "budget"})
#: Excel's number formats: whole kroner with a thousands separator (``,`` in the code; a
#: Norwegian Excel shows its own space), and percent.
NOK_FORMAT = '"kr" #,##0'
PERCENT_FORMAT = "0.0 %"


def share_of(figures: Figures) -> Decimal | None:
    """The budget share (0–1) to four decimals; None without a budget."""
    share = figures.budget_share
    return None if share is None else share.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def text_cell(value: str) -> str:
    """Text a spreadsheet would take for a formula gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def add_sheet(book: Workbook, title: str, headers: list[str], body: list[list],
              money: set[int], percent: set[int]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in body:
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text from an applicant, never a formula
                cell.data_type = "s"
            if cell.column - 1 in money:
                cell.number_format = NOK_FORMAT
            elif cell.column - 1 in percent:
                cell.number_format = PERCENT_FORMAT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(10, min(60, len(header) + 4))


def add_text_sheet(book: Workbook, title: str, lines: list[str]) -> None:
    """A sheet of prose (how the figures are counted): the title in bold, a line a row."""
    sheet = book.create_sheet(title)
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    for line in lines:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 120
    sheet.freeze_panes = "A2"
