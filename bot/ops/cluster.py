"""`python -m bot run-cluster` (`make run-cluster`): the scale-out topology on one machine (issue #12).

Two Rasa replicas (RASA_PORT and the port after it) and two action servers (ACTIONS_PORT and the
port after it; replica n calls action server n), the web service as several uvicorn workers
(WEB_WORKERS, default 2) spreading conversations over the replicas (RASA_URLS), and the mail sender.
They share PostgreSQL (the tracker store and the intake store) and Redis (Rasa's lock store, the
gateway's rate limits and offered buttons), so any replica can take any turn of any conversation.
The Supervisor of bot.ops.runner keeps every child running. docs/deploy.md shows the same topology
in containers (compose.yaml) and on Kubernetes (deploy/k8s/).
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import Dict, List, Tuple

from bot.ops.runner import (
    actions_command,
    child_environment,
    outbox_command,
    rasa_server_command,
    service_settings,
    supervise,
    web_command,
)
from bot.settings import MEMORY_STORE, Settings

REPLICAS = 2
DEFAULT_WEB_WORKERS = 2


def check_cluster_settings(settings: Settings) -> None:
    """What every replica must share: a clear error naming the missing setting."""
    if not settings.database_url.startswith("postgresql"):
        raise ValueError("run-cluster needs DATABASE_URL set to PostgreSQL (e.g. "
                         "postgresql://postgres@127.0.0.1:5432/clinic): the replicas share the tracker and "
                         "intake store, which SQLite cannot serve to several processes safely")
    if not settings.lock_store_url:
        raise ValueError("run-cluster needs REDIS_URL (or LOCK_STORE_URL), e.g. redis://127.0.0.1:6379/1: "
                         "the replicas share Rasa's lock store")
    if settings.rate_limit_store == MEMORY_STORE:
        raise ValueError("run-cluster needs REDIS_URL (or RATE_LIMIT_STORE set to a Redis URL): the gateway's "
                         "workers share their rate limits and offered buttons")


def replica_urls(settings: Settings, replicas: int = REPLICAS) -> Tuple[str, ...]:
    return tuple(f"http://127.0.0.1:{settings.rasa_port + index}" for index in range(replicas))


Commands = Dict[str, List[str]]
Environments = Dict[str, Dict[str, str]]


def cluster_plan(settings: Settings, replicas: int = REPLICAS) -> Tuple[Commands, Environments]:
    """Every child's command line and environment (no secret on a command line)."""
    check_cluster_settings(settings)
    urls = replica_urls(settings, replicas)
    base = child_environment(settings)
    commands: Commands = {}
    envs: Environments = {}
    for index in range(replicas):
        actions_port = settings.actions_port + index
        commands[f"actions-{index + 1}"] = actions_command(actions_port)
        envs[f"actions-{index + 1}"] = base
        commands[f"rasa-{index + 1}"] = rasa_server_command(settings.rasa_port + index)
        envs[f"rasa-{index + 1}"] = {**base, "ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook"}
    web_settings = replace(settings, rasa_urls=urls)
    commands["web"] = web_command(web_settings, settings.web_workers or DEFAULT_WEB_WORKERS)
    envs["web"] = {**base, "RASA_URLS": ",".join(urls)}
    commands["outbox"] = outbox_command()
    envs["outbox"] = base
    return commands, envs


def health_urls(settings: Settings, replicas: int = REPLICAS) -> Dict[str, str]:
    """Each child's health check (the outbox has none), as tests and operators poll them."""
    urls = {f"rasa-{index + 1}": f"{url}/status?token={settings.rasa_token}"  # Rasa's API takes no header
            for index, url in enumerate(replica_urls(settings, replicas))}
    urls.update({f"actions-{index + 1}": f"http://127.0.0.1:{settings.actions_port + index}/health"
                 for index in range(replicas)})
    urls["web"] = f"http://127.0.0.1:{settings.web_port}/health"
    return urls


def run_cluster() -> int:
    settings = service_settings()
    try:
        commands, envs = cluster_plan(settings)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    ports = ", ".join(url.rsplit(":", 1)[1] for url in replica_urls(settings))
    return supervise(commands, envs,
                     f"Starting the cluster: web on http://{settings.web_host}:{settings.web_port}/ "
                     f"({settings.web_workers or DEFAULT_WEB_WORKERS} workers); Rasa replicas on 127.0.0.1:{ports}; "
                     f"action servers from 127.0.0.1:{settings.actions_port}; the mail sender. "
                     "Rasa takes about a minute to load. Ctrl-C stops everything.")
