from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired

from fund.core.forms import Form


class CloseAccountForm(Form):
    password = PasswordField(_l("Passordet ditt"), validators=[
        DataRequired(_l("Skriv inn passordet ditt for å bekrefte."))])
    confirm = BooleanField(
        _l("Jeg forstår at kontoen blir avsluttet for godt, og at jeg ikke kan logge inn "
           "med den igjen."),
        validators=[DataRequired(_l("Kryss av for at du forstår hva som skjer."))])
    submit = SubmitField(_l("Avslutt kontoen"))
