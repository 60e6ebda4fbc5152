"""The Kubernetes manifests as `kubectl apply -k deploy/kubernetes` sends them (rendered once
per session with `kubectl kustomize`): what each container receives (env, envFrom,
references to the ConfigMap and the Secret) checked against what the code reads and
requires at start-up; ports, probes and selectors that agree; secrets only by reference,
from the one Secret the README tells the operator to create."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
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
SECRETS = {name for name, variable in DECLARED.items() if variable.secret}
# What the code falls back to without the variable, as its declaration says.
DEFAULTED = {name for name, variable in DECLARED.items() if re.search(r"\bdefault\b", variable.description)}
# A provider is on exactly when its credentials are there, so each of its settings may be absent.
OPTIONAL = {variable.name for provider in REGISTRY.values() for variable in provider.variables}
PROVIDER_CREDENTIALS = {
    variable.name for provider in REGISTRY.values() for variable in provider.variables if variable.credential
}
# What the Secret must hold for any service to start: the secrets that are not a provider's.
REQUIRED_SECRET_KEYS = SECRETS - OPTIONAL


@dataclass(frozen=True)
class Received:
    """One environment variable as the container's process gets it, and where from."""

    value: str
    source: str  # "manifest" (written inline), "ConfigMap" or "Secret"


class PodWouldNotStart(Exception):
    """Kubernetes refuses to start the container: a key it references is not in the Secret."""


@dataclass(frozen=True)
class Manifests:
    """The rendered documents."""

    documents: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [document for document in self.documents if document["kind"] == kind]

    def config_map_data(self, name: str) -> dict[str, str]:
        found = {config["metadata"]["name"]: config["data"] for config in self.of_kind("ConfigMap")}
        assert name in found, f"deploy/kubernetes has no ConfigMap {name}"
        return found[name]

    def deployment(self, service: str) -> dict:
        [found] = [d for d in self.of_kind("Deployment") if component(d) == service]
        return found

    def container(self, service: str) -> dict:
        [only] = self.deployment(service)["spec"]["template"]["spec"]["containers"]
        return only

    def containers(self) -> list[dict]:
        return [self.container(service) for service in SERVICES]

    def reconcile_container(self) -> dict:
        [job] = self.of_kind("CronJob")
        [only] = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        return only

    def received(self, container: dict, secret: dict[str, str]) -> dict[str, Received]:
        """The environment Kubernetes gives the container when the Secret holds `secret`:
        envFrom first (a later source over an earlier one), env entries over it."""
        environment = {}
        for source in container.get("envFrom", []):
            environment.update(self._from_source(source, secret))
        for entry in container.get("env", []):
            value = self._from_entry(entry, secret)
            if value is not None:
                environment[entry["name"]] = value
        return environment

    def _from_source(self, source: dict, secret: dict[str, str]) -> dict[str, Received]:
        if "configMapRef" in source:
            data = self.config_map_data(source["configMapRef"]["name"])
            return {name: Received(value, "ConfigMap") for name, value in data.items()}
        assert source["secretRef"]["name"] == documented_secret()
        return {name: Received(value, "Secret") for name, value in secret.items()}

    def _from_entry(self, entry: dict, secret: dict[str, str]) -> Received | None:
        """The entry's value; None for an optional Secret key that is not there."""
        if "value" in entry:
            return Received(entry["value"], "manifest")
        reference = entry["valueFrom"]
        if "configMapKeyRef" in reference:
            key = reference["configMapKeyRef"]
            return Received(self.config_map_data(key["name"])[key["key"]], "ConfigMap")
        key = reference["secretKeyRef"]
        if key["key"] in secret:
            return Received(secret[key["key"]], "Secret")
        if key.get("optional"):
            return None
        raise PodWouldNotStart(key["key"])

    def settings_at_start(self, service: str, secret: dict[str, str]) -> Settings:
        """What the service's start-up check makes of what the container receives."""
        received = self.received(self.container(service), secret)
        required = importlib.import_module(f"{service}.app").REQUIRED_SETTINGS
        return read_settings({name: variable.value for name, variable in received.items()}).require(*required)


