"""rasa_plugins.rasa_server, the rasa CLI started with RASA_TOKEN from the environment (in
integration: the unit tier imports nothing under rasa_plugins, docs/architecture.md)."""
from __future__ import annotations

from rasa_plugins.rasa_server import arguments_with_token


def test_the_rasa_entry_point_adds_the_token_only_where_rasa_takes_one():
    assert arguments_with_token(["run", "--enable-api"], "t") == ["run", "--enable-api", "--auth-token", "t"]
    assert arguments_with_token(["shell", "-i", "127.0.0.1"], "t")[-2:] == ["--auth-token", "t"]
    for args in (["run", "actions"], ["train"], ["data", "validate"], []):
        assert arguments_with_token(args, "t") == args
