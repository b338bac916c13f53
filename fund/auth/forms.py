from datetime import datetime

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
    TextAreaField,
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
from zxcvbn import zxcvbn

from fund.core.forms import Form
from fund.core.roles import ROLE_LABELS
from fund.core.validators import valid_kontonr, valid_orgnr

#: zxcvbn's score (0–4) a new password must reach: "safely unguessable" against an
#: attacker who has the hashes and knows common passwords, words and patterns.
PASSWORD_MIN_SCORE = 3
#: zxcvbn judges at most this many characters (its own limit); a longer password is
#: judged by its start.
PASSWORD_JUDGED_LENGTH = 72
#: Longer passwords are refused: hashing them costs the server, not the guesser.
PASSWORD_MAX_LENGTH = 200


def strong_password(form, field):
    """At least PASSWORD_MIN_LENGTH characters, and not easy to guess: no common or
    leaked password, repetition, keyboard pattern, or the person's own name or address
    (zxcvbn, with its lists of the most used passwords; nothing leaves the server)."""
    password = field.data or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError(_l("Passordet må ha minst %(n)s tegn.", n=minimum))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(_l("Passordet kan ha høyst %(n)s tegn.", n=PASSWORD_MAX_LENGTH))
    own = [getattr(form, name).data for name in ("email", "name")
           if getattr(form, name, None) is not None and getattr(form, name).data]
    own += getattr(form, "user_inputs", [])
    own = [str(text).lower() for text in own]
    words = own + [part for text in own for part in text.replace("@", " ").split()]
    if zxcvbn(password[:PASSWORD_JUDGED_LENGTH], user_inputs=words)["score"] < \
            PASSWORD_MIN_SCORE:
        raise ValidationError(_l(
            "Passordet er for lett å gjette: det ligner et vanlig passord, gjentar tegn eller "
            "mønstre, eller inneholder navnet eller e-postadressen din. Bruk gjerne en setning "
            "med flere ord."))


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


#: The organisation's details that Enhetsregisteret can fill in (``brreg.Entry`` has them).
REGISTER_FIELDS = ("name", "org_form", "industry_code", "address", "postcode", "city",
                   "municipality_number", "vat_registered")


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

    def fill_from(self, entry) -> None:
        """Fill the details from an Enhetsregisteret entry."""
        for name in REGISTER_FIELDS:
            getattr(self, name).data = getattr(entry, name)

    def details(self) -> dict:
        """The details to store: empty text as None, the name trimmed."""
        return {name: (getattr(self, name).data or None)
                for name in (*REGISTER_FIELDS, "bank_account")} | {
            "name": self.name.data.strip(), "vat_registered": self.vat_registered.data}


class InviteForm(Form):
    email = _email_field(_l("E-postadressen til den du vil invitere"))
    submit = SubmitField(_l("Send invitasjon"))


def _note(label, required=None, description=None):
    """A note for the record; ``required`` is the message when it is missing."""
    first = DataRequired(required) if required else Optional()
    return TextAreaField(label, validators=[first, Length(max=2000)], description=description)


class VerifyForm(Form):
    note = _note(_l("Hva har du sjekket?"), _l("Skriv hva du har sjekket."), _l(
        "F.eks. «Firmaattest sjekket: Kari Nordmann er daglig leder» eller «Fullmakt fra "
        "styret mottatt på e-post 3. mars»."))
    submit = SubmitField(_l("Verifiser organisasjonen"))


class UnverifyForm(Form):
    note = _note(_l("Hvorfor fjernes verifiseringen?"), _l("Skriv hvorfor."))
    submit = SubmitField(_l("Fjern verifiseringen"))


def a_date(form, field):
    """17.05.1980, 17.5.1980 or 1980-05-17; the field's data becomes a date."""
    text = (field.data or "").strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            field.data = datetime.strptime(text, pattern).date()
            return
        except ValueError:
            continue
    raise ValidationError(_l("Skriv datoen som dag.måned.år, f.eks. 17.05.1980."))


class RoleCheckForm(Form):
    birth_date = StringField(
        _l("Fødselsdatoen din"),
        validators=[DataRequired(_l("Skriv inn fødselsdatoen din, f.eks. 17.05.1980.")),
                    Length(max=10), a_date],
        description=_l("Slik den står i Enhetsregisteret, f.eks. 17.05.1980."))
    submit = SubmitField(_l("Bekreft"))


class ClaimForm(Form):
    orgnr = StringField(_l("Organisasjonsnummer"), validators=[
        DataRequired(_l("Skriv inn organisasjonsnummeret.")), valid_orgnr],
        description=_l("9 siffer, f.eks. 912 345 688."))
    reason = TextAreaField(_l("Din rolle, og hvordan kommunen kan sjekke den"), validators=[
        DataRequired(_l("Skriv hvilken rolle du har i organisasjonen, og hvordan kommunen "
                        "kan sjekke det.")), Length(max=2000)],
        description=_l("F.eks. «Jeg er daglig leder, se Enhetsregisteret» eller «Styret har "
                       "gitt meg fullmakt; jeg kan sende protokollen»."))
    submit = SubmitField(_l("Send kravet"))


class ClaimDecisionForm(Form):
    note = _note(_l("Begrunnelse"), _l("Skriv en begrunnelse."),
                 _l("Sendes til den som gjorde krav, og til medlemmene."))
    confirm = BooleanField(_l("Jeg har sjekket retten til å representere organisasjonen, og "
                              "forstår at de andre medlemmene fjernes og kontonummeret slettes "
                              "hvis kravet innvilges."))
    grant = SubmitField(_l("Innvilg kravet"))
    reject = SubmitField(_l("Avslå kravet"))

    def validate_confirm(self, field):
        if self.grant.data and not field.data:
            raise ValidationError(_l("Bekreft at du har sjekket retten til å representere "
                                     "organisasjonen før du innvilger kravet."))


class BankAccountDecisionForm(Form):
    confirm = BooleanField(_l("Jeg har kontrollert at kontoen tilhører organisasjonen."))
    note = _note(_l("Merknad (valgfritt)"))
    approve = SubmitField(_l("Godkjenn kontonummeret"))
    reject = SubmitField(_l("Avvis kontonummeret"))

    def validate_confirm(self, field):
        if self.approve.data and not field.data:
            raise ValidationError(_l("Bekreft at du har kontrollert at kontoen tilhører "
                                     "organisasjonen."))


class UserAdminForm(Form):
    role = SelectField(_l("Rolle"), choices=[
        SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    active = BooleanField(_l("Aktiv konto"))
    submit = SubmitField(_l("Lagre"))
