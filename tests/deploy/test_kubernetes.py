"""The Kubernetes manifests: probes, ports, settings the code reads, secrets only by reference."""
from pathlib import Path

import pytest
import yaml

from connector.providers import REGISTRY, all_variables

MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
PORTS = {"extension": 8080, "notification": 8081}
# Set by the manifests for the image and gunicorn, not settings of the connector.
RUNTIME = {"SERVICE", "PORT", "PROMETHEUS_MULTIPROC_DIR"}
DECLARED = {variable.name: variable for variable in all_variables()}
REQUIRED = {
    "extension": {"CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET", "CTP_API_URL", "CTP_AUTH_URL",
                  "EXTENSION_USERNAME", "EXTENSION_PASSWORD", "NOTIFICATION_PUBLIC_URL"},
    "notification": {"CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET", "CTP_API_URL", "CTP_AUTH_URL"},
}  # fmt: skip


def documents():
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") != "Kustomization":
                yield document


def of_kind(kind):
    return [document for document in documents() if document["kind"] == kind]


def config_map():
    [config] = of_kind("ConfigMap")
    return config


def deployment(service):
    [found] = [d for d in of_kind("Deployment") if d["metadata"]["labels"]["app.kubernetes.io/component"] == service]
    return found["spec"]["template"]["spec"]["containers"][0]


def test_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("service", PORTS)
def test_probes_and_ports(service):
    container = deployment(service)
    [port] = container["ports"]
    assert port["containerPort"] == PORTS[service]
    assert {e["name"]: e.get("value") for e in container["env"]}["SERVICE"] == service
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": port["name"]}
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]


@pytest.mark.parametrize("service", PORTS)
def test_settings_are_ones_the_code_reads_and_secrets_are_references(service):
    container = deployment(service)
    provided = set(config_map()["data"])
    for entry in container["env"]:
        name = entry["name"]
        assert name in DECLARED or name in RUNTIME, f"{name} is not read by the connector"
        if name in DECLARED and DECLARED[name].secret:
            assert set(entry) == {"name", "valueFrom"} and "secretKeyRef" in entry["valueFrom"]
        provided.add(name)
    assert REQUIRED[service] <= provided
    assert all(name in DECLARED for name in config_map()["data"])


def test_no_secret_value_is_inline():
    assert not of_kind("Secret")
    secrets = {name for name, variable in DECLARED.items() if variable.secret}
    assert not secrets & set(config_map()["data"])


def test_services_and_autoscalers_point_at_the_deployments():
    deployments = {d["metadata"]["name"] for d in of_kind("Deployment")}
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler")} == deployments
    for service in of_kind("Service"):
        assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert {s["metadata"]["name"] for s in of_kind("Service")} == deployments


@pytest.mark.parametrize("service", PORTS)
def test_every_setting_the_connector_reads_is_in_the_manifests(service):
    from_secret = {entry["name"] for entry in deployment(service)["env"] if "valueFrom" in entry}
    missing = set(DECLARED) - set(config_map()["data"]) - from_secret - {"CTP_SCOPES"}  # CTP_SCOPES has a default
    assert not missing, f"add {sorted(missing)} to deploy/kubernetes"


@pytest.mark.parametrize("service", PORTS)
def test_a_provider_is_on_only_when_its_credentials_are_in_the_secret(service):
    provider_settings = {variable.name for provider in REGISTRY.values() for variable in provider.variables}
    for entry in deployment(service)["env"]:
        if entry["name"] in provider_settings:
            assert entry["valueFrom"]["secretKeyRef"].get("optional") is True, entry["name"]
