"""The grants domain's forms."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import HiddenInput

from fund.core.forms import Form  # noqa: F401

# --- Acceptance ---

# --- Payments ---

#: The largest amount a payment form takes, in kroner (as the operations check).
_KRONER_MAX = 100_000_000
_KRONER = re.compile(r"(?:kr\.?)?(\d+)(?:,-|,00)?", re.IGNORECASE)


class KronerField(IntegerField):
    """Whole kroner as people write them: «75000», «75 000», «kr 75 000,-»."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = "".join((valuelist[0] or "").split())
        if not raw:
            self.data = None
            return
        match = _KRONER.fullmatch(raw)
        if match is None:
            self.data = None
            raise ValueError(_l("Skriv beløpet i hele kroner, for eksempel 75 000."))
        digits = match.group(1).lstrip("0") or "0"
        if len(digits) > 12:
            self.data = None
            raise ValueError(_l("Beløpet må være mellom 0 og 100 000 000 kroner."))
        self.data = int(digits)


def _within_bounds(form, field):
    if field.data is not None and not 0 <= field.data <= _KRONER_MAX:
        raise StopValidation(_l("Beløpet må være mellom 0 og 100 000 000 kroner."))


def _kroner(label, required=False, description=None):
    return KronerField(label, description=description, validators=[
        InputRequired(message=_l("Skriv beløpet i hele kroner.")) if required else Optional(),
        _within_bounds])


class CostToDateForm(Form):
    class Meta:
        csrf = False

    cost_line_id = IntegerField(widget=HiddenInput())
    amount = _kroner(_l("Kostnader hittil (kr)"))


class PaymentRequestForm(Form):
    costs = FieldList(FormField(CostToDateForm), min_entries=0, max_entries=200)
    amount = _kroner(_l("Beløp dere ber om (kr)"), required=True)
    status_report = TextAreaField(_l("Statusrapport"), validators=[
        InputRequired(message=_l("Skriv en statusrapport: hva er gjort i prosjektet så "
                                 "langt?")), Length(max=20_000)],
        description=_l("Hva er gjort så langt, og går prosjektet som planlagt?"))
    files = MultipleFileField(_l("Dokumentasjon av kostnadene"), description=_l(
        "Fakturaer, regnskapsutdrag o.l. PDF, Word, Excel, ODT, PNG eller JPEG, høyst 10 MB "
        "per fil. Du kan velge flere filer samtidig."))

    def costs_to_date(self) -> dict[int, int]:
        return {entry.form.cost_line_id.data: entry.form.amount.data for entry in self.costs
                if entry.form.amount.data is not None}


class PaymentDecisionForm(Form):
    action = RadioField(_l("Avgjørelse"), choices=[
        ("approve", _l("Godkjenn beløpet det er bedt om")),
        ("reduce", _l("Godkjenn et lavere beløp")),
        ("return", _l("Send tilbake til mottakeren"))],
        validators=[InputRequired(message=_l("Velg en avgjørelse."))])
    amount = _kroner(_l("Godkjent beløp ved reduksjon (kr)"))
    reasons = TextAreaField(_l("Begrunnelse"), validators=[Optional(), Length(max=20_000)],
                            description=_l("Må fylles ut ved reduksjon og tilbakesending."))


class PaidForm(Form):
    paid_on = DateField(_l("Utbetalt dato"), validators=[
        InputRequired(message=_l("Oppgi datoen beløpet ble utbetalt."))])

# --- Final report ---

# --- Recovery ---

# --- Registers ---


class RegisterExportForm(Form):
    """«Lag eksport»: only the CSRF token."""


class RegisterReferenceForm(Form):
    reference = StringField(
        _l("Registerets referanse"),
        description=_l("Kvitteringen eller saksnummeret registeret ga for rapporteringen."),
        validators=[DataRequired(_l("Skriv referansen registeret ga.")),
                    Length(max=100, message=_l("Referansen kan være på høyst 100 tegn."))])
