"""The Kubernetes manifests: every object valid against a pinned Kubernetes schema (strict: an unknown field is an
error), and the parts wired to each other and to the bot's settings."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from adapters.discord_bot.options import Knobs
from adapters.discord_bot.sharding import shards

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES = "1.32.0"  # the oldest version the manifests promise to apply on (pod-index labels need 1.28)

Doc = dict[str, Any]


def _documents(text: str) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def rendered() -> list[Doc]:
    """The kustomization as `kubectl apply -k` sends it; without kustomize, each of its resources as written."""
    for tool in (["kustomize", "build"], ["kubectl", "kustomize"]):
        if shutil.which(tool[0]):
            done = subprocess.run([*tool, str(K8S)], capture_output=True, text=True, timeout=60, check=True)
            return _documents(done.stdout)
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return [doc for name in kustomization["resources"] for doc in _documents((K8S / name).read_text("utf-8"))]


@pytest.fixture(scope="module")
def objects() -> list[Doc]:
    """Every object the kustomization applies."""
    return rendered()


def one(objects: list[Doc], kind: str, name: str) -> Doc:
    """The object of that kind and name."""
    [found] = [doc for doc in objects if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def containers(objects: list[Doc]) -> Iterator[tuple[str, Doc]]:
    """Every container of every workload, with its workload's name."""
    for doc in objects:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                yield doc["metadata"]["name"], container


def env(container: Doc) -> dict[str, Doc]:
    """A container's explicit environment variables by name."""
    return {item["name"]: item for item in container.get("env", [])}


def test_every_resource_of_the_kustomization_exists() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    for name in kustomization["resources"]:
        assert (K8S / name).is_file(), name


def test_every_object_is_valid_for_the_pinned_kubernetes(objects: list[Doc]) -> None:
    assert {doc["kind"] for doc in objects} >= {
        "Namespace", "ConfigMap", "Deployment", "StatefulSet", "Service", "Ingress", "PodDisruptionBudget",
    }
    example = _documents((K8S / "secret.example.yaml").read_text(encoding="utf-8"))
    for doc in [*objects, *example]:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_a_typo_fails_the_validation(objects: list[Doc]) -> None:
    deployment = one(objects, "Deployment", "nemo-bot-telegram")
    typo = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES, strict=True)


def test_telegram_runs_several_webhook_replicas_with_one_fixed_secret(objects: list[Doc]) -> None:
    deployment = one(objects, "Deployment", "nemo-bot-telegram")
    assert deployment["spec"]["replicas"] > 1
    [bot] = deployment["spec"]["template"]["spec"]["containers"]
    assert bot["args"] == ["telegram"]
    secret = env(bot)["TELEGRAM_WEBHOOK_SECRET"]["valueFrom"]["secretKeyRef"]
    assert not secret.get("optional", False)  # a random secret per replica would refuse the others' updates
    config = one(objects, "ConfigMap", "nemo-video-bot")["data"]
    assert config["TELEGRAM_WEBHOOK_URL"].startswith("https://")
    assert config["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0"
    ports = {port["name"]: port["containerPort"] for port in bot["ports"]}
    assert ports["webhook"] == int(config["TELEGRAM_WEBHOOK_PORT"])
    assert ports["health"] == int(config["HEALTH_PORT"])


def test_the_ingress_reaches_the_webhook_at_the_url_s_path(objects: list[Doc]) -> None:
    config = one(objects, "ConfigMap", "nemo-video-bot")["data"]
    ingress = one(objects, "Ingress", "nemo-bot-telegram")
    [rule] = ingress["spec"]["rules"]
    [path] = rule["http"]["paths"]
    assert config["TELEGRAM_WEBHOOK_URL"] == f"https://{rule['host']}{path['path']}"
    assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
    backend = path["backend"]["service"]
    service = one(objects, "Service", backend["name"])
    [port] = [port for port in service["spec"]["ports"] if port["name"] == backend["port"]["name"]]
    assert port["targetPort"] == "webhook"


def test_probes_ask_the_health_port(objects: list[Doc]) -> None:
    for name, container in containers(objects):
        if container["name"] != "bot":
            continue
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}, name
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}, name


def test_every_container_has_resources_and_runs_unprivileged(objects: list[Doc]) -> None:
    for name, container in containers(objects):
        assert container["resources"]["requests"], name
        assert container["resources"]["limits"]["memory"], name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
    for doc in objects:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            assert doc["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_disruption_budgets_and_services_select_their_pods(objects: list[Doc]) -> None:
    workloads = [doc for doc in objects if doc["kind"] in ("Deployment", "StatefulSet")]
    labels = [doc["spec"]["template"]["metadata"]["labels"] for doc in workloads]
    for doc in objects:
        if doc["kind"] == "PodDisruptionBudget":
            wanted = doc["spec"]["selector"]["matchLabels"]
        elif doc["kind"] == "Service":
            wanted = doc["spec"]["selector"]
        else:
            continue
        assert any(wanted.items() <= found.items() for found in labels), doc["metadata"]["name"]
    budgets = {doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for doc in objects
               if doc["kind"] == "PodDisruptionBudget"}
    assert budgets == {"nemo-bot-telegram", "nemo-bot-discord"}


def test_redis_keeps_an_append_only_file_on_a_volume(objects: list[Doc]) -> None:
    redis = one(objects, "StatefulSet", "nemo-redis")
    [container] = redis["spec"]["template"]["spec"]["containers"]
    args = " ".join(container["args"])
    assert "--appendonly yes" in args
    assert "--appendfsync everysec" in args
    [claim] = redis["spec"]["volumeClaimTemplates"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in container["volumeMounts"]
    config = one(objects, "ConfigMap", "nemo-video-bot")["data"]
    service = one(objects, "Service", "nemo-redis")
    assert config["REDIS_URL"] == f"redis://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/0"


def test_the_discord_pods_cover_every_shard_once(objects: list[Doc]) -> None:
    statefulset = one(objects, "StatefulSet", "nemo-bot-discord")
    [bot] = statefulset["spec"]["template"]["spec"]["containers"]
    variables = env(bot)
    count = int(variables["DISCORD_SHARD_COUNT"]["value"])
    per_pod = int(variables["DISCORD_SHARDS_PER_POD"]["value"])
    assert "apps.kubernetes.io/pod-index" in variables["DISCORD_POD_ORDINAL"]["valueFrom"]["fieldRef"]["fieldPath"]
    knobs = Knobs(shard_count=count, shards_per_pod=per_pod)
    name = statefulset["metadata"]["name"]
    slices = [shards(knobs, f"{name}-{ordinal}").ids for ordinal in range(statefulset["spec"]["replicas"])]
    assert sorted(shard for ids in slices for shard in ids or ()) == list(range(count))
    assert [ids is not None and 0 in ids for ids in slices].count(True) == 1  # one pod syncs the commands
