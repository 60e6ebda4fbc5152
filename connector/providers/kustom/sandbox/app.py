"""Kustom sandbox: customer-token charges, order management, pushes and fraud decisions.

Kustom's API, behind `Authorization: Basic <KUSTOM_API_KEY>`:
  POST /customer-token/v1/tokens/<customerToken>/order  (Klarna-Idempotency-Key honoured)
  GET  /ordermanagement/v1/orders/<order_id>  (with its captures and refunds)
  GET  /ordermanagement/v1/orders/<order_id>/captures[/<capture_id>], .../refunds/<refund_id>
  POST /ordermanagement/v1/orders/<order_id>/captures {captured_amount, reference?,
       description?, order_lines?, shipping_info?} → 201, Capture-Id and Location headers
  POST /ordermanagement/v1/orders/<order_id>/refunds {refunded_amount, reference?,
       description?, order_lines?} → 201, Refund-Id and Location headers
  POST /ordermanagement/v1/orders/<order_id>/cancel → 204 (an accepted order, nothing captured)
  POST /ordermanagement/v1/orders/<order_id>/release-remaining-authorization → 204 (after
       a part capture)
  POST /ordermanagement/v1/orders/<order_id>/acknowledge
  GET  /redirect/<order_id>  (the redirect_url: on to merchant_urls.confirmation)
Errors are Kustom's body {error_code, error_messages, correlation_id} with its status
codes: BAD_REQUEST 400, TOKEN_NOT_FOUND 404, TOKEN_SUSPENDED/TOKEN_CANCELLED/
PAYMENT_METHOD_FAILED 403, NO_SUCH_ORDER 404, CAPTURE_NOT_ALLOWED/REFUND_NOT_ALLOWED/
NOT_ALLOWED 403. Order management never captures more than is still authorized nor
refunds more than is captured, and answers a repeated Klarna-Idempotency-Key with its
first answer, moving nothing again ("only the key matters", as Kustom documents it).

The sandbox's choices where Kustom's pages are silent (inferred), most of them Klarna's
order management, which Kustom forked:
  | what | the sandbox |
  | 401 body | UNAUTHORIZED |
  | BAD_REQUEST messages | "Bad value: <field>", "Missing field(s): <field>" |
  | answers a key remembers | orders, declines, and order changes done or refused (403); not malformed requests (400), unknown orders (404) or 5xx |
  | the order's captures and refunds | listed in GET .../orders/<order_id> as Klarna's order object does: capture_id, captured_amount, captured_at, reference, description / refund_id, refunded_amount, refunded_at, reference, description |
  | auto_capture | one capture of the whole order_amount when the order is accepted |
  | order status | PART_CAPTURED while some is captured and some authorized; CAPTURED once nothing remains authorized, also after a release |
  | cancel | an AUTHORIZED order with nothing captured (NOT_ALLOWED otherwise) |
  | release-remaining-authorization | a PART_CAPTURED order only (NOT_ALLOWED otherwise, also before any capture: cancel it) |
  | captured_amount, refunded_amount | integers from 1 to 200000000 |
  | pushes | none after an order management call; one after a back-office change (control below), as tests need a notification to arrive |

Control:
  POST /_sandbox/tokens {"state"?: ACTIVE|SUSPENDED|CANCELLED, "fraud_status"?: ACCEPTED|
       PENDING|REJECTED, "payment_method_fails"?: bool, "customer_token"?: a token to
       hold (e.g. the one of the OpenAPI document's example)} → {"customer_token"}
  GET  /_sandbox/orders?merchant_reference1=   the orders created
  GET  /_sandbox/charges?merchant_reference1=&customer_token=  every charge request,
       replays included
  POST /_sandbox/orders/<order_id>/push {"deliver"?: true}  an empty POST to the push URL
  POST /_sandbox/orders/<order_id>/fraud-decision {"event_type": FRAUD_RISK_ACCEPTED|
       FRAUD_RISK_REJECTED|FRAUD_RISK_STOPPED, "deliver"?: true}  decides a pending order
       and posts {order_id, event_type} to the push URL
  POST /_sandbox/orders/<order_id>/back-office {"action": capture|refund|cancel|release,
       "amount"?: minor units (capture, refund), "deliver"?: true}  a change made in
       Kustom's back office, then a push; "deliver": false loses the push (the order
       changed, nobody was told)
  POST /_sandbox/order-errors {"operation": captures|refunds|cancel|release-remaining-
       authorization, "status": 403|404|500|503..., "error_code"?, "message"?, "count"?: 1}
       the next such calls answer that error and change nothing
  GET  /_sandbox/order-changes?order_id=&operation=&idempotency_key=  every order
       management change received, replays included
  POST /_sandbox/late-answers {"ms", "count"?, "operation"?}  the next charges create
       their order (operation "createOrder"), or acknowledgements count (operation
       "acknowledge"), or order changes are made (operation "captures", "refunds",
       "cancel", "release-remaining-authorization"), and answer late
"""

