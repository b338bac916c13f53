"""The grants domain's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fund.core.forms import Form  # noqa: F401
from fund.core.http import MAX_INT
from fund.decisions.labels import BODY_LABELS
from fund.decisions.models import DecisionBody
from fund.grants.labels import RECOVERY_GROUND_LABELS
from fund.grants.models import RecoveryGround

# --- Acceptance ---

# --- Payments ---

# --- Final report ---

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
