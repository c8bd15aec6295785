"""`python -m rasa_plugins.rasa_server <rasa arguments>`: the rasa CLI, with the HTTP API token
taken from the settings (RASA_TOKEN) instead of the command line, where `ps` shows it to every
user of the machine, with log records redacted (bot.adapters.log_redaction), and with action server
responses validated without re-checking Rasa's schema each time (rasa_plugins.remote_actions).

`python -m bot run`, `shell` and `rasa` start Rasa through this module. The token is added to the
arguments inside this process only, for the commands that take one (run, shell).
"""
from __future__ import annotations

import sys

from bot.adapters import log_redaction
from bot.settings import load_settings

TOKEN_COMMANDS = ("run", "shell")


def arguments_with_token(args: list, token: str) -> list:
    """`args` with `--auth-token token` added when the command takes one."""
    if args and args[0] in TOKEN_COMMANDS and (len(args) < 2 or args[1] != "actions"):
        return [*args, "--auth-token", token]
    return list(args)


def main() -> None:
    log_redaction.install()
    args = sys.argv[1:]
    token = load_settings().rasa_token or ""
    with_token = arguments_with_token(args, token)
    if with_token != args and not token:
        raise SystemExit("RASA_TOKEN is not set: start Rasa with `python -m bot run`")
    sys.argv = ["rasa", *with_token]
    from rasa.__main__ import main as rasa_main  # loads TensorFlow: after the checks above

    from rasa_plugins import remote_actions

    remote_actions.install()
    rasa_main()


if __name__ == "__main__":
    main()
