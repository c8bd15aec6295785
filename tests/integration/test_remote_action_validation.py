"""rasa_plugins.remote_actions: Rasa's check of action server responses, with the schema checked once."""
import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from rasa_plugins import remote_actions

VALID = {"events": [{"event": "slot", "name": "concern", "value": "sweating"}],
         "responses": [{"text": "Thank you."}]}
INVALID = {"events": [{"event": "slot", "name": 42}], "responses": "not a list"}


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    remote_actions.install()
    return RemoteAction("action_anything", None)


def test_it_accepts_and_refuses_what_rasas_own_check_does(installed):
    assert installed._validate_action_result(VALID) is True
    with pytest.raises(ValidationError) as refused:
        installed._validate_action_result(INVALID)
    assert "Failed to validate Action server response" in refused.value.message
    with pytest.raises(ValidationError) as stock_refused:  # Rasa's own check, schema and all
        validate(INVALID, RemoteAction.action_response_format_spec())
    assert refused.value.message.startswith(stock_refused.value.message)


def test_the_schema_is_checked_once_per_process(installed):
    remote_actions.response_validator.cache_clear()
    for _ in range(3):
        installed._validate_action_result(VALID)
    info = remote_actions.response_validator.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_the_rasa_entry_point_installs_it(monkeypatch):
    import rasa.__main__

    from rasa_plugins import rasa_server

    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(rasa.__main__, "main", lambda: None)
    monkeypatch.setattr("sys.argv", ["rasa_server", "data", "validate"])
    rasa_server.main()
    assert RemoteAction._validate_action_result is remote_actions.validate_action_result