from __future__ import annotations

import hmac
import re
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request

from sandboxes.common import (
    Latency,
    Replies,
    ScriptedErrors,
    Store,
    control_blueprint,
    deliver,
    scripted_errors_blueprint,
)

CREDENTIALS = {"KUSTOM_API_KEY": "kco_test_api_sandbox-0f3c9a"}

TOKEN_STATES = {"ACTIVE": None, "SUSPENDED": "TOKEN_SUSPENDED", "CANCELLED": "TOKEN_CANCELLED"}
FRAUD_STATUSES = ("ACCEPTED", "PENDING", "REJECTED")
# A decision on a pending order: its new fraud status, and whether the order survives.
DECISIONS = {
    "FRAUD_RISK_ACCEPTED": ("ACCEPTED", True),
    "FRAUD_RISK_REJECTED": ("REJECTED", False),
    "FRAUD_RISK_STOPPED": ("STOPPED", False),
}
LINE_TYPES = {"physical", "discount", "shipping_fee", "sales_tax", "digital", "gift_card", "store_credit", "surcharge"}
MAX_LINE_AMOUNT = 100_000_000
SUBSCRIPTION_INTERVALS = {"DAY", "WEEK", "MONTH", "YEAR"}
ORDER_ID_PLACEHOLDER = "{checkout.order.id}"
# The order fields order management answers with (besides the sandbox's bookkeeping).
ORDER_FIELDS = (
    "order_id", "status", "fraud_status", "order_amount", "original_order_amount", "captured_amount",
    "refunded_amount", "remaining_authorized_amount", "order_tax_amount", "purchase_currency",
    "merchant_reference1", "merchant_reference2", "order_lines", "billing_address", "created_at",
    "captures", "refunds",
)  # fmt: skip
# Order management's changes (the path's last segment); late answers name them so.
ORDER_CHANGES = ("captures", "refunds", "cancel", "release-remaining-authorization")
# What a back-office change does, by the control's action name.
BACK_OFFICE_ACTIONS = ("capture", "refund", "cancel", "release")
MAX_MODIFICATION_AMOUNT = 200_000_000
# Answers an idempotency key makes Kustom repeat: what it did or refused to do.
REMEMBERED = frozenset({200, 201, 204, 403})
# The shopper behind every sandbox token (order management returns the address).
SHOPPER = {"given_name": "Test", "family_name": "Shopper", "email": "shopper@example.test", "country": "SE"}


def connector_env(base_url: str) -> dict[str, str]:
    """Where the connector finds this sandbox, served at `base_url`."""
    return {"KUSTOM_API_URL": base_url}


def from_env(env: Mapping[str, str]) -> Flask:
    return create_app(env["KUSTOM_API_KEY"])


class KustomError(Exception):
    def __init__(self, status: int, code: str, *messages: str):
        self.status = status
        self.code = code
        self.messages = list(messages)

    def answer(self) -> tuple[dict, int]:
        return {
            "error_code": self.code,
            "error_messages": self.messages,
            "correlation_id": str(uuid.uuid4()),
        }, self.status


