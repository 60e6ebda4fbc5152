"""The Kubernetes manifests: what each container receives (env, envFrom, references to the
ConfigMap and the Secret) checked against what the code reads and requires at start-up;
ports and probes that agree; secrets only by reference, from the one Secret the README
tells the operator to create."""

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from connector.providers import REGISTRY, all_variables, read_settings
from connector.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
SERVICES = ("extension", "notification")
# Set by the manifests for the image and gunicorn, not settings of the connector.
RUNTIME = {"SERVICE", "PORT", "PROMETHEUS_MULTIPROC_DIR"}
DECLARED = {variable.name: variable for variable in all_variables()}
# A provider is on exactly when its credentials are there, so each of its settings may be absent.
OPTIONAL = {variable.name for provider in REGISTRY.values() for variable in provider.variables}
# What the Secret must hold for any service to start: the secrets that are not a provider's.
REQUIRED_SECRET_KEYS = {name for name, variable in DECLARED.items() if variable.secret and name not in OPTIONAL}


@dataclass(frozen=True)
class Received:
    """One environment variable as the container's process gets it, and where from."""

    value: str
    source: str  # "manifest" (written inline), "ConfigMap" or "Secret"


def documents():
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") != "Kustomization":
                yield document


def of_kind(kind):
    return [document for document in documents() if document["kind"] == kind]


def config_map_data(name: str) -> dict[str, str]:
    found = {config["metadata"]["name"]: config["data"] for config in of_kind("ConfigMap")}
    assert name in found, f"deploy/kubernetes has no ConfigMap {name}"
    return found[name]


def documented_secret() -> str:
    [name] = re.findall(r"kubectl create secret generic (\S+)", (ROOT / "README.md").read_text())
    return name


def component(document) -> str:
    return document["metadata"]["labels"]["app.kubernetes.io/component"]


def container(service: str) -> dict:
    [found] = [d for d in of_kind("Deployment") if component(d) == service]
    [only] = found["spec"]["template"]["spec"]["containers"]
    return only


def containers() -> list[dict]:
    return [container(service) for service in SERVICES]


def secret_holding(keys) -> dict[str, str]:
    return {key: f"{key.lower()}-value" for key in keys}


def every_referenced_secret_key() -> set[str]:
    return {
        entry["valueFrom"]["secretKeyRef"]["key"]
        for each in containers()
        for entry in each.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }


def received(each: dict, secret: dict[str, str]) -> dict[str, Received]:
    """The environment Kubernetes gives the container when the Secret holds `secret`:
    envFrom first, env entries over it (Kubernetes' order)."""
    environment = {}
    for source in each.get("envFrom", []):
        environment.update(from_source(source, secret))
    for entry in each.get("env", []):
        value = from_entry(entry, secret)
        if value is not None:
            environment[entry["name"]] = value
    return environment


def from_source(source: dict, secret: dict[str, str]) -> dict[str, Received]:
    if "configMapRef" in source:
        data = config_map_data(source["configMapRef"]["name"])
        return {name: Received(value, "ConfigMap") for name, value in data.items()}
    assert source["secretRef"]["name"] == documented_secret()
    return {name: Received(value, "Secret") for name, value in secret.items()}


def from_entry(entry: dict, secret: dict[str, str]) -> Received | None:
    """The entry's value; None for an optional Secret key that is not there."""
    if "value" in entry:
        return Received(entry["value"], "manifest")
    reference = entry["valueFrom"]
    if "configMapKeyRef" in reference:
        key = reference["configMapKeyRef"]
        return Received(config_map_data(key["name"])[key["key"]], "ConfigMap")
    key = reference["secretKeyRef"]
    if key["key"] in secret:
        return Received(secret[key["key"]], "Secret")
    assert key.get("optional"), f"{entry['name']}: the pod would not start without {key['key']} in the Secret"
    return None


def settings_at_start(service: str, secret: dict[str, str]) -> Settings:
    """What the service's start-up check makes of what the container receives."""
    environment = {name: variable.value for name, variable in received(container(service), secret).items()}
    required = importlib.import_module(f"{service}.app").REQUIRED_SETTINGS
    return read_settings(environment).require(*required)


