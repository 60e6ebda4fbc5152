"""Optty sandbox: the client-credentials token endpoint (/auth/token), the API (/api:
GET /options, POST /orders, GET /orders/<orderReference>), a checkout page, and the
webhooks Optty sends to an order's dynamicCallbackUrl.

POST /orders checks what Optty documents (required fields, ISO 3166 countries, ISO
4217 currencies, locales, amounts as numbers with at most 2 decimals, orderAmount =
Σ orderItems.totalAmount + shippingAmount + taxAmount − discountAmount, totalAmount =
quantity × unitPrice, https URLs, the BNPL provider's currency, limits and required
fields from GET /options) and refuses as Optty's NestJS API does:
{"statusCode": 400, "message": [...], "error": "Bad Request"}. Where Optty's docs are
silent the sandbox chooses (inferred): the wording of the messages (class-validator's),
the token endpoint's OAuth 2.0 error bodies, 409 Conflict for an orderReference used
before ({"statusCode": 409, "message": "Order with reference … already exists", "error":
"Conflict"}), captureStatus CAPTURED / NOT_CAPTURED, the BNPL providers on offer, plain
http callback URLs accepted on this machine only, and GET /orders/<orderReference>
repeating the creation answer's orderId, orderToken and redirectUrl beside the fields
Optty documents (so that a connector whose creation answer was lost can resume the
checkout; the connector copes without them).

Capture, void and refund, as Optty documents them (201):
  POST /api/orders/<orderReference>/capture {captureReference, amount, description?}
       → {captureReference, captureId, capturedAmount}
  POST /api/orders/<orderReference>/void {voidReference, amount, description?}
       → {voidReference, voidedId, amount}
  POST /api/orders/<orderReference>/refund {refundReference, refundAmount: {amount,
       currency?}, refundDescription} → {refundReference, bnplProvider, refundedAmount,
       refundStatus: "PENDING", description, refundDate, bnplRefundId}; the BNPL
       provider's decision comes later by a REFUND_CALLBACK webhook (control below)
Amounts are checked against what the order holds: capture and void at most what is
authorized and neither captured nor voided (nothing once autoCapture captured it all),
refund at most what is captured and not refunded (pending refunds count), in the order's
currency; a refused change is a 400 in Optty's NestJS body.

The sandbox's choices where Optty's pages are silent (inferred):
  | what | the sandbox |
  | status of capture and void answers | 201, as the refund's |
  | ids | captureId = captureReference, voidedId = voidReference, refundId = refundReference, as Optty's samples echo them |
  | a reference used again on the order | the first answer again (POST /_sandbox/repeated-references {"answer": "conflict"} makes it a 409 Conflict instead) |
  | GET /orders/<ref> | also lists orderCaptures, refunds (the fields of Optty's Transaction Details answer, amounts as decimal text) and orderVoids alike |
  | refund outcome | PENDING in the answer; SUCCESSFUL, DECLINED or FAILED by REFUND_CALLBACK {event, data: {orderReference, status, transactionId: bnplRefundId, refundReference, amount, currency}} to the order's dynamicCallbackUrl |
  | order after captures and voids | status SUCCESSFUL; captureStatus PARTIALLY_CAPTURED or CAPTURED |
  | refusals | 400 Bad Request with a message; refundDescription required |
  | back-office changes | a capture or void is announced by ORDER_STATUS_UPDATE, a refund (SUCCESSFUL at once) by REFUND_CALLBACK |

Control (under /_sandbox, besides latency, late-answers, reset and issued; the
operations late-answers names are "createOrder", "capture", "void" and "refund"):
  POST /_sandbox/orders/<orderReference>/complete {"status": "SUCCESSFUL" | "DECLINED" |
       "CANCELED" | "CANCELLED" | "ERROR", "event"?: "ORDER_ASYNC_CALLBACK",
       "deliver"?: true}: the shopper finishes the checkout; Optty's webhook goes to
       the order's dynamicCallbackUrl (answer: {"order", "webhook", "notification"}).
  GET  /_sandbox/orders?orderReference=: the orders created.
  POST /_sandbox/orders/<orderReference>/refunds/<refundReference> {"status": "SUCCESSFUL"
       | "DECLINED" | "FAILED", "deliver"?: true}: the BNPL provider decides a pending
       refund; REFUND_CALLBACK goes to the order's dynamicCallbackUrl ("deliver": false
       loses it: the refund is decided, nobody told)
  POST /_sandbox/orders/<orderReference>/back-office {"action": "capture" | "void" |
       "refund", "amount", "deliver"?: true}: a change made in Optty's merchant portal
  POST /_sandbox/order-errors {"operation": "capture" | "void" | "refund", "status",
       "message"?, "count"?: 1}: the next such calls answer that error, changing nothing
  POST /_sandbox/repeated-references {"answer": "first-result" | "conflict"}
  GET  /_sandbox/order-changes?orderReference=&operation=&reference=: every capture, void
       and refund call received, repeats marked
  POST /_sandbox/tokens/revoke: every token issued so far stops working (401), as
       after a key rotation at Optty; GET /_sandbox/tokens: {"issued", "refused"}.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, request

from sandboxes.common import (
    Latency,
    Replies,
    ScriptedErrors,
    Store,
    answer_late,
    control_blueprint,
    deliver,
    scripted_errors_blueprint,
)

# Test credentials of the sandbox account, shared with the connector in the local stack.
CREDENTIALS = {
    "OPTTY_CLIENT_ID": "sandbox-optty-client",
    "OPTTY_CLIENT_SECRET": "sandbox-optty-secret",
}
TOKEN_LIFETIME = 86400
SCOPE = "api-user"
# The BNPL providers this sandbox merchant is set up for, one row per currency (inferred).
_ADDRESS = ["billingAddress.streetAddress", "billingAddress.city", "billingAddress.postalCode"]
OPTIONS = [
    {"name": "KLARNA", "currency": currency, "minAmount": 1, "maxAmount": 5000, "requiredFields": _ADDRESS}
    for currency in ("EUR", "GBP", "USD", "SEK")
] + [
    {"name": "AFTERPAY", "currency": "AUD", "minAmount": 1, "maxAmount": 2000, "requiredFields": _ADDRESS},
    {"name": "LATITUDEPAY_AU", "currency": "AUD", "minAmount": 20, "maxAmount": 1500, "requiredFields": _ADDRESS},
]
COMPLETIONS = {
    "SUCCESSFUL": {},
    "DECLINED": {"failureReason": "Declined by the BNPL provider"},
    "ERROR": {"failureReason": "The BNPL provider failed"},
    "CANCELED": {"cancelledBy": "CUSTOMER"},
    "CANCELLED": {"cancelledBy": "CUSTOMER"},
}
# Capture, void and refund (the path's last segment): the reference each names, and the
# list the order keeps them in.
CHANGES = {
    "capture": ("captureReference", "orderCaptures"),
    "void": ("voidReference", "orderVoids"),
    "refund": ("refundReference", "refunds"),
}
REFUND_OUTCOMES = ("SUCCESSFUL", "DECLINED", "FAILED")
REPEAT_ANSWERS = ("first-result", "conflict")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LOCALE = re.compile(r"^[a-z]{2,3}([_-][A-Z]{2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def connector_env(base_url: str) -> dict[str, str]:
    """Where the connector finds this sandbox, served at `base_url`."""
    return {"OPTTY_AUTH_URL": f"{base_url}/auth", "OPTTY_API_URL": f"{base_url}/api"}


def from_env(env: Mapping[str, str]) -> Flask:
    return create_app(env["OPTTY_CLIENT_ID"], env["OPTTY_CLIENT_SECRET"])


class Tokens:
    """Access tokens issued, each valid until it expires or is revoked."""

    def __init__(self):
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self.issued = 0
        self.refused = 0

    def issue(self) -> str:
        token = _jwt_like()
        with self._lock:
            self._expiry[token] = time.monotonic() + TOKEN_LIFETIME
            self.issued += 1
        return token

    def accepts(self, authorization: str | None) -> bool:
        token = (authorization or "").removeprefix("Bearer ")
        with self._lock:
            valid = self._expiry.get(token, 0) > time.monotonic()
            self.refused += not valid
        return valid

    def revoke(self) -> None:
        with self._lock:
            self._expiry = dict.fromkeys(self._expiry, 0.0)  # expired, and still listed

    def reset(self) -> None:
        with self._lock:
            self._expiry.clear()
            self.issued = self.refused = 0

    def handed_out(self) -> list[str]:
        with self._lock:
            return list(self._expiry)


def _jwt_like() -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return ".".join(
        (
            part({"alg": "RS256", "typ": "JWT"}),
            part({"scope": SCOPE, "jti": uuid.uuid4().hex}),
            secrets.token_urlsafe(32),
        )
    )


def create_app(client_id: str, client_secret: str) -> Flask:
    app = Flask("optty-sandbox", static_folder=None)
    app.json.sort_keys = False
    orders = Store()
    tokens = Tokens()
    latency = Latency()
    order_numbers = itertools.count(1)
    creating = threading.Lock()
    changing = threading.Lock()  # one capture, void or refund at a time: amounts read, then written
    changes = Store()  # every capture, void and refund call received, repeats included
    replies: Replies[tuple[dict, int]] = Replies()  # by orderReference, operation and reference
    back_office_numbers = itertools.count(1)
    injected = ScriptedErrors()
    repeats = {"answer": "first-result"}

    def reset() -> None:
        for kept in (orders, replies, changes):
            kept.clear()
        tokens.reset()
        injected.clear()
        repeats["answer"] = "first-result"

    def issued() -> list[str]:
        return tokens.handed_out() + [order["orderToken"] for order in orders.find()]

    app.register_blueprint(control_blueprint(latency, reset, issued))
    app.register_blueprint(scripted_errors_blueprint(injected, CHANGES, _scripted_error))

    @app.post("/auth/token")
    def token():
        latency.wait()
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return {"error": "unsupported_grant_type"}, 400
        if form.get("client_id") != client_id or form.get("client_secret") != client_secret:
            return {"error": "invalid_client"}, 401
        if form.get("scope") != SCOPE:
            return {"error": "invalid_scope"}, 400
        return {"access_token": tokens.issue(), "expires_in": TOKEN_LIFETIME, "token_type": "Bearer", "scope": SCOPE}

    @app.before_request
    def authenticate():
        if request.path.startswith("/api/"):
            latency.wait()
            if not tokens.accepts(request.headers.get("Authorization")):
                return {"statusCode": 401, "message": "Unauthorized"}, 401
        return None

    @app.get("/api/options")
    def options():
        currency = request.args.get("currency")
        amount = _number(request.args.get("amount"))
        return [
            option
            for option in OPTIONS
            if (currency is None or option["currency"] == currency)
            and (amount is None or option["minAmount"] <= amount <= option["maxAmount"])
        ]

    @app.post("/api/orders")
    def create_order():
        try:
            body = json.loads(request.get_data(), parse_float=Decimal)
        except ValueError:
            return _bad_request(["Unexpected token in JSON"])
        problems = order_problems(body)
        if problems:
            return _bad_request(problems)
        with creating:  # one order per orderReference, however many calls race
            if orders.get(body["orderReference"]) is not None:
                return {
                    "statusCode": 409,
                    "message": f"Order with reference {body['orderReference']} already exists",
                    "error": "Conflict",
                }, 409
            order = new_order(body, next(order_numbers), request.url_root)
            orders.put(order["orderReference"], order)
        latency.wait_after_creating("createOrder")
        return {
            "orderId": order["orderId"],
            "orderToken": order["orderToken"],
            "redirectUrl": order["redirectUrl"],
            "bnplProvider": order["bnplProvider"],
            "orderReference": order["orderReference"],
            "orderAmount": float(order["amount"]),
            "orderPaymentOption": order["bnplProvider"],
            "orderDate": order["orderDate"],
            "paymentStatus": "pending",
            "transactionReference": order["transactionReference"],
        }, 201

    @app.get("/api/orders/<path:reference>")
    def get_order(reference: str):
        order = orders.get(reference)
        if order is None:
            return {"statusCode": 404, "message": f"Order {reference} not found", "error": "Not Found"}, 404
        return order_status(order)

    @app.post("/api/orders/<reference>/<any(capture, void, refund):action>")
    def change_order(reference: str, action: str):
        """A capture, void or refund; a reference the order saw before gets its first
        answer again (or a 409, as the test chose)."""
        try:
            body = json.loads(request.get_data(), parse_float=Decimal)
        except ValueError:
            return _bad_request(["Unexpected token in JSON"])
        problems = change_problems(action, body)
        if problems:
            return _bad_request(problems)
        named = body[CHANGES[action][0]]
        with changing:
            order = orders.get(reference)
            if order is None:
                return {"statusCode": 404, "message": f"Order {reference} not found", "error": "Not Found"}, 404
            answer, replayed = replies.answer(
                f"{reference}|{action}|{named}",
                lambda: injected.take(action) or _changed(order, action, body),
                lambda made: made[1] < 300,
            )
        if replayed and repeats["answer"] == "conflict":
            message = f"{CHANGES[action][0]} {named} already exists"
            answer = {"statusCode": 409, "message": message, "error": "Conflict"}, 409
        changes.append(
            {
                "orderReference": reference,
                "operation": action,
                "reference": named,
                "status": answer[1],
                "replayed": replayed,
            }
        )
        if answer[1] < 300 and not replayed:
            latency.wait_after_creating(action)
        return answer

    @app.get("/checkout/<order_token>")
    def checkout(order_token: str):
        found = orders.find(orderToken=order_token)
        if not found:
            return "unknown checkout", 404
        return (
            f"<h1>Optty sandbox checkout</h1><p>Order {found[0]['orderReference']}: {found[0]['status']}. "
            f"Complete it with POST {request.url_root}_sandbox/orders/{found[0]['orderReference']}/complete</p>"
        )

    @app.post("/_sandbox/orders/<path:reference>/complete")
    def complete(reference: str):
        order = orders.get(reference)
        if order is None:
            return {"message": "unknown order"}, 404
        options = request.get_json(force=True, silent=True) or {}
        status = str(options.get("status", "SUCCESSFUL")).upper()
        if status not in COMPLETIONS:
            return {"message": f"status must be one of {sorted(COMPLETIONS)}"}, 400
        captured_at_once = status == "SUCCESSFUL" and order["autoCapture"]
        order.update(
            status=status,
            updatedAt=_now(),
            bnplOrderId=f"BNPL-{order['transactionReference']}" if status == "SUCCESSFUL" else None,
            captureStatus="CAPTURED" if captured_at_once else "NOT_CAPTURED",
            captured=order["amount"] if captured_at_once else Decimal(0),
            **COMPLETIONS[status],
        )
        orders.put(reference, order)
        return _announce(order, options.get("event", "ORDER_ASYNC_CALLBACK"), options)

    @app.get("/_sandbox/orders")
    def list_orders():
        return {"orders": [order_status(order) for order in orders.find(**request.args.to_dict())]}

    @app.post("/_sandbox/orders/<reference>/refunds/<refund_reference>")
    def decide_refund(reference: str, refund_reference: str):
        options = request.get_json(force=True, silent=True) or {}
        status = str(options.get("status", "SUCCESSFUL")).upper()
        if status not in REFUND_OUTCOMES:
            return {"message": f"status must be one of {list(REFUND_OUTCOMES)}"}, 400
        with changing:
            order = orders.get(reference)
            refund = next((r for r in (order or {}).get("refunds", []) if r["refundId"] == refund_reference), None)
            if order is None or refund is None:
                return {"message": "unknown order or refund"}, 404
            if refund["status"] != "PENDING":
                return {"message": f"refund {refund_reference} is {refund['status']}, not PENDING"}, 409
            _decide_refund(order, refund, status)
        return _announce(order, "REFUND_CALLBACK", options, refund)

    @app.post("/_sandbox/orders/<reference>/back-office")
    def back_office(reference: str):
        options = request.get_json(force=True, silent=True) or {}
        action, amount = options.get("action"), _number(str(options.get("amount", "")))
        if action not in CHANGES or amount is None or amount <= 0:
            return {"message": "action must be capture, void or refund, amount a positive decimal"}, 400
        body = {CHANGES[action][0]: f"BO-{next(back_office_numbers):06d}", "amount": amount}
        with changing:
            order = orders.get(reference)
            if order is None:
                return {"message": "unknown order"}, 404
            answer, status = _changed(order, action, _as_request(action, body, order["currency"]))
            if status >= 300:
                return answer, 409
            made = order[CHANGES[action][1]][-1]
            if action == "refund":
                _decide_refund(order, made, "SUCCESSFUL")
        event = "REFUND_CALLBACK" if action == "refund" else "ORDER_STATUS_UPDATE"
        return _announce(order, event, options, made if action == "refund" else None)

    @app.post("/_sandbox/repeated-references")
    def repeated_references():
        answer = (request.get_json(force=True, silent=True) or {}).get("answer")
        if answer not in REPEAT_ANSWERS:
            return {"message": f"answer must be one of {list(REPEAT_ANSWERS)}"}, 400
        repeats["answer"] = answer
        return {"answer": answer}

    @app.get("/_sandbox/order-changes")
    def list_changes():
        return {"changes": changes.find(**request.args.to_dict())}

    @app.post("/_sandbox/tokens/revoke")
    def revoke_tokens():
        tokens.revoke()
        return {"revoked": True}

    @app.get("/_sandbox/tokens")
    def token_counts():
        return {"issued": tokens.issued, "refused": tokens.refused}

    return app


def new_order(body: dict, number: int, url_root: str) -> dict:
    """The order a valid POST /orders body creates."""
    token = secrets.token_urlsafe(24)
    return {
        "orderId": str(uuid.uuid4()),
        "orderToken": token,
        "redirectUrl": f"{url_root}checkout/{token}",
        "orderReference": body["orderReference"],
        "transactionReference": f"OPT-TX-{number:08d}",
        "bnplProvider": body["bnplProvider"],
        "amount": body["orderAmount"],
        "currency": body["purchaseCurrency"],
        "autoCapture": body.get("autoCapture", True),
        "dynamicCallbackUrl": body.get("dynamicCallbackUrl"),
        "status": "PENDING",
        "orderDate": _now(),
        "updatedAt": _now(),
        "orderCaptures": [],
        "orderVoids": [],
        "refunds": [],
        "captured": Decimal(0),
        "voided": Decimal(0),
        "refunded": Decimal(0),  # pending refunds included
    }


def order_status(order: dict) -> dict:
    """GET /orders/{orderReference}'s answer: Optty's documented fields, then the
    creation answer's orderId, orderToken and redirectUrl (inferred)."""
    return {
        "merchantReference": order["orderReference"],
        "status": order["status"],
        "amount": float(order["amount"]),
        "currency": order["currency"],
        "provider": order["bnplProvider"],
        "updatedAt": order["updatedAt"],
        "failureReason": order.get("failureReason"),
        "bnplOrderId": order.get("bnplOrderId"),
        "transactionReference": order["transactionReference"],
        "cancelledBy": order.get("cancelledBy"),
        "captureStatus": order.get("captureStatus"),
        "orderId": order["orderId"],
        "orderToken": order["orderToken"],
        "redirectUrl": order["redirectUrl"],
        "orderCaptures": [_listed(capture, ("captureId", "status", "createdAt")) for capture in order["orderCaptures"]],
        "refunds": [
            _listed(refund, ("refundId", "currency", "status", "createdAt", "refundReason", "refundFailureReason"))
            for refund in order["refunds"]
        ],
        "orderVoids": [_listed(void, ("voidedId", "status", "createdAt")) for void in order["orderVoids"]],
    }


