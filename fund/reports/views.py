"""The reports' pages. Public: the list of grants and its JSON (LAW.md §4.M). Staff: the
plan-coverage report (issue 11, LAW.md §5). Managers: the figures from outside the system
entered by hand for the yearly evaluation (LAW.md §5.2)."""

from dataclasses import dataclass

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.core.http import commit, int_arg, require
from fund.core.types import utcnow
from fund.extensions import db
from fund.grants.labels import GRANT_STATE_LABELS
from fund.plan.permissions import can_set_priorities
from fund.reports.charts import coverage_charts, effects_chart
from fund.reports.forms import ConfirmForm, ContextFigureForm
from fund.reports.labels import CONTEXT_KIND_HINTS, CONTEXT_KIND_LABELS
from fund.reports.models import ContextFigure, ContextKind
from fund.reports.operations import (
    ContextFigureError,
    delete_context_figure,
    find_context_figure,
    set_context_figure,
)
from fund.reports.permissions import can_enter_context, can_read_reports
from fund.reports.public import (
    JSON_PAGE_SIZE,
    PAGE_SIZE,
    filter_choices,
    parse_filters,
    public_calls,
    public_figures,
    public_grants,
)
from fund.reports.queries import context_figures_by_year
from fund.reports.selection import ReportPart, inhabil_count, parse_selection, report_parts
from fund.review.queries import hidden_application_ids

bp = Blueprint("reports", __name__)

#: The query parameters of the public list (Norwegian, as the page's URL).
YEAR_PARAM, FUND_PARAM, PAGE_PARAM = "aar", "fond", "side"
#: A query parameter longer than this is junk (and is ignored).
MAX_PARAM = 40


def _filters():
    year = request.args.get(YEAR_PARAM, "")[:MAX_PARAM]
    fund = request.args.get(FUND_PARAM, "")[:MAX_PARAM]
    return parse_filters(year, fund)


def _junk_messages(junk: list[str]) -> list[str]:
    messages = {"year": _("Året i filteret er ikke gyldig. Tilskudd fra alle år vises."),
                "fund": _("Fondet i filteret er ikke gyldig. Tilskudd fra begge fond vises.")}
    return [messages[name] for name in junk]


