"""The reports' pages. Public: the list of grants and its JSON (LAW.md §4.M). Staff: the
plan-coverage report (issue 11, LAW.md §5)."""

from dataclasses import dataclass

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fund.calls.models import Call, Fund
from fund.core.formatting import format_nok, format_number
from fund.core.types import utcnow
from fund.extensions import db
from fund.grants.labels import GRANT_STATE_LABELS
from fund.grants.models import Grant
from fund.plan.models import PlanVersion
from fund.reports.charts import Bar, Pair, bar_chart, paired_bar_chart
from fund.reports.coverage import CoverageFilter, coverage_for, inhabil_in_filter
from fund.reports.extras import UNKNOWN_PLACE, extras_for
from fund.reports.permissions import can_read_reports
from fund.reports.public import (
    filter_choices,
    parse_filters,
    public_calls,
    public_figures,
    public_grants,
)
from fund.review.queries import hidden_application_ids

bp = Blueprint("reports", __name__)

#: The query parameters of the public list (Norwegian, as the page's URL).
YEAR_PARAM, FUND_PARAM = "aar", "fond"
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


@bp.route("/tilskudd-tildelt")
def public_list():
    filters, junk = _filters()
    years, funds = filter_choices()
    return render_template("reports/public_list.html", grants=public_grants(filters),
                           figures=public_figures(filters), filters=filters, years=years,
                           funds=funds, messages=_junk_messages(junk))


@bp.route("/api/tilskudd")
def public_json():
    filters, junk = _filters()
    now = utcnow()
    figures = public_figures(filters)
    response = jsonify({
        "filters": {"year": filters.year,
                    "fund": filters.fund.value if filters.fund else None},
        "warnings": _junk_messages(junk),
        "grants": [{"recipient": g.recipient, "orgnr": g.orgnr, "fund": g.fund.value,
                    "year": g.year, "amount": g.amount, "title": g.title,
                    "summary": g.summary,
                    "strategies": [{"code": code, "title": title}
                                   for code, title in g.strategies],
                    "measures": [{"code": code, "text": text} for code, text in g.measures]}
                   for g in public_grants(filters)],
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

#: Query parameters of the coverage page: plan version, year (repeatable), fund, call.
PLAN_PARAM, CALL_PARAM = "plan", "utlysning"
#: More years than this in one request is junk.
MAX_YEARS = 20


@dataclass(frozen=True)
class CoverageChoices:
    plans: list  #: (id, period, title) of the plan versions some call uses, newest first
    years: list[int]
    calls: list  #: (id, title, fund, year) of the chosen plan version's calls


def _plans_in_use():
    return db.session.execute(
        select(PlanVersion.id, PlanVersion.period, PlanVersion.title)
        .where(PlanVersion.id.in_(select(Call.plan_id)))
        .order_by(PlanVersion.starts_on.desc().nulls_last(), PlanVersion.id.desc())).all()


def _small_int(text: str, digits: int) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def _coverage_filters():
    """(plan_id, CoverageFilter, choices, messages) from the query string; junk is left
    out with a message in Norwegian, never an error."""
    messages = []
    plans = _plans_in_use()
    plan_ids = [p.id for p in plans]
    raw_plan = request.args.get(PLAN_PARAM, "")[:MAX_PARAM].strip()
    plan_id = plan_ids[0] if plan_ids else None
    if raw_plan:
        wanted = _small_int(raw_plan, 9)
        if wanted in plan_ids:
            plan_id = wanted
        else:
            messages.append(_("Planversjonen i filteret er ikke gyldig. Den nyeste "
                              "planversjonen som er brukt i en utlysning, vises."))
    calls = db.session.execute(
        select(Call.id, Call.title, Call.fund, Call.year).where(Call.plan_id == plan_id)
        .order_by(Call.year, Call.fund, Call.id)).all() if plan_id else []
    choices = CoverageChoices(plans=plans, years=sorted({c.year for c in calls}),
                              calls=calls)

    raw_years = request.args.getlist(YEAR_PARAM)
    years = []
    if len(raw_years) > MAX_YEARS:
        raw_years = []
        messages.append(_("Filteret har for mange år. Alle år vises."))
    for text in raw_years:
        text = text[:MAX_PARAM].strip()
        if not text:
            continue
        year = _small_int(text, 4)
        if year is None or year < 2000:
            messages.append(_("Året i filteret er ikke gyldig og er utelatt."))
        elif year not in years:
            years.append(year)

    fund = None
    raw_fund = request.args.get(FUND_PARAM, "")[:MAX_PARAM].strip()
    if raw_fund:
        try:
            fund = Fund(raw_fund)
        except ValueError:
            messages.append(_("Fondet i filteret er ikke gyldig. Begge fond vises."))

    call_id = None
    raw_call = request.args.get(CALL_PARAM, "")[:MAX_PARAM].strip()
    if raw_call:
        wanted = _small_int(raw_call, 9)
        if wanted in {c.id for c in calls}:
            call_id = wanted
        else:
            messages.append(_("Utlysningen i filteret hører ikke til planversjonen. "
                              "Alle utlysninger vises."))
    flt = CoverageFilter(years=tuple(sorted(years)) or None, fund=fund, call_id=call_id)
    return plan_id, flt, choices, messages


def _grant_ids(report) -> dict[int, int]:
    """The tilsagn of each listed project, for the link to its staff page."""
    ids = [p.application_id for p in report.projects]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Grant.application_id, Grant.id).where(Grant.application_id.in_(ids))).all())