@pytest.fixture(scope="session")
def manifests() -> Manifests:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip(
            "kubectl is not installed: these tests read deploy/kubernetes as `kubectl kustomize` renders it "
            "(install kubectl 1.22 or newer, see https://kubernetes.io/docs/tasks/tools/)"
        )
    rendered = subprocess.run(
        [kubectl, "kustomize", str(MANIFESTS)], capture_output=True, text=True, check=False, timeout=60
    )
    assert rendered.returncode == 0, f"kubectl kustomize deploy/kubernetes failed:\n{rendered.stderr}"
    return Manifests([document for document in yaml.safe_load_all(rendered.stdout) if document])


def documented_secret() -> str:
    [name] = re.findall(r"kubectl create secret generic (\S+)", (ROOT / "README.md").read_text())
    return name


def component(document: dict) -> str:
    return document["metadata"]["labels"]["app.kubernetes.io/component"]


def secret_holding(keys) -> dict[str, str]:
    return {key: f"{key.lower()}-value" for key in keys}


def port_number(container: dict, port: int | str) -> int:
    """A port as a number: named ports are the container's."""
    if isinstance(port, int):
        return port
    [number] = [declared["containerPort"] for declared in container["ports"] if declared["name"] == port]
    return number


def kustomized(directory: Path) -> set[Path]:
    """The kustomization in `directory` and every file its resources reach."""
    kustomization = directory / "kustomization.yaml"
    files = {kustomization}
    for resource in yaml.safe_load(kustomization.read_text())["resources"]:
        path = (directory / resource).resolve()
        files |= kustomized(path) if path.is_dir() else {path}
    return files