def _page(total: int, size: int) -> tuple[int, int]:
    """The page asked for (``?side=``; junk is the first, past the end the last), and how
    many pages ``total`` grants make."""
    pages = max(1, -(-total // size))
    return min(int_arg(PAGE_PARAM, 1), pages), pages


@bp.route("/tilskudd-tildelt")
def public_list():
    filters, junk = _filters()
    years, funds = filter_choices()
    figures = public_figures(filters)
    page, pages = _page(figures.grants, PAGE_SIZE)
    return render_template("reports/public_list.html",
                           grants=public_grants(filters, page, PAGE_SIZE), page=page,
                           pages=pages, figures=figures, filters=filters, years=years,
                           funds=funds, messages=_junk_messages(junk))


@bp.route("/api/tilskudd")
def public_json():
    filters, junk = _filters()
    now = utcnow()
    figures = public_figures(filters)
    page, pages = _page(figures.grants, JSON_PAGE_SIZE)
    response = jsonify({
        "filters": {"year": filters.year,
                    "fund": filters.fund.value if filters.fund else None},
        # the grants come a page at a time; «next» is the address of the next page
        "page": page, "pages": pages,
        "next": url_for("reports.public_json", aar=filters.year, fond=filters.fund,
                        side=page + 1, _external=True) if page < pages else None,
        "warnings": _junk_messages(junk),
        "grants": [{"recipient": g.recipient, "orgnr": g.orgnr, "fund": g.fund.value,
                    "year": g.year, "amount": g.amount, "title": g.title,
                    "summary": g.summary,
                    "strategies": [{"code": code, "title": title}
                                   for code, title in g.strategies],
                    "measures": [{"code": code, "text": text} for code, text in g.measures]}
                   for g in public_grants(filters, page, JSON_PAGE_SIZE)],
        "areas": [{"plan": a.period, "code": a.code, "title": a.title, "grants": a.grants,
                   "amount": a.amount} for a in figures.areas],
        "totals": {"grants": figures.grants, "amount": figures.amount},
        "areas_add_up": False,
        "calls": [{"id": c.id, "title": c.title, "fund": c.fund.value, "year": c.year,
                   "state": c.state.value, "opens_at": c.opens_at.isoformat(),
                   "closes_at": c.closes_at.isoformat(),
                   "url": url_for("calls.call", call_id=c.id, _external=True)}
                  for c in public_calls(now)],
    })
    return response


# --- The plan-coverage report for staff (issue 11) ---


#: The granted projects the page lists under each strategy; the files list them all.
PROJECT_LIMIT = 25


@dataclass(frozen=True)
class PagePart:
    """One plan version's part of the page: its report, the prefix that keeps its element
    ids apart from the other versions', and its HTML."""

    report: object
    prefix: str
    html: Markup


def _part_html(part: ReportPart, selection, prefix: str, several: bool) -> Markup:
    """A plan version's part of the page (its tables, charts and project lists), rendered
    once per language, layout and role and kept with the stored report: rendering it is
    most of the page's time, and it holds nothing per reader but the two links the key
    names (issue 14)."""
    export_args = selection.query_args(part.report.plan_id)
    key = (str(get_locale()), prefix, several, repr(export_args),
           can_enter_context(current_user), can_set_priorities(current_user))
    html = part.pages.get(key)
    if html is None:
        charts = {**coverage_charts(part.report, prefix),
                  **effects_chart(part.report.total_effects, prefix)}
        # the tilsagn of each listed project, for the link to its staff page
        grant_ids = {project.application_id: project.grant_id
                     for project in part.report.projects if project.grant_id is not None}
        html = Markup(render_template(
            "reports/coverage_part.html", part=part, report=part.report, extras=part.extras,
            charts=charts, pfx=prefix, d=1 if several else 0, grant_ids=grant_ids,
            selection=selection, project_limit=PROJECT_LIMIT,
            GRANT_STATE_LABELS=GRANT_STATE_LABELS))
        part.pages[key] = html
    return html


@bp.route("/rapporter/dekning")
@login_required
def coverage_page():
    if not can_read_reports(current_user):
        abort(403)
    selection = parse_selection(request.args)
    context = dict(selection=selection, flt=selection.filter, messages=selection.messages,
                   parts=[], hidden=0)
    hidden = inhabil_count(hidden_application_ids(current_user), selection)
    if hidden:
        # Totals over cases one is inhabil in would let one work their figures out.
        context["hidden"] = hidden
        return render_template("reports/coverage.html", **context), 403
    found = report_parts(selection)
    several = len(found) > 1
    prefixes = [f"p{part.report.plan_id}-" if several else "" for part in found]
    context.update(several=several, parts=[
        PagePart(report=part.report, prefix=prefix,
                 html=_part_html(part, selection, prefix, several))
        for part, prefix in zip(found, prefixes, strict=True)])
    return render_template("reports/coverage.html", **context)


# --- Figures from outside the system, entered by hand (LAW.md §5.2) ---


def _context_saved(result) -> str:
    figure, changed = result
    label = CONTEXT_KIND_LABELS[figure.kind]
    if changed:
        return _("«%(label)s» for %(year)s er lagret.", label=label, year=figure.year)
    return _("«%(label)s» for %(year)s er uendret.", label=label, year=figure.year)


def _context_form() -> ContextFigureForm:
    """The form; on a GET with ``?aar=…&tall=…`` filled from that figure, to change it."""
    if request.method != "GET":
        return ContextFigureForm()
    year, kind = request.args.get("aar", "")[:MAX_PARAM], request.args.get("tall", "")
    figure = None
    if year.isascii() and year.isdigit() and len(year) == 4 and \
            kind in {k.value for k in ContextKind}:
        figure = find_context_figure(int(year), ContextKind(kind))
    if figure is None:
        return ContextFigureForm()
    return ContextFigureForm(formdata=None, year=figure.year, kind=figure.kind.value,
                             value=figure.number, source=figure.source, note=figure.note)


@bp.route("/rapporter/kontekst", methods=["GET", "POST"])
@login_required
def context_page():
    """The context figures per year, and a form to enter one or change it."""
    require(can_enter_context(current_user))
    form = _context_form()
    if form.validate_on_submit() and commit(
            set_context_figure, form.year.data, form.kind.data, form.value.data,
            form.source.data, form.note.data, current_user._get_current_object(),
            into=lambda exc: form[exc.field] if isinstance(exc, ContextFigureError) else form,
            success=_context_saved):
        return redirect(url_for("reports.context_page"))
    return render_template("reports/context.html", form=form,
                           years=context_figures_by_year(), labels=CONTEXT_KIND_LABELS,
                           hints=CONTEXT_KIND_HINTS)


@bp.route("/rapporter/kontekst/<int:figure_id>/slett", methods=["GET", "POST"])
@login_required
def delete_context(figure_id):
    """A confirmation page first; the audit log keeps what the figure was."""
    require(can_enter_context(current_user))
    figure = db.session.get(ContextFigure, figure_id)
    if figure is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("reports/context_delete.html", figure=figure, form=form,
                               label=CONTEXT_KIND_LABELS[figure.kind])
    if not form.validate_on_submit():
        abort(400)
    label, year = CONTEXT_KIND_LABELS[figure.kind], figure.year
    commit(delete_context_figure, figure, current_user._get_current_object(),
           success=_("«%(label)s» for %(year)s er slettet.", label=label, year=year))
    return redirect(url_for("reports.context_page"))