def _listed(entry: dict, names: tuple[str, ...]) -> dict:
    """An order's capture, refund or void as Transaction Details lists it: the amount as
    decimal text ("240")."""
    return {**{name: entry[name] for name in names}, "amount": str(entry["amount"])}


# Alike in shape to the Nuvei sandbox's transaction details and DMN control, on purpose: each speaks its provider's API.
def webhook_data(order: dict) -> dict:
    return {
        "orderReference": order["orderReference"],
        "status": order["status"],
        "transactionId": order["transactionReference"],
        "orderId": order["orderId"],
        "amount": float(order["amount"]),
        "currency": order["currency"],
        "bnplProvider": order["bnplProvider"],
    }


# -- Capture, void and refund --------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str):
        self.message = message


def change_problems(action: str, body: Any) -> list[str]:
    """Every reason Optty refuses a capture, void or refund body, in class-validator's words."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = _string(body, CHANGES[action][0])
    if action != "refund":
        return problems + _positive(body, "amount", "amount") + _optional_string(body, "description")
    refund_amount = body.get("refundAmount")
    if not isinstance(refund_amount, dict):
        return [*problems, "refundAmount should not be empty", "refundAmount must be an object"]
    problems += _positive(refund_amount, "amount", "refundAmount.amount")
    problems += [
        f"refundAmount.{p}"
        for p in _matches(refund_amount, "currency", _CURRENCY, "must be a valid ISO4217 currency code")
    ]
    return problems + _string(body, "refundDescription")


def _positive(body: dict, name: str, path: str) -> list[str]:
    problems = [path.removesuffix(name) + problem for problem in _amount(body, name, required=True)]
    if not problems and body[name] <= 0:
        problems.append(f"{path} must be a positive number")
    return problems


def _optional_string(body: dict, name: str) -> list[str]:
    return [] if name not in body or isinstance(body[name], str) else [f"{name} must be a string"]


def _scripted_error(status: int, message: str, options: dict) -> tuple[dict, int]:
    """Optty's error answer (NestJS's shape: a 400's message is a list)."""
    return {"statusCode": status, "message": [message] if status == 400 else message, "error": "Error"}, status


