"""Nuvei sandbox: /ppp/api/v1/openOrder.do, settleTransaction.do, refundTransaction.do,
voidTransaction.do, getTransactionDetails.do, and DMNs.

It checks the merchant ids and the request checksum and validates the fields as Nuvei
does, answering refusals as Nuvei does: HTTP 200, `status: ERROR`, `errCode`, `reason`.
A clientRequestId used before, by any call, is refused as a repeat (Nuvei's duplicate
guard) and moves no money. It holds the transactions of its orders (the shopper's Auth
or Sale, made through the DMN control below, and the settles, refunds and voids made
through the API) and checks each modification against its related transaction.

What Nuvei's public pages do not give, the sandbox chooses (inferred), all here:

| case | the sandbox's answer |
| --- | --- |
| errCodes of request-level refusals | `ERRORS` below (1000, 1001, 1004, 1007, 1069 repeat, 1140 not found) |
| settle or void beyond what the Auth still holds (authorized, not settled or voided), refund beyond what the Sale/Settle still holds, a modification of another transaction type or of one not approved, another currency, an authCode other than the Auth's | `status SUCCESS`, `transactionStatus ERROR`, `gwErrorCode -1100`, `gwErrorReason` saying why; the transaction is recorded (its clientRequestId is spent) |
| a decline (control) | `transactionStatus DECLINED`, `gwErrorCode -1`, `gwErrorReason Decline` |
| which transactions count against what is left | APPROVED and PENDING ones |
| several partial settles of one Auth, a partial void, a void of what is left after a partial settle (the contract: a cancellation releases what is authorized and not captured) | allowed |
| `urlDetails` on a modification | refused (1004): the checksum has its place, but this sandbox, like the connector, never sends it |
| the DMN of a modification | sent to the Auth's order's notificationUrl 50 ms after the answer, retried (0.2, 0.5, 1, 2 s) until a 200 |
| getTransactionDetails.do by clientUniqueId | the latest transaction (any type) whose request carried that clientUniqueId |
| `AuthCode` of a DMN | a 6-digit code on approved Auths and Sales, repeated on their settles, refunds and voids |

Controls:
- POST /_sandbox/sessions/<sessionToken>/dmn {"status": "APPROVED"|"DECLINED"|"PENDING"|
  "ERROR", "transactionType"?, "transactionId"?, "relatedTransactionId"?, "method"?: "POST"|
  "GET", "deliver"?: true}: the shopper's transaction in the session (recorded, or its
  status changed when transactionId names one), and its DMN with a correct
  advanceResponseChecksum sent to the session's notificationUrl; "deliver": false loses
  the DMN (the transaction is recorded all the same).
- POST /_sandbox/declines {"status": "DECLINED"|"ERROR"|"PENDING", "operation"?: "settle"|
  "refund"|"void", "count"?: 1}: the next modifications end so.
- POST /_sandbox/transactions/<transactionId>/status {"status", "deliver"?: true}: a
  PENDING transaction settles, and its DMN is sent.
- POST /_sandbox/lose-notifications {"count"?: 1}: the next modification DMNs are lost.
- POST /_sandbox/outage {"status": 503} (null to end it): every API call answers that.
- POST /_sandbox/transactions {"transactions": [{transactionId, transactionType,
  transactionStatus, clientUniqueId, amount, currency, relatedTransactionId?, authCode?}]}:
  records transactions as made elsewhere (no DMN); GET /_sandbox/transactions?clientUniqueId=.
- GET /_sandbox/orders?clientUniqueId= lists the orders opened; GET
  /_sandbox/notifications?clientUniqueId= the modification DMNs sent or lost.
- POST /_sandbox/late-answers {"ms", "count"?, "operation"?} makes the next calls that
  create something ("openOrder", "settle", "refund", "void") store it and answer late.
"""

from __future__ import annotations

import functools
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

from sandboxes.common import Latency, Store, control_blueprint, deliver
from sandboxes.followups import FollowUps

