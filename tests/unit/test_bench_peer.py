"""The bench's peer is a bare Rasa bot: its commands must run with only bench/peer on the path."""
from pathlib import Path

from tools.bench import peer


def test_peer_commands_use_rasas_own_cli_not_the_projects_wrapper():
    commands = peer.commands(rasa_port=5005, actions_port=5055)
    for command in commands.values():
        assert Path(command[0]).name == "rasa"
        assert not any("rasa_plugins" in part for part in command)


def test_peer_environment_keeps_the_project_off_the_path(tmp_path):
    env = peer.peer_environment(5055, tmp_path / "tracker.db")
    assert env["PYTHONPATH"] == str(peer.PEER_DIR)
