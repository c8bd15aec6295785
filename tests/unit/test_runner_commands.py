"""The services' command lines and environment (bot.ops.runner, bot.ops.cluster): no secret on a command line
(where `ps` shows it to every user), Rasa and the action server on 127.0.0.1 (`make shell` too),
Rasa's telemetry off, the secrets handed over in the environment."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.ops.cluster import cluster_plan
from bot.ops.runner import child_environment, server_commands, shell_command, web_command
from bot.settings import MEMORY_STORE, RasaRouting, load_settings
from tests.support import settings_for

SETTINGS = settings_for("sqlite://", rasa_token="rasa-secret-1", secret_key="web-secret-2",
                        actions_token="actions-secret-3", rasa_port=5101, actions_port=5102, web_port=5103)
SECRETS = ("rasa-secret-1", "web-secret-2", "actions-secret-3")


def test_no_command_line_carries_a_secret():
    commands = [*server_commands(SETTINGS).values(), shell_command(SETTINGS)]
    for command in commands:
        assert not [secret for secret in SECRETS if any(secret in arg for arg in command)], command
        assert "--auth-token" not in command


def test_rasa_and_the_action_server_bind_to_127_0_0_1():
    commands = server_commands(SETTINGS)
    for command in (commands["rasa"], shell_command(SETTINGS)):
        assert command[command.index("-i") + 1] == "127.0.0.1"
        assert command[1:3] == ["-m", "rasa_plugins.rasa_server"]  # adds RASA_TOKEN inside the process
    assert commands["actions"][1:3] == ["-m", "rasa_plugins.action_server"]  # binds 127.0.0.1 itself


def test_the_children_get_the_secrets_and_no_telemetry():
    env = child_environment(SETTINGS)
    assert (env["RASA_TOKEN"], env["SECRET_KEY"], env["ACTIONS_TOKEN"]) == SECRETS
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["SANIC_HOST"] == "127.0.0.1" and env["ACTIONS_PORT"] == "5102"
    assert env["ACTIONS_URL"] == "http://127.0.0.1:5102/webhook"  # endpoints.yml's action endpoint



# ---- run-cluster (bot.ops.cluster) ------------------------------------------------------------

CLUSTER = replace(SETTINGS, database_url="postgresql://postgres@127.0.0.1:5432/test",
                  redis_url="redis://127.0.0.1:6379/1", lock_store_url="redis://127.0.0.1:6379/1",
                  rate_limit_store="redis://127.0.0.1:6379/1")


def test_run_cluster_refuses_sqlite_and_a_missing_redis_naming_the_setting():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        cluster_plan(replace(CLUSTER, database_url="sqlite:///var/clinic.db"))
    with pytest.raises(ValueError, match="REDIS_URL"):
        cluster_plan(replace(CLUSTER, lock_store_url=None))
    with pytest.raises(ValueError, match="RATE_LIMIT_STORE"):
        cluster_plan(replace(CLUSTER, rate_limit_store=MEMORY_STORE))


def test_run_cluster_pairs_each_replica_with_its_action_server_and_the_web_workers_with_both():
    commands, envs = cluster_plan(CLUSTER)
    assert set(commands) == {"actions-1", "actions-2", "rasa-1", "rasa-2", "web", "outbox"}
    for index, (rasa_port, actions_port) in enumerate(((5101, 5102), (5102, 5103)), start=1):
        rasa = commands[f"rasa-{index}"]
        assert rasa[rasa.index("-p") + 1] == str(rasa_port) and rasa[rasa.index("-i") + 1] == "127.0.0.1"
        assert commands[f"actions-{index}"][-1] == str(actions_port)
        assert envs[f"rasa-{index}"]["ACTIONS_URL"] == f"http://127.0.0.1:{actions_port}/webhook"
    assert commands["web"][-2:] == ["--workers", "2"]
    assert envs["web"]["RASA_URLS"] == "http://127.0.0.1:5101,http://127.0.0.1:5102"
    for command in commands.values():
        assert not [secret for secret in SECRETS if any(secret in arg for arg in command)], command


def test_several_web_workers_need_the_shared_store():
    with pytest.raises(ValueError, match="RATE_LIMIT_STORE"):
        web_command(SETTINGS, workers=2)
    assert "--workers" not in web_command(SETTINGS)


# ---- the settings of scale-out (bot.settings) --------------------------------------------------


def test_redis_url_is_the_default_lock_store_and_gateway_store(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    for name in ("LOCK_STORE_URL", "RATE_LIMIT_STORE", "RASA_URLS", "RASA_ROUTING", "WEB_WORKERS"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.lock_store_url == settings.rate_limit_store == "redis://cache:6379/1"
    assert settings.rasa_replicas == (settings.rasa_url,) and settings.rasa_routing is RasaRouting.CONVERSATION
    monkeypatch.setenv("RATE_LIMIT_STORE", "memory")
    monkeypatch.setenv("RASA_URLS", "http://a:5005/, http://b:5005")
    monkeypatch.setenv("RASA_ROUTING", "turn")
    settings = load_settings()
    assert settings.rate_limit_store == MEMORY_STORE and settings.lock_store_url == "redis://cache:6379/1"
    assert settings.rasa_replicas == ("http://a:5005", "http://b:5005") and settings.rasa_routing is RasaRouting.TURN


def test_a_wrong_store_or_routing_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "cache:6379")
    with pytest.raises(ValueError, match="REDIS_URL must be a redis://"):
        load_settings()
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("RASA_ROUTING", "random")
    with pytest.raises(ValueError, match="RASA_ROUTING must be one of conversation, turn"):
        load_settings()