def create_app(api_key: str) -> Flask:
    app = Flask("kustom-sandbox", static_folder=None)
    latency = Latency()
    tokens, orders = Store(), Store()
    charges, changes = Store(), Store()  # every charge and order change received, replays included
    # The answers of charges and of order changes, by Klarna-Idempotency-Key.
    charge_replies: Replies[tuple[int, dict]] = Replies()
    change_replies: Replies[tuple[dict | str, int, dict]] = Replies()
    injected = ScriptedErrors()
    changing = threading.Lock()  # one order change at a time: amounts are read, then written

    def reset() -> None:
        for kept in (tokens, orders, charges, changes, charge_replies, change_replies):
            kept.clear()
        injected.clear()

    app.register_blueprint(control_blueprint(latency, reset, tokens.keys))
    app.register_blueprint(scripted_errors_blueprint(injected, ORDER_CHANGES, _scripted_error))
    app.register_error_handler(KustomError, KustomError.answer)

    def authenticate() -> None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Basic {api_key}".encode()):
            raise KustomError(401, "UNAUTHORIZED", "Invalid or missing API key")

    def stored_order(order_id: str) -> dict:
        order = orders.get(order_id)
        if order is None:
            raise KustomError(404, "NO_SUCH_ORDER", f"Order {order_id} was not found")
        return order

    @app.post("/customer-token/v1/tokens/<token>/order")
    def create_order(token: str):
        latency.wait()
        authenticate()
        body = request.get_json(force=True, silent=True)
        key = request.headers.get("Klarna-Idempotency-Key")
        (status, answer), replayed = charge_replies.answer(
            key, lambda: _charge(token, body), lambda charged: charged[0] in REMEMBERED
        )
        reference = body.get("merchant_reference1") if isinstance(body, dict) else None
        charges.append(
            {
                "merchant_reference1": reference,
                "customer_token": token,
                "idempotency_key": key,
                "status": status,
                "replayed": replayed,
            }
        )
        if status == 200 and not replayed:
            latency.wait_after_creating("createOrder")
        return answer, status

    def _charge(token: str, body: Any) -> tuple[int, dict]:
        try:
            problems = order_problems(body)
            if problems:
                raise KustomError(400, "BAD_REQUEST", *problems)
            holder = tokens.get(token)
            if holder is None:
                raise KustomError(404, "TOKEN_NOT_FOUND", "The customer token does not exist")
            if TOKEN_STATES[holder["state"]]:
                raise KustomError(
                    403, TOKEN_STATES[holder["state"]], f"The customer token is {holder['state'].lower()}"
                )
            if holder["payment_method_fails"]:
                raise KustomError(403, "PAYMENT_METHOD_FAILED", "The payment method was declined")
        except KustomError as error:
            answer, status = error.answer()
            return status, answer
        order = _new_order(token, holder["fraud_status"], body)
        orders.put(order["order_id"], order)
        return 200, {
            "order_id": order["order_id"],
            "fraud_status": order["fraud_status"],
            "redirect_url": f"{request.url_root}redirect/{order['order_id']}",
            "authorized_payment_method": {"type": "invoice", "number_of_days": 14},
        }

    @app.get("/ordermanagement/v1/orders/<order_id>")
    def read_order(order_id: str):
        latency.wait()
        authenticate()
        return _public(stored_order(order_id))

    @app.get("/ordermanagement/v1/orders/<order_id>/captures")
    def list_captures(order_id: str):
        latency.wait()
        authenticate()
        return [_public(capture) for capture in stored_order(order_id)["captures"]]

    @app.get("/ordermanagement/v1/orders/<order_id>/<any(captures, refunds):kind>/<item_id>")
    def read_capture_or_refund(order_id: str, kind: str, item_id: str):
        latency.wait()
        authenticate()
        name = "capture_id" if kind == "captures" else "refund_id"
        item = next((item for item in stored_order(order_id)[kind] if item[name] == item_id), None)
        if item is None:
            raise KustomError(404, "NO_SUCH_" + kind.upper()[:-1], f"No {kind[:-1]} {item_id} on order {order_id}")
        return _public(item)

    @app.post(
        '/ordermanagement/v1/orders/<order_id>/<any(captures, refunds, cancel, "release-remaining-authorization"):action>'
    )
    def change_order(order_id: str, action: str):
        """A capture, refund or cancellation; a key already used gets its first answer."""
        latency.wait()
        authenticate()
        key = request.headers.get("Klarna-Idempotency-Key")

        def change() -> tuple[dict | str, int, dict]:
            return injected.take(action) or _changed(
                lambda: _change(stored_order(order_id), action, request.get_json(force=True, silent=True))
            )

        with changing:
            (body, status, headers), replayed = change_replies.answer(key, change, lambda made: made[1] in REMEMBERED)
        if status == 201:
            created = headers[CREATED_HEADERS[action]]
            headers = {
                **headers,
                "Location": f"{request.url_root}ordermanagement/v1/orders/{order_id}/{action}/{created}",
            }
        changes.append(
            {
                "order_id": order_id,
                "operation": action,
                "idempotency_key": key,
                "status": status,
                "replayed": replayed,
            }
        )
        if status < 300 and not replayed:
            latency.wait_after_creating(action)
        return body, status, headers

    @app.post("/ordermanagement/v1/orders/<order_id>/acknowledge")
    def acknowledge(order_id: str):
        latency.wait()
        authenticate()
        order = stored_order(order_id)
        order["acknowledgements"] += 1
        latency.wait_after_creating("acknowledge")
        return "", 204

    @app.get("/redirect/<order_id>")
    def redirect_to_merchant(order_id: str):
        order = stored_order(order_id)
        return redirect(order["merchant_urls"]["confirmation"].replace(ORDER_ID_PLACEHOLDER, order_id))

    @app.post("/_sandbox/tokens")
    def create_token():
        options = request.get_json(force=True, silent=True) or {}
        state = options.get("state", "ACTIVE")
        fraud_status = options.get("fraud_status", "ACCEPTED")
        if state not in TOKEN_STATES or fraud_status not in FRAUD_STATUSES:
            return {
                "message": f"state must be one of {sorted(TOKEN_STATES)}, fraud_status one of {FRAUD_STATUSES}"
            }, 400
        token = str(options.get("customer_token") or uuid.uuid4())
        tokens.put(
            token,
            {
                "state": state,
                "fraud_status": fraud_status,
                "payment_method_fails": bool(options.get("payment_method_fails")),
            },
        )
        return {"customer_token": token}

    @app.get("/_sandbox/orders")
    def list_orders():
        return {"orders": orders.find(**request.args.to_dict())}

    @app.post("/_sandbox/orders/<order_id>/back-office")
    def back_office(order_id: str):
        options = request.get_json(force=True, silent=True) or {}
        action = options.get("action")
        if action not in BACK_OFFICE_ACTIONS:
            return {"message": f"action must be one of {list(BACK_OFFICE_ACTIONS)}"}, 400
        with changing:
            order = stored_order(order_id)
            try:
                _BACK_OFFICE[action](order, options.get("amount"))
            except KustomError as error:
                return {"message": "; ".join(error.messages), "error_code": error.code}, 409
        return _notify(order, options, data=b"")

    @app.get("/_sandbox/order-changes")
    def list_changes():
        return {"changes": changes.find(**request.args.to_dict())}

    @app.get("/_sandbox/charges")
    def list_charges():
        return {"charges": charges.find(**request.args.to_dict())}

    @app.post("/_sandbox/orders/<order_id>/push")
    def push(order_id: str):
        order = stored_order(order_id)
        options = request.get_json(force=True, silent=True) or {}
        return _notify(order, options, data=b"")

    @app.post("/_sandbox/orders/<order_id>/fraud-decision")
    def decide(order_id: str):
        order = stored_order(order_id)
        options = request.get_json(force=True, silent=True) or {}
        event_type = options.get("event_type")
        if event_type not in DECISIONS:
            return {"message": f"event_type must be one of {sorted(DECISIONS)}"}, 400
        if order["fraud_status"] != "PENDING":
            return {"message": f"order {order_id} is not pending but {order['fraud_status']}"}, 409
        _decide(order, event_type)
        return _notify(order, options, json={"order_id": order_id, "event_type": event_type})

    return app


