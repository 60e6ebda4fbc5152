"""Nexway Connect sandbox: POST /iam/tokens, POST /connect/order/new, GET
/connect/order/<orderNumber>, PUT /connect/order/cancel, and order notifications.

Connect calls need a token from /iam/tokens (Bearer, else HTTP 401) and the catalog
secret in the `secret` header (responseCode 70 missing, 71 invalid). Business errors
come as Nexway documents them: HTTP 200 with a non-zero responseCode; a created order
is HTTP 201. Amounts must be JSON numbers.

Test products (productRef): 1001 and 1002 deliver at once (responseCode 0);
9044 is out of stock (1044); 9060 waits for payment validation (1060); 9061 waits for
fraud validation (1061); 9062 is cancelled for fraud (1062). Any other is unknown (1020).

PUT /connect/order/cancel {partnerOrderNumber, reasonCode, comment} cancels the order
as a whole, whatever its status but an ended one: a completed order is refunded, one
still waiting is stopped. The order's `canceled` notification follows a moment after
the answer (sandboxes/followups.py). A repeat changes nothing (1071).

Notifications go, as the merchant configured in Nexway's back office, to
NOTIFICATION_PUBLIC_URL/notifications/nexway with HTTP Basic credentials
NEXWAY_NOTIFICATION_USERNAME/NEXWAY_NOTIFICATION_PASSWORD.

Where Nexway's pages are silent, the sandbox chooses (inferred):

| what | the sandbox's choice |
| --- | --- |
| response codes | 100 any other invalid field (the message names it), 1030 order not found, 1071 order already cancelled, 1072 order cannot be cancelled (it ended without a sale: PAYMENT_FAILED, PAYMENT_REFUSED, ABORTED) |
| line arithmetic | amountTotal = amountDutyFree × quantity × (1 + vatRate/100) within one minor unit |
| statuses | COMPLETED, PAYMENT_PENDING, FRAUD_PENDING for order/new's codes 0, 1060, 1061; the event types' statuses (CANCELED, ...) |
| GET /connect/order | order/new's answer plus the order's `status` |
| cancel | `comment` optional, at most 255 characters; 130 without partnerOrderNumber; answer `{responseCode, responseMessage, partnerOrderNumber, orderNumber}` |
| notifications | the body of Nexway Monetize's order notifications: {subject: "order", type, objectId, eventDate, order: {id, status, partnerOrderNumber, currency, totalPriceIncVAT, ...}}; 3 attempts, 5 s apart, until a 2xx |
| spelling | order/new names no status and statuses are UPPER_SNAKE, event types camelCase, unless the control below says otherwise |

Control: POST /_sandbox/orders/<orderNumber>/events {"type": "completed", "deliver"?:
true} sends an order event now (and moves the order to its status); POST
/_sandbox/lose-answers {"count": 1, "operation"?: "createOrder" | "cancelOrder"} makes
the next such calls take effect and answer 504 as if the answer were lost on the way;
POST /_sandbox/refuse-next {"responseCode": 1072, "count"?: 1, "operation"?:
"cancelOrder"} makes the next cancellations refused with that code; POST
/_sandbox/status-spelling {"spelling": "camelCase" | "lower_snake" | "kebab-case" |
"UPPER_SNAKE" | null} makes every answer and notification write status words and event
types in that spelling, and order/new's answer name the order's status too; POST
/_sandbox/late-answers {"ms", "count"?, "operation"?: "createOrder" | "cancelOrder"}
makes them take effect and answer late; POST /_sandbox/follow-ups {"delayMs"?,
"retryIntervalMs"?, "drop"?} and GET /_sandbox/follow-ups for the `canceled`
notifications after a cancellation ("drop" loses the next ones); POST
/_sandbox/tokens/revoke makes every issued token expire; GET
/_sandbox/orders?partnerOrderNumber= lists the orders.
"""

from __future__ import annotations

import functools
import hmac
import itertools
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, request

from sandboxes.common import TENANT_VARIABLE, Latency, ScriptedErrors, Store, control_blueprint, deliver
from sandboxes.followups import FollowUps, follow_ups_blueprint

