"""The grants domain's forms."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import HiddenInput

from fund.core.forms import (
    MAX_DECIMAL,  # noqa: F401
    Form,  # noqa: F401
)
from fund.core.http import MAX_INT
from fund.decisions.forms import CommaDecimalField
from fund.decisions.labels import BODY_LABELS
from fund.decisions.models import DecisionBody
from fund.grants.labels import RECOVERY_GROUND_LABELS
from fund.grants.models import RecoveryGround
from fund.grants.operations import (
    REPORT_FIELDS,
    REPORT_MAX_JOBS,
    REPORT_MAX_KRONER,
    REPORT_TEXT_MAX,
)

# --- Acceptance ---

#: The roles an acceptor may state, as stored (operations.ACCEPTOR_ROLES) and as shown.
ACCEPTOR_ROLE_CHOICES = [
    SelectChoice("daglig leder", _l("Daglig leder")),
    SelectChoice("styreleder", _l("Styreleder")),
    SelectChoice("signaturberettiget", _l("Signaturberettiget")),
    SelectChoice("prokurist", _l("Prokurist")),
]


class AcceptGrantForm(Form):
    acceptor_name = StringField(_l("Ditt fulle navn"), validators=[
        DataRequired(_l("Skriv det fulle navnet ditt.")),
        Length(max=200, message=_l("Navnet kan være høyst 200 tegn."))])
    acceptor_role = SelectField(
        _l("Din rolle i organisasjonen"), choices=ACCEPTOR_ROLE_CHOICES,
        validators=[InputRequired(_l("Velg rollen din i organisasjonen."))],
        description=_l("Du må kunne forplikte organisasjonen: som daglig leder eller "
                       "styreleder, eller med signatur eller prokura."))
    confirm = BooleanField(
        _l("Jeg har lest tilsagnsbrevet og aksepterer tilsagnet og vilkårene på vegne av "
           "organisasjonen."),
        validators=[DataRequired(_l("Kryss av for at du har lest brevet og aksepterer "
                                    "vilkårene."))])


class VerifyAuthorityForm(Form):
    verdict = RadioField(_l("Kan personen forplikte organisasjonen?"), choices=[
        SelectChoice("verified", _l("Ja, fullmakten er kontrollert")),
        SelectChoice("rejected", _l("Nei, aksepten oppheves"))],
        validators=[InputRequired(_l("Velg om fullmakten er i orden."))])
    note = TextAreaField(
        _l("Merknad"), validators=[Optional(), Length(
            max=2000, message=_l("Merknaden kan være høyst 2000 tegn."))],
        description=_l("Hvordan du kontrollerte, eller hvorfor fullmakten ikke holder. "
                       "Begrunnelsen sendes til organisasjonen når aksepten oppheves."))


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


class WholeNumberField(IntegerField):
    """A whole number as people write it: «300 000» or «300000» (a point or comma is
    refused rather than guessed at); junk and negative numbers are refused with a
    message, never an error page."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        for mark in (" ", "\u00a0", "\u202f"):
            raw = raw.replace(mark, "")
        raw = raw.removesuffix(",-").removeprefix("kr").strip()
        if not raw:
            self.data = None
            return
        if not raw.isascii() or not raw.isdigit() or len(raw) > 15:
            self.data = None
            raise ValueError(_l("Skriv et helt tall uten desimaler, for eksempel 120 000."))
        self.data = int(raw)


def _bounded(maximum: int, message):
    return [Optional(), NumberRange(min=0, max=maximum, message=message)]


_KR_MSG = _l("Skriv et beløp i hele kroner mellom 0 og 1 000 000 000.")
_JOBS = _l("Skriv et antall mellom 0 og 100 000.")