_ERROR_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "NOT_ALLOWED", 404: "NO_SUCH_ORDER", 409: "CONFLICT",
    500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE",
}  # fmt: skip


def _scripted_error(status: int, message: str, options: dict) -> tuple:
    """Kustom's error answer for a status, with the error_code a test named or the one
    Kustom gives that status."""
    code = options.get("error_code") or _ERROR_CODES.get(status, "INTERNAL_SERVER_ERROR")
    return (*KustomError(status, code, message).answer(), {})


CREATED_HEADERS = {"captures": "Capture-Id", "refunds": "Refund-Id"}


def _changed(change) -> tuple[dict | str, int, dict]:
    """Kustom's answer to an order change: what `change` answers, or its error."""
    try:
        return change()
    except KustomError as error:
        return (*error.answer(), {})


def _change(order: dict, action: str, body: Any) -> tuple[str, int, dict]:
    if action == "cancel":
        _cancel(order)
        return "", 204, {}
    if action == "release-remaining-authorization":
        _release(order)
        return "", 204, {}
    amount_field = "captured_amount" if action == "captures" else "refunded_amount"
    problems = change_problems(body, amount_field)
    if problems:
        raise KustomError(400, "BAD_REQUEST", *problems)
    details = {name: body[name] for name in ("reference", "description") if name in body}
    if action == "captures":
        created = _take_capture(order, body[amount_field], **details)["capture_id"]
    else:
        created = _refund(order, body[amount_field], **details)["refund_id"]
    return "", 201, {CREATED_HEADERS[action]: created}


