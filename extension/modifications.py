"""Capture, refund and cancel: an Update that adds Initial transactions (Charge, Refund,
CancelAuthorization) makes the extension call the provider for each, in order, under the
one deadline of the answer, and answer with their outcomes.

Every modification of the Update is checked and prepared before the first is sent: a
refusal is a 400 that commercetools turns into the merchant's error, and it must come
before any money moved (commercetools would store none of the Update)."""

from __future__ import annotations

import logging

from connector.actions import modification_actions
from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.modifications import Balance, Modification, check
from connector.payment import Payment
from connector.providers import Providers
from connector.providers.base import Call, ModificationCall, ModificationResult, Provider

log = logging.getLogger(__name__)

# A provider call starts only with this share of the answer's deadline left: one that
# would surely time out leaves its transaction Initial, for the next Update to carry out.
MINIMUM_SHARE_OF_DEADLINE = 0.2


class Modifications:
    def __init__(self, providers: Providers, timeout: float):
        self.providers = providers
        self.timeout = timeout

    def carry_out(self, payment: Payment, modifications: list[Modification], correlation_id: str) -> list[dict]:
        """The actions recording each modification's outcome; InvalidInput or
        OperationNotPossible, before any call, for one that cannot be carried out."""
        provider = self.providers.for_payment(payment)
        if provider is None:  # not one of ours
            return []
        deadline = Deadline(self.timeout)
        prepared = self._prepare(provider, payment, modifications)
        actions: list[dict] = []
        for modification, call in zip(modifications, prepared, strict=True):
            if deadline.remaining() < self.timeout * MINIMUM_SHARE_OF_DEADLINE:
                log.warning(
                    "no time left for the %s of transaction %s; it stays Initial",
                    modification.asked,
                    modification.transaction_id,
                )
                break
            result = _send(provider, call, Call(deadline, correlation_id))
            actions += modification_actions(modification, call, result, correlation_id)
        return actions

    @staticmethod
    def _prepare(provider: Provider, payment: Payment, modifications: list[Modification]) -> list[ModificationCall]:
        """Each modification checked and prepared, counted (as Pending) in the balance of
        the ones after it."""
        balance = Balance.of(payment.transactions, payment.amount_planned.currency)
        prepared = []
        for modification in modifications:
            left = provider.available(balance, modification.type)
            check(modification, left, provider.name, provider.modification_reach, provider.cannot)
            prepared.append(provider.prepare_modification(payment, modification, balance))
            balance = balance.with_transaction(modification.type, "Pending", modification.amount.cent_amount)
        return prepared


def _send(provider: Provider, call: ModificationCall, context: Call) -> ModificationResult:
    """The provider's answer; a refusal is a Failure (the merchant's Update still records
    the attempt), no answer in time a Pending, as the money may have moved."""
    try:
        return provider.send_modification(call, context)
    except ProviderRefused as refused:
        log.warning("%s refused: %s", call.operation, refused)
        return ModificationResult("Failure", {"code": refused.code, "message": refused.message, **refused.details})
    except ProviderUnavailable as unavailable:
        log.warning("%s without an answer, recorded as Pending: %s", call.operation, unavailable)
        return ModificationResult("Pending", {"error": unavailable.reason})