def coverage_charts(report) -> dict:
    """The two charts and the rows of their data tables (the same numbers)."""
    money = [Bar(label=f"{a.code}. {a.title}", value=a.figures.granted,
                 text=format_nok(a.figures.granted)) for a in report.areas]
    coverage_rows = []
    for strategy in report.strategies:
        measures = [m for m in strategy.measures if not m.is_fund]
        funded = sum(1 for m in measures if any(p.funded for p in m.projects))
        coverage_rows.append((strategy, funded, len(measures)))
    strategy_bars = [
        Bar(label=f"{s.code} {s.title}", value=(funded / total) if total else 0,
            text=_("%(funded)s av %(total)s", funded=format_number(funded),
                   total=format_number(total)))
        for s, funded, total in coverage_rows]
    return {
        "money_svg": bar_chart(
            "chart-money", _("Innvilget beløp per innsatsområde"),
            _("Liggende stolper: innvilget beløp per innsatsområde. Et prosjekt som bidrar "
              "til flere innsatsområder, er med i hvert av dem. Tallene står også i "
              "tabellen ved siden av."), money),
        "coverage_svg": bar_chart(
            "chart-coverage", _("Dekning per strategi"),
            _("Liggende stolper: andelen av strategiens tiltak som minst ett innvilget "
              "prosjekt bidrar til. Tallene står også i tabellen ved siden av."),
            strategy_bars, maximum=1, track=True),
        "coverage_rows": coverage_rows,
    }


def effects_chart(effects) -> dict:
    """The third chart: expected against realised per effect (knowledge jobs, other jobs,
    tCO2e), and the rows of its data table (the same numbers)."""
    e, r = effects.expected, effects.realised
    rows = [(_("Kunnskapsintensive arbeidsplasser"), e.knowledge_jobs, r.knowledge_jobs),
            (_("Andre arbeidsplasser"), e.other_jobs, r.other_jobs),
            (_("Kutt i tonn CO2e per år"), e.co2e_tonnes, r.co2e_tonnes)]
    pairs = [Pair(label=label, first=float(expected), first_text=format_number(expected),
                  second=float(realised), second_text=format_number(realised))
             for label, expected, realised in rows]
    return {
        "effects_svg": paired_bar_chart(
            "chart-effects", _("Effekter: forventet og realisert"),
            _("Liggende stolper i par: for hver effekt det søknadene forventer og det de "
              "godkjente sluttrapportene har realisert. Hver effekt har sin egen skala. "
              "Tallene står også i tabellen ved siden av."),
            (_("Forventet"), _("Realisert")), pairs),
        "effects_rows": rows,
    }


@bp.route("/rapporter/dekning")
@login_required
def coverage_page():
    if not can_read_reports(current_user):
        abort(403)
    plan_id, flt, choices, messages = _coverage_filters()
    context = dict(choices=choices, flt=flt, plan_id=plan_id, messages=messages,
                   report=None, hidden=0, GRANT_STATE_LABELS=GRANT_STATE_LABELS)
    if plan_id is None:
        return render_template("reports/coverage.html", **context)
    hidden = inhabil_in_filter(hidden_application_ids(current_user), plan_id, flt)
    if hidden:
        # Totals over cases one is inhabil in would let one work their figures out.
        context["hidden"] = hidden
        return render_template("reports/coverage.html", **context), 403
    report = coverage_for(plan_id, flt.years, flt.fund, flt.call_id)
    extras = extras_for(plan_id, flt.years, flt.fund, flt.call_id)
    context.update(report=report, grant_ids=_grant_ids(report), extras=extras,
                   unknown_place=_(UNKNOWN_PLACE), **coverage_charts(report),
                   **effects_chart(report.total_effects))
    return render_template("reports/coverage.html", **context)
