"""The deployment files of docs/deploy.md, checked without a registry or a cluster: every Kubernetes
manifest under deploy/k8s validates against the official schema of its kind (vendored, strict: an
unknown field fails), the topology is the one the issue asks for, the Dockerfile's key properties
hold (pinned base, non-root user, the model trained in the build), and compose.yaml wires two
replicas of Rasa and of the action server behind the web service."""
from __future__ import annotations

import json
import re
import shlex
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.settings import PROJECT_ROOT

K8S_DIR = PROJECT_ROOT / "deploy" / "k8s"
SCHEMA_DIR = K8S_DIR / "schemas"
SCHEMAS = {("apps/v1", "Deployment"): "deployment-apps-v1", ("v1", "Service"): "service-v1",
           ("v1", "Secret"): "secret-v1", ("v1", "ConfigMap"): "configmap-v1", ("batch/v1", "Job"): "job-batch-v1",
           ("autoscaling/v2", "HorizontalPodAutoscaler"): "horizontalpodautoscaler-autoscaling-v2"}
SECRET_KEYS = {"DATA_KEYS", "LOOKUP_KEY", "RASA_TOKEN", "ACTIONS_TOKEN"}


def manifests() -> List[Tuple[str, Dict[str, Any]]]:
    return [(path.name, doc) for path in sorted(K8S_DIR.glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def validator(document: Dict[str, Any]) -> Draft202012Validator:
    name = SCHEMAS[(document["apiVersion"], document["kind"])]
    return Draft202012Validator(json.loads((SCHEMA_DIR / f"{name}.json").read_text()))


def errors(document: Dict[str, Any]) -> List[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(document).iter_errors(document)]


def by_kind(kind: str) -> Dict[str, Dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests() if doc["kind"] == kind}


@pytest.mark.parametrize("source,document", manifests(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_each_manifest_is_valid_for_its_kind(source, document):
    assert (document["apiVersion"], document["kind"]) in SCHEMAS, f"{source}: no schema for {document['kind']}"
    assert errors(document) == [], source


def test_the_schemas_reject_what_kubernetes_would():
    deployment = by_kind("Deployment")["web"]
    wrong_type = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    unknown_field = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    no_selector = {**deployment, "spec": {k: v for k, v in deployment["spec"].items() if k != "selector"}}
    for broken in (wrong_type, unknown_field, no_selector):
        assert errors(broken), broken["spec"].keys()


def test_the_topology_web_rasa_actions_outbox_with_probes_services_and_autoscalers():
    deployments = by_kind("Deployment")
    assert set(deployments) == {"web", "rasa", "actions", "outbox"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0, name
        for container in pod["containers"]:
            assert "readinessProbe" in container and "livenessProbe" in container, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert {"configMapRef": {"name": "clinic-config"}} in container["envFrom"], name
            assert {"secretRef": {"name": "clinic-secrets"}} in container["envFrom"], name
    assert set(by_kind("Service")) == {"web", "rasa", "actions"}  # the outbox serves nothing
    for name, service in by_kind("Service").items():
        assert service["spec"]["selector"] == deployments[name]["spec"]["selector"]["matchLabels"]
    autoscalers = {doc["spec"]["scaleTargetRef"]["name"] for doc in by_kind("HorizontalPodAutoscaler").values()}
    assert autoscalers == {"rasa", "actions"}
    assert SECRET_KEYS <= set(by_kind("Secret")["clinic-secrets"]["stringData"])
    config = by_kind("ConfigMap")["clinic-config"]["data"]
    assert config["REDIS_URL"].startswith("redis://") and config["RASA_URLS"] and config["ACTIONS_URL"]
    assert not SECRET_KEYS & set(config), "keys belong in the Secret"


def dockerfile_instructions(text: str) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continued lines joined."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    lines = [raw.strip() for raw in joined.splitlines() if raw.strip()]
    return [(line.split(None, 1)[0].upper(), (line.split(None, 1) + [""])[1]) for line in lines]


def dockerfile_problems(text: str) -> List[str]:
    """What breaks the rules: every base an exact python tag (or a digest), a build stage that
    installs requirements.lock and trains the model (dropping var/'s development secrets), a run
    stage that copies the build and ends as a non-root USER."""
    instructions = dockerfile_instructions(text)
    args = dict(value.split("=", 1) for kind, value in instructions if kind == "ARG" and "=" in value)
    stages = [i for i, (kind, _) in enumerate(instructions) if kind == "FROM"]
    if len(stages) < 2:
        return ["a build stage and a run stage"]
    problems = []
    for index in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), instructions[index][1].split()[0])
        name, _, tag = image.partition("@")[0].partition(":")
        if name != "python" or not (re.fullmatch(r"\d+\.\d+\.\d+-slim-\w+", tag) or "@sha256:" in image):
            problems.append(f"FROM {image}: not pinned")
    run_stage = instructions[stages[-1]:]
    users = [value.split(":")[0] for kind, value in run_stage if kind == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("runs as root")
    build_runs = " ".join(value for kind, value in instructions[:stages[-1]] if kind == "RUN")
    for needed in ("requirements.lock", "-m bot train", "rm -rf /app/var"):
        if needed not in build_runs:
            problems.append(f"the build does not run {needed!r}")
    if not any(kind == "COPY" and value.startswith("--from=build") for kind, value in run_stage):
        problems.append("the run stage does not copy the build (and its model)")
    return problems


def test_the_dockerfile_pins_its_base_runs_as_a_user_and_trains_the_model():
    assert dockerfile_problems((PROJECT_ROOT / "Dockerfile").read_text()) == []


def test_the_dockerfile_check_catches_each_broken_rule():
    good = (PROJECT_ROOT / "Dockerfile").read_text()
    assert dockerfile_problems(good.replace("USER 10001:10001", "USER root")) == ["runs as root"]
    assert dockerfile_problems(good + "\nUSER 0\n") == ["runs as root"]
    assert dockerfile_problems(good.replace("python:3.10.13-slim-bookworm\n", "python:3.10-slim\n")) == [
        "FROM python:3.10-slim: not pinned"] * 2
    assert dockerfile_problems(good.replace("-m bot train", "-m bot check-profile")) == [
        "the build does not run '-m bot train'"]


def test_compose_runs_two_replicas_of_rasa_and_actions_behind_the_web_service():
    services = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())["services"]
    expected = {"postgres", "redis", "migrate", "rasa-1", "rasa-2", "actions-1", "actions-2", "web", "outbox"}
    assert expected <= set(services)
    for index in (1, 2):
        rasa = services[f"rasa-{index}"]
        assert rasa["environment"]["ACTIONS_URL"] == f"http://actions-{index}:5055/webhook"
        assert "rasa_plugins.rasa_server" in shlex.join(rasa["command"])
    assert services["web"]["environment"]["RASA_URLS"] == "http://rasa-1:5005,http://rasa-2:5005"
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://")
