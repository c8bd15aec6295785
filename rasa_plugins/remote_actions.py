"""Rasa checks every action server response against its response schema with jsonschema.validate,
which first checks the schema itself against the JSON Schema meta-schema. With Rasa's schema of
every event that check is most of the work: in `python -m tools.bench.profile` (2026-12-03, ten
visitors) it was over half of Rasa's time per turn. `install()` gives RemoteAction the same
validation, the same errors and the same message, with the validator built (and the schema
checked) once per process. `python -m rasa_plugins.rasa_server` installs it before Rasa starts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result, as Rasa 3.6 writes it, on the validator built once."""
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
