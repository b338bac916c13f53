"""Kroner and numbers as a Norwegian reader expects them."""

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
