"""Paynova sandbox: /api/orders/create, /api/orders/<orderId>/initializePayment, a
stand-in for the hosted payment page, event hook notifications, and the follow-ups
/api/orders/<orderId>/transactions/<transactionId>/finalize|annul|refund/<totalAmount>.

It checks the merchant's HTTP Basic credentials and validates requests as Paynova's API
reference describes, answering as Paynova does: HTTP 200 with a status object whose
`isSuccess` is false (-2 VALIDATION_ERROR with one entry per field in `errors`, 3000
ORDER_NOT_FOUND, -1 INTERNAL_ERROR), HTTP 401 with HTTP_401 for wrong credentials,
HTTP 500 for a body that is not JSON.

A payment the page takes (the control below) is a Paynova transaction of the order:
AUTHORIZED ones can be finalized (in parts, up to the amount) and annulled, COMPLETED
ones (a sale, or a finalize) refunded (in parts, up to the amount). finalize and refund
answer as Paynova's clients read them (transactionId of the new transaction, batchId,
acquirerId, totalAmountFinalized / totalAmountRefunded so far, the pending and
remaining amounts, canFinalizeAgain / canRefundAgain); annul answers the status only.
A finalize is followed by a PAYMENT event COMPLETED, an annulment by one CANCELLED, sent
a moment after the answer (sandboxes/followups.py) with Paynova's 3 attempts.

Where Paynova's pages are silent, the sandbox chooses (inferred):

| what | the sandbox's choice |
| --- | --- |
| `errors` entries | `errorCode` and `fieldName` values (paths in the request) |
| currencies | SEK EUR NOK DKK GBP USD CHF PLN (2 digits), JPY (0); none with 3 |
| orders/create | HTTP 201 for a created order |
| initializePayment | `urlRedirectPending` and `paymentMethods` optional; channels 1, 2, 7 |
| finalize, refund body | `{"invoiceId"}` (1 to 50 characters), the only field read |
| invoiceId | the idempotency key per transaction: a repeat answers the first result and moves nothing; the same invoiceId for another amount is a VALIDATION_ERROR |
| annul | a card authorization is annulled as a whole (what finalizes left); no invoiceId |
| refusals | 3001 TRANSACTION_NOT_FOUND, 3010 INVALID_TRANSACTION_STATE (finalize or annul of what is no authorization, refund of what is not finalized), 3020 ALREADY_ANNULLED (annul or finalize of an annulled authorization); amounts over what is left: VALIDATION_ERROR on totalAmount |
| follow-up events | COMPLETED names the finalize's new transactionId, CANCELLED the authorization's, AMOUNT the amount finalized or annulled; a refund sends none (PAYMENT_STATUS has no word for it) |

Control:
  POST /_sandbox/sessions/<sessionId>/payment {"status": "AUTHORIZED"|"COMPLETED"|"PENDING"|
      "DECLINED"|"ERROR"|"CANCELLED", "transactionId"?, "repeat"?: 1, "deliver"?: true,
      "bodyDigest"?: true, "retryIntervalSeconds"?: 5}
  POST /_sandbox/sessions/<sessionId>/end {"status": "EXPIRED"|"CANCELLED"|"COMPLETED", same options}
      send a PAYMENT or SESSION_END event hook notification to the session's urlCallback
      with a correct DIGEST (and Pn-Digest header), as Paynova does: up to 3 attempts
      until the answer is 200 or 204; "repeat" delivers it that many times over.
  POST /_sandbox/fail-next {"times"?: 1, "operation"?: "initializePayment" | "finalize" |
      "annul" | "refund", "errorNumber"?: -1, "statusKey"?: "INTERNAL_ERROR",
      "statusMessage"?} makes the next such calls refuse so (a decline, an error).
  POST /_sandbox/late-answers {"ms", "count"?, "operation"?: "createOrder" |
      "initializePayment" | "finalize" | "annul" | "refund"} makes the next such calls
      store what they did and answer late.
  POST /_sandbox/follow-ups {"delayMs"?, "retryIntervalMs"?, "drop"?}, GET
      /_sandbox/follow-ups: the events after finalize and annul (sandboxes/followups.py);
      "drop" loses the next ones.
  GET /_sandbox/orders?orderNumber= lists the orders created, with their sessions and
      transactions.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, request

from sandboxes.common import Latency, ScriptedErrors, Store, control_blueprint, deliver
from sandboxes.followups import FollowUps, follow_ups_blueprint

# Test credentials of the sandbox account, shared with the connector in the local stack.
CREDENTIALS = {
    "PAYNOVA_MERCHANT_ID": "4999",
    "PAYNOVA_API_PASSWORD": "sandbox-paynova-password",
    "PAYNOVA_SECRET_KEY": "sandbox-paynova-secret",
}
# The currencies this sandbox account accepts, with their decimals.
CURRENCIES = {**dict.fromkeys("SEK EUR NOK DKK GBP USD CHF PLN".split(), 2), "JPY": 0}
PAYMENT_STATUSES = {
    "AUTHORIZED": "NONE",
    "COMPLETED": "NONE",
    "PENDING": "NONE",
    "DECLINED": "DECLINED_BY_PROCESSOR",
    "ERROR": "BANK_COMMUNICATION_ERROR",
    "CANCELLED": "CANCELLED_BY_CUSTOMER",
}
SESSION_STATUSES = {
    "COMPLETED": "PAYMENT_COMPLETED",
    "EXPIRED": "NONE",
    "CANCELLED": "CUSTOMER_CANCELLED_SESSION",
}
PAYMENT_CHANNELS = (1, 2, 7)  # online, mail/telephone order, recurring
MODIFICATIONS = ("finalize", "annul", "refund")
# Refusals of the follow-up calls where Paynova's pages name no code (inferred).
TRANSACTION_NOT_FOUND = (3001, "TRANSACTION_NOT_FOUND", "The specified transaction was not found.")
WRONG_STATE = 3010, "INVALID_TRANSACTION_STATE"
ALREADY_ANNULLED = (3020, "ALREADY_ANNULLED", "The authorization has already been annulled.")
INVOICE_ID_LENGTH = 50
AERO_INTERFACE_ID = 5
DELIVERY_ATTEMPTS = 3
LINE_TOLERANCE = Decimal("0.01")
_COUNTRY = re.compile(r"^([A-Z]{2,3}|\d{3})$")
_LANGUAGE = re.compile(r"^[A-Za-z]{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def connector_env(base_url: str) -> dict[str, str]:
    """Where the connector finds this sandbox, served at `base_url`."""
    return {"PAYNOVA_API_URL": f"{base_url}/api"}


def from_env(env: Mapping[str, str]) -> Flask:
    return create_app(env["PAYNOVA_MERCHANT_ID"], env["PAYNOVA_API_PASSWORD"], env["PAYNOVA_SECRET_KEY"])


def sha1(text: str | bytes) -> str:
    return hashlib.sha1(text.encode() if isinstance(text, str) else text).hexdigest().upper()


def status(
    error_number: int = 0, key: str = "SUCCESS", message: str = "The operation was successful.", errors=None
) -> dict:
    return {
        "isSuccess": error_number == 0,
        "errorNumber": error_number,
        "statusKey": key,
        "statusMessage": message,
        "errors": errors,
        "exceptionDetails": None,
    }


class Refusal(Exception):
    """An answer with isSuccess false, under HTTP 200 unless said otherwise."""

    def __init__(self, error_number: int, key: str, message: str, errors=None, http_status: int = 200):
        super().__init__(message)
        self.body = {"status": status(error_number, key, message, errors)}
        self.http_status = http_status


class FieldErrors:
    """Paynova's `errors` collection; field names as paths in the request (inferred)."""

    def __init__(self):
        self.items: list[dict[str, str]] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"errorCode": code, "fieldName": field, "message": message})

    def raise_any(self) -> None:
        if self.items:
            message = (
                "The request contained one or more validation errors. See the errors collection for further details."
            )
            raise Refusal(-2, "VALIDATION_ERROR", message, self.items)


