"""Kustom sandbox: customer-token charges, order management, pushes and fraud decisions.

Kustom's API, behind `Authorization: Basic <KUSTOM_API_KEY>`:
  POST /customer-token/v1/tokens/<customerToken>/order  (Klarna-Idempotency-Key honoured)
  GET  /ordermanagement/v1/orders/<order_id>
  POST /ordermanagement/v1/orders/<order_id>/acknowledge
  GET  /redirect/<order_id>  (the redirect_url: on to merchant_urls.confirmation)
Errors are Kustom's body {error_code, error_messages, correlation_id} with its status
codes: BAD_REQUEST 400, TOKEN_NOT_FOUND 404, TOKEN_SUSPENDED/TOKEN_CANCELLED/
PAYMENT_METHOD_FAILED 403, NO_SUCH_ORDER 404. The 401 body (UNAUTHORIZED), the
"Bad value: <field>" messages and which answers an idempotency key remembers (orders
and declines, not requests refused as malformed) are the sandbox's choice (inferred).

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
  POST /_sandbox/late-answers {"ms", "count"?, "operation"?}  the next charges create
       their order (operation "createOrder"), or acknowledgements count (operation
       "acknowledge"), and answer late
"""

from __future__ import annotations

import hmac
import itertools
import re
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, request

from .common import Latency, Store, control_blueprint, deliver

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
)  # fmt: skip
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
    tokens, orders, charges, remembered = Store(), Store(), Store(), Store()
    charge_numbers = itertools.count(1)
    charging = threading.Lock()  # one charge at a time, so a key cannot create two orders

    def reset() -> None:
        for store in (tokens, orders, charges, remembered):
            store.clear()

    app.register_blueprint(control_blueprint(latency, reset, tokens.keys))
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
        with charging:
            replay = remembered.get(key) if key else None
            status, answer = (replay["status"], replay["answer"]) if replay else _charge(token, body)
            if key and not replay and status in (200, 403):
                remembered.put(key, {"status": status, "answer": answer})
        reference = body.get("merchant_reference1") if isinstance(body, dict) else None
        charges.put(
            str(next(charge_numbers)),
            {
                "merchant_reference1": reference,
                "customer_token": token,
                "idempotency_key": key,
                "status": status,
                "replayed": bool(replay),
            },
        )
        if status == 200 and not replay:
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
    return {name: order[name] for name in ORDER_FIELDS if order.get(name) is not None}


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
        "acknowledgements": 0,
    }
    if fraud_status == "REJECTED":
        order["status"] = "CANCELLED"
    elif fraud_status == "ACCEPTED" and order["auto_capture"]:
        _capture(order)
    return order


def _decide(order: dict, event_type: str) -> None:
    order["fraud_status"], survives = DECISIONS[event_type]
    if not survives:
        order["status"] = "CANCELLED"
        order["remaining_authorized_amount"] = 0
    elif order["auto_capture"]:
        _capture(order)


def _capture(order: dict) -> None:
    order["status"] = "CAPTURED"
    order["captured_amount"] = order["order_amount"]
    order["remaining_authorized_amount"] = 0


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
