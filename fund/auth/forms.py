from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from fund.auth.models import ROLE_LABELS
from fund.core.forms import Form
from fund.core.validators import valid_kontonr, valid_orgnr


def strong_password(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Passordet må ha minst %(n)s tegn.", n=minimum))


def _email_field(label=None):
    return EmailField(label or _l("E-postadresse"), validators=[
        DataRequired(_l("Skriv inn e-postadressen din.")),
        Email(_l("E-postadressen ser ikke riktig ut, f.eks. navn@firma.no."),
              check_deliverability=False),
        Length(max=254)])


class RegisterForm(Form):
    name = StringField(_l("Fullt navn"), validators=[DataRequired(_l("Skriv inn navnet ditt.")),
                                                     Length(max=200)])
    email = _email_field()
    phone = TelField(_l("Telefon (valgfritt)"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Passord"), validators=[
        DataRequired(_l("Velg et passord.")), strong_password],
        description=_l("Minst 12 tegn. En setning med flere ord er lett å huske og "
                       "vanskelig å gjette."))
    password_again = PasswordField(_l("Gjenta passordet"), validators=[
        DataRequired(_l("Skriv passordet en gang til.")),
        EqualTo("password", _l("Passordene er ikke like."))])
    submit = SubmitField(_l("Opprett konto"))


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(_l("Passord"),
                             validators=[DataRequired(_l("Skriv inn passordet ditt."))])
    submit = SubmitField(_l("Logg inn"))


class EmailForm(Form):
    email = _email_field()
    submit = SubmitField(_l("Send lenke"))


class NewPasswordForm(Form):
    password = PasswordField(_l("Nytt passord"), validators=[
        DataRequired(_l("Velg et passord.")), strong_password],
        description=_l("Minst 12 tegn."))
    password_again = PasswordField(_l("Gjenta passordet"), validators=[
        DataRequired(_l("Skriv passordet en gang til.")),
        EqualTo("password", _l("Passordene er ikke like."))])
    submit = SubmitField(_l("Lagre passord"))


class OrganisationForm(Form):
    orgnr = StringField(_l("Organisasjonsnummer"), validators=[
        DataRequired(_l("Skriv inn organisasjonsnummeret.")), valid_orgnr],
        description=_l("9 siffer, f.eks. 912 345 688."))
    lookup = SubmitField(_l("Hent opplysninger fra Enhetsregisteret"))
    name = StringField(_l("Navn"), validators=[
        DataRequired(_l("Skriv inn organisasjonens navn.")), Length(max=200)])
    org_form = StringField(_l("Organisasjonsform (valgfritt)"),
                           validators=[Optional(), Length(max=10)],
                           description=_l("F.eks. AS, ENK eller SA."))
    industry_code = StringField(_l("Næringskode (valgfritt)"),
                                validators=[Optional(), Length(max=10)])
    address = StringField(_l("Forretningsadresse (valgfritt)"),
                          validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postnummer (valgfritt)"), validators=[
        Optional(), Regexp(r"^\d{4}$", message=_l("Postnummeret har 4 siffer."))])
    city = StringField(_l("Poststed (valgfritt)"), validators=[Optional(), Length(max=100)])
    municipality_number = StringField(_l("Kommunenummer (valgfritt)"), validators=[
        Optional(), Regexp(r"^\d{4}$", message=_l("Kommunenummeret har 4 siffer."))],
        description=_l("Lillestrøm er 3205."))
    bank_account = StringField(
        _l("Kontonummer (valgfritt)"), validators=[Optional(), valid_kontonr],
        description=_l("11 siffer, f.eks. 1234.56.78903. Trengs før et tilskudd kan utbetales."))
    vat_registered = BooleanField(_l("Registrert i Merverdiavgiftsregisteret"))
    submit = SubmitField(_l("Lagre"))


class MemberForm(Form):
    email = _email_field(_l("E-postadressen til det nye medlemmet"))
    submit = SubmitField(_l("Legg til medlem"))


class RemoveMemberForm(Form):
    submit = SubmitField(_l("Fjern"))


class UserAdminForm(Form):
    role = SelectField(_l("Rolle"), choices=[
        SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    active = BooleanField(_l("Aktiv konto"))
    submit = SubmitField(_l("Lagre"))
