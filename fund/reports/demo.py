"""Figures from outside the system for the demo (``flask demo``): made-up NHO and SSB
figures for the years of the demo calls, so the evaluation's rows for them show
something."""

from decimal import Decimal

from sqlalchemy import select

from fund.calls.models import Call
from fund.extensions import db
from fund.reports.models import ContextFigure, ContextKind
from fund.reports.operations import set_context_figure

#: Per kind: the source, and the value of the earlier and the later demo year.
DEMO_CONTEXT = {
    ContextKind.NHO_KOMMUNE_NM_RANK: ("NHO Kommune-NM {year} (demotall)", 112, 98),
    ContextKind.SSB_KNOWLEDGE_JOBS: ("SSB, sysselsatte etter næring (demotall)", 9_850, 10_120),
    ContextKind.SSB_HIGHER_EDUCATION_PERCENT: ("SSB, befolkningens utdanningsnivå (demotall)",
                                               Decimal("38.4"), Decimal("39.1")),
}


def demo_context(users) -> list[str]:
    """The figures for the last two years with a call, entered by the demo manager; once
    (left alone when any figure is entered)."""
    if db.session.execute(select(ContextFigure.id).limit(1)).first() is not None:
        return []
    years = sorted(db.session.execute(select(Call.year).distinct()).scalars())[-2:]
    if len(years) < 2:
        return []
    manager = users["leder@demo.no"]
    for kind, (source, *values) in DEMO_CONTEXT.items():
        for year, value in zip(years, values, strict=True):
            set_context_figure(year, kind, value, source.format(year=year),
                               "Oppdiktet tall for demoen." if year == years[0] else "",
                               manager)
    return [f"tall utenfor systemet for {years[0]} og {years[1]}"]
