from decimal import Decimal

import pytest

from connector.money import AmountError, Money, minor_units


@pytest.mark.parametrize(
    ("cents", "currency", "digits", "text"),
    [
        (1999, "EUR", 2, "19.99"),
        (1000, "EUR", 2, "10.00"),
        (1000, "JPY", 0, "1000"),
        (1500, "KWD", 3, "1.500"),
        (7, "BHD", 3, "0.007"),
        (0, "USD", 2, "0.00"),
    ],
)
def test_decimal_text_uses_the_currency_digits(cents, currency, digits, text):
    money = Money(cents, currency, digits)
    assert money.decimal_text() == text
    assert Money.parse(text, currency) == money


def test_fraction_digits_from_commercetools_win_over_the_table():
    # commercetools is the authority for a payment's digits; the table is a fallback.
    assert Money(1234, "EUR", 3).decimal_text() == "1.234"


def test_minor_units_table():
    assert (minor_units("JPY"), minor_units("EUR"), minor_units("KWD"), minor_units("CLF")) == (0, 2, 3, 4)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.001", "EUR"), ("1.5", "JPY"), ("-1.00", "EUR"), ("ten", "EUR"), ("NaN", "EUR"), ("1.0001", "KWD")],
)
def test_parse_rejects_amounts_the_currency_cannot_hold(amount, currency):
    with pytest.raises(AmountError):
        Money.parse(amount, currency)


def test_parse_accepts_fewer_decimals_and_numbers():
    assert Money.parse("10.5", "EUR").cent_amount == 1050
    assert Money.parse(Decimal("3"), "KWD").cent_amount == 3000
    assert Money.parse(144.89, "AUD").cent_amount == 14489


def test_draft_is_commercetools_money():
    assert Money.of(1050, "EUR").to_draft() == {"currencyCode": "EUR", "centAmount": 1050}