# The sandbox account, shared with the connector in the local stack.
CREDENTIALS = {
    "NEXWAY_SECRET": "sandbox-nexway-catalog-secret",
    "NEXWAY_CLIENT_SECRET": "sandbox-nexway-client-secret",
    "NEXWAY_REALM": "sandbox-reseller",
    "NEXWAY_NOTIFICATION_USERNAME": "nexway-sandbox",
    "NEXWAY_NOTIFICATION_PASSWORD": "sandbox-nexway-notification-password",
}

PRODUCTS = {"1001": "Antivirus Plus, 1 year", "1002": "VPN Unlimited, 1 year"}
# The test products and the responseCode each gives its order.
OUTCOMES = {"9044": 1044, "9060": 1060, "9061": 1061, "9062": 1062}
MESSAGES = {
    0: "OK",
    70: "Secret is missing",
    71: "Secret is invalid",
    100: "Invalid field",
    130: "partnerOrderNumber is missing",
    320: "Customer email is missing",
    321: "Customer email is invalid",
    1010: "Order already created",
    1020: "Unknown productRef",
    1030: "Order not found",
    1044: "Product out of stock",
    1048: "Province is required",
    1060: "Waiting for payment validation",
    1061: "Waiting for fraud validation",
    1062: "Order cancelled for fraud",
    1071: "Order already cancelled",
    1072: "Order cannot be cancelled",
}
# The order's status once created with each code.
CREATED_STATUS = {0: "COMPLETED", 1060: "PAYMENT_PENDING", 1061: "FRAUD_PENDING"}
EVENT_STATUSES = {
    "created": "CREATED",
    "paymentFailed": "PAYMENT_FAILED",
    "paymentRefused": "PAYMENT_REFUSED",
    "completed": "COMPLETED",
    "partiallyCompleted": "PARTIAL_COMPLETED",
    "fulfillmentFailed": "PENDING_WITH_ERROR",
    "canceled": "CANCELED",
    "aborted": "ABORTED",
}
CANCEL_REASONS = {2: "cancelled", 3: "unsatisfied", 4: "double order", 6: "incompatible", 16: "fraud"}
# Orders that ended without a sale: nothing to cancel (inferred, 1072).
NOT_CANCELLABLE = ("PAYMENT_FAILED", "PAYMENT_REFUSED", "ABORTED")
COMMENT_LENGTH = 255
# How Nexway delivers notifications: attempts and the time between them (inferred).
DELIVERY_ATTEMPTS = 3
RETRY_INTERVAL = 5.0
PROVINCE_COUNTRIES = ("US", "CA", "BR", "AU")
# The currencies of the sandbox catalog and their minor units.
CURRENCY_DIGITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "PLN": 2, "CAD": 2, "AUD": 2, "BRL": 2, "JPY": 0}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
TOKEN_LIFETIME = 3600


def connector_env(base_url: str) -> dict[str, str]:
    """Where the connector finds this sandbox, served at `base_url`."""
    return {"NEXWAY_API_URL": base_url}


def from_env(env: Mapping[str, str]) -> Flask:
    """The sandbox of the account in `env`, which sends its notifications where the
    merchant's back office would: the connector's Nexway URL, or with TENANT_VARIABLE set
    (the account of a tenant of a configuration document), that tenant's."""
    notifications = env.get("NOTIFICATION_PUBLIC_URL")
    tenant = env.get(TENANT_VARIABLE)
    url = f"{notifications.rstrip('/')}/notifications/nexway" if notifications else None
    return create_app(
        env["NEXWAY_SECRET"],
        env["NEXWAY_CLIENT_SECRET"],
        env["NEXWAY_REALM"],
        (env["NEXWAY_NOTIFICATION_USERNAME"], env["NEXWAY_NOTIFICATION_PASSWORD"]),
        f"{url}/{tenant}" if url and tenant else url,
    )


