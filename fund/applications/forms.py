from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from fund.applications.labels import (
    CLIMATE_CATEGORY_LABELS,
    COST_CATEGORY_LABELS,
    FINANCING_KIND_LABELS,
)
from fund.applications.rules import SUMMARY_MAX
from fund.core.forms import Form
from fund.core.http import MAX_INT

NOT_NEGATIVE = NumberRange(min=0, message=_l("Tallet kan ikke være negativt."))
WHOLE_KRONER = _l("Skriv et beløp i hele kroner, uten mellomrom eller punktum.")


def _kroner(label):
    return IntegerField(label, validators=[Optional(), NOT_NEGATIVE])


def _text(label, description=None, max_length=20000):
    return TextAreaField(label, description=description,
                         validators=[Optional(), Length(max=max_length)])


class LineForm(Form):
    class Meta:
        csrf = False  # rows of the outer form

    def is_blank(self) -> bool:
        return not any((field.raw_data or [""])[0].strip() for field in self
                       if field.type not in ("SelectField", "HiddenField"))


class CostLineForm(LineForm):
    category = SelectField(_l("Kategori"), default="personnel", choices=[
        SelectChoice(value.value, label) for value, label in COST_CATEGORY_LABELS.items()])
    description = StringField(_l("Beskrivelse"), validators=[Optional(), Length(max=300)])
    amount = IntegerField(_l("Beløp (kr)"), validators=[Optional(), NOT_NEGATIVE])

    def validate_amount(self, field):
        if field.data is None and not self.is_blank():
            raise ValidationError(WHOLE_KRONER)


class FinancingLineForm(LineForm):
    kind = SelectField(_l("Type"), default="own_funds", choices=[
        SelectChoice(value.value, label) for value, label in FINANCING_KIND_LABELS.items()])
    description = StringField(_l("Beskrivelse"), validators=[Optional(), Length(max=300)])
    hours = IntegerField(_l("Timer (egeninnsats)"), validators=[Optional(), NOT_NEGATIVE])
    hourly_rate = IntegerField(_l("Timesats (kr)"), validators=[Optional(), NOT_NEGATIVE])
    amount = IntegerField(_l("Beløp (kr)"), validators=[Optional(), NOT_NEGATIVE])

    def validate_hourly_rate(self, field):
        if self.kind.data == "own_work" and self.hours.data is not None \
                and field.data is not None and self.hours.data * field.data > MAX_INT:
            raise ValidationError(_l("Timer × timesats blir et for stort beløp."))

    def validate_amount(self, field):
        if self.kind.data == "own_work" and self.hours.data is not None \
                and self.hourly_rate.data is not None:
            return  # computed as hours × rate
        if field.data is None and not self.is_blank():
            raise ValidationError(WHOLE_KRONER)


class AidForm(LineForm):
    grantor = StringField(_l("Hvem ga støtten"), validators=[Optional(), Length(max=200)])
    granted_on = DateField(_l("Dato for vedtak"), validators=[Optional()])
    amount = IntegerField(_l("Beløp (kr)"), validators=[Optional(), NOT_NEGATIVE])

    def validate_amount(self, field):
        if not self.is_blank() and (field.data is None or self.granted_on.data is None
                                    or not (self.grantor.data or "").strip()):
            raise ValidationError(_l("Fyll ut hvem, dato og beløp for støtten."))