def create_app(merchant_id: str, api_password: str, secret_key: str) -> Flask:
    app = Flask("paynova-sandbox", static_folder=None)
    orders, sessions, transactions = Store(), Store(), Store()
    latency = Latency()
    failures = ScriptedErrors()  # Refusal arguments, from /_sandbox/fail-next
    follow_ups = FollowUps(retry_pauses=(5.0,) * (DELIVERY_ATTEMPTS - 1))
    modifying = threading.Lock()  # one finalize, annul or refund at a time: amounts stay exact

    def reset() -> None:
        orders.clear()
        sessions.clear()
        transactions.clear()
        failures.clear()
        follow_ups.reset()

    app.register_blueprint(control_blueprint(latency, reset, sessions.keys))
    app.register_blueprint(follow_ups_blueprint(follow_ups))

    @app.errorhandler(Refusal)
    def refused(refusal: Refusal):
        return refusal.body, refusal.http_status

    @app.before_request
    def check_credentials():
        if not request.path.startswith("/api/"):
            return
        latency.wait()
        auth = request.authorization
        if auth is None or not (
            hmac.compare_digest(auth.username or "", merchant_id)
            and hmac.compare_digest(auth.password or "", api_password)
        ):
            raise Refusal(-3, "HTTP_401", "API authentication failed", http_status=401)
        return

    @app.post("/api/orders/create")
    def create_order():
        body = _json_body()
        _check_order(body)
        order = {
            "orderId": str(uuid.uuid4()),
            "orderNumber": body["orderNumber"],
            "currencyCode": body["currencyCode"],
            "totalAmount": str(_decimal(body["totalAmount"])),
        }
        orders.put(order["orderId"], order)
        latency.wait_after_creating("createOrder")
        return {"status": status(), "orderId": order["orderId"]}, 201

    @app.post("/api/orders/<order_id>/initializePayment")
    def initialize_payment(order_id: str):
        body = _json_body()
        order = orders.get(order_id)
        if order is None:
            raise Refusal(3000, "ORDER_NOT_FOUND", "The specified order was not found.")
        _check_session(body, order)
        refuse_if_scripted("initializePayment")
        session = {
            "sessionId": str(uuid.uuid4()),
            "orderId": order_id,
            "totalAmount": str(_decimal(body["totalAmount"])),
            "urlCallback": body["interfaceOptions"].get("urlCallback"),
        }
        sessions.put(session["sessionId"], session)
        latency.wait_after_creating("initializePayment")
        return {
            "status": status(),
            "sessionId": session["sessionId"],
            "url": f"{request.url_root}aero/{session['sessionId']}",
        }

    @app.get("/aero/<session_id>")
    def payment_page(session_id: str):
        session = sessions.get(session_id)
        if session is None:
            return "This payment session does not exist.", 404
        order = orders.get(session["orderId"])
        return (
            f"Paynova sandbox payment page: {session['totalAmount']} {order['currencyCode']} for order "
            f"{order['orderNumber']}. Pay with POST {request.url_root}_sandbox/sessions/{session_id}/payment.\n"
        )

    @app.post("/_sandbox/sessions/<session_id>/payment")
    def pay(session_id: str):
        session, options = _session_and_options(session_id, PAYMENT_STATUSES)
        transaction_id = str(options.get("transactionId") or _transaction_id())
        with modifying:
            transaction = transactions.get(transaction_id) or new_transaction(
                transaction_id, session, Decimal(session["totalAmount"])
            )
            transaction["status"] = options["status"]
            transactions.put(transaction_id, transaction)
        fields = payment_event(transaction, options["status"], Decimal(session["totalAmount"]))
        return _notify(session, fields, options, secret_key)

    def payment_event(transaction: dict, status_word: str, amount: Decimal, reason: str = "") -> dict[str, str]:
        session = sessions.get(transaction["sessionId"])
        order = orders.get(transaction["orderId"])
        fields = _event_fields("PAYMENT", session, order, merchant_id)
        fields.update(
            SESSION_ID=transaction["sessionId"],
            PAYMENT_STATUS=status_word,
            PAYMENT_STATUS_REASON=reason or PAYMENT_STATUSES[status_word],
            AMOUNT=f"{amount:.2f}",  # Paynova: always two decimals
            CURRENCY_CODE=order["currencyCode"],
            TRANSACTION_ID=transaction["transactionId"],
        )
        return fields

    @app.post("/api/orders/<order_id>/transactions/<transaction_id>/<operation>/<total_amount>")
    def modify(order_id: str, transaction_id: str, operation: str, total_amount: str):
        """finalize, annul or refund one transaction of the order."""
        if operation not in MODIFICATIONS:
            raise Refusal(-2, "VALIDATION_ERROR", f"unknown operation {operation}", http_status=404)
        body = _json_body()
        order = orders.get(order_id)
        if order is None:
            raise Refusal(3000, "ORDER_NOT_FOUND", "The specified order was not found.")
        invoice_id = _invoice_id(body) if operation != "annul" else None
        with modifying:
            transaction = transactions.get(transaction_id)
            if transaction is None or transaction["orderId"] != order_id:
                raise Refusal(*TRANSACTION_NOT_FOUND)
            amount = _path_amount(total_amount, CURRENCIES[order["currencyCode"]])
            key = f"{operation}:{invoice_id}"
            earlier = transaction["answers"].get(key) if invoice_id else None
            if earlier is not None:
                if Decimal(earlier["amount"]) != amount:
                    errors = FieldErrors()
                    errors.add("invoiceId", "Predicate", f"was used for {earlier['amount']} on this transaction")
                    errors.raise_any()
                return earlier["answer"]  # the first result; no money moves again
            refuse_if_scripted(operation)
            answer, follow_up = operations[operation](transaction, amount)
            if invoice_id:
                transaction["answers"][key] = {"amount": str(amount), "answer": answer}
        latency.wait_after_creating(operation)
        if follow_up is not None:
            about = follow_up[0]
            fields = payment_event(*follow_up)
            send_follow_up(sessions.get(about["sessionId"]), fields, operation)
        return answer

    def finalize(authorization: dict, amount: Decimal) -> tuple[dict, Any]:
        remaining = _open_authorization(authorization, "finalized")
        _within(amount, remaining, "remaining for finalization")
        authorization["finalized"] = str(Decimal(authorization["finalized"]) + amount)
        finalized = new_transaction(_transaction_id(), authorization, amount, status="COMPLETED")
        finalized["authorizationId"] = authorization["transactionId"]
        transactions.put(finalized["transactionId"], finalized)
        left = remaining - amount
        answer = {
            "status": status(),
            "transactionId": finalized["transactionId"],
            "batchId": _batch_id(),
            "acquirerId": "1010",
            "totalAmountFinalized": float(Decimal(authorization["finalized"])),
            "totalAmountPendingFinalization": 0,
            "canFinalizeAgain": left > 0,
            "amountRemainingForFinalization": float(left),
        }
        return answer, (finalized, "COMPLETED", amount, "NONE")

    def annul(authorization: dict, amount: Decimal) -> tuple[dict, Any]:
        remaining = _open_authorization(authorization, "annulled")
        if amount != remaining:
            errors = FieldErrors()
            errors.add("totalAmount", "Equal", f"a card authorization is annulled as a whole: {remaining}")
            errors.raise_any()
        authorization["annulled"] = str(amount)
        return {"status": status()}, (authorization, "CANCELLED", amount, "ANNULLED_BY_MERCHANT")

    def refund(finalized: dict, amount: Decimal) -> tuple[dict, Any]:
        if finalized["status"] != "COMPLETED":
            raise Refusal(*WRONG_STATE, "Only a finalized transaction can be refunded.")
        remaining = Decimal(finalized["amount"]) - Decimal(finalized["refunded"])
        _within(amount, remaining, "remaining for refund")
        finalized["refunded"] = str(Decimal(finalized["refunded"]) + amount)
        refunded = new_transaction(_transaction_id(), finalized, amount, status="REFUNDED")
        transactions.put(refunded["transactionId"], refunded)
        # Alike in shape to the finalize answer, on purpose: Paynova answers a refund with refund fields (docstring).
        answer = {
            "status": status(),
            "transactionId": refunded["transactionId"],
            "batchId": _batch_id(),
            "acquirerId": "1010",
            "totalAmountRefunded": float(Decimal(finalized["refunded"])),
            "totalAmountPendingRefund": 0,
            "canRefundAgain": remaining - amount > 0,
            "amountRemainingForRefund": float(remaining - amount),
        }
        return answer, None  # Paynova's PAYMENT_STATUS has no word for a refund: no event

    operations = {"finalize": finalize, "annul": annul, "refund": refund}

    def send_follow_up(session: dict, fields: dict[str, str], operation: str) -> None:
        about = {key: fields[key] for key in ("ORDER_NUMBER", "PAYMENT_STATUS", "AMOUNT", "TRANSACTION_ID")}
        if session["urlCallback"]:
            attempt = functools.partial(_deliver_once, session["urlCallback"], fields, secret_key)
            follow_ups.send({"operation": operation, **about}, attempt)

    @app.post("/_sandbox/sessions/<session_id>/end")
    def end_session(session_id: str):
        session, options = _session_and_options(session_id, SESSION_STATUSES)
        fields = _event_fields("SESSION_END", session, orders.get(session["orderId"]), merchant_id)
        fields.update(
            SESSION_ID=session_id,
            SESSION_STATUS=options["status"],
            SESSION_STATUS_REASON=options.get("reason") or SESSION_STATUSES[options["status"]],
        )
        return _notify(session, fields, options, secret_key)

    def _session_and_options(session_id: str, statuses: Mapping[str, str]) -> tuple[dict, dict]:
        session = sessions.get(session_id)
        if session is None:
            raise Refusal(3000, "SESSION_NOT_FOUND", f"no session {session_id}", http_status=404)
        options = request.get_json(force=True, silent=True) or {}
        options["status"] = str(options.get("status", next(iter(statuses)))).upper()
        if options["status"] not in statuses:
            raise Refusal(-2, "VALIDATION_ERROR", f"status must be one of {sorted(statuses)}", http_status=400)
        return session, options

    def refuse_if_scripted(operation: str) -> None:
        if (refusal := failures.take(operation)) is not None:
            raise Refusal(*refusal)

    @app.post("/_sandbox/fail-next")
    def fail_next():
        options = request.get_json(force=True, silent=True) or {}
        operation, times = options.get("operation", "initializePayment"), int(options.get("times", 1))
        refusal = (
            int(options.get("errorNumber", -1)),
            options.get("statusKey", "INTERNAL_ERROR"),
            options.get("statusMessage", "The specified operation could not be completed at this time."),
        )
        failures.add(operation, refusal, times)
        return {operation: times}

    @app.get("/_sandbox/orders")
    def list_orders():
        found = orders.find(**request.args.to_dict())
        return {
            "orders": [
                {
                    **order,
                    "sessions": sessions.find(orderId=order["orderId"]),
                    "transactions": [_public(t) for t in transactions.find(orderId=order["orderId"])],
                }
                for order in found
            ]
        }

    return app


