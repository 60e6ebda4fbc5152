"""What the connector needs in a commercetools project, and the update actions that
bring what is there to it. Pure functions: commands.py does the I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from connector.custom_types import CustomType
from connector.providers import REGISTRY
from connector.settings import Settings

EXTENSION_KEY = "payment-connector-extension"
# commercetools' own limit for payment extensions.
EXTENSION_TIMEOUT_MS = 10000
# Where deploy keeps a fingerprint of the extension's Authorization header, which
# commercetools masks when the extension is read back.
FINGERPRINT_CONTAINER = "payment-connector"
FINGERPRINT_KEY = "extension-authorization"


class DeployError(Exception):
    """The project holds something deploy cannot reconcile by itself."""


@dataclass
class Plan:
    """What one resource needs: create it, update it (actions), or nothing."""

    resource: str
    create: dict | None = None
    actions: list[dict] = field(default_factory=list)
    version: int | None = None  # of the resource the actions were planned on
    changes: list[str] = field(default_factory=list)  # human-readable, for the output
    # What a created resource will be, a line each, for the output: no secret in them.
    details: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return self.create is None and not self.actions


def payment_interface_condition() -> str:
    """Matches our payment interfaces in the usual spellings: commercetools compares
    values exactly, and a payment without paymentMethodInfo must not fail the predicate."""
    spellings = sorted({variant for name in REGISTRY for variant in (name, name.capitalize(), name.upper())})
    names = ", ".join(f'"{spelling}"' for spelling in spellings)
    return (
        "paymentMethodInfo is defined and paymentMethodInfo(paymentInterface is defined) "
        f"and paymentMethodInfo(paymentInterface in ({names}))"
    )


def authorization_header(settings: Settings) -> str:
    credentials = ":".join(settings.extension_credentials()).encode()
    return "Basic " + base64.b64encode(credentials).decode()


def extension_path(tenant: str | None) -> str:
    """The extension's path: /extension, then the tenant's name where the deployment names
    its tenants."""
    return f"/extension/{tenant}" if tenant else "/extension"


def extension_draft(settings: Settings, tenant: str | None = None) -> dict:
    """The extension commercetools calls: the extension service's URL for the tenant."""
    return {
        "key": EXTENSION_KEY,
        "destination": {
            "type": "HTTP",
            "url": f"{settings.extension_public_url}{extension_path(tenant)}",
            "authentication": {"type": "AuthorizationHeader", "headerValue": authorization_header(settings)},
        },
        "triggers": [
            {"resourceTypeId": "payment", "actions": ["Create", "Update"], "condition": payment_interface_condition()}
        ],
        "timeoutInMs": EXTENSION_TIMEOUT_MS,
    }


def fingerprint(header: str, salt: str | None = None) -> dict:
    """A salted, slow hash of the Authorization header: enough to tell whether it
    changed, useless for recovering the password."""
    salt = salt or os.urandom(16).hex()
    digest = hashlib.scrypt(header.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()
    return {"salt": salt, "scrypt": digest}


def fingerprint_matches(stored: dict | None, header: str) -> bool:
    if not stored or "salt" not in stored or "scrypt" not in stored:
        return False
    return hmac.compare_digest(fingerprint(header, stored["salt"])["scrypt"], stored["scrypt"])


def type_details(draft: dict) -> list[str]:
    details = [f'key {draft["key"]}, for {", ".join(draft["resourceTypeIds"])}, named "{draft["name"]["en"]}"']
    for definition in draft["fieldDefinitions"]:
        required = "required" if definition["required"] else "optional"
        details.append(f"field {definition['name']}: {definition['type']['name']}, {required}")
    return details


def extension_details(draft: dict, username: str) -> list[str]:
    # The header itself carries the password: only its scheme and the user are shown.
    scheme = draft["destination"]["authentication"]["headerValue"].split(" ", 1)[0]
    details = [f"url {draft['destination']['url']}"]
    for trigger in draft["triggers"]:
        details.append(f"trigger {trigger['resourceTypeId']} {', '.join(trigger['actions'])}")
        details.append(f"condition {trigger['condition']}")
    details.append(f"timeout {draft['timeoutInMs']} ms")
    details.append(f"authorization {scheme}, user {username} (password not shown)")
    return details


def type_plan(custom_type: CustomType, current: dict | None) -> Plan:
    plan = Plan(f"type {custom_type.key}")
    draft = custom_type.draft()
    if current is None:
        plan.create = draft
        plan.changes.append("create")
        plan.details = type_details(draft)
        return plan
    plan.version = current.get("version")
    if current.get("resourceTypeIds") != draft["resourceTypeIds"]:
        raise DeployError(
            f"type {custom_type.key} exists for {current.get('resourceTypeIds')}, not {draft['resourceTypeIds']}; "
            "remove it or rename it"
        )
    if current.get("name", {}).get("en") != draft["name"]["en"]:
        plan.actions.append({"action": "changeName", "name": draft["name"]})
        plan.changes.append("rename")
    existing = {definition["name"]: definition for definition in current.get("fieldDefinitions", [])}
    for definition in draft["fieldDefinitions"]:
        found = existing.get(definition["name"])
        if found is None:
            plan.actions.append({"action": "addFieldDefinition", "fieldDefinition": definition})
            plan.changes.append(f"add field {definition['name']}")
        elif found.get("type", {}).get("name") != definition["type"]["name"]:
            raise DeployError(
                f"type {custom_type.key}: field {definition['name']} is a {found['type'].get('name')}, "
                "not a String; commercetools cannot change a field's type"
            )
    return plan


def extension_plan(
    settings: Settings, current: dict | None, stored_fingerprint: dict | None, tenant: str | None = None
) -> Plan:
    plan = Plan(f"extension {EXTENSION_KEY}")
    draft = extension_draft(settings, tenant)
    if current is None:
        plan.create = draft
        plan.changes.append("create")
        plan.details = extension_details(draft, settings.extension_credentials()[0])
        return plan
    plan.version = current.get("version")
    destination = current.get("destination", {})
    if destination.get("url") != draft["destination"]["url"]:
        plan.changes.append(f"destination {destination.get('url')} → {draft['destination']['url']}")
    if not fingerprint_matches(stored_fingerprint, draft["destination"]["authentication"]["headerValue"]):
        plan.changes.append("authorization header")
    if plan.changes:
        plan.actions.append({"action": "changeDestination", "destination": draft["destination"]})
    if current.get("triggers") != draft["triggers"]:
        plan.actions.append({"action": "changeTriggers", "triggers": draft["triggers"]})
        plan.changes.append("triggers and condition")
    if current.get("timeoutInMs") != draft["timeoutInMs"]:
        plan.actions.append({"action": "setTimeoutInMs", "timeoutInMs": draft["timeoutInMs"]})
        plan.changes.append(f"timeout {current.get('timeoutInMs')} → {draft['timeoutInMs']} ms")
    return plan
