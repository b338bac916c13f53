"""The grants domain's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from fund.core.forms import Form  # noqa: F401

# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---

# --- Registers ---


class RegisterExportForm(Form):
    """«Lag eksport»: only the CSRF token."""


class RegisterReferenceForm(Form):
    reference = StringField(
        _l("Registerets referanse"),
        description=_l("Kvitteringen eller saksnummeret registeret ga for rapporteringen."),
        validators=[DataRequired(_l("Skriv referansen registeret ga.")),
                    Length(max=100, message=_l("Referansen kan være på høyst 100 tegn."))])
