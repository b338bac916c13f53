"""Norwegian presentation of dates and amounts, and parsing of local times."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal, get_group_symbol
from flask import current_app, has_request_context
from flask_babel import _get_current_context as _babel_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

DATETIME_PATTERNS = {"nb": "d. MMMM y 'kl.' HH:mm", "en": "d MMMM y 'at' HH:mm"}
DATE_PATTERNS = {"nb": "d. MMMM y", "en": "d MMMM y"}


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _locale() -> str:
    # A mail rendered outside a request (cron) in the recipient's language: force_locale
    # sets the locale on the application context.
    forced = getattr(_babel_context(), "babel_locale", None)
    if forced is not None:
        return forced.language
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return locale.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def format_datetime(value: datetime | None) -> str:
    """``20. januar 2027 kl. 23:59`` in Oslo time."""
    if value is None:
        return ""
    locale = _locale()
    return _babel_datetime(to_local(value), DATETIME_PATTERNS.get(locale, DATETIME_PATTERNS["nb"]),
                           locale=locale)


def format_datetime_short(value: datetime | None) -> str:
    """``27.11.2026 15:58`` in Oslo time, for dense tables."""
    return to_local(value).strftime("%d.%m.%Y %H:%M") if value else ""


def format_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = to_local(value).date()
    locale = _locale()
    return _babel_date(value, DATE_PATTERNS.get(locale, DATE_PATTERNS["nb"]), locale=locale)


def format_countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    """``frist om 12 dager``, ``frist i dag kl. 23:59``, ``fristen har gått ut``."""
    if deadline is None:
        return ""
    now = now or datetime.now(UTC)
    if now >= deadline:
        return _("fristen har gått ut")
    local_deadline, local_now = to_local(deadline), to_local(now)
    days = (local_deadline.date() - local_now.date()).days
    clock = local_deadline.strftime("%H:%M")
    if days == 0:
        return _("frist i dag kl. %(clock)s", clock=clock)
    if days == 1:
        return _("frist i morgen kl. %(clock)s", clock=clock)
    return ngettext("frist om %(num)s dag", "frist om %(num)s dager", days)


#: The minus sign of Norwegian typesetting (and a screen reader's «minus»), not a hyphen.
MINUS = "\u2212"


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


@lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


def format_nok(amount: int | None) -> str:
    """``kr 150 000`` (with a no-break space as thousands separator); ``kr −30 000`` with
    a minus sign, never a hyphen. Whole kroner are grouped without Babel's pattern engine
    (the same result, for a list page's every row)."""
    if amount is None:
        return ""
    if type(amount) is int:
        return "kr\u00a0" + _signed(f"{amount:,}".replace(",", _group_symbol(_locale())))
    return "kr\u00a0" + _signed(format_decimal(amount, format="#,##0", locale=_locale()))


def format_number(value) -> str:
    """``1 234,5``: a no-break space between thousands, decimals only where there are any."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = Decimal(value)
    return _signed(format_decimal(value, format="#,##0.##", locale=_locale()))


def format_percent(value) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.#", locale=_locale()) + "\u00a0%"


def parse_local(text: str) -> datetime:
    """Read ``2027-01-20 23:59`` (or ``2027-01-20T23:59``) as Oslo time; return UTC."""
    text = text.strip().replace("T", " ")
    return from_local(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def from_local(naive: datetime) -> datetime:
    """A wall-clock time in Oslo (as typed in a form) as an aware UTC datetime."""
    return naive.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local_naive(value: datetime | None) -> datetime | None:
    """For a form's datetime-local field: Oslo wall-clock time without offset."""
    return to_local(value).replace(tzinfo=None) if value else None
