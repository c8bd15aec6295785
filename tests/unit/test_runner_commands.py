"""The services' command lines and environment (bot.ops.runner): no secret on a command line
(where `ps` shows it to every user), Rasa and the action server on 127.0.0.1 (`make shell` too),
Rasa's telemetry off, the secrets handed over in the environment."""
from __future__ import annotations

from bot.ops.runner import child_environment, server_commands, shell_command
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

