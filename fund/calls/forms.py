from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from fund.calls.labels import FUND_LABELS
from fund.calls.models import Fund
from fund.core.forms import Form

JOINT = "joint"


def _datetime_field(label, description=None):
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M", description=description,
                              validators=[InputRequired(_l("Oppgi dato og klokkeslett."))])


def _kroner(label, description=None, required=True):
    return IntegerField(label, description=description, validators=[
        InputRequired(_l("Oppgi et beløp i hele kroner.")) if required else Optional(),
        NumberRange(min=0, message=_l("Beløpet kan ikke være negativt."))])


class CallForm(Form):
    fund = SelectField(_l("Fond"), choices=[
        SelectChoice(Fund.NAERINGSFOND.value, FUND_LABELS[Fund.NAERINGSFOND]),
        SelectChoice(Fund.KLIMAFOND.value, FUND_LABELS[Fund.KLIMAFOND]),
        SelectChoice(JOINT, _l("Felles utlysning: næringsfond og klimafond"))])
    year = IntegerField(_l("År"), validators=[
        InputRequired(_l("Oppgi et årstall mellom 2000 og 2100.")),
        NumberRange(min=2000, max=2100, message=_l("Oppgi et årstall mellom 2000 og 2100."))])
    title = StringField(_l("Tittel"), validators=[DataRequired(_l("Gi utlysningen en tittel.")),
                                                  Length(max=160)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional()])
    plan = SelectField(_l("Handlingsplan"), description=_l(
        "Søknadene knyttes til tiltakene i denne planen."))
    opens_at = _datetime_field(_l("Åpner"), _l("Norsk tid."))
    closes_at = _datetime_field(_l("Søknadsfrist"),
                                _l("Norsk tid, med timer og minutter (f.eks. 23:59)."))
    budget = _kroner(_l("Budsjett (kr)"), _l("For felles utlysning: næringsfondets del."))
    klima_budget = _kroner(_l("Budsjett for klimafondet (kr)"),
                           _l("Bare for felles utlysning."), required=False)
    max_grant = _kroner(_l("Største tilskudd (kr)"))
    max_share_percent = IntegerField(_l("Største andel av prosjektkostnaden (%)"), validators=[
        InputRequired(_l("Oppgi en prosentandel.")),
        NumberRange(min=1, max=100, message=_l("Andelen må være mellom 1 og 100 prosent."))])
    expected_decision_on = DateField(
        _l("Forventet vedtaksdato"), validators=[Optional()], description=_l(
            "Kvitteringen sier når søkerne kan vente svar. En sak som ikke er avgjort en måned "
            "etter innsending, får et foreløpig svar med denne datoen."))
    appeal_reserve = _kroner(_l("Klagereserve (kr)"), _l(
        "Holdes av budsjettet til klager som fører fram. Fordelingsvedtaket kan innvilge "
        "budsjettet minus reserven."), required=False)
    # The rules of the tilsagn, stated in the grant letter (LAW.md §4 E, G, H). Left
    # blank: the usual value for a new call, unchanged for an existing one.
    acceptance_weeks = IntegerField(
        _l("Frist for å akseptere tilsagnet (uker)"), default=4, description=_l(
            "Uker fra tilsagnsbrevet er mottatt. Aksepteres ikke tilsagnet innen fristen, "
            "faller det bort og pengene går tilbake til utlysningen. Vanlig er 3–4 uker."),
        validators=[Optional(),
                    NumberRange(min=1, max=26, message=_l(
                        "Fristen for aksept må være mellom 1 og 26 uker."))])
    advance_max_percent = IntegerField(
        _l("Største andel utbetalt før sluttrapporten (%)"), default=50, description=_l(
            "Resten utbetales når sluttrapporten er godkjent. Vanlig er 50 %."),
        validators=[Optional(),
                    NumberRange(min=0, max=90, message=_l(
                        "Andelen før sluttrapporten må være mellom 0 og 90 prosent."))])
    auditor_threshold = IntegerField(
        _l("Revisorbekreftelse fra (kr)"), default=100_000, description=_l(
            "Tilskudd på dette beløpet eller mer krever at revisor eller autorisert "
            "regnskapsfører bekrefter prosjektregnskapet i sluttrapporten."),
        validators=[Optional(),
                    NumberRange(min=0, max=100_000_000, message=_l(
                        "Beløpet må være mellom kr 0 og kr 100 000 000."))])
    final_report_days = IntegerField(
        _l("Frist for sluttrapport (dager etter prosjektslutt)"), default=60,
        validators=[Optional(),
                    NumberRange(min=1, max=365, message=_l(
                        "Fristen for sluttrapporten må være mellom 1 og 365 dager."))])
    submit = SubmitField(_l("Lagre"))

    def validate_appeal_reserve(self, field):
        if field.data and isinstance(self.budget.data, int) and field.data > self.budget.data:
            raise ValidationError(_l("Klagereserven kan ikke være større enn budsjettet."))

    def validate_expected_decision_on(self, field):
        if field.data and isinstance(self.closes_at.data, datetime) \
                and field.data < self.closes_at.data.date():
            raise ValidationError(_l("Vedtaksdatoen kan ikke være før søknadsfristen."))

    def validate_closes_at(self, field):
        if isinstance(self.opens_at.data, datetime) and isinstance(field.data, datetime) \
                and field.data <= self.opens_at.data:
            raise ValidationError(_l("Fristen må være etter åpningstidspunktet."))

    def validate_klima_budget(self, field):
        if self.fund.data == JOINT and field.data is None:
            raise ValidationError(_l("Oppgi klimafondets budsjett for en felles utlysning."))


class ExtendForm(Form):
    closes_at = _datetime_field(_l("Ny søknadsfrist"), _l("Norsk tid."))
    submit = SubmitField(_l("Forleng fristen"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Bekreft"))


class CriterionRow(Form):
    class Meta:
        csrf = False  # the outer form carries the token

    id = HiddenField()
    title = StringField(_l("Kriterium"), validators=[Length(max=200)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional()])
    weight = IntegerField(_l("Vekt"), default=0, validators=[
        InputRequired(_l("Oppgi en vekt.")),
        NumberRange(min=0, max=1000, message=_l("Vekten må være mellom 0 og 1000."))])
    required = BooleanField(_l("Må vurderes"), default=True)
    allow_na = BooleanField(_l("Kan være «ikke relevant»"))
    delete = BooleanField(_l("Fjern"))


class CriteriaForm(Form):
    rows = FieldList(FormField(CriterionRow), min_entries=0)
    submit = SubmitField(_l("Lagre kriteriene"))


class MeasuresForm(Form):
    """Which of the plan's measures this call's applicants may choose (by code; the
    operation refuses codes the plan does not have)."""

    measures = SelectMultipleField(_l("Tiltak som er åpne for søkere"), validate_choice=False)
    submit = SubmitField(_l("Lagre tiltakene"))