def _changed(order: dict, action: str, body: dict) -> tuple[dict, int]:
    """What Optty answers to a well-formed capture, void or refund of this order."""
    try:
        return _CHANGE[action](order, body), 201
    except _Refused as refused:
        return _bad_request([refused.message])


def _open(order: dict) -> Decimal:
    """Authorized and neither captured nor voided."""
    if order["status"] != "SUCCESSFUL":
        raise _Refused(f"Order {order['orderReference']} is {order['status']}: nothing is authorized")
    return order["amount"] - order["captured"] - order["voided"]


def _capture(order: dict, body: dict) -> dict:
    amount, reference = body["amount"], body["captureReference"]
    if amount > _open(order):
        raise _Refused(f"amount must not be more than the {_open(order)} authorized and not captured or voided")
    order["orderCaptures"].append(
        {"captureId": reference, "amount": amount, "status": "SUCCESSFUL", "createdAt": _now()}
    )
    order["captured"] += amount
    _update_capture_status(order)
    return {"captureReference": reference, "captureId": reference, "capturedAmount": float(amount)}


def _void(order: dict, body: dict) -> dict:
    amount, reference = body["amount"], body["voidReference"]
    if amount > _open(order):
        raise _Refused(f"amount must not be more than the {_open(order)} authorized and not captured or voided")
    order["orderVoids"].append({"voidedId": reference, "amount": amount, "status": "SUCCESSFUL", "createdAt": _now()})
    order["voided"] += amount
    _update_capture_status(order)
    return {"voidReference": reference, "voidedId": reference, "amount": float(amount)}