def change_problems(body: Any, amount_field: str) -> list[str]:
    if not isinstance(body, dict):
        return ["Bad value: body"]
    problems = _Problems()
    problems.integer(body, amount_field, amount_field, low=1, high=MAX_MODIFICATION_AMOUNT)
    for name in ("reference", "description"):
        problems.text(body, name, name, 255)
    for name in ("order_lines", "shipping_info"):
        if name in body and (not isinstance(body[name], list) or len(body[name]) > 1000):
            problems.bad(name)
    return problems.messages


def _notify(order: dict, options: dict, **body):
    """Sends a push or decision to the order's push URL, as Kustom does, unless the
    caller only wants the order's new state."""
    result: dict[str, Any] = {"order": _public(order)}
    if options.get("deliver", True):
        push_url = order["merchant_urls"].get("push")
        if not push_url:
            return {"message": "the order has no merchant_urls.push"}, 409
        result["notification"] = deliver("POST", push_url.replace(ORDER_ID_PLACEHOLDER, order["order_id"]), **body)
    return result


def _public(order: dict) -> dict:
    """The order as order management shows it."""
    public = {name: order[name] for name in ORDER_FIELDS if order.get(name) is not None}
    for kind in ("captures", "refunds"):
        if kind in public:
            public[kind] = [_present(item) for item in public[kind]]
    return public


def _present(item: dict) -> dict:
    return {name: value for name, value in item.items() if value is not None}


def _new_order(token: str, fraud_status: str, body: dict) -> dict:
    order = {
        "order_id": str(uuid.uuid4()),
        "customer_token": token,
        "fraud_status": fraud_status,
        "status": "AUTHORIZED",
        "order_amount": body["order_amount"],
        "original_order_amount": body["order_amount"],
        "captured_amount": 0,
        "refunded_amount": 0,
        "remaining_authorized_amount": body["order_amount"],
        "order_tax_amount": body["order_tax_amount"],
        "purchase_currency": body["purchase_currency"],
        "merchant_reference1": body.get("merchant_reference1"),
        "merchant_reference2": body.get("merchant_reference2"),
        "order_lines": body["order_lines"],
        "merchant_urls": body["merchant_urls"],
        "auto_capture": body.get("auto_capture", False),
        "billing_address": dict(SHOPPER),
        "captures": [],
        "refunds": [],
        "acknowledgements": 0,
    }
    if fraud_status == "REJECTED":
        order["status"] = "CANCELLED"
        order["remaining_authorized_amount"] = 0
    elif fraud_status == "ACCEPTED" and order["auto_capture"]:
        _take_capture(order, order["order_amount"])
    return order


def _decide(order: dict, event_type: str) -> None:
    order["fraud_status"], survives = DECISIONS[event_type]
    if not survives:
        order["status"] = "CANCELLED"
        order["remaining_authorized_amount"] = 0
    elif order["auto_capture"]:
        _take_capture(order, order["order_amount"])


# -- Order management: what captures, refunds and cancellations do to an order ---------


def _take_capture(order: dict, amount: int, reference: str | None = None, description: str | None = None) -> dict:
    if order["fraud_status"] != "ACCEPTED" or order["status"] not in ("AUTHORIZED", "PART_CAPTURED"):
        raise KustomError(
            403, "CAPTURE_NOT_ALLOWED", f"Capture not allowed: the order is {order['status']}, {order['fraud_status']}"
        )
    if amount > order["remaining_authorized_amount"]:
        raise KustomError(403, "CAPTURE_NOT_ALLOWED", "Captured amount is higher than the remaining authorized amount.")
    capture = {
        "capture_id": str(uuid.uuid4()),
        "captured_amount": amount,
        "captured_at": _now(),
        "reference": reference,
        "description": description,
        "klarna_reference": f"K{len(order['captures']) + 1:06d}",
        "refunded_amount": 0,
    }
    order["captures"].append(capture)
    order["captured_amount"] += amount
    order["remaining_authorized_amount"] -= amount
    order["status"] = "CAPTURED" if order["remaining_authorized_amount"] == 0 else "PART_CAPTURED"
    return capture


