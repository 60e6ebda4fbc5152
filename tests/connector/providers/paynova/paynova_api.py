"""Paynova's API as the Paynova tests stub it: an order id Paynova made, the paths the
client calls for it, and the status object of a successful call."""

ORDER_ID = "30c8d09b-28c6-4246-b4d4-a3b000e181c7"
CREATE = "/api/orders/create"
INITIALIZE = f"/api/orders/{ORDER_ID}/initializePayment"
SUCCESS = {
    "isSuccess": True,
    "errorNumber": 0,
    "statusKey": "SUCCESS",
    "statusMessage": "The operation was successful.",
}
