"""The reports' pages. Public: the list of grants and its JSON (LAW.md §4.M)."""

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from fund.core.types import utcnow
from fund.reports.public import (
    filter_choices,
    parse_filters,
    public_calls,
    public_figures,
    public_grants,
)

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
