"""Money as commercetools holds it (integer minor units) and as providers want it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ISO 4217 minor units of the currencies that do not use two decimals; commercetools
# sends `fractionDigits`, and this table is only the fallback where it does not.
_MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


# ISO 4217's codes (list one, 2025), less XTS (for testing) and XXX (no currency).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF
    XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL""".split()
)


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


class AmountError(ValueError):
    """A decimal amount that cannot be expressed in the currency's minor units."""


@dataclass(frozen=True, slots=True)
class Money:
    cent_amount: int
    currency: str
    fraction_digits: int

    @classmethod
    def of(cls, cent_amount: int, currency: str) -> Money:
        return cls(cent_amount, currency, minor_units(currency))

    @classmethod
    def parse(cls, amount: str | Decimal | int | float, currency: str, fraction_digits: int | None = None) -> Money:
        """A decimal amount in major units, e.g. "10.50" EUR → 1050 cents, with the
        currency's ISO digits unless commercetools' own `fraction_digits` are given.

        Raises AmountError for non-numbers, negatives and more decimals than the
        currency has."""
        digits = minor_units(currency) if fraction_digits is None else fraction_digits
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise AmountError(f"{amount!r} is not a decimal amount") from None
        if not value.is_finite() or value < 0:
            raise AmountError(f"{amount!r} is not a non-negative amount")
        cents = value.scaleb(digits)
        if cents != cents.to_integral_value():
            raise AmountError(f"{amount!r} has more than {digits} decimals for {currency}")
        return cls(int(cents), currency, digits)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, with exactly the currency's decimals."""
        return Decimal(self.cent_amount).scaleb(-self.fraction_digits)

    def decimal_text(self) -> str:
        """ "10.00", "1000" (JPY), "1.500" (KWD)."""
        return f"{self.amount:.{self.fraction_digits}f}"

    def to_draft(self) -> dict:
        """The commercetools Money draft."""
        return {"currencyCode": self.currency, "centAmount": self.cent_amount}
