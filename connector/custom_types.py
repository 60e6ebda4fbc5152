"""The custom types the connector writes: one source for the deploy command and for the
update actions the services send."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomType:
    key: str
    name: str
    resource_type_id: str
    field_names: tuple[str, ...]

    def draft(self) -> dict:
        """The commercetools TypeDraft: every field an optional String."""
        return {
            "key": self.key,
            "name": {"en": self.name},
            "resourceTypeIds": [self.resource_type_id],
            "fieldDefinitions": [
                {"name": name, "label": {"en": name}, "required": False, "type": {"name": "String"}}
                for name in self.field_names
            ],
        }


PAYMENT_TYPE = CustomType(
    key="connector-payment",
    name="Payment connector: provider session",
    resource_type_id="payment",
    field_names=("sessionRequest", "sessionToken", "redirectUrl", "sessionResponse"),
)

INTERACTION_TYPE = CustomType(
    key="connector-interaction",
    name="Payment connector: provider interaction",
    resource_type_id="payment-interface-interaction",
    field_names=("type", "request", "response", "createdAt", "correlationId"),
)

CUSTOM_TYPES = (PAYMENT_TYPE, INTERACTION_TYPE)
