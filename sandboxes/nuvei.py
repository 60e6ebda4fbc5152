"""Nuvei sandbox: /ppp/api/v1/openOrder.do and DMNs.

It checks the merchant ids and the request checksum and validates the fields as Nuvei
does, answering refusals as Nuvei does: HTTP 200, `status: ERROR`, `errCode`, `reason`.
A clientRequestId used before is refused as a repeat (Nuvei's duplicate guard). Nuvei's
public pages do not list the REST 1.0 error codes for each case; the codes below are
the sandbox's own choice (inferred), kept in one table.

Control: POST /_sandbox/sessions/<sessionToken>/dmn {"status": "APPROVED"|"DECLINED"|
"PENDING"|"ERROR", "transactionType"?, "transactionId"?, "relatedTransactionId"?,
"method"?: "POST"|"GET", "deliver"?: true} sends a DMN with a correct advanceResponseChecksum to the session's
notificationUrl; GET /_sandbox/orders?clientUniqueId= lists the orders opened;
POST /_sandbox/late-answers {"ms", "count"?} makes the next openOrder.do calls open the
order and answer late (operation "openOrder").
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask import Flask, request

from .common import Latency, Store, control_blueprint, deliver

ERRORS = {
    "general": (1000, "General Error"),
    "checksum": (1001, "Invalid checksum"),
    "field": (1004, "Missing or invalid mandatory parameter"),
    "merchant": (1007, "Invalid merchant details"),
    "repeat": (1069, "Duplicate request: this clientRequestId was used before"),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TIMESTAMP = re.compile(r"^\d{14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The currencies this sandbox merchant account accepts; others are refused as Nuvei
# refuses currencies a merchant site is not set up for.
CURRENCIES = frozenset(
    (
        "EUR USD GBP CHF SEK NOK DKK PLN CZK HUF RON BGN CAD AUD NZD JPY KRW CLP ISK BHD KWD JOD OMR TND "
        "AED SAR ILS TRY ZAR BRL MXN INR SGD HKD CNY"
    ).split()
)
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}
DMN_STATUSES = {"APPROVED": "OK", "SUCCESS": "OK", "DECLINED": "FAIL", "ERROR": "FAIL", "PENDING": "PENDING"}


# Test credentials of the sandbox account, shared with the connector in the local stack.
CREDENTIALS = {
    "NUVEI_MERCHANT_ID": "8000000000001",
    "NUVEI_MERCHANT_SITE_ID": "210001",
    "NUVEI_SECRET_KEY": "sandbox-nuvei-secret",
}
# The shopper's card as every DMN shows it.
CARD = {"cardNumber": "4****1111", "nameOnCard": "Test Shopper"}


def connector_env(base_url: str) -> dict[str, str]:
    """Where the connector finds this sandbox, served at `base_url`."""
    return {"NUVEI_API_URL": f"{base_url}/ppp/api/v1"}


def from_env(env: Mapping[str, str]) -> Flask:
    return create_app(env["NUVEI_MERCHANT_ID"], env["NUVEI_MERCHANT_SITE_ID"], env["NUVEI_SECRET_KEY"])


def sha256(*parts: str) -> str:
    return hashlib.sha256("".join(parts).encode()).hexdigest()


class Refusal(Exception):
    def __init__(self, kind: str, detail: str = ""):
        self.code, reason = ERRORS[kind]
        self.reason = f"{reason}: {detail}" if detail else reason


def create_app(merchant_id: str, merchant_site_id: str, secret_key: str) -> Flask:
    app = Flask("nuvei-sandbox", static_folder=None)
    orders, request_ids = Store(), Store()  # orders by sessionToken; the clientRequestIds seen
    latency = Latency()
    order_ids = itertools.count(410_000_001)
    opening = threading.Lock()  # so that a clientRequestId opens one order at most

    def reset() -> None:
        orders.clear()
        request_ids.clear()

    app.register_blueprint(control_blueprint(latency, reset, orders.keys))

    @app.post("/ppp/api/v1/openOrder.do")
    def open_order():
        latency.wait()
        body = request.get_json(force=True, silent=True)
        try:
            if not isinstance(body, dict):
                raise Refusal("general", "the request is not a JSON object")
            _check_merchant(body)
            _check_checksum(body)
            _check_fields(body)
            with opening:
                if request_ids.get(body["clientRequestId"]) is not None:
                    raise Refusal("repeat", body["clientRequestId"])
                order = new_order(body, next(order_ids))
                request_ids.put(order["clientRequestId"], order)
                orders.put(order["sessionToken"], order)
        except Refusal as refusal:
            return _error(body if isinstance(body, dict) else {}, refusal)
        latency.wait_after_creating("openOrder")
        return {
            "sessionToken": order["sessionToken"],
            "orderId": order["orderId"],
            "userTokenId": body.get("userTokenId"),
            "clientUniqueId": order["clientUniqueId"],
            "internalRequestId": secrets.randbelow(10**9),
            "status": "SUCCESS",
            "errCode": 0,
            "reason": "",
            "merchantId": merchant_id,
            "merchantSiteId": merchant_site_id,
            "version": "1.0",
            "clientRequestId": body["clientRequestId"],
        }

    def _check_merchant(body: dict) -> None:
        if body.get("merchantId") != merchant_id or body.get("merchantSiteId") != merchant_site_id:
            raise Refusal("merchant")

    def _check_checksum(body: dict) -> None:
        fields = ("merchantId", "merchantSiteId", "clientRequestId", "amount", "currency", "timeStamp")
        if not all(isinstance(body.get(name), str) for name in fields):
            raise Refusal("checksum")
        expected = sha256(*(body[name] for name in fields), secret_key)
        if not hmac.compare_digest(str(body.get("checksum", "")).lower(), expected):
            raise Refusal("checksum")

    @app.post("/_sandbox/sessions/<token>/dmn")
    def send_dmn(token: str):
        order = orders.get(token)
        if order is None:
            return {"message": "unknown session"}, 404
        options = request.get_json(force=True, silent=True) or {}
        status = options.get("status", "APPROVED").upper()
        if status not in DMN_STATUSES:
            return {"message": f"status must be one of {sorted(DMN_STATUSES)}"}, 400
        fields = dmn_fields(order, status, options, merchant_id, merchant_site_id, secret_key)
        result = {"dmn": fields}
        if options.get("deliver", True):
            if not order["notificationUrl"]:
                return {"message": "the session has no notificationUrl"}, 409
            headers = {"X-Correlation-ID": order["correlationId"]} if order["correlationId"] else {}
            if options.get("method", "POST").upper() == "GET":
                result["notification"] = deliver("GET", order["notificationUrl"], params=fields, headers=headers)
            else:
                result["notification"] = deliver("POST", order["notificationUrl"], data=fields, headers=headers)
        return result

    @app.get("/_sandbox/orders")
    def list_orders():
        return {"orders": orders.find(**request.args.to_dict())}

    return app


def new_order(body: dict, order_id: int) -> dict:
    """The order a valid openOrder.do request opens."""
    return {
        "orderId": str(order_id),
        "sessionToken": str(uuid.uuid4()),
        "clientRequestId": body["clientRequestId"],
        "clientUniqueId": body.get("clientUniqueId", ""),
        "amount": body["amount"],
        "currency": body["currency"],
        "transactionType": body.get("transactionType", "Auth"),
        "notificationUrl": (body.get("urlDetails") or {}).get("notificationUrl"),
        # Echoed on this order's DMNs, as a provider that supports correlation ids would.
        "correlationId": request.headers.get("X-Correlation-ID"),
    }


def _check_fields(body: dict) -> None:
    if not _TIMESTAMP.match(body["timeStamp"]):
        raise Refusal("field", "timeStamp")
    if not 1 <= len(body["clientRequestId"]) <= 255:
        raise Refusal("field", "clientRequestId")
    if not _CURRENCY.match(body["currency"]) or body["currency"] not in CURRENCIES:
        raise Refusal("field", "currency")
    _check_amount(body["amount"], body["currency"])
    if body.get("transactionType", "Auth") not in ("Auth", "Sale", "PreAuth"):
        raise Refusal("field", "transactionType")
    if len(str(body.get("clientUniqueId", ""))) > 255 or len(str(body.get("userTokenId", ""))) > 255:
        raise Refusal("field", "clientUniqueId/userTokenId length")
    billing = body.get("billingAddress")
    if billing is not None:
        if not isinstance(billing, dict):
            raise Refusal("field", "billingAddress")
        if "email" in billing and not _EMAIL.match(str(billing["email"])):
            raise Refusal("field", "billingAddress.email")
        if "country" in billing and not re.match(r"^[A-Z]{2}$", str(billing["country"])):
            raise Refusal("field", "billingAddress.country")
    for name, url in (body.get("urlDetails") or {}).items():
        if urlsplit(str(url)).scheme not in ("http", "https"):
            raise Refusal("field", f"urlDetails.{name}")


def _check_amount(amount: str, currency: str) -> None:
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise Refusal("field", "amount") from None
    digits = _MINOR_UNITS.get(currency, 2)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-digits)):
        raise Refusal("field", "amount")


def _error(body: dict, refusal: Refusal) -> dict:
    return {
        "status": "ERROR",
        "errCode": refusal.code,
        "reason": refusal.reason,
        "merchantId": body.get("merchantId"),
        "merchantSiteId": body.get("merchantSiteId"),
        "clientRequestId": body.get("clientRequestId"),
        "internalRequestId": secrets.randbelow(10**9),
        "version": "1.0",
    }


def dmn_fields(order: dict, status: str, options: dict, merchant_id: str, site_id: str, secret: str) -> dict:
    """The DMN Nuvei sends for a transaction of the session's order."""
    fields = {
        "ppp_status": DMN_STATUSES[status],
        "Status": status,
        "PPP_TransactionID": str(secrets.randbelow(10**9)),
        "TransactionID": str(options.get("transactionId") or 7_110_000_000_000_000 + secrets.randbelow(10**12)),
        "clientUniqueId": order["clientUniqueId"],
        "transactionType": options.get("transactionType", order["transactionType"]),
        "totalAmount": order["amount"],
        "currency": order["currency"],
        "responseTimeStamp": datetime.now(UTC).strftime("%Y-%m-%d.%H:%M:%S"),
        "productId": "",
        "merchant_id": merchant_id,
        "merchant_site_id": site_id,
        "Reason": "" if status in ("APPROVED", "SUCCESS", "PENDING") else "Decline",
        "ErrCode": "0" if status in ("APPROVED", "SUCCESS", "PENDING") else "-1",
        **CARD,
        "sessionToken": order["sessionToken"],
    }
    if options.get("relatedTransactionId"):
        fields["relatedTransactionId"] = str(options["relatedTransactionId"])
    fields["advanceResponseChecksum"] = sha256(
        secret,
        fields["totalAmount"],
        fields["currency"],
        fields["responseTimeStamp"],
        fields["PPP_TransactionID"],
        fields["Status"],
        fields["productId"],
    )
    return fields