# Alike in shape to _take_capture, on purpose: Kustom keeps other rules and fields for a refund than for a capture.
def _refund(order: dict, amount: int, reference: str | None = None, description: str | None = None) -> dict:
    if amount > order["captured_amount"] - order["refunded_amount"]:
        raise KustomError(403, "REFUND_NOT_ALLOWED", "Refunded amount is higher than the captured amount.")
    refund = {
        "refund_id": str(uuid.uuid4()),
        "refunded_amount": amount,
        "refunded_at": _now(),
        "reference": reference,
        "description": description,
    }
    order["refunds"].append(refund)
    order["refunded_amount"] += amount
    return refund


def _cancel(order: dict) -> None:
    if order["status"] != "AUTHORIZED" or order["captured_amount"]:
        raise KustomError(403, "NOT_ALLOWED", f"Order cannot be cancelled: it is {order['status']}.")
    order["status"] = "CANCELLED"
    order["remaining_authorized_amount"] = 0


def _release(order: dict) -> None:
    if order["status"] == "CAPTURED":
        raise KustomError(403, "NOT_ALLOWED", "Order is fully captured. Remaining authorization cannot be released.")
    if order["status"] != "PART_CAPTURED":
        raise KustomError(
            403, "NOT_ALLOWED", f"Remaining authorization cannot be released: the order is {order['status']}."
        )
    order["remaining_authorized_amount"] = 0
    order["status"] = "CAPTURED"


_BACK_OFFICE = {
    "capture": lambda order, amount: _take_capture(order, _back_office_amount(amount)),
    "refund": lambda order, amount: _refund(order, _back_office_amount(amount)),
    "cancel": lambda order, _: _cancel(order),
    "release": lambda order, _: _release(order),
}


def _back_office_amount(amount: Any) -> int:
    if not _is_int(amount) or not 1 <= amount <= MAX_MODIFICATION_AMOUNT:
        raise KustomError(400, "BAD_REQUEST", "amount must be an integer of minor units")
    return amount


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- Kustom's validation of an order (BAD_REQUEST) -------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Problems:
    """Kustom's error messages for one request, in the order found."""

    def __init__(self):
        self.messages: list[str] = []

    def bad(self, path: str) -> None:
        self.messages.append(f"Bad value: {path}")

    def present(self, data: dict, name: str, path: str) -> bool:
        if name not in data or data[name] is None:
            self.messages.append(f"Missing field(s): {path}")
            return False
        return True

    def optional_object(self, data: dict, name: str, path: str) -> dict | None:
        """The object at `name`: None when absent or null, and (noted as bad) when no object."""
        value = data.get(name)
        if value is None or isinstance(value, dict):
            return value
        self.bad(path)
        return None

    def integer(
        self, data: dict, name: str, path: str, low: int | None = None, high: int | None = None, required=True
    ) -> None:
        if name not in data and not required:
            return
        if self.present(data, name, path):
            value = data[name]
            if not _is_int(value) or (low is not None and value < low) or (high is not None and value > high):
                self.bad(path)

    def text(self, data: dict, name: str, path: str, longest: int, required=False, pattern: str | None = None) -> None:
        if name not in data and not required:
            return
        if self.present(data, name, path):
            value = data[name]
            if (
                not isinstance(value, str)
                or not 0 < len(value) <= longest
                or (pattern and not re.fullmatch(pattern, value))
            ):
                self.bad(path)