ERRORS = {
    "general": (1000, "General Error"),
    "checksum": (1001, "Invalid checksum"),
    "field": (1004, "Missing or invalid mandatory parameter"),
    "merchant": (1007, "Invalid merchant details"),
    "repeat": (1069, "Duplicate request: this clientRequestId was used before"),
    "not-found": (1140, "Transaction not found"),
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
# The checksum fields of each call, in order, before the secret.
OPEN_ORDER_FIELDS = ("merchantId", "merchantSiteId", "clientRequestId", "amount", "currency", "timeStamp")
MODIFICATION_FIELDS = (
    "merchantId", "merchantSiteId", "clientRequestId", "clientUniqueId", "amount", "currency",
    "relatedTransactionId", "authCode", "comment", "urlDetails", "timeStamp",
)  # fmt: skip
DETAILS_FIELDS = ("merchantId", "merchantSiteId", "clientRequestId", "transactionId", "clientUniqueId", "timeStamp")
# API method → (operation, for late answers and declines; the transactionType it creates).
MODIFICATIONS = {
    "settleTransaction.do": ("settle", "Settle"),
    "refundTransaction.do": ("refund", "Credit"),
    "voidTransaction.do": ("void", "Void"),
}
# What counts against what a transaction still holds.
_TAKEN = ("APPROVED", "PENDING")
_DECLINES = {"DECLINED": (-1, "Decline"), "ERROR": (-1100, "General error"), "PENDING": (0, "")}
# When a modification's DMN leaves, and the pauses before Nuvei tries it again.
DMN_DELAY = 0.05
DMN_RETRIES = (0.2, 0.5, 1.0, 2.0)


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


class Ledger:
    """The transactions Nuvei holds, by id, and the order in which they were made."""

    def __init__(self):
        self.lock = threading.Lock()  # checks and records of a modification, together
        self.transactions = Store()
        self._sequence = itertools.count(1)

    def record(self, transaction: dict) -> dict:
        transaction["sequence"] = next(self._sequence)
        self.transactions.put(transaction["transactionId"], transaction)
        return transaction

    def get(self, transaction_id: str) -> dict | None:
        return self.transactions.get(transaction_id)

    def latest(self, client_unique_id: str) -> dict | None:
        made = self.transactions.find(clientUniqueId=client_unique_id)
        return max(made, key=lambda t: t["sequence"]) if made else None

    def taken(self, related: dict, transaction_type: str) -> Decimal:
        """What the approved and pending `transaction_type`s of `related` took of it."""
        return sum(
            (
                Decimal(t["amount"])
                for t in self.transactions.find(relatedTransactionId=related["transactionId"])
                if t["transactionType"] == transaction_type and t["transactionStatus"] in _TAKEN
            ),
            Decimal(0),
        )

    def refusal_of(self, transaction_type: str, related: dict, amount: Decimal, currency: str, auth_code: str) -> str:
        """Why Nuvei would not make this modification of `related` ('' when it would)."""
        kind, status = related["transactionType"], related["transactionStatus"]
        if status != "APPROVED":
            return f"the related transaction is {status}"
        if currency != related["currency"]:
            return f"the currency is not the related transaction's {related['currency']}"
        if auth_code and auth_code != related.get("authCode"):
            return "authCode does not match the related transaction"
        held = Decimal(related["amount"])
        if transaction_type == "Credit":
            if kind not in ("Sale", "Settle"):
                return f"a {kind} cannot be refunded"
            left = held - self.taken(related, "Credit")
            return "" if amount <= left else f"Credit amount exceeds the {left} left to refund"
        if kind != "Auth":
            return f"a {kind} cannot be settled or voided"
        left = held - self.taken(related, "Settle") - self.taken(related, "Void")
        if transaction_type == "Void":
            return "" if amount <= left else f"Void amount exceeds the {left} authorized and not settled"
        return "" if amount <= left else f"Settle amount exceeds the {left} left of the authorization"


class Controls:
    """What tests ask of the sandbox: declines, an outage."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.declines: dict = {"status": None, "operation": None, "count": 0}
            self.outage: int | None = None

    def decline(self, operation: str) -> str | None:
        """The status the next `operation` ends in, if a decline was asked for."""
        with self._lock:
            declines = self.declines
            if declines["count"] <= 0 or declines["operation"] not in (None, operation):
                return None
            declines["count"] -= 1
            return declines["status"]


def create_app(merchant_id: str, merchant_site_id: str, secret_key: str) -> Flask:
    app = Flask("nuvei-sandbox", static_folder=None)
    orders, request_ids = Store(), Store()  # orders by sessionToken; the clientRequestIds seen
    ledger, controls = Ledger(), Controls()
    dmns = FollowUps(DMN_RETRIES, delay=DMN_DELAY, delivered=_answered_200)  # the modification DMNs
    latency = Latency()
    order_ids = itertools.count(410_000_001)
    opening = threading.Lock()  # so that a clientRequestId opens one order at most

    def reset() -> None:
        orders.clear()
        request_ids.clear()
        ledger.transactions.clear()
        controls.reset()
        dmns.reset()

    app.register_blueprint(control_blueprint(latency, reset, orders.keys))

    @app.before_request
    def outage():
        if controls.outage and request.path.startswith("/ppp/"):
            return "Service Unavailable", controls.outage
        return None

    @app.post("/ppp/api/v1/openOrder.do")
    def open_order():
        latency.wait()
        body = request.get_json(force=True, silent=True)
        try:
            _check_request(body, OPEN_ORDER_FIELDS, required=OPEN_ORDER_FIELDS)
            _check_fields(body)
            with opening:
                _spend(body["clientRequestId"])
                order = new_order(body, next(order_ids))
                orders.put(order["sessionToken"], order)
        except Refusal as refusal:
            return _error(body if isinstance(body, dict) else {}, refusal)
        latency.wait_after_creating("openOrder")
        return {
            "sessionToken": order["sessionToken"],
            "orderId": order["orderId"],
            "userTokenId": body.get("userTokenId"),
            "clientUniqueId": order["clientUniqueId"],
            **_accepted(body),
        }

    def _accepted(body: dict) -> dict:
        return {
            "internalRequestId": secrets.randbelow(10**9),
            "status": "SUCCESS",
            "errCode": 0,
            "reason": "",
            "merchantId": merchant_id,
            "merchantSiteId": merchant_site_id,
            "version": "1.0",
            "clientRequestId": body["clientRequestId"],
        }

    def _check_request(body, checksum_fields: tuple[str, ...], required: tuple[str, ...] = ("timeStamp",)) -> None:
        """Merchant, checksum (a field absent counting as empty), timeStamp, clientRequestId."""
        if not isinstance(body, dict):
            raise Refusal("general", "the request is not a JSON object")
        if body.get("merchantId") != merchant_id or body.get("merchantSiteId") != merchant_site_id:
            raise Refusal("merchant")
        present = [body.get(name) for name in checksum_fields if body.get(name) is not None]
        if not all(isinstance(value, str) for value in present) or not all(name in body for name in required):
            raise Refusal("checksum")
        expected = sha256(*(body.get(name) or "" for name in checksum_fields), secret_key)
        if not hmac.compare_digest(str(body.get("checksum", "")).lower(), expected):
            raise Refusal("checksum")
        if not _TIMESTAMP.match(body["timeStamp"]):
            raise Refusal("field", "timeStamp")
        if not isinstance(body.get("clientRequestId"), str) or not 1 <= len(body["clientRequestId"]) <= 255:
            raise Refusal("field", "clientRequestId")

    def _spend(client_request_id: str) -> None:
        """Nuvei's duplicate guard: each clientRequestId once (the caller holds a lock)."""
        if request_ids.get(client_request_id) is not None:
            raise Refusal("repeat", client_request_id)
        request_ids.put(client_request_id, {"clientRequestId": client_request_id})

    @app.post("/ppp/api/v1/<method>")
    def modify(method: str):
        if method not in MODIFICATIONS:
            return {"message": f"no method {method} in this sandbox"}, 404
        operation, transaction_type = MODIFICATIONS[method]
        latency.wait()
        body = request.get_json(force=True, silent=True)
        try:
            if isinstance(body, dict) and "urlDetails" in body:
                raise Refusal("field", "urlDetails")
            _check_request(body, MODIFICATION_FIELDS)
            amount = _modification_fields(body)
            with ledger.lock:
                _spend(body["clientRequestId"])
                related = ledger.get(body["relatedTransactionId"])
                if related is None:
                    raise Refusal("not-found", f"relatedTransactionId {body['relatedTransactionId']}")
                why = ledger.refusal_of(transaction_type, related, amount, body["currency"], body.get("authCode") or "")
                made = ledger.record(_modification(body, transaction_type, related, why, controls.decline(operation)))
        except Refusal as refusal:
            return _error(body if isinstance(body, dict) else {}, refusal)
        latency.wait_after_creating(operation)
        _notify_later(made)
        return {
            **_accepted(body),
            "transactionId": made["transactionId"],
            "externalTransactionId": "",
            "transactionType": transaction_type,
            "transactionStatus": made["transactionStatus"],
            "authCode": made["authCode"],
            "gwErrorCode": made["gwErrorCode"],
            "gwErrorReason": made["gwErrorReason"],
            "gwExtendedErrorCode": 0,
            "clientUniqueId": body.get("clientUniqueId"),
        }

    @app.post("/ppp/api/v1/getTransactionDetails.do")
    def transaction_details():
        latency.wait()
        body = request.get_json(force=True, silent=True)
        try:
            _check_request(body, DETAILS_FIELDS)
            by_id, by_reference = body.get("transactionId"), body.get("clientUniqueId")
            if bool(by_id) == bool(by_reference):
                raise Refusal("field", "one of transactionId and clientUniqueId")
            with ledger.lock:
                _spend(body["clientRequestId"])
            found = ledger.get(by_id) if by_id else ledger.latest(by_reference)
            if found is None:
                raise Refusal("not-found", by_id or f"clientUniqueId {by_reference}")
        except Refusal as refusal:
            return _error(body if isinstance(body, dict) else {}, refusal)
        return {**_accepted(body), "transactionDetails": transaction_details_of(found)}

    def _notify_later(transaction: dict) -> None:
        """The modification's DMN, as Nuvei sends it after answering; unless it is lost
        (as asked, or for want of a notificationUrl)."""
        fields = dmn_fields(transaction, merchant_id, merchant_site_id, secret_key)
        url = transaction["notificationUrl"]
        headers = {"X-Correlation-ID": transaction["correlationId"]} if transaction["correlationId"] else {}
        attempt = functools.partial(deliver, "POST", url, data=fields, headers=headers) if url else None
        dmns.send({"clientUniqueId": transaction["clientUniqueId"], "dmn": fields}, attempt)

    @app.post("/_sandbox/sessions/<token>/dmn")
    def send_dmn(token: str):
        order = orders.get(token)
        if order is None:
            return {"message": "unknown session"}, 404
        options = request.get_json(force=True, silent=True) or {}
        status = options.get("status", "APPROVED").upper()
        if status not in DMN_STATUSES:
            return {"message": f"status must be one of {sorted(DMN_STATUSES)}"}, 400
        with ledger.lock:
            transaction = _shoppers_transaction(order, status, options)
        fields = dmn_fields(transaction, merchant_id, merchant_site_id, secret_key)
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

    def _shoppers_transaction(order: dict, status: str, options: dict) -> dict:
        """What the shopper's payment in the session made: a new transaction, or a
        status change of the one named."""
        named = options.get("transactionId")
        existing = ledger.get(str(named)) if named else None
        if existing is not None:
            existing["transactionStatus"] = status
            return existing
        kind = options.get("transactionType", order["transactionType"])
        return ledger.record(
            {
                "transactionId": str(named or new_transaction_id()),
                "transactionType": kind,
                "transactionStatus": status,
                "clientUniqueId": order["clientUniqueId"],
                "amount": order["amount"],
                "currency": order["currency"],
                "relatedTransactionId": options.get("relatedTransactionId"),
                "authCode": f"{secrets.randbelow(10**6):06d}" if status == "APPROVED" else "",
                "sessionToken": order["sessionToken"],
                "notificationUrl": order["notificationUrl"],
                "correlationId": order["correlationId"],
            }
        )

    @app.post("/_sandbox/declines")
    def set_declines():
        options = request.get_json(force=True) or {}
        status = str(options.get("status", "DECLINED")).upper()
        if status not in _DECLINES:
            return {"message": f"status must be one of {sorted(_DECLINES)}"}, 400
        controls.declines = {"status": status, "operation": options.get("operation"), "count": options.get("count", 1)}
        return controls.declines

    @app.post("/_sandbox/transactions/<transaction_id>/status")
    def settle_pending(transaction_id: str):
        options = request.get_json(force=True) or {}
        with ledger.lock:
            transaction = ledger.get(transaction_id)
            if transaction is None:
                return {"message": "unknown transaction"}, 404
            transaction["transactionStatus"] = str(options.get("status", "APPROVED")).upper()
        if options.get("deliver", True):
            _notify_later(transaction)
        return {"transaction": transaction}

    @app.post("/_sandbox/lose-notifications")
    def lose_notifications():
        count = int((request.get_json(force=True) or {}).get("count", 1))
        dmns.configure({"drop": count})
        return {"count": count}

    @app.post("/_sandbox/outage")
    def set_outage():
        status = (request.get_json(force=True) or {}).get("status")
        controls.outage = int(status) if status else None
        return {"status": controls.outage}

    @app.post("/_sandbox/transactions")
    def record_transactions():
        made = (request.get_json(force=True) or {}).get("transactions", [])
        with ledger.lock:
            for transaction in made:
                ledger.record({"notificationUrl": None, "correlationId": None, "authCode": "", **transaction})
        return {"recorded": len(made)}

    @app.get("/_sandbox/transactions")
    def list_transactions():
        return {"transactions": sorted(ledger.transactions.find(**request.args.to_dict()), key=_sequence)}

    @app.get("/_sandbox/orders")
    def list_orders():
        return {"orders": orders.find(**request.args.to_dict())}

    @app.get("/_sandbox/notifications")
    def list_notifications():
        wanted = request.args.get("clientUniqueId")
        sent = [_as_notification(dmn) for dmn in dmns.listed()]
        return {"notifications": [n for n in sent if wanted in (None, n["clientUniqueId"])]}

    return app


def _answered_200(answer: dict) -> bool:
    """Nuvei retries a DMN until it is answered 200."""
    return answer["status"] == 200


def _as_notification(dmn: dict) -> dict:
    """A modification DMN as /_sandbox/notifications lists it: the DMN, its deliveries,
    and "lost" where it was never sent."""
    lost = {"lost": True} if dmn["state"] == "dropped" else {}
    return {**dmn["about"], "deliveries": dmn["attempts"], **lost}


def _sequence(transaction: dict) -> int:
    return transaction["sequence"]


def new_transaction_id() -> str:
    return str(7_110_000_000_000_000 + secrets.randbelow(10**12))


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


def _modification(body: dict, transaction_type: str, related: dict, refused_why: str, declined: str | None) -> dict:
    """The transaction a settle, refund or void request makes: ERROR where Nuvei's rules
    refuse it, else APPROVED unless a decline was asked for."""
    if refused_why:
        status, (code, reason) = "ERROR", (-1100, refused_why)
    elif declined:
        status, (code, reason) = declined, _DECLINES[declined]
    else:
        status, code, reason = "APPROVED", 0, ""
    return {
        "transactionId": new_transaction_id(),
        "transactionType": transaction_type,
        "transactionStatus": status,
        "gwErrorCode": code,
        "gwErrorReason": reason,
        "clientUniqueId": body.get("clientUniqueId", ""),
        "clientRequestId": body["clientRequestId"],
        "amount": body["amount"],
        "currency": body["currency"],
        "relatedTransactionId": related["transactionId"],
        "authCode": related.get("authCode", ""),
        # Nuvei sends a modification's DMN where the order it belongs to sends its own.
        "notificationUrl": related.get("notificationUrl"),
        "correlationId": request.headers.get("X-Correlation-ID"),
    }


def _modification_fields(body: dict) -> Decimal:
    """The modification's amount, once its fields are as Nuvei requires them."""
    for name in ("relatedTransactionId", "amount", "currency"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise Refusal("field", name)
    if not _CURRENCY.match(body["currency"]) or body["currency"] not in CURRENCIES:
        raise Refusal("field", "currency")
    return _check_amount(body["amount"], body["currency"])


def transaction_details_of(transaction: dict) -> dict:
    """getTransactionDetails.do's transactionDetails (the fields the connector reads)."""
    return {
        "transactionId": transaction["transactionId"],
        "transactionType": transaction["transactionType"],
        "transactionStatus": transaction["transactionStatus"],
        "clientUniqueId": transaction["clientUniqueId"],
        "authCode": transaction.get("authCode") or "",
        "relatedTransactionId": transaction.get("relatedTransactionId") or "",
    }


def _check_fields(body: dict) -> None:
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


def _check_amount(amount: str, currency: str) -> Decimal:
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise Refusal("field", "amount") from None
    digits = _MINOR_UNITS.get(currency, 2)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-digits)):
        raise Refusal("field", "amount")
    return value


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


