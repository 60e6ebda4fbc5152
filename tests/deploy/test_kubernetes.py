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

from connector.configuration import read_configuration
from connector.providers import REGISTRY, all_variables, read_settings
from connector.settings import Settings
from connector.tenants import DEPLOYMENT_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
TENANT_MANIFESTS = ROOT / "deploy" / "kubernetes-tenants"
TENANTS_SECRET = "payment-connector-tenants"
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


def rendered(directory: Path) -> Manifests:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip(
            "kubectl is not installed: these tests read deploy/ as `kubectl kustomize` renders it "
            "(install kubectl 1.22 or newer, see https://kubernetes.io/docs/tasks/tools/)"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{result.stderr}"
    return Manifests([document for document in yaml.safe_load_all(result.stdout) if document])


@pytest.fixture(scope="session")
def manifests() -> Manifests:
    return rendered(MANIFESTS)


@pytest.fixture(scope="session")
def tenant_manifests() -> Manifests:
    return rendered(TENANT_MANIFESTS)


def documented_secret() -> str:
    """The Secret of the settings, which the README tells the operator to create."""
    [name] = [name for name in documented_secrets() if name != TENANTS_SECRET]
    return name


def documented_secrets() -> list[str]:
    return re.findall(r"kubectl create secret generic (\S+)", (ROOT / "README.md").read_text())


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
    """The kustomization in `directory` and every file its resources and patches reach."""
    kustomization = directory / "kustomization.yaml"
    files = {kustomization}
    described = yaml.safe_load(kustomization.read_text())
    for resource in described["resources"]:
        path = (directory / resource).resolve()
        files |= kustomized(path) if path.is_dir() else {path}
    files |= {(directory / patch["path"]).resolve() for patch in described.get("patches", []) if "path" in patch}
    return files


def test_every_manifest_file_is_reached_from_a_top_kustomization():
    assert kustomized(MANIFESTS) == set(MANIFESTS.rglob("*.yaml"))
    assert kustomized(TENANT_MANIFESTS) == set(MANIFESTS.rglob("*.yaml")) | set(TENANT_MANIFESTS.rglob("*.yaml"))


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


# -- deploy/kubernetes-tenants: the same, serving the tenants of a configuration document


def readme_tenants_document() -> str:
    """The two-tenant document the README shows."""
    section = (ROOT / "README.md").read_text().split("## Several projects and provider accounts")[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def document_secrets(document: str) -> tuple[set[str], set[str]]:
    """The variables and the files (under the mount) that the document's references name."""
    variables = set(re.findall(r"\$\{env:([^}]+)\}", document))
    files = set(re.findall(r"\$\{file:/etc/payment-connector/([^}]+)\}", document))
    return variables, files


def pod_specs(manifests: Manifests) -> dict[str, dict]:
    """The pod spec of each service and of the reconciliation job."""
    pods = {service: manifests.deployment(service)["spec"]["template"]["spec"] for service in SERVICES}
    [job] = manifests.of_kind("CronJob")
    pods["reconcile"] = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pods


def mounted_files(pod: dict, container: dict) -> dict[str, str]:
    """Where each mounted Secret is in the container: its name by mount path."""
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    return {
        mount["mountPath"]: volumes[mount["name"]]["secret"]["secretName"]
        for mount in container.get("volumeMounts", [])
        if "secret" in volumes[mount["name"]]
    }


def test_the_readme_names_the_tenants_secret():
    assert TENANTS_SECRET in documented_secrets()


@pytest.mark.parametrize("name", [*SERVICES, "reconcile"])
def test_every_container_reads_the_document_from_the_mounted_secret(tenant_manifests, name, tmp_path):
    pod = pod_specs(tenant_manifests)[name]
    [container] = pod["containers"]
    document = readme_tenants_document()
    variables, files = document_secrets(document)
    environment = tenant_manifests.received(container, secret_holding(variables))  # the ${env:} Secret
    assert {name for name, received in environment.items() if received.source == "Secret"} == variables
    path = Path(environment["CONNECTOR_CONFIG_FILE"].value)
    assert mounted_files(pod, container) == {str(path.parent): TENANTS_SECRET}
    assert [m["readOnly"] for m in container["volumeMounts"] if m["mountPath"] == str(path.parent)] == [True]

    # The Secret's keys as the files the mount makes of them, here under tmp_path.
    (tmp_path / path.name).write_text(document.replace("/etc/payment-connector/", f"{tmp_path}/"))
    for key in files:
        (tmp_path / key).write_text(f"{key}-value\n")
    started = {name: received.value for name, received in environment.items()}
    configuration = read_configuration({**started, "CONNECTOR_CONFIG_FILE": str(tmp_path / path.name)})
    assert sorted(configuration.tenants) == ["shop-de", "shop-fr"]
    assert configuration.operations == ("operations", "operations_password-value")


@pytest.mark.parametrize("service", SERVICES)
def test_without_the_document_secret_the_pod_does_not_start(tenant_manifests, service):
    pod = pod_specs(tenant_manifests)[service]
    tenants_volumes = [
        volume for volume in pod["volumes"] if volume.get("secret", {}).get("secretName") == TENANTS_SECRET
    ]
    assert tenants_volumes and not any(volume["secret"].get("optional") for volume in tenants_volumes)


def test_the_tenant_configmap_holds_the_deployments_settings_only(tenant_manifests):
    data = tenant_manifests.config_map_data("payment-connector-config")
    assert set(data) == {"CONNECTOR_CONFIG_FILE", *DEPLOYMENT_VARIABLES}
    for container in tenant_manifests.containers():
        assert not named_secret_keys(container)  # a tenant's secret set beside the document stops start-up
