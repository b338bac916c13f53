"""The decisions domain's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
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
from fund.decisions.labels import BODY_LABELS, OUTCOME_LABELS
from fund.decisions.models import DecisionBody
from fund.decisions.operations import APPEAL_TEXT_MAX
from fund.review.models import Outcome

# --- Part C ---


# --- Part D ---


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
