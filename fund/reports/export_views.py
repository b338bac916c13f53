"""The plan-coverage report as downloads (issue 11): CSV, XLSX and PDF, for staff, at
``/rapporter/dekning/eksport.csv`` (``.xlsx``, ``.pdf``).

The query parameters are the page's: ``plan`` (id; the newest plan version without it),
``aar`` (repeatable years), ``fond`` and ``utlysning`` (a call id). Junk is ignored, never
a 500. A caseworker who is inhabil in an application of the calls in the filter gets no
file: the totals would reveal that case."""

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fund.calls.models import Fund
from fund.core.formatting import to_local
from fund.core.http import require
from fund.core.pdf import pdf_response
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import PlanVersion
from fund.reports.coverage import (
    CoverageFilter,
    CoverageReport,
    coverage_for,
    inhabil_in_filter,
)
from fund.reports.exports import coverage_csv, coverage_pdf, coverage_xlsx
from fund.reports.extras import Extras, extras_for
from fund.review.permissions import is_case_handler
from fund.review.queries import hidden_application_ids

bp = Blueprint("reports_exports", __name__, url_prefix="/rapporter/dekning")

PLAN_PARAM, YEAR_PARAM, FUND_PARAM, CALL_PARAM = "plan", "aar", "fond", "utlysning"
#: A value longer than this is junk; more years than this are ignored.
MAX_PARAM, MAX_YEARS = 12, 20
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**31 - 1

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFilter:
    plan_id: int | None
    years: tuple[int, ...] | None
    fund: Fund | None
    call_id: int | None


def _id(text: str | None) -> int | None:
    text = (text or "").strip()[:MAX_PARAM]
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_filter(args) -> ExportFilter:
    """The filter from the query string; a value that is not valid is left out."""
    years = set()
    for text in args.getlist(YEAR_PARAM)[:MAX_YEARS]:
        text = text.strip()[:MAX_PARAM]
        if text.isascii() and text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
            years.add(int(text))
    fund_text = args.get(FUND_PARAM, "")[:MAX_PARAM]
    fund = next((f for f in Fund if f.value == fund_text), None)
    return ExportFilter(plan_id=_id(args.get(PLAN_PARAM)),
                        years=tuple(sorted(years)) or None, fund=fund,
                        call_id=_id(args.get(CALL_PARAM)))


def _newest_plan_id() -> int | None:
    return db.session.execute(select(PlanVersion.id).order_by(PlanVersion.period.desc())
                              .limit(1)).scalar_one_or_none()


def _report() -> CoverageReport:
    """The filtered report, after the checks: staff only, and not for a reader who is
    inhabil in any application of the calls in the filter."""
    require(is_case_handler(current_user))
    flt = parse_filter(request.args)
    plan_id = flt.plan_id or _newest_plan_id()
    if plan_id is None or db.session.get(PlanVersion, plan_id) is None:
        abort(404)
    if inhabil_in_filter(hidden_application_ids(current_user), plan_id, CoverageFilter(
            years=flt.years, fund=flt.fund, call_id=flt.call_id)):
        abort(make_response(render_template("errors/error.html", code=403, message=_(
            "Du er inhabil i en søknad i utvalget, og tallene ville vise den. Velg et "
            "utvalg uten den søknaden, eller be en annen saksbehandler om rapporten.")), 403))
    return coverage_for(plan_id, flt.years, flt.fund, flt.call_id)


def _extras(report: CoverageReport) -> Extras | None:
    """The extras with the report's own plan and filter (after ``_report``'s checks)."""
    flt = report.filter
    return extras_for(report.plan_id, flt.years, flt.fund, flt.call_id)


def _filename(report: CoverageReport, extension: str) -> str:
    """An ASCII file name: ``dekning-2022-2024-2027.csv``."""
    parts = ["dekning", report.plan_period]
    if report.filter.years:
        parts.append("-".join(str(year) for year in report.filter.years))
    if report.filter.fund is not None:
        parts.append(report.filter.fund.value)
    if report.filter.call_id is not None:
        parts.append(f"utlysning{report.filter.call_id}")
    name = "-".join(parts)
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
    report = _report()
    return _download(coverage_csv(report, _extras(report)), "text/csv; charset=utf-8",
                     _filename(report, "csv"))


@bp.route("/eksport.xlsx")
@login_required
def xlsx_file():
    report = _report()
    return _download(coverage_xlsx(report, _extras(report)), XLSX_MIMETYPE,
                     _filename(report, "xlsx"))


@bp.route("/eksport.pdf")
@login_required
def pdf_file():
    report = _report()
    response = pdf_response(coverage_pdf(report, to_local(utcnow()).date(),
                                         _extras(report)),
                            _filename(report, "pdf"), inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