def _update_capture_status(order: dict) -> None:
    if not order["captured"]:
        order["captureStatus"] = "NOT_CAPTURED"
    elif order["captured"] + order["voided"] == order["amount"]:
        order["captureStatus"] = "CAPTURED"  # nothing left to capture
    else:
        order["captureStatus"] = "PARTIALLY_CAPTURED"


def _refund(order: dict, body: dict) -> dict:
    amount, reference = body["refundAmount"]["amount"], body["refundReference"]
    currency = body["refundAmount"].get("currency", order["currency"])
    if currency != order["currency"]:
        raise _Refused(f"refundAmount.currency must be the order's currency {order['currency']}")
    refundable = order["captured"] - order["refunded"]
    if amount > refundable:
        raise _Refused(f"refundAmount.amount must not be more than the {refundable} captured and not refunded")
    refund = {
        "refundId": reference,
        "amount": amount,
        "currency": currency,
        "status": "PENDING",
        "createdAt": _now(),
        "refundReason": body["refundDescription"],
        "refundFailureReason": "",
        "bnplRefundId": str(uuid.uuid4()),
    }
    order["refunds"].append(refund)
    order["refunded"] += amount
    return {
        "refundReference": reference,
        "bnplProvider": order["bnplProvider"],
        "refundedAmount": float(amount),
        "refundStatus": "PENDING",
        "description": body["refundDescription"],
        "refundDate": format_datetime(datetime.now(UTC), usegmt=True),
        "bnplRefundId": refund["bnplRefundId"],
    }


