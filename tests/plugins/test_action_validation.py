"""The cached check of the action server's answers accepts exactly what Rasa's own check accepts, rejects what it
rejects with the same error, and is what a RemoteAction uses once installed."""
from __future__ import annotations

import copy
import random

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from rasa_plugins import action_validation

ORIGINAL = RemoteAction._validate_action_result  # Rasa's, before any install()

# Answers as the project's action server sends them (slots, a follow-up, a form's events, responses).
VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "commune", "value": "Douai", "timestamp": None}],
     "responses": [{"response": "utter_bud_commune_in_zone", "commune": "Douai"}]},
    {"events": [{"event": "slot", "name": "requested_slot", "value": None},
                {"event": "active_loop", "name": None},
                {"event": "followup", "name": "action_bud_verdict"}],
     "responses": [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]},
    {"events": [{"event": "bot", "text": "x", "data": {}, "metadata": {}},
                {"event": "pause"}, {"event": "resume"}, {"event": "restart"}, {"event": "reset_slots"},
                {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
                {"event": "entities", "entities": [{"entity": "commune", "value": "Lens", "start": 0, "end": 4}]},
                {"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm", "confidence": 0.9},
                                                                "entities": []}}],
     "responses": [{"template": "utter_x"}, {"custom": {"a": 1}}]},
]

# Answers Rasa refuses: wrong types, unknown events, missing required fields, malformed nested values.
INVALID = [
    [],
    "events",
    None,
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": "commune"}]},  # no value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "commune", "value": 1}]},  # no event type
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": ["slot"]},
    {"responses": "utter_greet"},
    {"responses": ["utter_greet"]},
    {"events": [{"event": "entities", "entities": [{"entity": "commune"}]}]},
    {"events": [{"event": "user", "parse_data": {"intent": {"name": 7}}}]},
    {"events": [{"event": "action", "confidence": "high"}]},
    {"events": [{"event": "action", "hide_rule_turn": "yes"}]},
]


def outcome(validate, result) -> tuple[bool, str, tuple]:
    """(accepted, error message, error path) of one check."""
    try:
        assert validate(RemoteAction("action_x", None), result) is True
        return True, "", ()
    except jsonschema.ValidationError as error:
        return False, error.message, tuple(error.absolute_path)


def mutations(count: int = 300, seed: int = 14) -> list:
    """Valid answers with one value replaced by a value of another type: many accepted, many refused."""
    rng = random.Random(seed)
    replacements = [None, 1, 1.5, "x", True, [], {}, [1], {"event": "slot"}]
    cases = []
    for _ in range(count):
        case = copy.deepcopy(rng.choice(VALID[1:]))
        node, key = case, None
        for _depth in range(rng.randint(1, 4)):  # walk down a random branch
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            children = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v] or children
            if not children:
                break
            key, child = rng.choice(children)
            if not isinstance(child, (dict, list)) or not child:
                break
            node = child
        if key is not None and isinstance(node, (dict, list)):
            target = node if (isinstance(node, dict) and key in node) or (isinstance(node, list) and isinstance(key, int) and key < len(node)) else case
            if target is case and key not in case:
                key = rng.choice(list(case))
            target[key] = rng.choice(replacements)
        cases.append(case)
    return cases


@pytest.mark.parametrize("result", VALID)
def test_what_rasa_accepts_is_accepted(result):
    assert outcome(ORIGINAL, result) == (True, "", ())
    assert outcome(action_validation.validate_action_result, result) == (True, "", ())


@pytest.mark.parametrize("result", INVALID)
def test_what_rasa_rejects_is_rejected_with_the_same_error(result):
    original = outcome(ORIGINAL, result)
    assert original[0] is False  # the table holds answers that Rasa's own check refuses
    assert outcome(action_validation.validate_action_result, result) == original
    assert "Failed to validate Action server response" in original[1]


def test_mutated_answers_get_the_same_verdict_and_error():
    cases = mutations()
    verdicts = [(outcome(ORIGINAL, c), outcome(action_validation.validate_action_result, c)) for c in cases]
    assert all(original == cached for original, cached in verdicts)
    refused = sum(not original[0] for original, _ in verdicts)
    assert 30 <= refused <= len(cases) - 30, refused  # both sides of the boundary are exercised


def test_installed_it_is_what_remote_actions_use(monkeypatch):
    monkeypatch.setattr(action_validation, "_installed", False)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", ORIGINAL)
    action_validation.install()
    action = RemoteAction("validate_bud_form", None)
    assert RemoteAction._validate_action_result is action_validation.validate_action_result
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}]}) is True
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "name": "a"}]})


def test_the_validator_is_built_once():
    assert action_validation.validator() is action_validation.validator()