def order_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["Bad value: body"]
    problems = _Problems()
    problems.text(body, "purchase_currency", "purchase_currency", 3, required=True, pattern=r"[A-Z]{3}")
    problems.integer(body, "order_amount", "order_amount", low=0)
    problems.integer(body, "order_tax_amount", "order_tax_amount", low=0)
    for name, longest in (("merchant_reference1", 255), ("merchant_reference2", 255), ("merchant_data", 6000)):
        problems.text(body, name, name, longest)
    if "auto_capture" in body and not isinstance(body["auto_capture"], bool):
        problems.bad("auto_capture")
    _merchant_url_problems(body, problems)
    _attachment_problems(body, problems)
    lines = body.get("order_lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= 1000:
        problems.bad("order_lines")
        return problems.messages
    for index, line in enumerate(lines):
        _line_problems(line, f"order_lines[{index}]", problems)
    if not problems.messages:
        _sum_problems(body, problems)
    return problems.messages


def _merchant_url_problems(body: dict, problems: _Problems) -> None:
    urls = body.get("merchant_urls")
    if not isinstance(urls, dict):
        problems.bad("merchant_urls")
        return
    http = r"https?://\S+"
    problems.text(urls, "confirmation", "merchant_urls.confirmation", 2000, required=True, pattern=http)
    problems.text(urls, "push", "merchant_urls.push", 2000, pattern=http)


def _attachment_problems(body: dict, problems: _Problems) -> None:
    if "attachment" not in body:
        return
    attachment = body["attachment"]
    if not isinstance(attachment, dict):
        problems.bad("attachment")
        return
    for name in ("body", "content_type"):
        problems.text(attachment, name, f"attachment.{name}", 100_000, required=True)


def _line_problems(line: Any, path: str, problems: _Problems) -> None:
    if not isinstance(line, dict):
        problems.bad(path)
        return
    before = len(problems.messages)
    problems.text(line, "name", f"{path}.name", 10_000, required=True)
    problems.integer(line, "quantity", f"{path}.quantity", low=0)
    for name in ("unit_price", "total_amount"):
        problems.integer(line, name, f"{path}.{name}", low=-MAX_LINE_AMOUNT, high=MAX_LINE_AMOUNT)
    for name in ("tax_rate", "total_discount_amount"):
        problems.integer(line, name, f"{path}.{name}", low=0, required=False)
    problems.integer(line, "total_tax_amount", f"{path}.total_tax_amount", required=False)
    if "type" in line and line["type"] not in LINE_TYPES:
        problems.bad(f"{path}.type")
    for name, longest in (
        ("reference", 256),
        ("quantity_unit", 8),
        ("merchant_data", 255),
        ("image_url", 1024),
        ("product_url", 1024),
    ):
        problems.text(line, name, f"{path}.{name}", longest)
    _product_identifier_problems(line, path, problems)
    _subscription_problems(line, path, problems)
    if len(problems.messages) == before:
        _line_arithmetic_problems(line, path, problems)


def _product_identifier_problems(line: dict, path: str, problems: _Problems) -> None:
    identifiers = problems.optional_object(line, "product_identifiers", f"{path}.product_identifiers")
    if identifiers is None:
        return
    for name in ("color", "size"):
        problems.text(identifiers, name, f"{path}.product_identifiers.{name}", 64)


def _subscription_problems(line: dict, path: str, problems: _Problems) -> None:
    subscription = problems.optional_object(line, "subscription", f"{path}.subscription")
    if subscription is None:
        return
    problems.text(subscription, "name", f"{path}.subscription.name", 10_000, required=True)
    if (
        problems.present(subscription, "interval", f"{path}.subscription.interval")
        and subscription["interval"] not in SUBSCRIPTION_INTERVALS
    ):
        problems.bad(f"{path}.subscription.interval")
    problems.integer(subscription, "interval_count", f"{path}.subscription.interval_count", low=1)


def _line_arithmetic_problems(line: dict, path: str, problems: _Problems) -> None:
    total, rate, tax = line["total_amount"], line.get("tax_rate", 0), line.get("total_tax_amount", 0)
    discount_line = line.get("type") == "discount"
    for name in ("unit_price", "total_amount", "total_tax_amount"):
        value = line.get(name, 0)
        if (discount_line and value > 0) or (not discount_line and value < 0):
            problems.bad(f"{path}.{name}")
    if total != line["quantity"] * line["unit_price"] - line.get("total_discount_amount", 0):
        problems.bad(f"{path}.total_amount")
    # total_tax_amount within ±1 of total − total × 10000 / (10000 + rate), in integers.
    if abs(tax * (10_000 + rate) - total * rate) > 10_000 + rate:
        problems.bad(f"{path}.total_tax_amount")


def _sum_problems(body: dict, problems: _Problems) -> None:
    lines = body["order_lines"]
    if body["order_amount"] != sum(line["total_amount"] for line in lines):
        problems.bad("order_amount")
    if body["order_tax_amount"] != sum(line.get("total_tax_amount", 0) for line in lines):
        problems.bad("order_tax_amount")