_CHANGE = {"capture": _capture, "void": _void, "refund": _refund}


def _as_request(action: str, body: dict, currency: str) -> dict:
    """A back-office change as the API request it amounts to."""
    if action != "refund":
        return body
    return {
        "refundReference": body["refundReference"],
        "refundAmount": {"amount": body["amount"], "currency": currency},
        "refundDescription": "refunded in the merchant portal",
    }


def _decide_refund(order: dict, refund: dict, status: str) -> None:
    refund["status"] = status
    if status != "SUCCESSFUL":
        order["refunded"] -= refund["amount"]
        refund["refundFailureReason"] = "Declined by the BNPL provider"


def _announce(order: dict, event: str, options: dict, refund: dict | None = None) -> Any:
    """The webhook Optty sends about the order (or its refund), unless it is lost."""
    data = webhook_data(order)
    if refund is not None:
        data.update(
            status=refund["status"],
            transactionId=refund["bnplRefundId"],
            refundReference=refund["refundId"],
            amount=float(refund["amount"]),
        )
    webhook = {"event": event, "data": data}
    result = {"order": order_status(order), "webhook": webhook}
    if options.get("deliver", True):
        if not order["dynamicCallbackUrl"]:
            return {"message": "the order has no dynamicCallbackUrl"}, 409
        result["notification"] = deliver("POST", order["dynamicCallbackUrl"], json=webhook)
    return result