def new_transaction(transaction_id: str, source: dict, amount: Decimal, status: str = "PENDING") -> dict:
    """A Paynova transaction of the order and session `source` names."""
    return {
        "transactionId": transaction_id,
        "orderId": source["orderId"],
        "sessionId": source["sessionId"],
        "status": status,
        "amount": str(amount),
        "finalized": "0",
        "annulled": "0",
        "refunded": "0",
        "answers": {},  # by operation and invoiceId: the first answer, for repeats
    }


def _open_authorization(authorization: dict, doing: str) -> Decimal:
    """What is left of an authorization to finalize or annul."""
    if Decimal(authorization["annulled"]) > 0:
        raise Refusal(*ALREADY_ANNULLED)
    if authorization["status"] != "AUTHORIZED":
        raise Refusal(*WRONG_STATE, f"Only an authorization can be {doing}.")
    return Decimal(authorization["amount"]) - Decimal(authorization["finalized"])


def _within(amount: Decimal, remaining: Decimal, what: str) -> None:
    if amount > remaining:
        errors = FieldErrors()
        errors.add("totalAmount", "LessThanOrEqual", f"must not exceed the {remaining} {what}")
        errors.raise_any()


def _path_amount(text: str, digits: int) -> Decimal:
    errors = FieldErrors()
    amount = _check_amount(errors, "totalAmount", text, digits)
    errors.raise_any()
    assert amount is not None
    return amount


