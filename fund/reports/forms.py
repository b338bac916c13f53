"""The reports domain's forms: a context figure entered by hand. The form reads what
people write; the bounds of each kind are the operation's (fund/reports/operations.py)."""

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import TextInput

from fund.core.forms import Form
from fund.reports.labels import CONTEXT_KIND_LABELS
from fund.reports.models import ContextKind
from fund.reports.operations import NOTE_MAX, SOURCE_MAX

#: A number as people write it, after spaces and a trailing «%» are taken away: digits,
#: and at most one decimal part after a comma or a point.
_NUMBER = re.compile(r"\d{1,12}(?:[.,]\d{1,6})?")
_SPACES = (" ", "\u00a0", "\u202f")


class YearField(IntegerField):
    """A year of four digits; junk is refused with a message, never guessed at."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        if not raw.isascii() or not raw.isdigit() or len(raw) != 4:
            self.data = None
            raise ValueError(_l("Skriv året med fire siffer, for eksempel 2027."))
        self.data = int(raw)


class FigureField(DecimalField):
    """A number as Norwegians write it: «45», «12 300», «41,2» or «41,2 %»."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0] or ""
        for space in _SPACES:
            raw = raw.replace(space, "")
        raw = raw.removesuffix("%")
        if not raw:
            self.data = None
            return
        if not raw.isascii() or _NUMBER.fullmatch(raw) is None:
            self.data = None
            raise ValueError(_l("Skriv tallet med siffer, for eksempel 45, 12 300 eller 41,2."))
        self.data = Decimal(raw.replace(",", "."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return str(self.data).replace(".", ",")


class KindField(SelectField):
    def pre_validate(self, form):
        if self.data not in {kind.value for kind in ContextKind}:
            raise ValidationError(_l("Velg hvilket tall det er."))


class ContextFigureForm(Form):
    year = YearField(_l("År"), validators=[
        InputRequired(message=_l("Skriv året tallet gjelder for."))])
    kind = KindField(_l("Tall"), choices=[
        SelectChoice(kind.value, label) for kind, label in CONTEXT_KIND_LABELS.items()])
    value = FigureField(_l("Verdi"), validators=[
        InputRequired(message=_l("Skriv tallet."))])
    source = StringField(_l("Kilde"), validators=[
        InputRequired(message=_l("Oppgi kilden, for eksempel «SSB tabell 12345».")),
        Length(max=SOURCE_MAX, message=_l("Kilden kan ikke være lengre enn %(max)s tegn.",
                                          max=SOURCE_MAX))],
        description=_l("Hvor tallet er hentet fra, for eksempel «SSB tabell 12345» eller "
                       "«NHO Kommune-NM 2027»."))
    note = TextAreaField(_l("Merknad (valgfritt)"), validators=[
        Length(max=NOTE_MAX, message=_l("Merknaden kan ikke være lengre enn %(max)s tegn.",
                                        max=NOTE_MAX))])

    @property
    def chosen_kind(self) -> ContextKind:
        return ContextKind(self.kind.data)


class ConfirmForm(Form):
    """A button that deletes: only the CSRF token."""