def dmn_fields(transaction: dict, merchant_id: str, site_id: str, secret: str) -> dict:
    """The DMN Nuvei sends for a transaction it holds."""
    status = transaction["transactionStatus"]
    fields = {
        "ppp_status": DMN_STATUSES.get(status, "PENDING"),
        "Status": status,
        "PPP_TransactionID": str(secrets.randbelow(10**9)),
        "TransactionID": transaction["transactionId"],
        "clientUniqueId": transaction["clientUniqueId"],
        "transactionType": transaction["transactionType"],
        "totalAmount": transaction["amount"],
        "currency": transaction["currency"],
        "responseTimeStamp": datetime.now(UTC).strftime("%Y-%m-%d.%H:%M:%S"),
        "productId": "",
        "merchant_id": merchant_id,
        "merchant_site_id": site_id,
        "Reason": "" if status in ("APPROVED", "SUCCESS", "PENDING") else transaction.get("gwErrorReason") or "Decline",
        "ErrCode": "0" if status in ("APPROVED", "SUCCESS", "PENDING") else "-1",
        **CARD,
    }
    for name in ("sessionToken", "relatedTransactionId"):
        if transaction.get(name):
            fields[name] = str(transaction[name])
    if transaction.get("authCode"):
        fields["AuthCode"] = transaction["authCode"]
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
