"""The grants domain's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fund.core.forms import Form  # noqa: F401

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

# --- Final report ---

# --- Recovery ---

# --- Registers ---
