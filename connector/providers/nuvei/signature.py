"""Nuvei's checksums: SHA-256 hex of fields concatenated with the merchant secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from ...errors import NotAuthentic

# Order of the fields in a DMN's advanceResponseChecksum, after the secret.
DMN_CHECKSUM_FIELDS = ("totalAmount", "currency", "responseTimeStamp", "PPP_TransactionID", "Status", "productId")
# Order of the fields in each request's `checksum`, before the secret; a field the
# request does not carry counts as empty.
OPEN_ORDER_FIELDS = ("merchantId", "merchantSiteId", "clientRequestId", "amount", "currency", "timeStamp")
# settleTransaction.do, refundTransaction.do and voidTransaction.do. urlDetails is part of
# the order but never sent on these calls, so it always counts as empty.
MODIFICATION_FIELDS = (
    "merchantId", "merchantSiteId", "clientRequestId", "clientUniqueId", "amount", "currency",
    "relatedTransactionId", "authCode", "comment", "urlDetails", "timeStamp",
)  # fmt: skip
TRANSACTION_DETAILS_FIELDS = (
    "merchantId", "merchantSiteId", "clientRequestId", "transactionId", "clientUniqueId", "timeStamp",
)  # fmt: skip


def _sha256(*parts: str) -> str:
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def checksum(request: Mapping[str, str], fields: tuple[str, ...], secret: str) -> str:
    """The `checksum` of a request whose checksum covers `fields`, in that order."""
    return _sha256(*(str(request.get(name) or "") for name in fields), secret)


def dmn_checksum(fields: Mapping[str, str], secret: str) -> str:
    return _sha256(secret, *(fields.get(name, "") for name in DMN_CHECKSUM_FIELDS))


def verify_dmn(fields: Mapping[str, str], secret: str) -> None:
    """Raises NotAuthentic unless advanceResponseChecksum matches (constant time)."""
    given = fields.get("advanceResponseChecksum", "")
    if not given:
        raise NotAuthentic("the DMN has no advanceResponseChecksum")
    if not hmac.compare_digest(given.lower().encode(), dmn_checksum(fields, secret).encode()):
        raise NotAuthentic("the DMN's advanceResponseChecksum does not match")
