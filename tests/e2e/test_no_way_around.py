"""No way around the gateway (issue #11 point 5), against the running assistant: the action server
and Rasa's REST channel refuse callers without the shared secret, nothing listens beyond
127.0.0.1, Rasa's telemetry is off, and no secret is on any process's command line."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.stack

ACTION_CALL = {"next_action": "action_that_does_not_exist", "sender_id": "someone", "version": "3.6.2",
               "tracker": {"sender_id": "someone", "slots": {}, "events": [], "latest_message": {}},
               "domain": {}}


def actions_url(stack) -> str:
    return f"http://127.0.0.1:{stack.settings.actions_port}"


def test_the_action_server_refuses_calls_without_the_secret(stack):
    url = actions_url(stack)
    assert httpx.post(f"{url}/webhook", json=ACTION_CALL, timeout=10).status_code == 401
    wrong = {"Authorization": f"Bearer {stack.settings.rasa_token}"}  # another secret is not this one
    assert httpx.post(f"{url}/webhook", json=ACTION_CALL, headers=wrong, timeout=10).status_code == 401
    assert httpx.get(f"{url}/actions", timeout=10).status_code == 401
    assert httpx.get(f"{url}/health", timeout=10).status_code == 200
    right = {"Authorization": f"Bearer {stack.settings.actions_token}"}
    # past the guard: rasa-sdk itself answers that the action does not exist
    assert httpx.post(f"{url}/webhook", json=ACTION_CALL, headers=right, timeout=10).status_code == 404
    assert {"name": "action_book_consultation"} in httpx.get(f"{url}/actions", headers=right, timeout=10).json()
    assert httpx.get(f"{url}/nowhere", headers=right, timeout=10).status_code == 404


def test_rasa_calls_the_action_server_with_the_secret(stack):
    """A conversation whose first answer comes from a custom action works: Rasa sends the secret."""
    reply = stack.rest("no-way-around-1", "my armpits sweat through every shirt")
    assert reply and any(message.get("buttons") for message in reply)


def test_the_rest_channel_refuses_callers_without_the_token(stack):
    webhook = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "no-way-around-2", "message": "/give_consent"}
    assert httpx.post(webhook, json=body, timeout=30).status_code == 401
    assert httpx.post(webhook, json=body, headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 401
    assert httpx.post(webhook, json=body, params={"token": "wrong"}, timeout=30).status_code == 401
    assert httpx.post(webhook, json=body, params={"token": stack.settings.rasa_token}, timeout=60).status_code == 200
    assert stack.rest("no-way-around-2", "hello") is not None  # the gateway's way: the Bearer header


def process_tree(root: int) -> list:
    """`root` and every process below it (Sanic and TensorFlow may start their own)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def test_no_secret_on_a_command_line_and_telemetry_off(stack):
    secrets = [stack.settings.rasa_token, stack.settings.secret_key, stack.settings.actions_token]
    checked = 0
    for name, pid in stack.pids.items():
        for process in process_tree(pid):
            try:
                command_line = Path(f"/proc/{process}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            checked += 1
            assert not [s for s in secrets if s in command_line], f"{name}: a secret in {command_line!r}"
    assert checked >= 3
    rasa_environment = Path(f"/proc/{stack.pids['rasa']}/environ").read_bytes().split(b"\0")
    assert b"RASA_TELEMETRY_ENABLED=false" in rasa_environment


def listening_addresses(port: int) -> set:
    """The local addresses (hex, as /proc/net/tcp* writes them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_every_service_listens_on_127_0_0_1_only(stack):
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (stack.settings.rasa_port, stack.settings.actions_port, stack.settings.web_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)