class FinalReportForm(Form):
    """The final report. The real cost of each approved cost line and the text for each
    confirmed measure are fields made per report (``for_report``)."""

    results = TextAreaField(_l("Resultater opp mot målene"), validators=[
        Optional(), Length(max=REPORT_TEXT_MAX)],
        description=_l("Hva prosjektet har oppnådd, sett opp mot målene i søknaden."))
    accounts_comment = TextAreaField(_l("Kommentar til regnskapet"), validators=[
        Optional(), Length(max=REPORT_TEXT_MAX)],
        description=_l("Forklar store avvik fra det godkjente budsjettet."))
    knowledge_jobs = WholeNumberField(_l("Nye kunnskapsintensive arbeidsplasser"),
                                      validators=_bounded(REPORT_MAX_JOBS, _JOBS))
    other_jobs = WholeNumberField(_l("Andre nye arbeidsplasser"),
                                  validators=_bounded(REPORT_MAX_JOBS, _JOBS))
    co2e_tonnes = CommaDecimalField(_l("Kutt i klimagassutslipp (tonn CO2e per år)"),
                                    places=2, validators=[Optional(), NumberRange(
                                        min=0, max=MAX_DECIMAL,
                                        message=_l("Skriv et tall mellom 0 og 9 999 999 999."))])
    co2e_method = TextAreaField(_l("Hvordan kuttet er beregnet"), validators=[
        Optional(), Length(max=REPORT_TEXT_MAX)])
    has_education_partners = BooleanField(_l("Prosjektet har samarbeidet med skoler, "
                                             "høyskoler eller universiteter"))
    education_partners = TextAreaField(_l("Hvilke utdanningsinstitusjoner"), validators=[
        Optional(), Length(max=REPORT_TEXT_MAX)])
    has_international_cooperation = BooleanField(_l("Prosjektet har hatt internasjonalt "
                                                    "samarbeid"))
    international = TextAreaField(_l("Hvem prosjektet samarbeidet med internasjonalt"),
                                  validators=[Optional(), Length(max=REPORT_TEXT_MAX)])
    funding_innovasjon_norge = WholeNumberField(_l("Videre finansiering fra Innovasjon Norge "
                                                   "(kr)"),
                                                validators=_bounded(REPORT_MAX_KRONER, _KR_MSG))
    funding_forskningsradet = WholeNumberField(_l("Fra Forskningsrådet (kr)"),
                                               validators=_bounded(REPORT_MAX_KRONER, _KR_MSG))
    funding_eu = WholeNumberField(_l("Fra EU (kr)"),
                                  validators=_bounded(REPORT_MAX_KRONER, _KR_MSG))
    funding_other = WholeNumberField(_l("Fra andre (kr)"),
                                     validators=_bounded(REPORT_MAX_KRONER, _KR_MSG))
    auditor_files = MultipleFileField(_l("Bekreftelse fra revisor eller autorisert "
                                         "regnskapsfører"))
    other_files = MultipleFileField(_l("Andre vedlegg"))
    #: Asked when the report is sent in (it cannot be changed after, unless returned).
    confirm_correct = BooleanField(_l("Jeg bekrefter at opplysningene i rapporten er riktige "
                                      "og fullstendige."))

    @classmethod
    def for_report(cls, cost_lines, measures, **kwargs) -> "FinalReportForm":
        """The form with a real-cost field per approved cost line (``cost_<id>``) and a
        text per confirmed measure (``measure_<id>``)."""
        fields = {f"cost_{line.id}": WholeNumberField(
            line.description or _l("Kostnad"), validators=_bounded(REPORT_MAX_KRONER, _KR_MSG))
            for line in cost_lines}
        fields |= {f"measure_{measure.id}": TextAreaField(
            measure.code, validators=[Optional(), Length(max=REPORT_TEXT_MAX)])
            for measure in measures}
        form_class = type("FinalReportFormFor", (cls,), fields)
        form = form_class(**kwargs)
        form.cost_ids = [line.id for line in cost_lines]
        form.measure_ids = [measure.id for measure in measures]
        return form

    def cost_field(self, cost_line_id: int):
        return self[f"cost_{cost_line_id}"]

    def measure_field(self, measure_id: int):
        return self[f"measure_{measure_id}"]

    def field_values(self) -> dict:
        """The report's own fields, from what validated (a field with an error is left
        as it was)."""
        return {name: self[name].data for name in REPORT_FIELDS
                if not self[name].errors}

    def costs(self) -> dict[int, int | None]:
        return {i: self.cost_field(i).data for i in self.cost_ids
                if not self.cost_field(i).errors}

    def measure_texts(self) -> dict[int, str]:
        return {i: self.measure_field(i).data or "" for i in self.measure_ids
                if not self.measure_field(i).errors}


class FinalReportDecisionForm(Form):
    reasons = TextAreaField(_l("Begrunnelse (når rapporten sendes tilbake) eller merknad"),
                            validators=[Optional(), Length(max=REPORT_TEXT_MAX)])
    #: Approving closes the grant and releases the last payment: it cannot be undone.
    confirm = BooleanField(_l("Jeg har kontrollert regnskapet og tallene over. Godkjenningen "
                              "avslutter tilskuddet og kan ikke angres."))


