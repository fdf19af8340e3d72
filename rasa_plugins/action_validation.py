"""The check of the action server's answers, with a JSON-schema validator built once instead of at every call.

Rasa 3.6 checks every answer of the action server (`RemoteAction._validate_action_result`) with
`jsonschema.validate(result, schema)`. That function first checks the schema itself against its meta-schema and
builds a new validator (the schema holds every event type of Rasa), then validates: under load the profile of the
Rasa server showed a quarter to a third of its CPU there, since a form turn calls the action server several times.

`install()` replaces that method by one that validates with a validator built once for the same schema, by the
same validator class (`jsonschema.validators.validator_for`, Draft 4 here), and raises the same error
(`jsonschema.exceptions.best_match` of the errors, with Rasa's message appended): what the original accepted is
accepted, what it rejected is rejected. The schema is Rasa's own (`RemoteAction.action_response_format_spec()`),
checked once when the validator is built. `rasa_plugins.serve` installs it before the Rasa server starts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

_installed = False


@lru_cache(maxsize=1)
def validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does at every call
    return cls(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """The same contract as RemoteAction._validate_action_result: True, or the ValidationError raised."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(validator().iter_errors(result))
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
    """Make every RemoteAction of this process (forms' validation actions included) use the cached validator."""
    global _installed
    from rasa.core.actions.action import RemoteAction

    if not _installed:
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
        _installed = True
