from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fund.core.forms import Form
from fund.review.models import ConflictGround
from fund.review.scoring import Recommendation

GROUND_LABELS = {
    ConflictGround.PARTY: _l("Jeg er selv part i saken (§ 6 første ledd a)"),
    ConflictGround.FAMILY: _l("Jeg er i slekt eller svogerskap med en part (§ 6 første ledd b)"),
    ConflictGround.SPOUSE: _l("Jeg er eller har vært gift med, forlovet eller samboer med en "
                              "part (§ 6 første ledd c)"),
    ConflictGround.GUARDIAN: _l("Jeg er verge eller fullmektig for en part "
                                "(§ 6 første ledd d)"),
    ConflictGround.BOARD: _l("Jeg er leder, styremedlem eller har ledende stilling i "
                             "søkerorganisasjonen (§ 6 første ledd e)"),
    ConflictGround.OTHER: _l("Andre særegne forhold som er egnet til å svekke tilliten til at "
                             "jeg er upartisk (§ 6 annet ledd)"),
    ConflictGround.MEMBER: _l("Jeg er medlem av søkerorganisasjonen i systemet"),
}

RECOMMENDATION_LABELS = {
    Recommendation.APPROVE: _l("Innvilge"),
    Recommendation.APPROVE_REDUCED: _l("Innvilge med redusert beløp"),
    Recommendation.REJECT: _l("Avslå"),
}


class DeclarationForm(Form):
    disqualified = RadioField(_l("Er du inhabil i denne saken?"), choices=[
        SelectChoice("no", _l("Nei, jeg er habil")),
        SelectChoice("yes", _l("Ja, jeg er inhabil"))],
        validators=[DataRequired(_l("Svar ja eller nei."))])
    ground = SelectField(_l("Grunn (hvis inhabil)"), default="", choices=[
        SelectChoice("", _l("Velg grunn …")), *(SelectChoice(g.value, label) for g, label in
                                              GROUND_LABELS.items()
                                              if g != ConflictGround.MEMBER)])
    explanation = TextAreaField(_l("Forklaring (valgfritt)"),
                                validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Lagre erklæringen"))


class AssessmentForm(Form):
    version = HiddenField()
    overall_comment = TextAreaField(_l("Samlet vurdering"),
                                    validators=[Optional(), Length(max=20000)])
    recommended_amount = IntegerField(_l("Anbefalt beløp (kr)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Beløpet kan ikke være negativt."))])
    recommendation = SelectField(_l("Anbefaling"), default="", choices=[
        SelectChoice("", _l("Velg …")), *(SelectChoice(r.value, label) for r, label in
                                          RECOMMENDATION_LABELS.items())])


class NoteForm(Form):
    text = TextAreaField(_l("Nytt internt notat"), validators=[
        DataRequired(_l("Notatet er tomt.")), Length(max=10000)],
        description=_l("Bare saksbehandlere og fondsforvaltere ser notatene."))
    submit = SubmitField(_l("Legg til notat"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Bekreft"))


class LineForm(Form):
    line = IntegerField(_l("Antall søknader over linjen"), validators=[
        Optional(), NumberRange(min=0, message=_l("Tallet kan ikke være negativt."))],
        description=_l("La feltet stå tomt for å la budsjettet bestemme linjen."))
    reason = TextAreaField(_l("Begrunnelse"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Flytt linjen"))
