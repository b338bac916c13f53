"""The plan-coverage report as downloads (issue 11): CSV, XLSX and PDF, for staff, at
``/rapporter/dekning/eksport.csv`` (``.xlsx``, ``.pdf``).

The query parameters are the page's (``fund.reports.selection``): ``plan`` (an id; without
it, every plan version the filtered calls use, each as its own part), ``aar`` (repeatable
years), ``fond`` and ``utlysning`` (a call id). Junk is ignored, never a 500; a plan version
no call uses is not found. A caseworker who is inhabil in an application of the calls in
the filter gets no file: the totals would reveal that case."""

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fund.core.formatting import to_local
from fund.core.http import require
from fund.core.pdf import pdf_response
from fund.core.types import utcnow
from fund.reports.exports import coverage_csv, coverage_pdf, coverage_xlsx
from fund.reports.freshness import state, stored
from fund.reports.selection import (
    ReportPart,
    Selection,
    inhabil_count,
    parse_selection,
    report_parts,
)
from fund.review.permissions import is_case_handler
from fund.review.queries import hidden_application_ids

bp = Blueprint("reports_exports", __name__, url_prefix="/rapporter/dekning")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _parts() -> tuple[Selection, list[ReportPart]]:
    """The filtered reports (one per plan version), after ``_checked``."""
    selection = _checked()
    return selection, report_parts(selection)


def _checked() -> Selection:
    """The selection, after the checks: staff only, a plan version no call uses is not
    found, and no file for a reader who is inhabil in any application of the calls in the
    filter."""
    require(is_case_handler(current_user))
    selection = parse_selection(request.args)
    if selection.unknown_plan:
        abort(404)
    if inhabil_count(hidden_application_ids(current_user), selection):
        abort(make_response(render_template("errors/error.html", code=403, message=_(
            "Du er inhabil i en søknad i utvalget, og tallene ville vise den. Velg et "
            "utvalg uten den søknaden, eller be en annen saksbehandler om rapporten.")), 403))
    return selection


def _filename(selection: Selection, parts: list[ReportPart], extension: str) -> str:
    """An ASCII file name: ``dekning-2022-2024-2027.csv`` (each plan version's period)."""
    flt = selection.filter
    words = ["dekning", *(part.report.plan_period for part in parts)]
    if flt.years:
        words.append("-".join(str(year) for year in flt.years))
    if flt.fund is not None:
        words.append(flt.fund.value)
    if flt.call_id is not None:
        words.append(f"utlysning{flt.call_id}")
    name = "-".join(words)
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_"
                   for c in name) + "." + extension


def _download(data: bytes, mimetype: str, filename: str):
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/eksport.csv")
@login_required
def csv_file():
    selection, parts = _parts()
    return _download(coverage_csv(parts), "text/csv",
                     _filename(selection, parts, "csv"))


@bp.route("/eksport.xlsx")
@login_required
def xlsx_file():
    selection, parts = _parts()
    return _download(coverage_xlsx(parts), XLSX_MIMETYPE, _filename(selection, parts, "xlsx"))


@bp.route("/eksport.pdf")
@login_required
def pdf_file():
    selection = _checked()
    at = state(selection.call_ids())  # before the report: a file is never older than its key
    parts = report_parts(selection)
    day = to_local(utcnow()).date()
    # the same report, day and language make the same file: rendered once (seconds)
    data = stored(("coverage.pdf", tuple(selection.plan_ids), selection.filter,
                   str(get_locale()), day), lambda: coverage_pdf(parts, day), at=at)
    response = pdf_response(data, _filename(selection, parts, "pdf"), inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