class Refusal(Exception):
    """A business error: HTTP 200 with Nexway's responseCode."""

    def __init__(self, code: int, detail: str = "", **answer):
        self.code = code
        self.message = f"{MESSAGES[code]}: {detail}" if detail else MESSAGES[code]
        self.answer = answer


class Tokens:
    """Issued access tokens and when they expire."""

    def __init__(self):
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expiry[token] = datetime.now(UTC).timestamp() + TOKEN_LIFETIME
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            return self._expiry.get(token, 0) > datetime.now(UTC).timestamp()

    def revoke_all(self) -> None:
        with self._lock:
            self._expiry = dict.fromkeys(self._expiry, 0.0)  # expired, and still listed

    def handed_out(self) -> list[str]:
        with self._lock:
            return list(self._expiry)


_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
SPELLINGS = {
    "UPPER_SNAKE": lambda words: "_".join(words).upper(),
    "lower_snake": "_".join,
    "kebab-case": "-".join,
    "camelCase": lambda words: words[0] + "".join(word.capitalize() for word in words[1:]),
}


def spelled(word: str, spelling: str | None) -> str:
    """`word` (FRAUD_PENDING, partiallyCompleted) in `spelling`; as it is without one."""
    if spelling is None:
        return word
    return SPELLINGS[spelling]([part.lower() for part in _WORDS.findall(word)])


