"""Kustom's line and tax rules, checked before anyone is charged; each bad field is
named as the storefront wrote it."""

import pytest

from connector.errors import InvalidInput
from connector.payment import Payment
from connector.providers.kustom import mapping
from connector.providers.kustom.schemas import tax_fits
from tests.factories import payment_json

from .factories import BASKET_TOTAL, basket_lines, kustom_request

NOTIFY = "https://notifications.example.test/notifications/kustom"


def order(session_request: dict, cent_amount: int = BASKET_TOTAL, **payment_fields):
    payment = Payment.from_json(
        payment_json(interface="kustom", cent_amount=cent_amount, session_request=session_request, **payment_fields)
    )
    return mapping.order_request(payment, NOTIFY)


def invalid_fields(session_request: dict, **payment_fields) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        order(session_request, **payment_fields)
    return {error.field: error.message for error in raised.value.errors}


def with_line(index: int, **changes) -> dict:
    lines = basket_lines()
    lines[index].update(changes)
    return kustom_request(order_lines=lines)


def test_the_basket_is_valid():
    _, request = order(kustom_request())
    assert len(request["order_lines"]) == 3


@pytest.mark.parametrize(
    ("total_tax_amount", "fits"),
    [(2498, False), (2499, True), (2500, True), (2501, True), (2502, False)],
)
def test_tax_tolerance_is_one_minor_unit_either_way(total_tax_amount, fits):
    # 12500 at 25 %: exactly 2500 tax, so the edges of ±1 are whole numbers.
    assert tax_fits(12500, 2500, total_tax_amount) is fits


def test_tax_tolerance_around_an_inexact_tax():
    # 499 at 25 % holds 99.8 tax: 99 and 100 are within 1, 98 and 101 are not.
    assert [tax_fits(499, 2500, tax) for tax in (98, 99, 100, 101)] == [False, True, True, False]


def test_tax_rule_holds_for_negative_discount_lines():
    assert tax_fits(-500, 2500, -100) and tax_fits(-500, 2500, -101)
    assert not tax_fits(-500, 2500, -102) and not tax_fits(-500, 2500, 100)


def test_a_line_tax_out_of_tolerance_is_named_with_its_line():
    errors = invalid_fields(with_line(2, total_tax_amount=102))
    assert list(errors) == ["sessionRequest.order_lines[2].total_tax_amount"]
    assert "99.80" in errors["sessionRequest.order_lines[2].total_tax_amount"]


def test_a_line_total_must_be_quantity_times_price_minus_discount():
    errors = invalid_fields(with_line(0, total_discount_amount=100))
    assert "= 1900" in errors["sessionRequest.order_lines[0].total_amount"]
    # with the discount counted, the line is valid again (and the basket total moves)
    lines = basket_lines()
    lines[0].update(total_discount_amount=100, total_amount=1900, total_tax_amount=380)
    _, request = order(kustom_request(order_lines=lines), cent_amount=BASKET_TOTAL - 100)
    assert request["order_amount"] == BASKET_TOTAL - 100


def test_discount_lines_are_negative_and_other_lines_are_not():
    positive_discount = invalid_fields(with_line(1, unit_price=500, total_amount=500, total_tax_amount=100))
    assert set(positive_discount) == {
        "sessionRequest.order_lines[1].unit_price",
        "sessionRequest.order_lines[1].total_amount",
        "sessionRequest.order_lines[1].total_tax_amount",
    }
    negative_shipping = invalid_fields(with_line(2, unit_price=-499, total_amount=-499, total_tax_amount=-100))
    assert "sessionRequest.order_lines[2].total_amount" in negative_shipping


def test_every_bad_line_and_field_is_named_at_once():
    lines = basket_lines()
    lines[0]["quantity"] = 1.5
    lines[1]["type"] = "coupon"
    del lines[2]["name"]
    errors = invalid_fields(kustom_request(order_lines=lines, merchant_urls={}, customerToken="../admin"))
    assert set(errors) == {
        "sessionRequest.customerToken",
        "sessionRequest.merchant_urls.confirmation",
        "sessionRequest.order_lines[0].quantity",
        "sessionRequest.order_lines[1].type",
        "sessionRequest.order_lines[2].name",
    }


@pytest.mark.parametrize("amount", ["2000", 2000.0, True])
def test_amounts_are_json_integers(amount):
    assert "sessionRequest.order_lines[0].total_amount" in invalid_fields(with_line(0, total_amount=amount))


def test_required_keys():
    errors = invalid_fields({"auto_capture": True})
    assert {"sessionRequest.customerToken", "sessionRequest.order_lines", "sessionRequest.merchant_urls"} <= set(errors)
    assert "sessionRequest" in invalid_fields(None, custom_fields={"sessionRequest": "[]"})


def test_order_tax_amount_defaults_to_the_lines_and_must_equal_them():
    _, defaulted = order(kustom_request())
    _, given = order(kustom_request(order_tax_amount=400))
    assert defaulted["order_tax_amount"] == given["order_tax_amount"] == 400
    errors = invalid_fields(kustom_request(order_tax_amount=399))
    assert list(errors) == ["sessionRequest.order_tax_amount"] and "400" in errors["sessionRequest.order_tax_amount"]


def test_lines_must_add_up_to_the_planned_amount():
    errors = invalid_fields(kustom_request(), cent_amount=2099)
    assert "1999" in errors["sessionRequest.order_lines"] and "2099" in errors["sessionRequest.order_lines"]


def test_owned_fields_may_repeat_but_not_change():
    assert order(kustom_request(purchase_currency="EUR", order_amount=BASKET_TOTAL))[1]["purchase_currency"] == "EUR"
    errors = invalid_fields(
        kustom_request(
            merchant_reference1="another-order",
            purchase_currency="SEK",
            order_amount=1,
            merchant_urls={"confirmation": "https://shop.example.test/c", "push": "https://attacker.example/push"},
        )
    )
    assert set(errors) == {
        "sessionRequest.merchant_reference1",
        "sessionRequest.purchase_currency",
        "sessionRequest.order_amount",
        "sessionRequest.merchant_urls.push",
    }


def test_minor_units_must_be_the_currency_own():
    errors = invalid_fields(kustom_request(), fraction_digits=3)
    assert list(errors) == ["amountPlanned.fractionDigits"]