def test_every_manifest_file_is_reached_from_the_top_kustomization():
    assert kustomized(MANIFESTS) == set(MANIFESTS.rglob("*.yaml"))


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_starts_with_the_required_secret_keys_alone_and_no_provider_on(manifests, service):
    assert manifests.settings_at_start(service, secret_holding(REQUIRED_SECRET_KEYS)).providers == {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_provider_is_on_when_the_secret_holds_every_provider_credential(manifests, service):
    settings = manifests.settings_at_start(service, secret_holding(REQUIRED_SECRET_KEYS | PROVIDER_CREDENTIALS))
    assert set(settings.providers) == set(REGISTRY)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("key", sorted(REQUIRED_SECRET_KEYS))
def test_the_pod_does_not_start_without_a_required_secret_key(manifests, service, key):
    with pytest.raises(PodWouldNotStart, match=key):
        manifests.received(manifests.container(service), secret_holding(REQUIRED_SECRET_KEYS - {key}))


@pytest.mark.parametrize("service", SERVICES)
def test_a_new_providers_credentials_reach_the_container_without_a_manifest_change(manifests, service):
    secret = secret_holding(REQUIRED_SECRET_KEYS | {"SIXTH_PROVIDER_API_KEY"})
    environment = manifests.received(manifests.container(service), secret)
    assert environment["SIXTH_PROVIDER_API_KEY"] == Received(secret["SIXTH_PROVIDER_API_KEY"], "Secret")


@pytest.mark.parametrize("service", SERVICES)
def test_the_container_receives_every_setting_the_code_reads_and_no_other(manifests, service):
    secret = secret_holding(REQUIRED_SECRET_KEYS | PROVIDER_CREDENTIALS)
    environment = manifests.received(manifests.container(service), secret)
    assert environment["SERVICE"].value == service
    assert set(environment) - RUNTIME <= set(DECLARED)
    missing = set(DECLARED) - set(environment) - DEFAULTED
    assert not missing, f"add {sorted(missing)} to deploy/kubernetes/configmap.yaml"


@pytest.mark.parametrize("service", SERVICES)
def test_secrets_reach_the_container_only_from_the_secret(manifests, service):
    secret = secret_holding(REQUIRED_SECRET_KEYS | PROVIDER_CREDENTIALS)
    environment = manifests.received(manifests.container(service), secret)
    elsewhere = {name for name in SECRETS & set(environment) if environment[name].source != "Secret"}
    assert not elsewhere, f"{sorted(elsewhere)} must come from the Secret"


def test_no_secret_is_in_the_manifests(manifests):
    assert not manifests.of_kind("Secret")
    for config in manifests.of_kind("ConfigMap"):
        assert not SECRETS & set(config["data"])


def named_secret_keys(container: dict) -> dict[str, dict]:
    """The container's variables taken from one key of a Secret, with their references."""
    return {
        entry["name"]: entry["valueFrom"]["secretKeyRef"]
        for entry in container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }


def test_secret_references_name_the_documented_secret_and_only_the_required_keys(manifests):
    secret = documented_secret()
    for container in [*manifests.containers(), manifests.reconcile_container()]:
        # Not optional: without the Secret, no pod starts.
        assert [source for source in container["envFrom"] if "secretRef" in source] == [{"secretRef": {"name": secret}}]
        for name, reference in named_secret_keys(container).items():
            assert reference == {"name": secret, "key": name}
    for container in manifests.containers():
        assert set(named_secret_keys(container)) == REQUIRED_SECRET_KEYS


@pytest.mark.parametrize("service", SERVICES)
def test_port_probes_and_service_agree(manifests, service):
    container = manifests.container(service)
    [declared] = container["ports"]
    port = declared["containerPort"]
    secret = secret_holding(REQUIRED_SECRET_KEYS)
    assert int(manifests.received(container, secret)["PORT"].value) == port
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"
        assert port_number(container, container[probe]["httpGet"]["port"]) == port
    [kubernetes_service] = [s for s in manifests.of_kind("Service") if component(s) == service]
    assert [port_number(container, p["targetPort"]) for p in kubernetes_service["spec"]["ports"]] == [port]
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_selects_the_deployments_pods_with_the_selector_already_deployed(manifests, service):
    deployment = manifests.deployment(service)
    selector = deployment["spec"]["selector"]["matchLabels"]
    # A Deployment's selector cannot change in a cluster: `kubectl apply` would fail on it.
    assert selector == {"app.kubernetes.io/name": "payment-connector", "app.kubernetes.io/component": service}
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    [kubernetes_service] = [s for s in manifests.of_kind("Service") if component(s) == service]
    assert kubernetes_service["spec"]["selector"] == selector


def test_services_and_autoscalers_point_at_the_deployments(manifests):
    deployments = {d["metadata"]["name"] for d in manifests.of_kind("Deployment")}
    assert deployments == {f"payment-connector-{service}" for service in SERVICES}
    autoscalers = manifests.of_kind("HorizontalPodAutoscaler")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers} == deployments
    assert {s["metadata"]["name"] for s in manifests.of_kind("Service")} == deployments


def test_every_container_names_its_image_with_a_tag(manifests):
    for container in [*manifests.containers(), manifests.reconcile_container()]:
        name, _, tag = container["image"].rpartition(":")
        assert name and tag and "/" not in tag and tag != "latest", f"{container['image']}: set its tag"


def test_the_reconciliation_job_runs_the_reconcile_command_in_the_services_image(manifests):
    job = manifests.reconcile_container()
    assert job["command"] == ["python", "-m", "notification.reconcile"]
    assert {job["image"]} == {container["image"] for container in manifests.containers()}
    [cron] = manifests.of_kind("CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "Never"


@pytest.mark.parametrize("every_provider", [False, True])
def test_the_reconciliation_job_gets_the_services_configuration_by_reference(manifests, every_provider):
    job = manifests.reconcile_container()
    assert all(job["envFrom"] == container["envFrom"] for container in manifests.containers())
    secret = secret_holding(REQUIRED_SECRET_KEYS | (PROVIDER_CREDENTIALS if every_provider else set()))
    environment = manifests.received(job, secret)
    assert {name for name, variable in environment.items() if variable.source == "Secret"} == set(secret)
    settings = read_settings({name: variable.value for name, variable in environment.items()})
    assert set(settings.providers) == (set(REGISTRY) if every_provider else set())