def create_app(
    secret: str,
    client_secret: str,
    realm: str,
    notification_credentials: tuple[str, str],
    notification_url: str | None,
) -> Flask:
    app = Flask("nexway-sandbox", static_folder=None)
    orders = Store()  # by partnerOrderNumber
    tokens = Tokens()
    # The next calls' answers lost once they took effect; their refusals (a responseCode).
    lost, refusals = ScriptedErrors(), ScriptedErrors()
    follow_ups = FollowUps(retry_pauses=(RETRY_INTERVAL,) * (DELIVERY_ATTEMPTS - 1))
    spelling: dict[str, str | None] = {"words": None}
    latency = Latency()
    creating = threading.Lock()  # one creation or cancellation at a time: 1010 and 1071 are exact
    order_numbers = itertools.count(7_000_001)

    def reset() -> None:
        orders.clear()
        tokens.revoke_all()
        lost.clear()
        refusals.clear()
        follow_ups.reset()
        spelling["words"] = None

    def spell(word: str) -> str:
        return spelled(word, spelling["words"])

    app.register_blueprint(control_blueprint(latency, reset, tokens.handed_out))
    app.register_blueprint(follow_ups_blueprint(follow_ups))

    @app.post("/iam/tokens")
    def issue_token():
        latency.wait()
        body = request.get_json(force=True, silent=True) or {}
        if body.get("grantType") != "client_credentials":
            return {"error": "unsupported_grant_type", "error_description": "grantType must be client_credentials"}, 400
        if not (_same(body.get("clientSecret"), client_secret) and body.get("realmName") == realm):
            return {"error": "invalid_client", "error_description": "unknown client secret or realm"}, 401
        return {
            "access_token": tokens.issue(),
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
        }

    def authorized(handler):
        """Bearer token first (HTTP 401), then the catalog secret (70/71)."""

        @functools.wraps(handler)
        def checked(*args, **kwargs):
            latency.wait()
            bearer = request.headers.get("Authorization", "")
            if not bearer.startswith("Bearer ") or not tokens.valid(bearer.removeprefix("Bearer ")):
                return {"message": "Unauthorized"}, 401
            given = request.headers.get("secret")
            try:
                if not given:
                    raise Refusal(70)
                if not _same(given, secret):
                    raise Refusal(71)
                return handler(*args, **kwargs)
            except Refusal as refusal:
                return {"responseCode": refusal.code, "responseMessage": refusal.message, **refusal.answer}

        return checked

    @app.post("/connect/order/new")
    @authorized
    def create_order():
        body, reference = _order_request()
        with creating:
            existing = orders.get(reference)
            if existing is not None:
                raise Refusal(1010, partnerOrderNumber=reference, orderNumber=existing["orderNumber"])
            order = new_order(body, next(order_numbers))
            orders.put(reference, order)
        latency.wait_after_creating("createOrder")
        if (lost_answer := lost.take("createOrder")) is not None:
            return lost_answer
        answer = {**order["answer"], "responseCode": order["code"], "responseMessage": MESSAGES[order["code"]]}
        if spelling["words"] is not None:
            answer["status"] = spell(order["status"])
        return answer, 201

    @app.get("/connect/order/<int:order_number>")
    @authorized
    def get_order(order_number: int):
        order = _one(orders.find(orderNumber=order_number))
        return {**order["answer"], "responseCode": 0, "responseMessage": "OK", "status": spell(order["status"])}

    @app.put("/connect/order/cancel")
    @authorized
    def cancel_order():
        """Cancels an order as a whole: refunds a completed one, stops one still waiting."""
        body, reference = _order_request()
        reason = body.get("reasonCode")
        if reason not in CANCEL_REASONS or isinstance(reason, bool):
            raise Refusal(100, f"reasonCode must be one of {sorted(CANCEL_REASONS)}")
        comment = body.get("comment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > COMMENT_LENGTH):
            raise Refusal(100, f"comment must be text of at most {COMMENT_LENGTH} characters")
        with creating:
            order = _one(orders.find(partnerOrderNumber=reference))
            if order["status"] == "CANCELED":
                raise Refusal(1071)
            if order["status"] in NOT_CANCELLABLE:
                raise Refusal(1072, f"the order is {order['status']}")
            if (refused := refusals.take("cancelOrder")) is not None:
                raise Refusal(*refused)
            notification_body = move(order, "canceled", cancellationReason=CANCEL_REASONS[reason])
        latency.wait_after_creating("cancelOrder")
        if notification_url is not None:
            follow_ups.send(
                {
                    "type": "canceled",
                    "orderNumber": order["orderNumber"],
                    "partnerOrderNumber": order["partnerOrderNumber"],
                },
                functools.partial(
                    deliver, "POST", notification_url, json=notification_body, auth=notification_credentials
                ),
            )
        if (lost_answer := lost.take("cancelOrder")) is not None:
            return lost_answer
        return {
            "responseCode": 0,
            "responseMessage": "OK",
            "partnerOrderNumber": order["partnerOrderNumber"],
            "orderNumber": order["orderNumber"],
        }

    def move(order: dict, type_: str, **details) -> dict:
        """Moves the order to the event's status; the notification that tells of it."""
        order["status"] = EVENT_STATUSES[type_]
        if type_ == "completed":
            order["answer"] = _delivered(order["answer"])
        return notification(order, type_, details, spell)

    def send_event(order: dict, type_: str, deliver_it: bool = True) -> dict:
        """Moves the order to the event's status and notifies the merchant of it now."""
        body = move(order, type_)
        if not deliver_it:
            return {"event": body}
        if notification_url is None:
            return {"event": body, "notification": {"status": None, "error": "no notification URL configured"}}
        return {
            "event": body,
            "notification": deliver("POST", notification_url, json=body, auth=notification_credentials),
        }

    @app.post("/_sandbox/orders/<int:order_number>/events")
    def send_order_event(order_number: int):
        options = request.get_json(force=True, silent=True) or {}
        found = orders.find(orderNumber=order_number)
        if not found:
            return {"message": "unknown order"}, 404
        if options.get("type") not in EVENT_STATUSES:
            return {"message": f"type must be one of {sorted(EVENT_STATUSES)}"}, 400
        return send_event(found[0], options["type"], options.get("deliver", True))

    @app.post("/_sandbox/status-spelling")
    def set_status_spelling():
        chosen = (request.get_json(force=True, silent=True) or {}).get("spelling")
        if chosen is not None and chosen not in SPELLINGS:
            return {"message": f"spelling must be null or one of {sorted(SPELLINGS)}"}, 400
        spelling["words"] = chosen
        return {"spelling": chosen}

    @app.post("/_sandbox/lose-answers")
    def lose_answers():
        options = request.get_json(force=True, silent=True) or {}
        count, operation = int(options.get("count", 1)), options.get("operation", "createOrder")
        lost.add(operation, GATEWAY_TIMEOUT, count)
        return {"count": count, "operation": operation}

    @app.post("/_sandbox/refuse-next")
    def refuse_next():
        options = request.get_json(force=True, silent=True) or {}
        code, count = int(options.get("responseCode", 1072)), int(options.get("count", 1))
        if code not in MESSAGES or code == 0:
            return {"message": f"responseCode must be one of {sorted(set(MESSAGES) - {0})}"}, 400
        refusals.add(options.get("operation", "cancelOrder"), (code,), count)
        return {"responseCode": code, "count": count}

    @app.post("/_sandbox/tokens/revoke")
    def revoke_tokens():
        tokens.revoke_all()
        return {"revoked": True}

    @app.get("/_sandbox/orders")
    def list_orders():
        return {"orders": [_public(order) for order in orders.find(**request.args.to_dict())]}

    return app


GATEWAY_TIMEOUT = "<html><body><h1>504 Gateway Time-out</h1></body></html>", 504, {"Content-Type": "text/html"}


def new_order(body: dict, order_number: int) -> dict:
    """Validates a CreateOrderRequest as Nexway does; the order it creates, or Refusal."""
    _check_order_fields(body)
    digits = CURRENCY_DIGITS[body["currency"]]
    lines = [_checked_line(index, line, digits) for index, line in enumerate(body["orderLines"])]
    line_answers = [_line_answer(line) for line in lines]
    for code in (1020, 1044):
        if any(answer["responseCode"] == code for answer in line_answers):
            raise Refusal(code, partnerOrderNumber=body["partnerOrderNumber"], orderLines=line_answers)
    code = max(OUTCOMES.get(line["productRef"], 0) for line in lines)
    if code == 1062:
        raise Refusal(1062, partnerOrderNumber=body["partnerOrderNumber"])
    answer = {"orderNumber": order_number, "partnerOrderNumber": body["partnerOrderNumber"], "orderLines": line_answers}
    return {
        "orderNumber": order_number,
        "partnerOrderNumber": body["partnerOrderNumber"],
        "code": code,
        "status": CREATED_STATUS[code],
        "currency": body["currency"],
        "totalPriceIncVAT": str(sum((line["amountTotal"] for line in lines), Decimal(0))),
        "email": body["customer"]["email"],
        "payment": body.get("payment") or {"paymentMethod": "External Payment"},
        "answer": _delivered(answer) if code == 0 else answer,
    }


def _check_order_fields(body: dict) -> None:
    try:
        datetime.fromisoformat(str(body.get("orderDate")))
    except ValueError:
        raise Refusal(100, "orderDate must be ISO 8601") from None
    if body.get("currency") not in CURRENCY_DIGITS:
        raise Refusal(100, "currency is not an ISO 4217 currency of this catalog")
    _check_customer(body.get("customer"))
    if not isinstance(body.get("orderLines"), list) or not body["orderLines"]:
        raise Refusal(100, "orderLines is required")
    payment = body.get("payment") or {}
    if not isinstance(payment, dict):
        raise Refusal(100, "payment must be an object")
    if payment.get("paymentMethod", "External Payment") != "External Payment" and not payment.get("transactionId"):
        raise Refusal(100, "payment.transactionId is required unless paymentMethod is External Payment")


def _check_customer(customer: Any) -> None:
    if not isinstance(customer, dict):
        raise Refusal(100, "customer is required")
    if not customer.get("email"):
        raise Refusal(320)
    if not _EMAIL.match(str(customer["email"])):
        raise Refusal(321)
    if not _LANGUAGE.match(str(customer.get("language", ""))):
        raise Refusal(100, "customer.language must look like fr_FR")
    invoice = customer.get("locationInvoice")
    if not isinstance(invoice, dict) or not all(invoice.get(name) for name in ("firstName", "lastName", "country")):
        raise Refusal(100, "customer.locationInvoice needs firstName, lastName and country")
    if invoice["country"] in PROVINCE_COUNTRIES and not invoice.get("province"):
        raise Refusal(1048)


def _checked_line(index: int, line: Any, digits: int) -> dict:
    field = f"orderLines[{index}]"
    if not isinstance(line, dict) or not isinstance(line.get("productRef"), str):
        raise Refusal(100, f"{field}.productRef is required")
    quantity = line.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise Refusal(100, f"{field}.quantity must be a positive integer")
    amounts = {
        name: _number(line.get(name), f"{field}.{name}") for name in ("amountDutyFree", "vatRate", "amountTotal")
    }
    expected = amounts["amountDutyFree"] * quantity * (1 + amounts["vatRate"] / 100)
    if abs(expected - amounts["amountTotal"]) > Decimal(1).scaleb(-digits):
        raise Refusal(100, f"{field}.amountTotal is not amountDutyFree × quantity × (1 + vatRate/100)")
    return {"productRef": line["productRef"], "quantity": quantity, **amounts}


def _number(value: Any, field: str) -> Decimal:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise Refusal(100, f"{field} must be a non-negative number")
    return Decimal(str(value))


def _line_answer(line: dict) -> dict:
    ref = line["productRef"]
    code = 1020 if ref not in PRODUCTS and ref not in OUTCOMES else 1044 if OUTCOMES.get(ref) == 1044 else 0
    return {"productRef": int(ref) if ref.isdigit() else ref, "responseCode": code, "responseMessage": MESSAGES[code]}


def _delivered(answer: dict) -> dict:
    """The answer with what a delivered order carries: links, files and serials."""
    number = answer["orderNumber"]
    lines = [
        {
            **line,
            "digitalLockerLink": f"https://locker.nexway.example/{number}",
            "dateEndDownload": "2027-12-31",
            "files": [
                {
                    "group": "installer",
                    "label": "Setup",
                    "size": 1048576.0,
                    "type": "exe",
                    "url": f"https://download.nexway.example/{number}/{line['productRef']}/setup.exe",
                }
            ],
            "lineItems": [
                {
                    "responseCode": 0,
                    "responseMessage": "OK",
                    "serials": [
                        {
                            "charset": "UTF-8",
                            "data": f"SERIAL-{number}-{secrets.token_hex(4).upper()}",
                            "encoding": "none",
                            "fileName": "",
                        }
                    ],
                }
            ],
        }
        for line in answer["orderLines"]
    ]
    downloads = {
        "mac": f"https://download.nexway.example/{number}/downloadManager.dmg",
        "pc": f"https://download.nexway.example/{number}/downloadManager.exe",
    }
    return {**answer, "orderLines": lines, "downloadManager": downloads}


def notification(order: dict, type_: str, details: dict, spell: Callable[[str], str]) -> dict:
    """An order notification as Nexway sends it, its words spelled by `spell`."""
    return {
        "subject": "order",
        "type": spell(type_),
        "objectId": str(order["orderNumber"]),
        "eventDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "order": {
            "id": str(order["orderNumber"]),
            "status": spell(order["status"]),
            "partnerOrderNumber": order["partnerOrderNumber"],
            "source": "PURCHASE",
            "currency": order["currency"],
            "totalPriceIncVAT": float(order["totalPriceIncVAT"]),
            "user": {"email": order["email"]},
            **details,
        },
    }


def _order_request() -> tuple[dict, str]:
    """The body of a call about one order and the partnerOrderNumber it names: code 100
    for a body that is no JSON object, 130 for a missing reference."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise Refusal(100, "the body is not a JSON object")
    reference = body.get("partnerOrderNumber")
    if not isinstance(reference, str) or not reference:
        raise Refusal(130)
    return body, reference


def _one(found: list[dict]) -> dict:
    if not found:
        raise Refusal(1030)
    return found[0]


def _public(order: dict) -> dict:
    return {
        key: order[key]
        for key in ("orderNumber", "partnerOrderNumber", "status", "currency", "totalPriceIncVAT", "payment")
    }


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