# --- Recovery ---

#: The longest text a recovery form takes (as ``operations.RECOVERY_TEXT_MAX``).
_TEXT_MAX = 20_000


class RecoveryNoticeForm(Form):
    """The forhåndsvarsel: first checked and shown for confirmation, then sent."""

    ground = SelectField(_l("Grunnlag"), choices=[
        SelectChoice(ground.value, label) for ground, label in RECOVERY_GROUND_LABELS.items()],
        validators=[DataRequired(_l("Velg grunnlaget."))])
    new_amount = IntegerField(
        _l("Nytt beløp (kr)"), description=_l("Det tilskuddet kommunen vurderer å sette det "
                                              "ned til. 0 trekker tilbake hele tilskuddet."),
        validators=[InputRequired(_l("Oppgi det nye beløpet i hele kroner.")),
                    NumberRange(min=0, max=MAX_INT, message=_l("Beløpet må være 0 eller mer."))])
    notice_text = TextAreaField(
        _l("Hva kommunen vurderer å gjøre, og hvorfor"),
        description=_l("Står i forhåndsvarselet. Beskriv faktum og hvilke vilkår som ikke "
                       "er oppfylt."),
        validators=[DataRequired(_l("Skriv hva kommunen vurderer å gjøre, og hvorfor.")),
                    Length(max=_TEXT_MAX)])
    #: Set by the confirmation step: the manager has seen what will be sent.
    confirmed = HiddenField()

    @property
    def chosen_ground(self) -> RecoveryGround:
        return RecoveryGround(self.ground.data)


class RecoveryAnswerForm(Form):
    text = TextAreaField(
        _l("Svaret deres"), description=_l("Det dere mener kommunen bør vite før den avgjør "
                                           "saken."),
        validators=[DataRequired(_l("Skriv svaret på forhåndsvarselet.")),
                    Length(max=_TEXT_MAX, message=_l("Svaret er for langt."))])


class RecoveryDecisionForm(Form):
    reasons = TextAreaField(
        _l("Begrunnelse"), description=_l("Faktum, vurderingen av svaret, og hvorfor "
                                          "tilskuddet reduseres eller trekkes tilbake."),
        validators=[DataRequired(_l("Skriv begrunnelsen for vedtaket.")),
                    Length(max=_TEXT_MAX)])
    body = SelectField(_l("Vedtaksorgan"), choices=[
        SelectChoice(body.value, BODY_LABELS[body]) for body in DecisionBody],
        default=DecisionBody.KOMMUNEDIREKTOR.value)
    delegation_reference = StringField(_l("Delegering"), validators=[Optional(),
                                                                     Length(max=200)])
    political_case_number = StringField(_l("Saksnummer i møtet (f.eks. PS 45/27)"),
                                        validators=[Optional(), Length(max=50)])
    meeting_date = DateField(_l("Vedtaksdato"), validators=[
        InputRequired(_l("Oppgi vedtaksdatoen."))])


class RecoveryDropForm(Form):
    reason = TextAreaField(_l("Hvorfor saken avsluttes uten vedtak"), validators=[
        DataRequired(_l("Skriv hvorfor saken avsluttes uten vedtak.")), Length(max=_TEXT_MAX)])


class RepaymentForm(Form):
    amount = IntegerField(_l("Beløp (kr)"), validators=[
        InputRequired(_l("Oppgi beløpet i hele kroner.")),
        NumberRange(min=1, max=MAX_INT, message=_l("Beløpet må være over null."))])
    received_on = DateField(_l("Innbetalt dato"), validators=[
        InputRequired(_l("Oppgi datoen pengene kom inn."))])
    note = StringField(_l("Merknad"), validators=[Optional(), Length(max=500)])


# --- Registers ---


class RegisterExportForm(Form):
    """«Lag eksport»: only the CSRF token."""


class RegisterReferenceForm(Form):
    reference = StringField(
        _l("Registerets referanse"),
        description=_l("Kvitteringen eller saksnummeret registeret ga for rapporteringen."),
        validators=[DataRequired(_l("Skriv referansen registeret ga.")),
                    Length(max=100, message=_l("Referansen kan være på høyst 100 tegn."))])