class ApplicationForm(Form):
    #: The version the form was opened at (optimistic locking).
    version = HiddenField()

    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Kontaktpersonens e-post"), validators=[
        Optional(), Email(_l("E-postadressen ser ikke riktig ut."), check_deliverability=False),
        Length(max=254)])
    contact_phone = TelField(_l("Kontaktpersonens telefon"),
                             validators=[Optional(), Length(max=30)])
    project_leader = StringField(_l("Prosjektleder"), validators=[Optional(), Length(max=200)])

    title = StringField(_l("Prosjektets tittel"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("Sammendrag"), description=_l(
        "Høyst %(n)s tegn. Brukes også når tilskudd offentliggjøres.", n=SUMMARY_MAX),
        validators=[Optional(), Length(max=5000)])
    description = _text(_l("Prosjektbeskrivelse"), _l("Hva skal gjøres, og hvordan?"))
    background = _text(_l("Bakgrunn"), _l("Hvorfor er prosjektet nødvendig nå?"))
    goals = _text(_l("Mål"), _l("Mål som kan etterprøves: hva skal være oppnådd, og når?"))
    anchoring = _text(_l("Forankring"), _l("F.eks. styrevedtak eller ledelsens beslutning."))
    partners = _text(_l("Organisering og samarbeidspartnere"))
    starts_on = DateField(_l("Startdato"), validators=[Optional()])
    ends_on = DateField(_l("Sluttdato"), validators=[Optional()])
    milestones = _text(_l("Milepæler"), _l("Én milepæl per linje, med dato."))
    not_started = BooleanField(_l("Prosjektet er ikke startet"), description=_l(
        "Det gis ikke tilskudd til prosjekter som allerede er i gang."))
    additionality = _text(_l("Hvorfor er tilskuddet avgjørende?"), _l(
        "Hva skjer med prosjektet uten tilskudd? Tilskudd gis ikke til drift eller "
        "nedbetaling av gjeld."))

    knowledge_jobs = IntegerField(_l("Nye kunnskapsintensive arbeidsplasser"),
                                  validators=[Optional(), NOT_NEGATIVE])
    other_jobs = IntegerField(_l("Andre nye arbeidsplasser"),
                              validators=[Optional(), NOT_NEGATIVE])
    competence = _text(_l("Kompetanse"), _l("Hvilken kompetanse bygges?"))
    education_partners = _text(_l("Samarbeid med utdanningsinstitusjoner"))
    international = _text(_l("Internasjonalt samarbeid"))

    climate_category = SelectField(_l("Kategori"), default="", choices=[
        SelectChoice("", _l("Velg …")), *(SelectChoice(value.value, label)
                                          for value, label in CLIMATE_CATEGORY_LABELS.items())])
    climate_baseline = _text(_l("Utgangspunkt"), _l("Dagens utslipp eller situasjon."))
    co2e_cut_tonnes = DecimalField(_l("Forventet utslippskutt (tonn CO2e per år)"), places=2,
                                   validators=[Optional(), NOT_NEGATIVE])
    co2e_method = _text(_l("Beregningsmetode"), _l("Hvordan er kuttet beregnet?"))

    cost_lines = FieldList(FormField(CostLineForm), min_entries=0)
    financing_lines = FieldList(FormField(FinancingLineForm), min_entries=0)
    amount_applied = _kroner(_l("Beløp det søkes om (kr)"))

    in_group = BooleanField(_l("Vi utgjør «ett foretak» sammen med andre foretak"),
                            description=_l("F.eks. når et annet foretak har flertallet av "
                                           "stemmene, kan utnevne styret eller har "
                                           "bestemmende innflytelse."))
    group_details = _text(_l("Hvilke foretak?"))
    aid = FieldList(FormField(AidForm), min_entries=0)

    files = MultipleFileField(_l("Last opp vedlegg"), description=_l(
        "PDF, Word, Excel, ODT, PNG eller JPEG, høyst 10 MB per fil. Du kan velge flere filer "
        "samtidig."))

    save = SubmitField(_l("Lagre utkast"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Bekreft"))


class SubmitForm(Form):
    version = HiddenField()
    confirm = BooleanField(_l("Jeg bekrefter at opplysningene i søknaden er riktige og "
                              "fullstendige."))
    submit = SubmitField(_l("Send inn søknaden"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Du må bekrefte at opplysningene er riktige."))


class StartForm(Form):
    organisation = SelectField(_l("Søk på vegne av"))
    submit = SubmitField(_l("Start søknad"))


class InfoRequestForm(Form):
    message = TextAreaField(_l("Hva mangler?"), validators=[
        DataRequired(_l("Skriv hva søkeren må sende.")), Length(max=5000)],
                            description=_l("Søkeren får meldingen på e-post og kan svare "
                                           "selv om fristen har gått ut."))
    submit = SubmitField(_l("Be om opplysninger"))