def order_problems(body: Any) -> list[str]:
    """Every reason Optty refuses a POST /orders body, in class-validator's words."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = []
    for name in ("orderReference", "bnplProvider", "purchaseCountry", "purchaseCurrency", "locale"):
        problems += _string(body, name)
    problems += _matches(body, "purchaseCountry", _COUNTRY, "must be a valid ISO31661 Alpha2 code")
    problems += _matches(body, "purchaseCurrency", _CURRENCY, "must be a valid ISO4217 currency code")
    problems += _matches(body, "locale", _LOCALE, "must be locale")
    problems += _amount(body, "orderAmount", required=True)
    for name in ("shippingAmount", "taxAmount", "discountAmount"):
        problems += _amount(body, name)
    problems += _customer(body.get("customer"))
    problems += _address(body, "billingAddress", required=True)
    problems += _address(body, "shippingAddress")
    problems += _items(body.get("orderItems"))
    problems += _boolean(body, "customerPresent", required=True)
    for name in ("autoCapture", "getToken"):
        problems += _boolean(body, name)
    for name in ("dynamicRedirectUrl", "dynamicCallbackUrl"):
        problems += _https_url(body, name)
    if "sessionId" in body and not _is_uuid(body["sessionId"]):
        problems.append("sessionId must be a UUID")
    for name in ("cancellationTimeout", "checkoutSessionTimeout"):
        if name in body and (not _is_number(body[name]) or body[name] <= 0):
            problems.append(f"{name} must be a positive number")
    return problems or _business_problems(body)


def _business_problems(body: dict) -> list[str]:
    """The rules that need the well-formed order: the amount formula and the provider."""
    total = (
        sum((item["totalAmount"] for item in body["orderItems"]), Decimal(0))
        + body.get("shippingAmount", 0)
        + body.get("taxAmount", 0)
        - body.get("discountAmount", 0)
    )
    if total != body["orderAmount"]:
        return [
            "orderAmount must equal the sum of orderItems.totalAmount plus shippingAmount and taxAmount "
            f"minus discountAmount ({total})"
        ]
    names = sorted({option["name"] for option in OPTIONS})
    if body["bnplProvider"] not in names:
        return [f"bnplProvider must be one of the following values: {', '.join(names)}"]
    option = next(
        (o for o in OPTIONS if o["name"] == body["bnplProvider"] and o["currency"] == body["purchaseCurrency"]), None
    )
    if option is None:
        return [f"{body['bnplProvider']} does not support purchaseCurrency {body['purchaseCurrency']}"]
    if not option["minAmount"] <= body["orderAmount"] <= option["maxAmount"]:
        return [f"orderAmount must be between {option['minAmount']} and {option['maxAmount']} for {option['name']}"]
    return [f"{path} should not be empty" for path in option["requiredFields"] if not _lookup(body, path)]


def _string(body: dict, name: str) -> list[str]:
    if name not in body or body[name] in ("", None):
        return [f"{name} should not be empty", f"{name} must be a string"]
    return [] if isinstance(body[name], str) else [f"{name} must be a string"]


def _matches(body: dict, name: str, pattern: re.Pattern, message: str) -> list[str]:
    value = body.get(name)
    return [f"{name} {message}"] if isinstance(value, str) and value and not pattern.match(value) else []


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _amount(body: dict, name: str, required: bool = False) -> list[str]:
    if name not in body:
        return [f"{name} should not be empty"] if required else []
    value = body[name]
    if not _is_number(value) or Decimal(value).scaleb(2) != Decimal(value).scaleb(2).to_integral_value():
        return [f"{name} must be a number conforming to the specified constraints"]
    return [f"{name} must not be less than 0"] if value < 0 else []


def _boolean(body: dict, name: str, required: bool = False) -> list[str]:
    if name not in body:
        return [f"{name} must be a boolean value"] if required else []
    return [] if isinstance(body[name], bool) else [f"{name} must be a boolean value"]


def _https_url(body: dict, name: str) -> list[str]:
    if name not in body:
        return []
    parts = urlsplit(str(body[name]))
    local = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS  # this machine only (inferred)
    return [] if (parts.scheme == "https" and parts.hostname) or local else [f"{name} must be a URL address"]


def _customer(customer: Any) -> list[str]:
    if not isinstance(customer, dict):
        return ["customer should not be empty"]
    problems = [
        f"customer.{name} should not be empty" for name in ("firstName", "lastName", "email") if not customer.get(name)
    ]
    if customer.get("email") and not _EMAIL.match(str(customer["email"])):
        problems.append("customer.email must be an email")
    return problems


def _address(body: dict, name: str, required: bool = False) -> list[str]:
    address = body.get(name)
    if address is None:
        return [f"{name} should not be empty"] if required else []
    if not isinstance(address, dict):
        return [f"{name} must be an object"]
    if not _COUNTRY.match(str(address.get("country", ""))):
        return [f"{name}.country must be a valid ISO31661 Alpha2 code"]
    return []


def _items(items: Any) -> list[str]:
    if not isinstance(items, list) or not items:
        return ["orderItems should not be empty"]
    return [f"orderItems.{index}.{problem}" for index, item in enumerate(items) for problem in _item(item)]


def _item(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return ["must be an object"]
    problems = [] if isinstance(item.get("name"), str) and item["name"] else ["name should not be empty"]
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        problems.append("quantity must be a positive integer")
    problems += _amount(item, "unitPrice", required=True) + _amount(item, "totalAmount", required=True)
    if not problems and item["totalAmount"] != quantity * item["unitPrice"]:
        problems.append("totalAmount must equal quantity multiplied by unitPrice")
    return problems


def _lookup(body: dict, path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


def _bad_request(messages: list[str]) -> tuple[dict, int]:
    return {"statusCode": 400, "message": messages, "error": "Bad Request"}, 400


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SandboxControl:
    """The sandbox's /_sandbox endpoints, for tests and the run command."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def complete(self, reference: str, status: str = "SUCCESSFUL", **options) -> dict:
        answer = requests.post(
            f"{self.base_url}/_sandbox/orders/{reference}/complete", json={"status": status, **options}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def orders(self, reference: str | None = None) -> list[dict]:
        """The orders created for `reference`, or all of them."""
        criteria = {"orderReference": reference} if reference else {}
        return requests.get(f"{self.base_url}/_sandbox/orders", params=criteria, timeout=5).json()["orders"]

    def decide_refund(self, reference: str, refund_reference: str, status: str = "SUCCESSFUL", **options) -> dict:
        """The BNPL provider decides a pending refund; REFUND_CALLBACK follows (unless
        deliver=False)."""
        return self._post(f"/_sandbox/orders/{reference}/refunds/{refund_reference}", {"status": status, **options})

    def back_office(self, reference: str, action: str, amount: str, **options) -> dict:
        """A capture, void or refund made in Optty's merchant portal, then its webhook."""
        return self._post(f"/_sandbox/orders/{reference}/back-office", {"action": action, "amount": amount, **options})

    def fail_next(self, operation: str, status: int, **options) -> None:
        """The next capture, void or refund call answers this error and changes nothing."""
        self._post("/_sandbox/order-errors", {"operation": operation, "status": status, **options})

    def repeated_references(self, answer: str) -> None:
        """What a reference used again gets: "first-result" or "conflict" (a 409)."""
        self._post("/_sandbox/repeated-references", {"answer": answer})

    def changes(self, reference: str) -> list[dict]:
        """Every capture, void and refund call for the order, repeats marked."""
        answer = requests.get(
            f"{self.base_url}/_sandbox/order-changes", params={"orderReference": reference}, timeout=5
        )
        return answer.json()["changes"]

    def _post(self, path: str, body: dict) -> dict:
        answer = requests.post(f"{self.base_url}{path}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def revoke_tokens(self) -> None:
        requests.post(f"{self.base_url}/_sandbox/tokens/revoke", timeout=5).raise_for_status()

    def tokens(self) -> dict:
        return requests.get(f"{self.base_url}/_sandbox/tokens", timeout=5).json()

    def latency(self, ms: int) -> None:
        requests.post(f"{self.base_url}/_sandbox/latency", json={"ms": ms}, timeout=5).raise_for_status()

    def late_answers(self, ms: int, count: int = 1, operation: str | None = None) -> None:
        """The next `count` orders (or captures, voids, refunds: `operation`) are made,
        then answered `ms` late."""
        answer_late(self.base_url, ms, count, operation)
