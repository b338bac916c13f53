"""The decisions domain's forms."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from stdnum.no import orgnr as orgnr_format
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
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
    ValidationError,
)

from fund.core.forms import Form
from fund.decisions.labels import (
    BODY_LABELS,
    KDD_CATEGORIES,
    OUTCOME_LABELS,
    STATE_AID_LABELS,
)
from fund.decisions.models import DecisionBody, StateAidBasis
from fund.decisions.operations import APPEAL_TEXT_MAX
from fund.review.models import Outcome

# --- Meetings, vedtak, linked undertakings, rates ---

#: The outcomes of a vedtak (a withdrawn application is confirmed apart).
VEDTAK_OUTCOMES = (Outcome.GRANTED, Outcome.PARTLY_GRANTED, Outcome.REJECTED,
                   Outcome.DISMISSED)


class CommaDecimalField(DecimalField):
    """A decimal number as Norwegians write it: «11,6235» or «11.6235»."""

    def process_formdata(self, valuelist):
        if valuelist:
            raw = (valuelist[0] or "").strip().replace(" ", "").replace(",", ".")
            if not raw:
                self.data = None
                return
            try:
                self.data = Decimal(raw)
            except (InvalidOperation, ValueError) as exc:
                self.data = None
                raise ValueError(self.gettext("Skriv et tall, for eksempel 11,6235.")) from exc


class MeetingForm(Form):
    body = SelectField(_l("Vedtaksorgan"), choices=[SelectChoice(b.value, label)
                                                     for b, label in BODY_LABELS.items()],
                       validators=[DataRequired()])
    meeting_date = DateField(_l("Møtedato (vedtaksdato)"), validators=[
        InputRequired(message=_l("Oppgi datoen vedtaket ble truffet."))])
    political_case_number = StringField(_l("Politisk saksnummer"), validators=[
        Optional(), Length(max=50)], description=_l("For eksempel «PS 45/27»."))
    delegation_reference = StringField(_l("Delegeringsvedtak"), validators=[
        Optional(), Length(max=200)],
        description=_l("Kommunedirektøren under delegert myndighet: hvilket punkt i "
                       "delegeringsreglementet."))
    decided_text = TextAreaField(_l("Vedtatt tekst, når organet vedtok noe annet enn "
                                    "innstillingen"), validators=[Optional(), Length(max=20000)])

    @property
    def chosen_body(self) -> DecisionBody:
        return DecisionBody(self.body.data)


class AbstentionForm(Form):
    meeting = SelectField(_l("Møte"), coerce=str, validators=[DataRequired()])
    application = SelectField(_l("Søknad"), coerce=str, validators=[DataRequired()])
    member_name = StringField(_l("Medlem som fratrådte"), validators=[
        DataRequired(message=_l("Skriv navnet på medlemmet som fratrådte.")), Length(max=200)])
    reason = TextAreaField(_l("Grunnlaget, slik møteboken har det"), validators=[
        Optional(), Length(max=5000)])


class LinkedUndertakingsForm(Form):
    orgnrs = TextAreaField(_l("Org.nr. til foretak som er ett foretak med søkeren"),
                           validators=[Optional(), Length(max=2000)],
                           description=_l("Ett organisasjonsnummer per linje (morselskap, "
                                          "datterselskap og andre med bestemmende "
                                          "innflytelse). Tilskudd fra fondet til dem teller "
                                          "mot taket for bagatellmessig støtte."))

    def validate_orgnrs(self, field):
        numbers = self.numbers()
        bad = [n for n in numbers if not orgnr_format.is_valid(n)]
        if bad:
            raise ValidationError(_l("Ikke gyldige organisasjonsnumre: %(numbers)s.",
                                     numbers=", ".join(bad)))
        if len(numbers) > 50:
            raise ValidationError(_l("Høyst 50 foretak."))

    def numbers(self) -> list[str]:
        text = (self.orgnrs.data or "").replace(",", "\n")
        return [line.replace(" ", "").strip()[:20] for line in text.splitlines()
                if line.strip()]


class DecisionForm(Form):
    meeting = SelectField(_l("Møte"), coerce=str, validators=[DataRequired()])
    outcome = SelectField(_l("Utfall"), choices=[SelectChoice(o.value, OUTCOME_LABELS[o])
                                                 for o in VEDTAK_OUTCOMES],
                          validators=[DataRequired()])
    amount = IntegerField(_l("Vedtatt beløp (kr), for tilskudd"), validators=[
        Optional(), NumberRange(min=0, message=_l("Beløpet kan ikke være negativt."))])
    reasons = TextAreaField(_l("Begrunnelse særskilt for denne søknaden"), validators=[
        Optional(), Length(max=20000)],
        description=_l("For delvis innvilget: hva som ikke er innvilget, og hvorfor. For "
                       "avslag og avvisning: hvorfor."))
    conditions = TextAreaField(_l("Vilkår"), validators=[Optional(), Length(max=20000)])
    state_aid_basis = SelectField(
        _l("Grunnlag for støtten"), validators=[Optional()],
        choices=[SelectChoice("", "–")] + [SelectChoice(b.value, label)
                                           for b, label in STATE_AID_LABELS.items()])
    block_exemption_article = StringField(_l("Artikkel i gruppeunntaket (GBER)"),
                                          validators=[Optional(), Length(max=100)])
    kdd_category = SelectField(
        _l("KDD-kategori"), validators=[Optional()],
        choices=[SelectChoice("", "–")] + [SelectChoice(code, label)
                                           for code, label in KDD_CATEGORIES.items()])
    cap_to_headroom = BooleanField(_l("Kutt til handlingsrommet hvis tilskuddet går over "
                                      "taket for bagatellmessig støtte"))
    sector_confirmed = BooleanField(_l("Jeg har sjekket at støtten ikke går til virksomhet "
                                       "i en sektor forordningen unntar"))

    @property
    def chosen_outcome(self) -> Outcome:
        return Outcome(self.outcome.data)

    @property
    def chosen_basis(self) -> StateAidBasis | None:
        return StateAidBasis(self.state_aid_basis.data) if self.state_aid_basis.data else None


class RateForm(Form):
    rate_date = DateField(_l("Dato"), validators=[
        InputRequired(message=_l("Oppgi datoen kursen gjelder for."))])
    nok_per_eur = CommaDecimalField(_l("Kroner per euro"), places=4, validators=[
        InputRequired(message=_l("Oppgi kursen.")),
        NumberRange(min=Decimal("0.0001"), max=Decimal("999999"),
                    message=_l("Kursen må være over null."))])
    source = StringField(_l("Kilde"), validators=[Optional(), Length(max=100)],
                         description=_l("For eksempel «Norges Bank»."))


# --- Letters and appeals ---


class ConfirmForm(Form):
    """A button that changes something (staging, sending): only the CSRF token."""


class AppealForm(Form):
    text = TextAreaField(
        _l("Klagen"), description=_l(
            "Skriv hvilket vedtak du klager på, hva du mener er feil, og hvilken endring du "
            "ønsker."),
        validators=[DataRequired(_l("Skriv hva du klager på og hvilken endring du ønsker.")),
                    Length(max=APPEAL_TEXT_MAX, message=_l("Klagen er for lang."))])


class ReverseForm(Form):
    """A new vedtak by the first instance after an appeal (fvl § 33 annet ledd)."""

    body = SelectField(_l("Vedtaksorgan"), choices=[
        SelectChoice(body.value, BODY_LABELS[body]) for body in DecisionBody])
    delegation_reference = StringField(_l("Delegering"), validators=[Optional(),
                                                                     Length(max=200)])
    meeting_date = DateField(_l("Vedtaksdato"), validators=[
        InputRequired(_l("Oppgi datoen for det nye vedtaket."))])
    political_case_number = StringField(_l("Saksnummer i møtet (f.eks. PS 45/27)"),
                                        validators=[Optional(), Length(max=50)])
    outcome = SelectField(_l("Nytt utfall"), choices=[
        SelectChoice(outcome.value, OUTCOME_LABELS[outcome])
        for outcome in Outcome if outcome.is_vedtak])
    amount = IntegerField(_l("Beløp (kr)"), description=_l("Bare for innvilgelse."),
                          validators=[Optional(), NumberRange(
                              min=1, message=_l("Beløpet må være over null."))])
    reasons = TextAreaField(_l("Begrunnelse for det nye vedtaket"), validators=[
        DataRequired(_l("Skriv begrunnelsen for det nye vedtaket.")), Length(max=20_000)])
    conditions = TextAreaField(_l("Vilkår"), validators=[Optional(), Length(max=20_000)])
    assessment = TextAreaField(_l("Kommunens vurdering av klagen"),
                               validators=[Optional(), Length(max=20_000)])
    # For a grant, as on the decision form: the checks of the new decision date.
    state_aid_basis = DecisionForm.state_aid_basis
    block_exemption_article = DecisionForm.block_exemption_article
    kdd_category = DecisionForm.kdd_category
    cap_to_headroom = DecisionForm.cap_to_headroom
    sector_confirmed = DecisionForm.sector_confirmed

    @property
    def chosen_basis(self) -> StateAidBasis | None:
        return StateAidBasis(self.state_aid_basis.data) if self.state_aid_basis.data else None

    def validate_amount(self, field):
        if self.outcome.data in (Outcome.GRANTED.value, Outcome.PARTLY_GRANTED.value) \
                and field.data is None:
            raise ValidationError(_l("Oppgi beløpet som innvilges."))


class ForwardForm(Form):
    assessment = TextAreaField(
        _l("Kommunens vurdering av klagen"),
        description=_l("Hvorfor vedtaket ikke endres. Følger klagen til klageinstansen."),
        validators=[DataRequired(_l("Skriv kommunens vurdering av klagen.")),
                    Length(max=20_000)])


class AppealOutcomeForm(Form):
    outcome = TextAreaField(_l("Klageinstansens avgjørelse"), validators=[
        DataRequired(_l("Skriv hva klageinstansen kom fram til.")), Length(max=20_000)])
    decided_on = DateField(_l("Dato for avgjørelsen"), validators=[
        InputRequired(_l("Oppgi datoen for klageinstansens avgjørelse."))])
