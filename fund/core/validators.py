"""Form validators for Norwegian identifiers, with messages a person can act on."""

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.no import kontonr, orgnr
from wtforms.validators import ValidationError as FormError


def clean_orgnr(value: str) -> str:
    """The 9 digits of a valid organisasjonsnummer, or a FormError saying what is wrong."""
    try:
        return orgnr.validate(value or "")
    except InvalidLength as exc:
        raise FormError(_l("Organisasjonsnummeret må ha 9 siffer.")) from exc
    except InvalidFormat as exc:
        raise FormError(_l("Organisasjonsnummeret kan bare inneholde siffer.")) from exc
    except InvalidChecksum as exc:
        raise FormError(_l("Organisasjonsnummeret er ikke gyldig. Sjekk om du har skrevet "
                           "feil – kontrollsifferet stemmer ikke.")) from exc
    except ValidationError as exc:
        raise FormError(_l("Organisasjonsnummeret er ikke gyldig.")) from exc


def clean_kontonr(value: str) -> str:
    digits = "".join((value or "").replace(".", "").split())
    if digits.isdigit() and len(digits) != 11:
        raise FormError(_l("Kontonummeret må ha 11 siffer."))
    try:
        return kontonr.validate(digits)
    except InvalidLength as exc:
        raise FormError(_l("Kontonummeret må ha 11 siffer.")) from exc
    except InvalidFormat as exc:
        raise FormError(_l("Kontonummeret kan bare inneholde siffer, mellomrom og punktum.")) \
            from exc
    except InvalidChecksum as exc:
        raise FormError(_l("Kontonummeret er ikke gyldig. Sjekk om du har skrevet feil – "
                           "kontrollsifferet stemmer ikke.")) from exc
    except ValidationError as exc:
        raise FormError(_l("Kontonummeret er ikke gyldig.")) from exc


def valid_orgnr(form, field):
    field.data = clean_orgnr(field.data)


def valid_kontonr(form, field):
    if field.data:
        field.data = clean_kontonr(field.data)