def _invoice_id(body: dict) -> str | None:
    invoice_id = body.get("invoiceId")
    if invoice_id is not None and (not isinstance(invoice_id, str) or not 1 <= len(invoice_id) <= INVOICE_ID_LENGTH):
        errors = FieldErrors()
        errors.add("invoiceId", "Length", f"must be text of 1 to {INVOICE_ID_LENGTH} characters")
        errors.raise_any()
    return invoice_id


def _transaction_id() -> str:
    return str(10**17 + secrets.randbelow(9 * 10**17))


def _batch_id() -> str:
    return str(10**11 + secrets.randbelow(9 * 10**11))


def _public(transaction: dict) -> dict:
    return {key: value for key, value in transaction.items() if key != "answers"}


def _json_body() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(), parse_float=Decimal)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refusal(-1, "INTERNAL_ERROR", "The request could not be read.", http_status=500)
    return body


def _decimal(value: Any) -> Decimal | None:
    """A decimal from a JSON number or decimal text; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_amount(errors: FieldErrors, field: str, value: Any, digits: int) -> Decimal | None:
    amount = _decimal(value)
    if amount is None or amount <= 0:
        errors.add(field, "GreaterThan", "must be a decimal amount greater than 0")
        return None
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        errors.add(field, "ScalePrecision", f"must have at most {digits} decimals")
        return None
    return amount


def _check_text(errors: FieldErrors, field: str, value: Any, low: int, high: int, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not low <= len(value) <= high:
        errors.add(field, "Length", f"must be text of {low} to {high} characters")


def _check_order(body: dict) -> None:
    errors = FieldErrors()
    _check_text(errors, "orderNumber", body.get("orderNumber"), 4, 50)
    digits = CURRENCIES.get(body.get("currencyCode"))
    if digits is None:
        errors.add("currencyCode", "Predicate", "is not a currency this merchant account accepts")
    total = _check_amount(errors, "totalAmount", body.get("totalAmount"), 2 if digits is None else digits)
    lines = body.get("lineItems")
    if not isinstance(lines, list) or not lines:
        errors.add("lineItems", "NotEmpty", "must list the order's line items")
    else:
        line_totals = [_check_line(errors, f"lineItems[{n}]", line) for n, line in enumerate(lines)]
        if total is not None and None not in line_totals and sum(line_totals) != total:
            errors.add("totalAmount", "Predicate", "must equal the sum of the line items' totalLineAmount")
        ids = [line.get("id") for line in lines if isinstance(line, dict)]
        if len(set(map(str, ids))) != len(ids):
            errors.add("lineItems", "Predicate", "line item ids must be unique")
    _check_name_and_address(errors, "billTo", body.get("billTo"), required=True)
    _check_name_and_address(errors, "shipTo", body.get("shipTo"), required=False)
    _check_customer(errors, body.get("customer"))
    _check_text(errors, "orderDescription", body.get("orderDescription"), 1, 255, required=False)
    _check_text(errors, "salesChannel", body.get("salesChannel"), 0, 50, required=False)
    _check_text(errors, "salesLocationId", body.get("salesLocationId"), 0, 50, required=False)
    _check_text(errors, "merchantReference", body.get("merchantReference"), 1, 40, required=False)
    _check_text(errors, "purchaseReference", body.get("purchaseReference"), 0, 30, required=False)
    errors.raise_any()


def _check_line(errors: FieldErrors, path: str, line: Any) -> Decimal | None:
    """Checks one line item; its totalLineAmount when the line is valid."""
    if not isinstance(line, dict):
        errors.add(path, "NotNull", "must be a line item")
        return None
    before = len(errors.items)
    _check_text(errors, f"{path}.id", line.get("id"), 1, 50)
    _check_text(errors, f"{path}.articleNumber", line.get("articleNumber"), 1, 50)
    _check_text(errors, f"{path}.name", line.get("name"), 1, 255)
    _check_text(errors, f"{path}.unitMeasure", line.get("unitMeasure"), 1, 50)
    numbers = {}
    for name in ("quantity", "unitAmountExcludingTax", "taxPercent", "totalLineTaxAmount", "totalLineAmount"):
        numbers[name] = _decimal(line.get(name))
        if numbers[name] is None or numbers[name] < 0 or (name == "quantity" and numbers[name] == 0):
            errors.add(f"{path}.{name}", "GreaterThanOrEqual", "must be a decimal of at least 0 (quantity: above 0)")
    if len(errors.items) > before:
        return None
    net = numbers["quantity"] * numbers["unitAmountExcludingTax"]
    tax = net * numbers["taxPercent"] / 100
    if abs(net + tax - numbers["totalLineAmount"]) > LINE_TOLERANCE:
        errors.add(f"{path}.totalLineAmount", "Predicate", "must be quantity × unitAmountExcludingTax plus tax")
    if abs(tax - numbers["totalLineTaxAmount"]) > LINE_TOLERANCE:
        errors.add(f"{path}.totalLineTaxAmount", "Predicate", "must be taxPercent of quantity × unitAmountExcludingTax")
    return numbers["totalLineAmount"] if len(errors.items) == before else None


def _check_customer(errors: FieldErrors, customer: Any) -> None:
    if customer is None:
        return
    email = customer.get("emailAddress") if isinstance(customer, dict) else ""
    if email is not None and not _EMAIL.match(str(email)):
        errors.add("customer.emailAddress", "EmailAddress", "is not a valid email address")


def _check_name_and_address(errors: FieldErrors, path: str, value: Any, required: bool) -> None:
    if value is None and not required:
        return
    address = value.get("address") if isinstance(value, dict) else None
    country = address.get("countryCode") if isinstance(address, dict) else None
    if not isinstance(country, str) or not _COUNTRY.match(country):
        errors.add(f"{path}.address.countryCode", "NotEmpty", "must be an ISO 3166-1 country code")


def _check_session(body: dict, order: dict) -> None:
    errors = FieldErrors()
    amount = _check_amount(errors, "totalAmount", body.get("totalAmount"), CURRENCIES[order["currencyCode"]])
    if amount is not None and amount > Decimal(order["totalAmount"]):
        errors.add("totalAmount", "LessThanOrEqual", "must not exceed the order's totalAmount")
    if body.get("paymentChannelId") not in PAYMENT_CHANNELS:
        errors.add("paymentChannelId", "Predicate", f"must be one of {PAYMENT_CHANNELS}")
    options = body.get("interfaceOptions")
    if not isinstance(options, dict):
        errors.add("interfaceOptions", "NotNull", "is required for the hosted payment page")
    else:
        if options.get("interfaceId") != AERO_INTERFACE_ID:
            errors.add("interfaceOptions.interfaceId", "Equal", f"must be {AERO_INTERFACE_ID}")
        if not _LANGUAGE.match(str(options.get("customerLanguageCode", ""))):
            errors.add("interfaceOptions.customerLanguageCode", "Length", "must be a three-letter language code")
        for name, required in (
            ("urlRedirectSuccess", True),
            ("urlRedirectCancel", True),
            ("urlRedirectPending", False),
            ("urlCallback", False),
        ):
            url = options.get(name)
            if (url is not None or required) and not _is_web_url(url):
                errors.add(f"interfaceOptions.{name}", "Url", "must be an http(s) URL")
    errors.raise_any()


def _is_web_url(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _event_fields(event_type: str, session: dict, order: dict, merchant_id: str) -> dict[str, str]:
    return {
        "EVENT_TYPE": event_type,
        "EVENT_TIMESTAMP": _timestamp(),
        "MERCHANT_ID": merchant_id,
        "ORDER_ID": session["orderId"],
        "ORDER_NUMBER": order["orderNumber"],
        "CUSTOM_DATA_COUNT": "0",
    }


def _notify(session: dict, fields: dict[str, str], options: dict, secret: str):
    result: dict[str, Any] = {"notification": signed_event(fields, secret)}
    if not options.get("deliver", True):
        return result
    if not session["urlCallback"]:
        return {"message": "the session has no urlCallback"}, 409
    result["deliveries"] = [
        _deliver_with_retries(session["urlCallback"], fields, options, secret)
        for _ in range(int(options.get("repeat", 1)))
    ]
    return result


def signed_event(fields: dict[str, str], secret: str) -> dict[str, str]:
    """The notification as one delivery attempt sends it: stamped and digested."""
    stamped = {**fields, "DELIVERY_TIMESTAMP": _timestamp()}
    covered = [stamped[name] for name in ("EVENT_TYPE", "EVENT_TIMESTAMP", "DELIVERY_TIMESTAMP", "MERCHANT_ID")]
    stamped["DIGEST"] = sha1(";".join([*covered, secret]))
    return stamped


def _deliver_with_retries(url: str, fields: dict[str, str], options: dict, secret: str) -> list[dict]:
    """Paynova's delivery: up to three attempts until the answer is 200 or 204."""
    attempts = []
    for attempt in range(DELIVERY_ATTEMPTS):
        if attempt:
            time.sleep(float(options.get("retryIntervalSeconds", 5)))
        attempts.append(_deliver_once(url, fields, secret, body_digest=options.get("bodyDigest", True)))
        if attempts[-1]["status"] in (200, 204):
            break
    return attempts


def _deliver_once(url: str, fields: dict[str, str], secret: str, body_digest: bool = True) -> dict:
    """One delivery attempt: the event stamped and digested (signed_event), form-encoded,
    with the body's digest in the Pn-Digest header unless `body_digest` is off."""
    body = urlencode(signed_event(fields, secret)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if body_digest:
        headers["Pn-Digest"] = sha1(body + secret.encode())
    return deliver("POST", url, data=body, headers=headers)


# A shopper with a Swedish personal identity number, which storefronts may send along.
CUSTOMER = {"governmentId": "196006208133", "emailAddress": "sven@example.test"}
