import pytest

from connector.custom_types import INTERACTION_TYPE, PAYMENT_TYPE
from connector.providers import read_settings
from deploy.resources import (
    DeployError,
    authorization_header,
    extension_draft,
    extension_plan,
    fingerprint,
    fingerprint_matches,
    payment_interface_condition,
    type_plan,
)


def test_condition_matches_every_provider_in_common_spellings():
    condition = payment_interface_condition()
    assert condition.startswith("paymentMethodInfo is defined and paymentMethodInfo(paymentInterface is defined)")
    for spelling in ('"nuvei"', '"Nuvei"', '"NUVEI"'):
        assert spelling in condition


def test_extension_draft(settings):
    draft = extension_draft(settings)
    assert draft["destination"]["url"] == "https://connector.example.test/extension"
    assert draft["destination"]["authentication"] == {
        "type": "AuthorizationHeader",
        "headerValue": "Basic Y29tbWVyY2V0b29sczpleHRlbnNpb24tc2VjcmV0LXZhbHVl",
    }
    assert draft["triggers"][0]["actions"] == ["Create", "Update"]
    assert draft["triggers"][0]["resourceTypeId"] == "payment"
    assert draft["timeoutInMs"] == 10000


def test_a_missing_type_is_created():
    plan = type_plan(PAYMENT_TYPE, None)
    assert plan.create["key"] == "connector-payment"
    assert [d["name"] for d in plan.create["fieldDefinitions"]] == list(PAYMENT_TYPE.field_names)


def test_a_matching_type_is_up_to_date():
    current = {**INTERACTION_TYPE.draft(), "id": "x", "version": 3}
    assert type_plan(INTERACTION_TYPE, current).up_to_date


def test_missing_fields_are_added_and_a_new_name_applied():
    current = PAYMENT_TYPE.draft()
    current["fieldDefinitions"] = current["fieldDefinitions"][:2]
    current["name"] = {"en": "old name"}
    plan = type_plan(PAYMENT_TYPE, current)
    assert [a["action"] for a in plan.actions] == ["changeName", "addFieldDefinition", "addFieldDefinition"]
    assert {a["fieldDefinition"]["name"] for a in plan.actions[1:]} == {"redirectUrl", "sessionResponse"}


def test_a_field_of_another_type_cannot_be_reconciled():
    current = PAYMENT_TYPE.draft()
    current["fieldDefinitions"][0]["type"] = {"name": "Boolean"}
    with pytest.raises(DeployError, match="sessionRequest"):
        type_plan(PAYMENT_TYPE, current)


def test_a_type_for_other_resources_is_an_error():
    with pytest.raises(DeployError, match="exists for"):
        type_plan(PAYMENT_TYPE, {**PAYMENT_TYPE.draft(), "resourceTypeIds": ["order"]})


def registered(settings):
    draft = extension_draft(settings)
    masked = {
        **draft,
        "destination": {
            **draft["destination"],
            "authentication": {"type": "AuthorizationHeader", "headerValue": "****"},
        },
    }
    return masked, fingerprint(draft["destination"]["authentication"]["headerValue"])


def test_a_registered_extension_with_the_same_settings_is_up_to_date(settings):
    current, stored = registered(settings)
    assert extension_plan(settings, current, stored).up_to_date


def test_changed_credentials_change_the_destination(settings, env):
    current, stored = registered(settings)
    env["EXTENSION_PASSWORD"] = "rotated"
    plan = extension_plan(read_settings(env), current, stored)
    assert [a["action"] for a in plan.actions] == ["changeDestination"]
    assert plan.changes == ["authorization header"]


def test_changed_url_timeout_and_triggers(settings):
    current, stored = registered(settings)
    current = {
        **current,
        "timeoutInMs": 2000,
        "triggers": [],
        "destination": {**current["destination"], "url": "https://old.example.test/extension"},
    }
    plan = extension_plan(settings, current, stored)
    assert [a["action"] for a in plan.actions] == ["changeDestination", "changeTriggers", "setTimeoutInMs"]
    assert plan.changes == [
        "destination https://old.example.test/extension → https://connector.example.test/extension",
        "triggers and condition",
        "timeout 2000 → 10000 ms",
    ]
    assert not plan.details  # the changes say it all for what is already registered


def test_fingerprints_are_salted_and_verifiable(settings):
    header = authorization_header(settings)
    first, second = fingerprint(header), fingerprint(header)
    assert first["scrypt"] != second["scrypt"]
    assert header not in str(first)
    assert fingerprint_matches(first, header) and fingerprint_matches(second, header)
    assert not fingerprint_matches(first, header + "x")
    assert not fingerprint_matches(None, header)
