"""Kroner and numbers as a Norwegian reader expects them."""

from datetime import UTC

from fund.core.formatting import format_nok, format_number

NBSP, MINUS = "\u00a0", "\u2212"


def test_kroner_have_spaces_between_thousands_and_a_minus_sign(app):
    with app.test_request_context():
        assert format_nok(150_000) == f"kr{NBSP}150{NBSP}000"
        assert format_nok(-30_000) == f"kr{NBSP}{MINUS}30{NBSP}000"
        assert format_nok(0) == f"kr{NBSP}0"
        assert format_nok(None) == ""


def test_numbers_have_a_decimal_comma_and_a_minus_sign(app):
    with app.test_request_context():
        assert format_number("1234.5") == f"1{NBSP}234,5"
        assert format_number(-17.1) == f"{MINUS}17,1"
        assert format_number(-0.5) == f"{MINUS}0,5"
        assert "-" not in format_number(-3)


def test_dates_in_mail_from_cron_follow_the_readers_language(app):
    """A mail rendered outside any request (a cron command) for an English reader has its
    dates in English; the Norwegian default stays outside force_locale."""
    from datetime import datetime

    from flask_babel import force_locale

    from fund.core.formatting import format_datetime
    when = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
    with app.app_context():
        with force_locale("en"):
            assert format_datetime(when) == "20 January 2027 at 13:00"
        assert format_datetime(when) == "20. januar 2027 kl. 13:00"
