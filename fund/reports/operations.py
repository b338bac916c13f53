"""State changes of the reports: the context figures entered by hand (LAW.md §5.2). Each
writes the audit log; the caller commits."""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.audit.operations import record
from fund.core.errors import DomainError
from fund.core.forms import clean_text
from fund.core.types import utcnow
from fund.extensions import db
from fund.reports.models import ContextFigure, ContextKind, as_number

MIN_YEAR, MAX_YEAR = 2000, 2100
#: The number of kommuner NHO Kommune-NM can rank: Norway has had 357 since Haram was
#: re-established in 2024 (356 in 2020–2023).
MAX_RANK = 357
#: More people than this in knowledge-intensive jobs in one kommune is a typing error.
MAX_JOBS = 1_000_000
SOURCE_MAX, NOTE_MAX = 200, 2000


class ContextFigureError(DomainError):
    """A refused context figure; ``field`` names the form field the message belongs to
    (``year``, ``kind``, ``value``, ``source`` or ``note``)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _kind(kind) -> ContextKind:
    try:
        return ContextKind(kind)
    except ValueError:
        raise ContextFigureError(_("Velg hvilket tall det er."), "kind") from None


def _year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ContextFigureError(_("Året må være et helt tall fra %(first)s til %(last)s.",
                                   first=MIN_YEAR, last=MAX_YEAR), "year")
    return year


def _value_message(kind: ContextKind) -> str:
    if kind is ContextKind.NHO_KOMMUNE_NM_RANK:
        return _("Plasseringen i NHO Kommune-NM må være et helt tall fra 1 til %(last)s.",
                 last=MAX_RANK)
    if kind is ContextKind.SSB_KNOWLEDGE_JOBS:
        return _("Antallet sysselsatte må være et helt tall fra 0 til 1 000 000.")
    return _("Andelen må være et tall fra 0 til 100 med høyst én desimal, for eksempel "
             "41,2.")


def _value(kind: ContextKind, value) -> Decimal:
    """The value within the kind's bounds: a rank 1–357 or a count 0–1 000 000 (whole
    numbers), or a percent 0–100 with at most one decimal."""
    refused = ContextFigureError(_value_message(kind), "value")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise refused
    value = Decimal(value)
    if not value.is_finite():
        raise refused
    if kind.whole:
        low, high = (1, MAX_RANK) if kind is ContextKind.NHO_KOMMUNE_NM_RANK else (0, MAX_JOBS)
        if value != value.to_integral_value() or not low <= value <= high:
            raise refused
    elif value != value.quantize(Decimal("0.1")) or not 0 <= value <= 100:
        raise refused
    return value


def _source(source) -> str:
    source = " ".join(clean_text(source).split())
    if not source:
        raise ContextFigureError(_("Oppgi kilden, for eksempel «SSB tabell 12345»."),
                                 "source")
    if len(source) > SOURCE_MAX:
        raise ContextFigureError(_("Kilden kan ikke være lengre enn %(max)s tegn.",
                                   max=SOURCE_MAX), "source")
    return source


def _note(note) -> str:
    note = clean_text(note).strip()
    if len(note) > NOTE_MAX:
        raise ContextFigureError(_("Merknaden kan ikke være lengre enn %(max)s tegn.",
                                   max=NOTE_MAX), "note")
    return note


def find_context_figure(year: int, kind: ContextKind) -> ContextFigure | None:
    return db.session.execute(select(ContextFigure).where(
        ContextFigure.year == year, ContextFigure.kind == kind)).scalar_one_or_none()


def set_context_figure(year: int, kind: ContextKind | str, value: int | Decimal, source: str,
                       note: str | None, actor) -> tuple[ContextFigure, bool]:
    """Enter the figure of ``kind`` for ``year``, or change the one entered (one per year
    and kind). Returns the figure and whether anything changed; one audit entry when it
    did."""
    kind = _kind(kind)
    year = _year(year)
    value = _value(kind, value)
    source, note = _source(source), _note(note)
    figure = find_context_figure(year, kind)
    if figure is None:
        figure = ContextFigure(year=year, kind=kind, value=value, source=source, note=note,
                               recorded_by_id=actor.id)
        try:
            with db.session.begin_nested():
                db.session.add(figure)
        except IntegrityError:
            # Entered by someone else at the same moment: change theirs, as if it had been
            # there when this form was sent.
            figure = find_context_figure(year, kind)
            if figure is None:  # pragma: no cover - the unique key names this one row
                raise
        else:
            record("context_figure.added", figure, actor=actor, year=year, kind=kind.value,
                   value=str(as_number(kind, value)), source=source, note=note)
            return figure, True
    changes = {}
    old_value = as_number(kind, figure.value)
    if old_value != as_number(kind, value):
        changes["value"] = [str(old_value), str(as_number(kind, value))]
        figure.value = value
    for name, new in (("source", source), ("note", note)):
        if getattr(figure, name) != new:
            changes[name] = [getattr(figure, name), new]
            setattr(figure, name, new)
    if not changes:
        return figure, False
    figure.recorded_by_id = actor.id
    figure.recorded_at = utcnow()
    record("context_figure.changed", figure, actor=actor, year=year, kind=kind.value,
           changes=changes)
    return figure, True


def delete_context_figure(figure: ContextFigure, actor) -> None:
    """Delete an entered figure; the audit entry keeps what it was."""
    record("context_figure.deleted", figure, actor=actor, year=figure.year,
           kind=figure.kind.value, value=str(figure.number), source=figure.source,
           note=figure.note)
    db.session.delete(figure)
    db.session.flush()
