"""Reads for the reports' pages beyond the coverage report itself."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fund.extensions import db
from fund.reports.models import ContextFigure, ContextKind


def context_figures_by_year() -> list[tuple[int, list[ContextFigure]]]:
    """Every context figure entered, newest year first; within a year in the order of
    ``ContextKind``. One query."""
    order = list(ContextKind)
    years: dict[int, list[ContextFigure]] = {}
    for figure in db.session.execute(
            select(ContextFigure).options(joinedload(ContextFigure.recorded_by))
            .order_by(ContextFigure.year.desc())).scalars():
        years.setdefault(figure.year, []).append(figure)
    return [(year, sorted(figures, key=lambda f: order.index(f.kind)))
            for year, figures in years.items()]