def port_number(each: dict, port: int | str) -> int:
    """A port as a number: named ports are the container's."""
    if isinstance(port, int):
        return port
    [number] = [declared["containerPort"] for declared in each["ports"] if declared["name"] == port]
    return number


def test_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_starts_with_the_required_secret_keys_alone_and_no_provider_on(service):
    assert settings_at_start(service, secret_holding(REQUIRED_SECRET_KEYS)).providers == {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_provider_is_on_when_the_secret_holds_every_key_referenced(service):
    settings = settings_at_start(service, secret_holding(every_referenced_secret_key()))
    assert set(settings.providers) == set(REGISTRY)


@pytest.mark.parametrize("service", SERVICES)
def test_the_container_receives_every_setting_the_code_reads_and_no_other(service):
    environment = received(container(service), secret_holding(every_referenced_secret_key()))
    assert environment["SERVICE"].value == service
    assert set(environment) - RUNTIME <= set(DECLARED)
    missing = set(DECLARED) - set(environment) - {"CTP_SCOPES"}  # CTP_SCOPES has a default
    assert not missing, f"add {sorted(missing)} to deploy/kubernetes"


@pytest.mark.parametrize("service", SERVICES)
def test_secrets_reach_the_container_only_from_the_secret(service):
    environment = received(container(service), secret_holding(every_referenced_secret_key()))
    secrets = {name for name, variable in DECLARED.items() if variable.secret}
    elsewhere = {name for name in secrets & set(environment) if environment[name].source != "Secret"}
    assert not elsewhere, f"{sorted(elsewhere)} must come from the Secret"


def test_no_secret_is_in_the_manifests():
    assert not of_kind("Secret")
    secrets = {name for name, variable in DECLARED.items() if variable.secret}
    for config in of_kind("ConfigMap"):
        assert not secrets & set(config["data"])


def optional_flag(name: str) -> dict:
    return {"optional": True} if name in OPTIONAL else {}


def test_every_secret_reference_names_the_documented_secret_and_is_optional_only_for_a_provider():
    secret = documented_secret()
    for each in containers():
        for source in each.get("envFrom", []):
            if "secretRef" in source:
                assert source["secretRef"]["name"] == secret
        for entry in each.get("env", []):
            reference = entry.get("valueFrom", {}).get("secretKeyRef")
            if reference is not None:
                assert reference == {"name": secret, "key": entry["name"], **optional_flag(entry["name"])}


@pytest.mark.parametrize("service", SERVICES)
def test_port_probes_and_service_agree(service):
    each = container(service)
    [declared] = each["ports"]
    port = declared["containerPort"]
    assert int(received(each, secret_holding(REQUIRED_SECRET_KEYS))["PORT"].value) == port
    for probe in ("readinessProbe", "livenessProbe"):
        assert each[probe]["httpGet"]["path"] == "/health"
        assert port_number(each, each[probe]["httpGet"]["port"]) == port
    [kubernetes_service] = [s for s in of_kind("Service") if component(s) == service]
    assert [port_number(each, p["targetPort"]) for p in kubernetes_service["spec"]["ports"]] == [port]
    assert each["resources"]["requests"]["cpu"] and each["resources"]["requests"]["memory"]


def test_services_and_autoscalers_point_at_the_deployments():
    deployments = {d["metadata"]["name"] for d in of_kind("Deployment")}
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler")} == deployments
    assert {s["metadata"]["name"] for s in of_kind("Service")} == deployments


def reconcile_container() -> dict:
    [job] = of_kind("CronJob")
    [only] = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return only


def test_the_reconciliation_job_runs_the_reconcile_command_in_the_services_image():
    job = reconcile_container()
    assert job["command"] == ["python", "-m", "notification.reconcile"]
    assert {job["image"]} == {each["image"] for each in containers()}
    [cron] = of_kind("CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "Never"


@pytest.mark.parametrize("every_provider", [False, True])
def test_the_reconciliation_job_gets_the_services_configuration_by_reference(every_provider):
    secret = secret_holding(every_referenced_secret_key() if every_provider else REQUIRED_SECRET_KEYS)
    environment = received(reconcile_container(), secret)
    assert {name for name, variable in environment.items() if variable.source == "Secret"} == set(secret)
    settings = read_settings({name: variable.value for name, variable in environment.items()})
    assert set(settings.providers) == (set(REGISTRY) if every_provider else set())
